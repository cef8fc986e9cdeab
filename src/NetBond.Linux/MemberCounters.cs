namespace NetBond.Linux;

/// <summary>
/// NetBond's own counters for one member. Each field has one writer (the TX thread or the member's RX
/// thread); readers on the control thread may see a value one frame old, never a torn one on 64-bit.
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
