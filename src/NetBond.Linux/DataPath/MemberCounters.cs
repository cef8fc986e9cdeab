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

    /// <summary>Monotonic ms of the last frame received and sent (slave->last_rx, dev_trans_start), for the monitors.</summary>
    public long LastRxMs;
    public long LastTxMs;

    public Core.PortCounters Snapshot() =>
        new(RxPackets, RxBytes, RxErrors, RxDropped, TxPackets, TxBytes, TxErrors, TxDropped, LastRxMs, LastTxMs);
}
