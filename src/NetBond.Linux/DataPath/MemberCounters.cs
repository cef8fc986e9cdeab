namespace NetBond.Linux;

/// <summary>
/// NetBond's own counters for one member. Each field has one writer: the bond's data-plane thread, or for the
/// Control* fields the control thread, which sends the control plane's frames; a snapshot adds them up. Readers
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

    /// <summary>Monotonic ms of the last IPv6 frame received (bond_rcv_validate's is_ipv6, for arp_validate's filter bit).</summary>
    public long LastRxIpv6Ms;

    /// <summary>The control plane's frames sent (peer notifications, probes, LACPDUs), by the control thread.</summary>
    public long ControlTxPackets;
    public long ControlTxBytes;
    public long ControlLastTxMs;

    public Core.PortCounters Snapshot() =>
        new(RxPackets, RxBytes, RxErrors, RxDropped, TxPackets + ControlTxPackets, TxBytes + ControlTxBytes, TxErrors, TxDropped,
            LastRxMs, Math.Max(LastTxMs, ControlLastTxMs), LastRxIpv6Ms);
}
