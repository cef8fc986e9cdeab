namespace NetBond.Linux;

/// <summary>
/// NetBond's own counters for one member. Each field has one writer, the bond's data-plane thread (peer
/// notifications from the control thread add to the TX counters atomically); readers on the control thread
/// may see a value one frame old, never a torn one on 64-bit.
/// </summary>
public sealed class MemberCounters
{
    public long RxPackets;
    public long RxBytes;
    public long RxErrors;
    public long RxDropped;
    public long TxPackets;
    public long TxBytes;
    public long TxErrors;
    public long TxDropped;
}
