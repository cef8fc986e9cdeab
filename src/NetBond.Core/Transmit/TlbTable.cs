namespace NetBond.Core;

/// <summary>
/// balance-tlb/alb's transmit table with tlb_dynamic_lb=1 (tlb_client_info): 256 hash buckets, each bound on
/// its first frame to the member with the most spare capacity, gap = speed - load; a bucket's load is what it
/// sent in the last interval. The data-path thread alone reads and writes it, without locks; the control plane
/// only asks for a rebalance (every 10 s), which the data path carries out on its next frame. A new plan (a
/// member gone, down, up or made active) is a rebalance too: the kernel clears the buckets of each member it
/// touches, here all are re-placed, so no bucket ever points at a member of an older plan.
/// </summary>
public sealed class TlbTable
{
    public const int Size = 256;

    /// <summary>BOND_TLB_REBALANCE_INTERVAL, seconds: loads are bytes per second over it.</summary>
    public const int RebalanceIntervalSeconds = 10;

    private readonly int[] _member = new int[Size];
    private readonly long[] _txBytes = new long[Size];
    private readonly long[] _loadHistory = new long[Size];
    private long[] _load = [];
    private long _unbalanced;
    private DataPlan? _plan;
    private int _requested;
    private int _served;

    public TlbTable()
    {
        Array.Fill(_member, -1);
    }

    /// <summary>Control thread: re-place every bucket on the next frame (the 10 s rebalance, a member added or up).</summary>
    public void RequestRebalance() => Interlocked.Increment(ref _requested);

    /// <summary>tlb_choose_channel(): the member index for <paramref name="bucket"/>, or -1 when no member can send.</summary>
    public int Choose(DataPlan plan, int bucket, int length)
    {
        int requested = Volatile.Read(ref _requested);
        if (plan != _plan || requested != _served)
        {
            Rebalance(plan);
            _served = requested;
        }
        int member = _member[bucket];
        if (member < 0)
        {
            member = LeastLoaded(plan);
            if (member < 0)
            {
                return -1;
            }
            _member[bucket] = member;
            _load[member] += _loadHistory[bucket];
        }
        _txBytes[bucket] += length;
        return member;
    }

    /// <summary>The member index a bucket is placed on, or -1: what the kernel data path writes into its map.</summary>
    public int Assigned(int bucket) => _member[bucket];

    /// <summary>A frame the table did not place went out the active member: it counts toward the active's load at the next rebalance.</summary>
    public void CountUnbalanced(int length) => _unbalanced += length;

    /// <summary>
    /// tlb_clear_slave(…, save_load=1) for every member, then the active's load from the unbalanced bytes: each
    /// placed bucket keeps 1 + bytes/interval as its load history and waits for its next frame to be placed again.
    /// </summary>
    private void Rebalance(DataPlan plan)
    {
        for (int b = 0; b < Size; b++)
        {
            if (_member[b] >= 0)
            {
                _loadHistory[b] = 1 + (_txBytes[b] / RebalanceIntervalSeconds);
                _txBytes[b] = 0;
                _member[b] = -1;
            }
        }
        if (_load.Length < plan.Members.Length)
        {
            _load = new long[plan.Members.Length];
        }
        Array.Clear(_load);
        if (plan.ActiveIndex >= 0)
        {
            _load[plan.ActiveIndex] = _unbalanced / RebalanceIntervalSeconds;
        }
        _unbalanced = 0;
        _plan = plan;
    }

    /// <summary>
    /// tlb_get_least_loaded_slave(): the largest gap = speed in bits (Mbit/s &lt;&lt; 20) - load in bits (bytes &lt;&lt; 3). In
    /// 64 bits: the kernel shifts a u32 speed, which wraps above 4 Gbit/s; unknown speed counts as 0.
    /// </summary>
    private int LeastLoaded(DataPlan plan)
    {
        int best = -1;
        long bestGap = long.MinValue;
        for (int i = 0; i < plan.Members.Length; i++)
        {
            if (!plan.CanTransmit[i])
            {
                continue;
            }
            long gap = ((long)Math.Max(0, plan.Members[i].Speed) << 20) - (_load[i] << 3);
            if (gap > bestGap)
            {
                best = i;
                bestGap = gap;
            }
        }
        return best;
    }
}
