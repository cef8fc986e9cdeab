namespace NetBond.Core;

/// <summary>
/// Every option of a bond, declared in the order bond_changelink() applies its netlink attributes: several
/// options in one request apply in this order whatever order they were written in. NetBond's module-level
/// ones come last.
/// </summary>
public enum BondOption
{
    Mode,
    ActiveSlave,
    Miimon,
    Updelay,
    Downdelay,
    PeerNotifDelay,
    UseCarrier,
    ArpInterval,
    ArpIpTarget,
    NsIp6Target,
    ArpValidate,
    ArpAllTargets,
    Primary,
    PrimaryReselect,
    FailOverMac,
    XmitHashPolicy,
    ResendIgmp,
    NumGratArp,
    NumUnsolNa,
    AllSlavesActive,
    MinLinks,
    LpInterval,
    PacketsPerSlave,
    LacpActive,
    LacpRate,
    AdSelect,
    AdActorSysPrio,
    AdUserPortKey,
    AdActorSystem,
    TlbDynamicLb,
    ArpMissedMax,
    CoupledControl,
    BroadcastNeighbor,
    LacpStrict,
    /// <summary>NetBond's own, 802.3ad: active-backup over the members while no partner speaks LACP (Open vSwitch's lacp-fallback-ab).</summary>
    LacpFallback,
    /// <summary>NetBond's own, 802.3ad: the seconds without a LACPDU on any member after which lacp_fallback begins.</summary>
    LacpFallbackTimeout,
    /// <summary>Per member: "IFACE:ID" as the sysfs file takes it (BOND_OPT_QUEUE_ID).</summary>
    QueueId,
    /// <summary>Per member: "IFACE:PRIO" (BOND_OPT_PRIO; the kernel takes it only by netlink, on the member).</summary>
    Prio,
    /// <summary>Per member, 802.3ad: "IFACE:PRIO", the LACP port priority (the kernel's actor_port_prio, netlink only, on the member).</summary>
    ActorPortPrio,
    TxQueues,
    /// <summary>NetBond's own: auto, kernel or user data path, fixed when the bond is made.</summary>
    DataPath,
    MaxBonds,
}

/// <summary>One option=value as the user wrote it, the name resolved to its option once, at the boundary.</summary>
public readonly record struct OptionAssignment(BondOption Option, string Value);
