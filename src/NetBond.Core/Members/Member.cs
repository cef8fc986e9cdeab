namespace NetBond.Core;

/// <summary>A bond member ("slave" in the kernel's words) and what the bond knows of it.</summary>
public sealed class Member
{
    public Member(string name, int ifIndex, MacAddress permanentMac)
    {
        Name = name;
        IfIndex = ifIndex;
        PermanentMac = permanentMac;
        CurrentMac = permanentMac;
    }

    /// <summary>The member's interface name; it follows a rename (the member is its ifindex).</summary>
    public string Name { get; internal set; }
    public int IfIndex { get; }

    /// <summary>The MAC the member had when enslaved; the kernel calls it perm_hwaddr and restores it on release.</summary>
    public MacAddress PermanentMac { get; }

    /// <summary>The MAC the member carries now (the bond MAC, or its own with fail_over_mac).</summary>
    public MacAddress CurrentMac { get; internal set; }

    public LinkState Link { get; internal set; } = LinkState.Down;

    /// <summary>Ticks left in the going-down / going-back state.</summary>
    public int Delay { get; internal set; }

    public int LinkFailureCount { get; internal set; }

    /// <summary>BOND_STATE_ACTIVE (true) or BOND_STATE_BACKUP.</summary>
    public bool IsActive { get; internal set; }

    /// <summary>The carrier seen at the last monitor tick.</summary>
    public bool Carrier { get; internal set; }

    /// <summary>Mbit/s, or -1 when the driver does not say (SPEED_UNKNOWN).</summary>
    public int Speed { get; set; } = -1;

    /// <summary>0 half, 1 full, -1 unknown.</summary>
    public int Duplex { get; set; } = -1;

    public int QueueId { get; internal set; }

    /// <summary>Per-member priority for active selection; higher wins, primary overrides it.</summary>
    public int Prio { get; internal set; }

    /// <summary>When the data path last received a frame on this member (monotonic ms, 0 for never): the kernel's slave->last_rx.</summary>
    public long LastRxMs { get; internal set; }

    /// <summary>When the data path last received an IPv6 frame on this member (monotonic ms, 0 for never): arp_validate's filter bit counts it.</summary>
    public long LastRxIpv6Ms { get; internal set; }

    /// <summary>When the data path last sent a frame on this member (monotonic ms, 0 for never): dev_trans_start().</summary>
    public long LastTxMs { get; internal set; }

    /// <summary>When a monitor tick last found the member's carrier up (monotonic ms): where a failover's outage starts.</summary>
    public long LastCarrierMs { get; internal set; }

    /// <summary>last_link_up: when the member last came up or was made active (monotonic ms).</summary>
    public long LastLinkUpMs { get; internal set; }

    /// <summary>The ARP monitor's last_tx: when a probe last left on this member.</summary>
    public long ArpTxMs { get; internal set; } = long.MinValue / 2;

    /// <summary>The ARP monitor's last_rx: when this member last received what its validation counts.</summary>
    public long ArpRxMs { get; internal set; } = long.MinValue / 2;

    /// <summary>target_last_arp_rx: per arp_ip_target (and ns_ip6_target by index), when it last answered on this member.</summary>
    public long[] TargetRxMs { get; } = new long[ArpMonitor.MaxTargets];

    /// <summary>This member's frames waiting in the bond's <see cref="ControlFrameQueue"/>: written by both its ends.</summary>
    internal int QueuedControlFrames;

    /// <summary>When the control plane last got a frame from this member (monotonic ms), 0 for never.</summary>
    public long LastControlRxMs { get; internal set; }

    /// <summary>
    /// 802.3ad with coupled_control=0, a port collecting but not yet distributing: it feeds the bond but does
    /// not transmit (bond_set_slave_tx_disabled_flags: backup state, not inactive).
    /// </summary>
    public bool RxOnly { get; internal set; }

    /// <summary>
    /// balance-rr, xor and broadcast under the ARP monitor: the member is in the backup state since its link went
    /// down (bond_slave_state_change), which arp_validate goes by; it is not inactive, so it still feeds the bond.
    /// </summary>
    internal bool ArpBackup { get; set; }

    /// <summary>The link-layer addresses, unicast and multicast, the bond put on the member's address lists (see Bond.SyncMemberAddresses).</summary>
    public IReadOnlyList<MacAddress> AddressList { get; internal set; } = [];

    /// <summary>Whether the bond has the member promiscuous and all-multicast for it (see Bond.SyncMemberRxMode).</summary>
    public (bool Promisc, bool Allmulti) RxModes { get; internal set; }

    /// <summary>The member's 802.3ad port, in mode 802.3ad.</summary>
    public LacpPort? Lacp { get; internal set; }

    public bool CanTransmit => Link == LinkState.Up && IsActive && Carrier;
}
