namespace NetBond.Core;

/// <summary>
/// What a <see cref="Bond"/> asks of the world. Core decides; the host (the Linux platform, or a
/// simulation in tests) carries the decision out. Calls come on the control thread only, and only as
/// effects: what the bond needs to know (carrier, frames, time) is pushed in, never asked for mid-decision.
/// </summary>
public interface IBondHost
{
    void SetMemberMac(Member member, MacAddress mac);

    void SetBondMac(MacAddress mac);

    /// <summary>The bond's own carrier, which follows its MII status.</summary>
    void SetBondCarrier(bool up);

    /// <summary>Sends one frame the control plane built (peer notification, and the monitors' probes) on a member.</summary>
    void SendFrame(Member member, ReadOnlySpan<byte> frame);

    /// <summary>
    /// NETDEV_RESEND_IGMP: report the bond device's IPv4 multicast memberships again, on <paramref name="member"/>
    /// (the switch learns them on the new active port). The host knows the memberships; <see cref="IgmpReport"/> builds the frame.
    /// </summary>
    void RejoinMulticastGroups(Member member);

    /// <summary>
    /// The link-layer addresses the bond put on a member's own address lists changed (dev_uc_add/dev_mc_add and
    /// their _del, dev_uc_sync/dev_mc_sync): take <paramref name="leave"/> off, put <paramref name="join"/> on —
    /// each on the unicast or the multicast list, as its group bit says.
    /// </summary>
    void SetMemberAddresses(Member member, IReadOnlyList<MacAddress> leave, IReadOnlyList<MacAddress> join);

    /// <summary>The bond's promiscuous and all-multicast modes on a member changed (dev_set_promiscuity, dev_set_allmulti).</summary>
    void SetMemberRxModes(Member member, bool promisc, bool allmulti);

    /// <summary>Which members transmit or deliver changed: the data plane must take the new <see cref="DataPlan"/>.</summary>
    void DataPlanChanged(DataPlan plan);

    void Log(string message);
}
