namespace NetBond.Core;

/// <summary>
/// What differs between the modes, one row each, read by the code that depends on it: the kernel spreads these as
/// tests of the mode (bond_uses_primary, bond_is_lb, BOND_MODE_8023AD …) through bond_main.c. Adding a mode is a row
/// here, its transmit function (<see cref="TxPolicy"/>) and, in the kernel program, its case of bond_egress.
/// </summary>
public sealed record ModeTraits
{
    /// <summary>bond_uses_primary: one current active member, chosen by primary, primary_reselect and prio.</summary>
    public bool UsesPrimary { get; init; }

    /// <summary>bond_is_lb (tlb, alb): the alb engine places transmit, gives members their own MACs and learns clients.</summary>
    public bool LoadBalancing { get; init; }

    /// <summary>balance-alb: receive load balancing (the client table); an inactive member still delivers unicast.</summary>
    public bool ReceiveBalancing { get; init; }

    /// <summary>802.3ad: the LACP engine says which members transmit and whether the bond has carrier.</summary>
    public bool Lacp { get; init; }

    /// <summary>
    /// A member is a backup (BOND_STATE_BACKUP) until selection (active-backup) or LACP (802.3ad) makes it active and
    /// again when its link goes down; in the other modes every member is in the active state.
    /// </summary>
    public bool BackupUntilChosen { get; init; }

    /// <summary>
    /// The mode keeps an array of usable members (bond_update_slave_arr); while it is empty, the first member whose
    /// link comes back skips updelay. balance-rr and broadcast keep none and always wait updelay out.
    /// </summary>
    public bool UsableArray { get; init; }

    /// <summary>Transmit hashes by xmit_hash_policy whatever the other options (xor, 802.3ad); tlb/alb do with tlb_dynamic_lb=0.</summary>
    public bool Hashes { get; init; }

    /// <summary>balance-rr: one flow is striped over the members frame by frame (so its frames are kept small).</summary>
    public bool StripesFlows { get; init; }

    /// <summary>bond_needs_speed_duplex (802.3ad keys, tlb/alb placement): a member whose speed or duplex is unknown stays down.</summary>
    public bool NeedsSpeedDuplex => Lacp || LoadBalancing;

    /// <summary>IGMP leaves through the active member, so a change of it reports the memberships again (resend_igmp).</summary>
    public bool IgmpFollowsActive => UsesPrimary || StripesFlows;

    private static readonly ModeTraits[] s_table =
    [
        /* balance-rr */ new() { StripesFlows = true },
        /* active-backup */ new() { UsesPrimary = true, BackupUntilChosen = true },
        /* balance-xor */ new() { UsableArray = true, Hashes = true },
        /* broadcast */ new(),
        /* 802.3ad */ new() { Lacp = true, BackupUntilChosen = true, UsableArray = true, Hashes = true },
        /* balance-tlb */ new() { UsesPrimary = true, LoadBalancing = true, UsableArray = true },
        /* balance-alb */ new() { UsesPrimary = true, LoadBalancing = true, ReceiveBalancing = true, UsableArray = true },
    ];

    public static ModeTraits Of(BondMode mode) => s_table[(int)mode];
}
