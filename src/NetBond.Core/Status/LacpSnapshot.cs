namespace NetBond.Core;

/// <summary>The active aggregator as /proc shows it (struct ad_info).</summary>
public sealed record AggregatorSnapshot(int Id, int Ports, ushort ActorKey, ushort PartnerKey, MacAddress PartnerSystem);

/// <summary>A bond's 802.3ad state: its system, its active aggregator if any, and whether lacp_fallback runs it as active-backup (on which member).</summary>
public sealed record LacpBondSnapshot(ushort SystemPriority, MacAddress System, AggregatorSnapshot? Active, bool Fallback = false, string? FallbackMember = null)
{
    public static LacpBondSnapshot Of(Bond bond) => new(bond.Lacp.ShownSystemPriority, bond.Lacp.LacpSystem,
        bond.Lacp.ActiveAggregator is { } a ? new AggregatorSnapshot(a.Id, a.EnabledPorts, a.ActorKey, a.PartnerKey, a.PartnerSystem) : null,
        bond.Lacp.InFallback, bond.Lacp.FallbackMember?.Name);
}

/// <summary>One member's 802.3ad port: aggregator, both sides' LACPDU fields, the machines' states, churn and counters.</summary>
public sealed record LacpPortSnapshot(
    int? AggregatorId,
    LacpPortInfo Actor,
    LacpPortInfo Partner,
    LacpRxState Rx,
    LacpMuxState Mux,
    LacpPeriodicState Periodic,
    LacpChurnState ActorChurn,
    LacpChurnState PartnerChurn,
    int ActorChurnCount,
    int PartnerChurnCount,
    LacpCounters Counters,
    LacpPduGaps RxGaps,
    int ExpiredCount,
    int DefaultedCount)
{
    public static LacpPortSnapshot Of(Bond bond, LacpPort p) => new(p.Aggregator?.Id,
        new LacpPortInfo((ushort)bond.Options.AdActorSysPrio, bond.Lacp.LacpSystem, p.OperKey, p.PortPriority, p.Number, p.ActorState),
        p.Partner, p.RxState, p.MuxState, p.PeriodicState, p.ActorChurn, p.PartnerChurn, p.ActorChurnCount, p.PartnerChurnCount,
        p.Counters.Copy(), p.RxGaps.Copy(), p.ExpiredCount, p.DefaultedCount);
}
