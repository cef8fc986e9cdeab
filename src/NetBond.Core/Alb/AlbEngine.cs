using System.Buffers.Binary;

namespace NetBond.Core;

/// <summary>
/// The balance-tlb/alb engine (bond_alb.c): every member keeps a MAC of its own and the active one holds the bond's,
/// swapped on every change of active member; learning packets teach the switch where each MAC lives; the transmit
/// table is rebalanced every 10 s; in alb, receive load balancing (RLB) places each IPv4 client on a member by the
/// MAC the bond's ARP tells it. Its state (the tables, its timers) is its own; the bond's members, active member and
/// MAC, which the rest of the bond changes too, it reads from the bond it serves.
/// </summary>
public sealed class AlbEngine
{
    internal const int TickMs = 100;
    private const int AlbTicksPerSecond = 1000 / TickMs;
    private const int TlbRebalanceTicks = TlbTable.RebalanceIntervalSeconds * AlbTicksPerSecond;
    private const int RlbUpdateDelayTicks = 2 * AlbTicksPerSecond;
    private const int RlbUpdateRetries = 3;
    private const int RlbArpBurst = 2;

    /// <summary>ETH_P_LOOPBACK, the learning packet's ethertype.</summary>
    private const ushort EthPLoopback = 0x9000;

    private readonly RlbTable _rlb = new();
    private TlbTable? _tlb;
    private int _txRebalanceTicks;
    private long _lpTicks;
    private int _rlbUpdateDelay;
    private int _rlbUpdateRetry;
    private bool _rlbRebalance;
    private bool _rxNtt;
    private Member? _rxMember;

    private readonly Bond _bond;
    private readonly IBondHost _host;
    private readonly Random _random;

    internal AlbEngine(Bond bond, IBondHost host, Random random)
    {
        _bond = bond;
        _host = host;
        _random = random;
    }

    private IReadOnlyList<Member> Members => _bond.Members;
    private BondOptions Options => _bond.Options;
    private ModeTraits Traits => ModeTraits.Of(_bond.Options.Mode);
    private Member? Active => _bond.Active;
    private MacAddress Mac => _bond.Mac;
    private string Name => _bond.Name;

    private void SetMemberMac(Member member, MacAddress mac) => _bond.SetMemberMac(member, mac);

    /// <summary>balance-alb's client table.</summary>
    public RlbTable Clients => _rlb;

    /// <summary>The transmit table the plan carries: tlb/alb with tlb_dynamic_lb=1.</summary>
    internal TlbTable? TlbForPlan => Traits.LoadBalancing && Options.TlbDynamicLb ? _tlb ??= new TlbTable() : null;

    /// <summary>bond_open(): alb_work runs while the bond is up, in alb and in tlb with tlb_dynamic_lb=1.</summary>
    internal bool Runs => _bond.IsUp && (Traits.ReceiveBalancing || (Traits.LoadBalancing && Options.TlbDynamicLb));

    /// <summary>bond_alb_monitor(), every 100 ms.</summary>
    internal void Tick()
    {
        if (Members.Count == 0)
        {
            _txRebalanceTicks = 0;
            _lpTicks = 0;
            return;
        }
        _txRebalanceTicks++;
        if (++_lpTicks >= (long)Options.LpInterval * AlbTicksPerSecond)
        {
            foreach (Member m in Members)
            {
                SendLearningPackets(m, m.CurrentMac);
            }
            _lpTicks = 0;
        }
        if (_txRebalanceTicks >= TlbRebalanceTicks)
        {
            _tlb?.RequestRebalance();
            _txRebalanceTicks = 0;
        }
        if (!Traits.ReceiveBalancing)
        {
            return;
        }
        if (_rlbRebalance)
        {
            _rlbRebalance = false;
            RlbRebalance();
        }
        if (!_rxNtt)
        {
            return;
        }
        if (_rlbUpdateDelay > 0)
        {
            _rlbUpdateDelay--;
            return;
        }
        RlbUpdateClients();
        if (_rlbUpdateRetry > 0)
        {
            _rlbUpdateRetry--;
        }
        else
        {
            _rxNtt = false;
        }
    }

    /// <summary>
    /// bond_alb_init_slave(), before the member joins the list: it keeps its own MAC unless another member or the
    /// bond holds it; then it takes the permanent MAC of a member whose own MAC nobody uses.
    /// </summary>
    internal void Enslave(Member member)
    {
        SetMemberMac(member, member.PermanentMac);
        if (Members.Count > 0 && (member.PermanentMac == Mac || Members.Any(m => m.CurrentMac == member.CurrentMac)))
        {
            Member? free = Members.FirstOrDefault(m => !Members.Any(o => o.CurrentMac == m.PermanentMac));
            if (free != null)
            {
                SetMemberMac(member, free.PermanentMac);
                _host.Log($"{Name}: {member.Name}: the slave hw address is in use by the bond; giving it the hw address of {free.Name}");
            }
            else
            {
                // The kernel refuses the member here (-EFAULT, "this should not have happened"); a random MAC keeps it usable.
                SetMemberMac(member, MacAddress.Random(_random));
                _host.Log($"{Name}: {member.Name}: the slave hw address is in use by the bond and no member has a free one; giving it a random one");
            }
        }
        _txRebalanceTicks = TlbRebalanceTicks;
        _rlbRebalance = Traits.ReceiveBalancing;
    }

    /// <summary>
    /// bond_alb_deinit_slave(), after the member left the list: a member still holding its permanent MAC gives it
    /// back (alb_change_hw_addr_on_detach); in alb its clients move to other members.
    /// </summary>
    internal void Release(Member member)
    {
        if (Members.Count > 0 && member.PermanentMac != member.CurrentMac && member.PermanentMac != Mac
            && Members.FirstOrDefault(m => m.CurrentMac == member.PermanentMac) is { } holder)
        {
            SwapMacs(member, holder);
        }
        if (Traits.ReceiveBalancing)
        {
            _rxMember = null;
            RlbClearMember(member);
        }
    }

    /// <summary>bond_alb_handle_link_change(): a member lost hands its clients on; one back orders a rebalance.</summary>
    internal void LinkChanged(Member member, bool up)
    {
        if (!up)
        {
            if (Traits.ReceiveBalancing)
            {
                RlbClearMember(member);
            }
            return;
        }
        _txRebalanceTicks = TlbRebalanceTicks;
        _rlbRebalance = Traits.ReceiveBalancing;
    }

    /// <summary>
    /// bond_alb_handle_active_change(): the new active member takes the bond's MAC from the old one (or from
    /// whichever member holds it), which takes the new one's.
    /// </summary>
    internal void ActiveChanged(Member? old, Member? next)
    {
        if (next == null)
        {
            return;
        }
        Member? holder = old ?? Members.FirstOrDefault(m => m.CurrentMac == Mac);
        if (holder != null)
        {
            SwapMacs(holder, next);
            return;
        }
        SetMemberMac(next, Mac);
        SendLearningPackets(next, Mac);
    }

    /// <summary>bond_alb_set_mac_address(), once the bond has <paramref name="mac"/>: the active member takes it, by a swap if a member holds it.</summary>
    internal void BondMacSet(MacAddress mac)
    {
        if (Active == null)
        {
            return;
        }
        if (Members.FirstOrDefault(m => m.CurrentMac == mac) is { } holder)
        {
            SwapMacs(holder, Active);
            return;
        }
        SetMemberMac(Active, mac);
        SendLearningPackets(Active, mac);
        if (Traits.ReceiveBalancing)
        {
            RlbRequestMemberUpdate(Active);
        }
    }

    /// <summary>
    /// alb_swap_mac_addr() then alb_fasten_mac_swap(): learning packets from each member that can send, its
    /// clients told again; when one of the two cannot send, its new MAC is taught through the active member.
    /// </summary>
    private void SwapMacs(Member a, Member b)
    {
        MacAddress aMac = a.CurrentMac;
        SetMemberMac(a, b.CurrentMac);
        SetMemberMac(b, aMac);
        Member? disabled = null;
        foreach (Member m in (Member[])[a, b])
        {
            if (!m.CanTransmit)
            {
                disabled = m;
                continue;
            }
            SendLearningPackets(m, m.CurrentMac);
            if (Traits.ReceiveBalancing)
            {
                RlbRequestMemberUpdate(m);
            }
        }
        if (Traits.ReceiveBalancing && a.CanTransmit != b.CanTransmit)
        {
            TeachOnActive(disabled!.CurrentMac);
        }
    }

    /// <summary>
    /// rlb_teach_disabled_mac_on_primary(): the switch learns a disabled member's MAC on the active port, so the
    /// clients still using it reach the bond. The kernel also makes the active NIC promiscuous for 10 s; NetBond
    /// needs not, since its receive path takes every frame the member sees and readdresses it to the bond.
    /// </summary>
    private void TeachOnActive(MacAddress mac)
    {
        if (Active != null)
        {
            SendLearningPackets(Active, mac);
        }
    }

    /// <summary>alb_send_lp_vid(): a 60-byte frame from and to <paramref name="mac"/>, ethertype 0x9000; untagged (no VLAN devices sit on a NetBond bond).</summary>
    private void SendLearningPackets(Member member, MacAddress mac)
    {
        byte[] frame = new byte[60];
        mac.CopyTo(frame);
        mac.CopyTo(frame.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), EthPLoopback);
        _host.SendFrame(member, frame);
    }

    /// <summary>
    /// An ARP the bond device sent in balance-alb, which the data path handed over (<see cref="TxPolicy.ToControl"/>):
    /// rlb_arp_xmit() places it and bond_do_alb_xmit() sends it. The bond's replies tell each client the MAC of
    /// the member it was placed on; its requests make a placeholder entry, and since they carry the bond's MAC to
    /// every host on the subnet, the clients placed elsewhere are told again after 2 s.
    /// </summary>
    internal void OnBondArp(Span<byte> frame)
    {
        Member? tx = null;
        // Untagged only (the data path hands over no other), so the sender MAC sits at byte 22.
        if (Traits.ReceiveBalancing && ArpMessage.TryRead(frame, out ArpMessage arp) && frame[12] == 0x08 && frame[13] == 0x06
            && Members.Any(m => m.CurrentMac == arp.SenderMac))
        {
            if (arp.Op == ArpMessage.Reply)
            {
                tx = RlbChoose(arp);
                tx?.CurrentMac.CopyTo(frame[22..]);
            }
            else if (arp.Op == ArpMessage.Request)
            {
                tx = RlbChoose(arp);
                _rlbUpdateDelay = RlbUpdateDelayTicks;
                RlbRequestSubnetUpdate(arp.SenderIp);
            }
        }
        tx ??= Active;
        if (tx == null || !tx.CanTransmit)
        {
            return;
        }
        if (tx != Active)
        {
            tx.CurrentMac.CopyTo(frame[6..]);
        }
        _host.SendFrame(tx, frame);
    }

    /// <summary>rlb_arp_recv(): entries for an address another MAC now answers for go; a client's ARP reply gives its MAC.</summary>
    internal void Receive(ReadOnlySpan<byte> frame)
    {
        if (!ArpMessage.TryRead(frame, out ArpMessage arp))
        {
            return;
        }
        foreach (RlbClient c in _rlb.Used)
        {
            if (c.ServerIp == arp.SenderIp && c.ServerMac != arp.SenderMac)
            {
                _rlb.Delete(c);
            }
        }
        if (arp.Op != ArpMessage.Reply)
        {
            return;
        }
        RlbClient client = _rlb[ArpMessage.Hash(arp.SenderIp)];
        if (client.Assigned && client.ServerIp == arp.TargetIp && client.ClientIp == arp.SenderIp && client.ClientMac != arp.SenderMac)
        {
            client.ClientMac = arp.SenderMac;
            client.Ntt = true;
            _rxNtt = true;
        }
    }

    /// <summary>
    /// rlb_choose_channel(): the client's entry keeps its member; an entry taken by a new client first moves the
    /// old one to the active member and tells it so; a new client goes to the next member in turn.
    /// </summary>
    private Member? RlbChoose(ArpMessage arp)
    {
        RlbClient c = _rlb[ArpMessage.Hash(arp.TargetIp)];
        if (c.Assigned)
        {
            if (c.ServerIp == arp.SenderIp && c.ClientIp == arp.TargetIp)
            {
                if (arp.TargetMac != MacAddress.Broadcast)
                {
                    c.ClientMac = arp.TargetMac;
                }
                c.ServerMac = arp.SenderMac;
                if (c.Member != null)
                {
                    return c.Member;
                }
            }
            else if (Active != null && c.Member != Active)
            {
                c.Member = Active;
                RlbUpdateClient(c);
            }
        }
        Member? assigned = RlbNextMember();
        if (assigned == null)
        {
            return null;
        }
        c.ServerIp = arp.SenderIp;
        c.ClientIp = arp.TargetIp;
        c.ClientMac = arp.TargetMac;
        c.ServerMac = arp.SenderMac;
        c.Member = assigned;
        c.Ntt = IsUnicast(c.ClientMac);
        _rxNtt |= c.Ntt;
        if (!c.Assigned)
        {
            _rlb.Link(c);
        }
        return assigned;
    }

    /// <summary>__rlb_next_rx_slave(): the fastest member that can send after the last one given, else the fastest up to it.</summary>
    private Member? RlbNextMember()
    {
        Member? before = null;
        Member? after = null;
        bool found = false;
        foreach (Member m in Members)
        {
            if (!m.CanTransmit)
            {
                continue;
            }
            // struct slave's speed is a u32: SPEED_UNKNOWN compares as the fastest.
            if (!found)
            {
                if (before == null || (uint)before.Speed < (uint)m.Speed)
                {
                    before = m;
                }
            }
            else if (after == null || (uint)after.Speed < (uint)m.Speed)
            {
                after = m;
            }
            found |= m == _rxMember;
        }
        if (after == null || (before != null && (uint)after.Speed < (uint)before.Speed))
        {
            after = before;
        }
        if (after != null)
        {
            _rxMember = after;
        }
        return after;
    }

    /// <summary>rlb_update_client(): two ARP replies telling the client the bond's address is at its member's MAC.</summary>
    private void RlbUpdateClient(RlbClient c)
    {
        if (c.Member == null || !IsUnicast(c.ClientMac))
        {
            return;
        }
        byte[] reply = ProbeFrames.Arp(ArpMessage.Reply, c.ClientMac, c.Member.CurrentMac, ArpMessage.Address(c.ServerIp), c.ClientMac, ArpMessage.Address(c.ClientIp));
        for (int i = 0; i < RlbArpBurst; i++)
        {
            _host.SendFrame(c.Member, reply);
        }
    }

    /// <summary>rlb_update_rx_clients(): every client that needs it is told; the next round waits 2 s.</summary>
    private void RlbUpdateClients()
    {
        foreach (RlbClient c in _rlb.Used)
        {
            if (c.Ntt)
            {
                RlbUpdateClient(c);
                c.Ntt = _rlbUpdateRetry > 0;
            }
        }
        _rlbUpdateDelay = RlbUpdateDelayTicks;
    }

    /// <summary>rlb_req_update_slave_clients(): the member's MAC changed, its clients are told again, with retries.</summary>
    private void RlbRequestMemberUpdate(Member member)
    {
        bool any = false;
        foreach (RlbClient c in _rlb.Used)
        {
            if (c.Member == member && IsUnicast(c.ClientMac))
            {
                c.Ntt = true;
                any = true;
            }
        }
        if (any)
        {
            _rxNtt = true;
            _rlbUpdateRetry = RlbUpdateRetries;
        }
    }

    /// <summary>rlb_req_update_subnet_clients(): after the bond's broadcast request, the clients of that address placed off the bond's MAC.</summary>
    private void RlbRequestSubnetUpdate(uint serverIp)
    {
        foreach (RlbClient c in _rlb.Used)
        {
            if (c.Member != null && c.ServerIp == serverIp && c.Member.CurrentMac != Mac && IsUnicast(c.ClientMac))
            {
                c.Ntt = true;
                _rxNtt = true;
            }
        }
    }

    /// <summary>rlb_rebalance(): every client placed again in turn; those that move are told.</summary>
    private void RlbRebalance()
    {
        foreach (RlbClient c in _rlb.Used)
        {
            Member? assigned = RlbNextMember();
            if (assigned != null && c.Member != assigned)
            {
                c.Member = assigned;
                if (!c.ClientMac.IsZero)
                {
                    c.Ntt = true;
                    _rxNtt = true;
                }
            }
        }
    }

    /// <summary>rlb_clear_slave(): a member lost or released hands its clients to the next members, told with retries.</summary>
    private void RlbClearMember(Member member)
    {
        foreach (RlbClient c in _rlb.Used)
        {
            if (c.Member != member)
            {
                continue;
            }
            c.Member = RlbNextMember();
            if (c.Member != null && IsUnicast(c.ClientMac))
            {
                c.Ntt = true;
                _rxNtt = true;
                _rlbUpdateRetry = RlbUpdateRetries;
            }
        }
        if (member != Active)
        {
            TeachOnActive(member.CurrentMac);
        }
    }

    /// <summary>is_valid_ether_addr(): neither zero nor multicast.</summary>
    private static bool IsUnicast(MacAddress mac) => !mac.IsZero && !mac.IsMulticast;

    /// <summary>Forgets the clients: bond_close() frees alb's tables, bond_open() starts them empty.</summary>
    internal void Close() => _rlb.Clear();
}
