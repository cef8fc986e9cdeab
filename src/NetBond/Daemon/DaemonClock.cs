namespace NetBond;

/// <summary>
/// The daemon's clock: CLOCK_MONOTONIC in ms (what the data paths stamp frames with) plus how far `time/warp` moved
/// it. A test moves time as Open vSwitch's `ovs-appctl time/warp` does — in steps, the bonds' timers run after each —
/// instead of waiting out a timer of seconds. Only a daemon started with NETBOND_TIME_WARP=1 takes it: frames keep
/// their real receive times, so a warp makes an ARP monitor think its members went quiet.
/// </summary>
internal sealed class DaemonClock
{
    public const string Variable = "NETBOND_TIME_WARP";

    private long _offset;

    public bool Warpable { get; } = Environment.GetEnvironmentVariable(Variable) == "1";

    public long NowMs => Environment.TickCount64 + Volatile.Read(ref _offset);

    public void Advance(long ms) => Interlocked.Add(ref _offset, ms);
}
