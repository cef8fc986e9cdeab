namespace NetBond.Core;

/// <summary>
/// How regularly a port's partner speaks: when its last LACPDU came and the gaps between its LACPDUs, as a histogram
/// and the longest. A fast-rate partner sends every second and is expired after three: the gaps show a partner (or
/// a path to it) late before it fails, which the kernel's counters cannot.
/// </summary>
public sealed class LacpPduGaps
{
    /// <summary>The buckets' upper bounds in seconds: around the fast period (1 s) and timeout (3 s), and the slow ones (30 s, 90 s).</summary>
    public static readonly double[] BoundsSeconds = [0.5, 1, 1.1, 1.5, 2, 3, 5, 10, 30, 33, 60, 90];

    private long[] _counts = new long[BoundsSeconds.Length + 1];

    /// <summary>When the last LACPDU was received (monotonic ms), or null.</summary>
    public long? LastRxMs { get; private set; }

    /// <summary>Gaps per bucket of <see cref="BoundsSeconds"/>, not cumulative; the last counts the longer ones.</summary>
    public IReadOnlyList<long> Counts => _counts;

    public long Count { get; private set; }
    public long SumMs { get; private set; }
    public long MaxMs { get; private set; }

    internal void Received(long nowMs)
    {
        if (LastRxMs is { } last)
        {
            long gap = nowMs - last;
            int i = 0;
            while (i < BoundsSeconds.Length && gap > BoundsSeconds[i] * 1000)
            {
                i++;
            }
            _counts[i]++;
            Count++;
            SumMs += gap;
            MaxMs = Math.Max(MaxMs, gap);
        }
        LastRxMs = nowMs;
    }

    public LacpPduGaps Copy()
    {
        LacpPduGaps copy = (LacpPduGaps)MemberwiseClone();
        copy._counts = [.. _counts];
        return copy;
    }
}
