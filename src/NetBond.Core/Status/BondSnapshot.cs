namespace NetBond.Core;

/// <summary>One member as a status shows it.</summary>
public sealed record MemberSnapshot(
    string Name,
    int IfIndex,
    LinkState Link,
    bool IsActive,
    int Speed,
    int Duplex,
    int LinkFailureCount,
    MacAddress PermanentMac,
    MacAddress CurrentMac,
    int QueueId,
    int Prio,
    PortCounters Counters,
    LacpPortSnapshot? Lacp = null,
    ArpMonitorSnapshot? Arp = null);

/// <summary>What the ARP/NS monitor last saw of a member: the receive it judges by, its last probe, each target's last validated reply (monotonic ms).</summary>
public sealed record ArpMonitorSnapshot(long LastRxMs, long LastProbeMs, long[] TargetReplyMs);

/// <summary>An entry of balance-alb's client table, as the kernel's debugfs rlb_hash_table lists it (entries placed on a member).</summary>
public sealed record AlbClientSnapshot(System.Net.IPAddress SourceIp, System.Net.IPAddress DestinationIp, MacAddress DestinationMac, string Dev, bool Ntt)
{
    public static AlbClientSnapshot[] Of(RlbTable table) =>
        [.. table.Used.Where(c => c.Member != null).Select(c =>
            new AlbClientSnapshot(ArpMessage.Address(c.ServerIp), ArpMessage.Address(c.ClientIp), c.ClientMac, c.Member!.Name, c.Ntt))];
}

/// <summary>
/// A bond as it stood at one moment, taken on the control thread: the status text, JSON and `show` render
/// from this, never from the live bond or the data path's fields, so any data path can stand behind them.
/// </summary>
public sealed record BondSnapshot(
    string Name,
    BondOptions Options,
    bool Carrier,
    MacAddress Mac,
    string? Active,
    string? Primary,
    IReadOnlyList<MemberSnapshot> Members,
    PortCounters Counters,
    long ControlFrames,
    long ControlFramesDropped,
    LacpBondSnapshot? Lacp = null,
    IReadOnlyList<AlbClientSnapshot>? AlbClients = null,
    long Failovers = 0,
    long LastFailoverOutageMs = 0)
{
    /// <summary>Takes the bond's state; <paramref name="counters"/> gives each member's counters from the data path.</summary>
    public static BondSnapshot Of(Bond bond, PortCounters bondCounters, Func<Member, PortCounters> counters, long controlDropped) =>
        new(bond.Name, bond.Options.Clone(), bond.Carrier, bond.Mac, bond.Active?.Name, bond.PrimaryMember?.Name,
            [.. bond.Members.Select(m => new MemberSnapshot(m.Name, m.IfIndex, m.Link, m.IsActive, m.Speed, m.Duplex,
                m.LinkFailureCount, m.PermanentMac, m.CurrentMac, m.QueueId, m.Prio, counters(m),
                m.Lacp is { } port ? LacpPortSnapshot.Of(bond, port) : null,
                bond.Options.ArpInterval > 0 ? new ArpMonitorSnapshot(bond.ArpLastReceive(m), m.ArpTxMs, [.. m.TargetRxMs]) : null))],
            bondCounters, bond.ControlFrames, controlDropped,
            ModeTraits.Of(bond.Options.Mode).Lacp ? LacpBondSnapshot.Of(bond) : null,
            ModeTraits.Of(bond.Options.Mode).ReceiveBalancing ? AlbClientSnapshot.Of(bond.AlbClients) : null,
            bond.Failovers, bond.LastFailoverOutageMs);
}
