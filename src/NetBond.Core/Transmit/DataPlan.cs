namespace NetBond.Core;

/// <summary>
/// An immutable snapshot of what the data path needs per frame: members in enslave order, which of them
/// may transmit, which feed the bond and which frames the control plane wants. The control plane publishes
/// a new one on every change; data-path threads read it through one volatile reference, without locks.
/// </summary>
public sealed class DataPlan
{
    public DataPlan(BondMode mode, Member[] members, int activeIndex, int packetsPerSlave, XmitHashPolicy xmitHashPolicy,
        bool allSlavesActive, ControlFrameKinds control = ControlFrameKinds.None, Predicate<Member>? transmits = null,
        bool broadcastNeighbor = false, MacAddress bondMac = default, TlbTable? tlb = null,
        Predicate<Member>? arpTargetsOnly = null, uint[]? arpTargets = null)
    {
        Mode = mode;
        Members = members;
        ActiveIndex = activeIndex;
        PacketsPerSlave = packetsPerSlave;
        XmitHashPolicy = xmitHashPolicy;
        Control = control;
        BroadcastNeighbor = broadcastNeighbor;
        BondMac = bondMac;
        Tlb = tlb;
        ArpTargets = arpTargets ?? [];
        ArpTargetsOnly = new bool[members.Length];
        MemberMacs = new MacAddress[members.Length];
        CanTransmit = new bool[members.Length];
        Delivers = new bool[members.Length];
        List<int> usable = [];
        for (int i = 0; i < members.Length; i++)
        {
            CanTransmit[i] = members[i].CanTransmit && (transmits == null || transmits(members[i]));
            // bond_handle_frame: inactive members are exact-match only, unless all_slaves_active. In tlb/alb every
            // member is in the active state, and only the current active one is not flagged inactive.
            Delivers[i] = ModeTraits.Of(mode).LoadBalancing
                ? i == activeIndex || allSlavesActive
                : members[i].IsActive || members[i].RxOnly || allSlavesActive;
            MemberMacs[i] = members[i].CurrentMac;
            ArpTargetsOnly[i] = arpTargetsOnly?.Invoke(members[i]) == true;
            if (CanTransmit[i])
            {
                usable.Add(i);
            }
        }
        Usable = [.. usable];
    }

    public static DataPlan Empty { get; } = new(BondMode.BalanceRr, [], -1, 1, XmitHashPolicy.Layer2, false);

    public BondMode Mode { get; }
    public Member[] Members { get; }

    /// <summary>Index of curr_active_slave in <see cref="Members"/>, or -1.</summary>
    public int ActiveIndex { get; }

    public int PacketsPerSlave { get; }
    public XmitHashPolicy XmitHashPolicy { get; }

    /// <summary>The kinds of received frame that are copied to the control plane (the kernel's recv_probe).</summary>
    public ControlFrameKinds Control { get; }

    /// <summary>802.3ad broadcast_neighbor: ARP and neighbour discovery go out on every member that can transmit.</summary>
    public bool BroadcastNeighbor { get; }

    /// <summary>The bond device's MAC, which frames to a member's own MAC are readdressed to in balance-alb.</summary>
    public MacAddress BondMac { get; }

    /// <summary>Each member's MAC as the plan was made: tlb/alb send from it on a member that is not the active one.</summary>
    public MacAddress[] MemberMacs { get; }

    /// <summary>balance-tlb/alb with tlb_dynamic_lb=1: the load-placed transmit table, shared by the plans of one bond.</summary>
    public TlbTable? Tlb { get; }

    /// <summary>
    /// Per member: only an ARP to or from one of <see cref="ArpTargets"/> is of use to the control plane (a member
    /// arp_validate covers, outside alb: bond_validate_arp ignores every other), so a flood of any other ARP never
    /// reaches its queue and cannot crowd out the replies the monitor waits for.
    /// </summary>
    public bool[] ArpTargetsOnly { get; }

    /// <summary>arp_ip_target, as <see cref="ArpMessage"/> reads addresses.</summary>
    public uint[] ArpTargets { get; }

    public bool[] CanTransmit { get; }
    public bool[] Delivers { get; }

    /// <summary>Indexes of members that can transmit, in enslave order (the kernel's usable_slaves array).</summary>
    public int[] Usable { get; }
}
