namespace NetBond.Core;

/// <summary>
/// One port's counters as the data path kept them, with the times (monotonic ms, 0 for never) it last received,
/// sent, and received an IPv6 frame (which arp_validate's filter bit counts as heard).
/// </summary>
public readonly record struct PortCounters(
    long RxPackets, long RxBytes, long RxErrors, long RxDropped,
    long TxPackets, long TxBytes, long TxErrors, long TxDropped,
    long LastRxMs = 0, long LastTxMs = 0, long LastRxIpv6Ms = 0);
