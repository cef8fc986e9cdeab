using System.Net;

namespace NetBond.Core;

/// <summary>
/// The ARP (and NS) link monitor, bond_main.c: every arp_interval ms, probes to arp_ip_target/ns_ip6_target and a
/// verdict from what each member received, validated as arp_validate says. active-backup: inspect, commit, probe
/// (bond_ab_arp_inspect/commit/probe), trying one member after another while there is no active one
/// (current_arp_slave); balance-rr, xor and broadcast: bond_loadbalance_arp_mon. It owns its state and the members'
/// probe times; choosing the active member and publishing the plan after a verdict are the bond's.
/// </summary>
public sealed class ArpMonitor
{
    /// <summary>BOND_MAX_ARP_TARGETS: the size of each member's per-target receive times.</summary>
    internal const int MaxTargets = 16;

    private readonly Bond _bond;
    private readonly IBondHost _host;

    /// <summary>current_arp_slave: with no active member, the one being tried this interval.</summary>
    private Member? _currentArpSlave;

    internal ArpMonitor(Bond bond, IBondHost host)
    {
        _bond = bond;
        _host = host;
    }

    private IReadOnlyList<Member> Members => _bond.Members;
    private BondOptions Options => _bond.Options;
    private Member? Active => _bond.Active;
    private long Now => _bond.Now;

    /// <summary>A member leaves: it is no longer the one being tried.</summary>
    internal void Released(Member m)
    {
        if (m == _currentArpSlave)
        {
            _currentArpSlave = null;
        }
    }

    /// <summary>bond_ab_arp_inspect(): the link state each member should move to.</summary>
    internal List<(Member Member, LinkState State)> Inspect()
    {
        List<(Member, LinkState)> proposed = [];
        foreach (Member m in Members)
        {
            long lastRx = ArpLastRx(m);
            if (m.Link != LinkState.Up)
            {
                if (InArpInterval(lastRx, 1))
                {
                    proposed.Add((m, LinkState.Up));
                }
                else if (m.Link == LinkState.Back)
                {
                    proposed.Add((m, LinkState.Fail));
                }
                continue;
            }
            // Two intervals of grace after enslave or activation: the receive times need a full cycle.
            if (InArpInterval(m.LastLinkUpMs, 2))
            {
                continue;
            }
            // A backup is down after missed_max + 1 intervals without receiving, unless a new active is being sought.
            if (!m.IsActive && _currentArpSlave == null && !InArpInterval(lastRx, Options.ArpMissedMax + 1))
            {
                proposed.Add((m, LinkState.Down));
            }
            else if (m.IsActive && (!InArpInterval(m.ArpTxMs, Options.ArpMissedMax) || !InArpInterval(lastRx, Options.ArpMissedMax)))
            {
                proposed.Add((m, LinkState.Down));
            }
        }
        return proposed;
    }

    /// <summary>bond_ab_arp_commit(), the members' part; returns whether the active member must be reselected.</summary>
    internal bool Commit(List<(Member Member, LinkState State)> proposed)
    {
        bool failover = false;
        foreach ((Member m, LinkState state) in proposed)
        {
            switch (state)
            {
                case LinkState.Up:
                    if (Active == m)
                    {
                        break;
                    }
                    m.Link = LinkState.Up;
                    if (_currentArpSlave != null)
                    {
                        _currentArpSlave.IsActive = false;
                        _currentArpSlave = null;
                    }
                    _host.Log($"{_bond.Name}: {m.Name}: link status definitely up");
                    failover |= Active == null || m == _bond.PrimaryMember || m.Prio > Active.Prio;
                    break;
                case LinkState.Down:
                    m.LinkFailureCount++;
                    m.Link = LinkState.Down;
                    m.IsActive = false;
                    _host.Log($"{_bond.Name}: {m.Name}: link status definitely down, disabling slave");
                    if (m == Active)
                    {
                        _currentArpSlave = null;
                        failover = true;
                    }
                    break;
                case LinkState.Fail:
                    m.Link = LinkState.Fail;
                    m.IsActive = false;
                    if (Active != null)
                    {
                        _currentArpSlave = null;
                    }
                    break;
            }
        }
        return failover;
    }

    /// <summary>
    /// bond_ab_arp_probe(): probe through the active member; with none, try the next member that has carrier,
    /// one per interval, round the bond, until one is validated and committed up.
    /// </summary>
    /// <returns>Whether a member's state changed.</returns>
    internal bool Probe()
    {
        if (Active != null)
        {
            SendProbes(Active);
            return false;
        }
        Member? current = _currentArpSlave ?? Members[0];
        Member? before = null;
        Member? next = null;
        bool found = false;
        bool changed = false;
        foreach (Member m in Members)
        {
            if (!found && before == null && m.Carrier)
            {
                before = m;
            }
            if (found && next == null && m.Carrier)
            {
                next = m;
            }
            if (!m.Carrier && m.Link == LinkState.Up)
            {
                m.Link = LinkState.Down;
                m.LinkFailureCount++;
                m.IsActive = false;
                changed = true;
                _host.Log($"{_bond.Name}: {m.Name}: backup interface is now down");
            }
            if (m == current)
            {
                found = true;
            }
        }
        next ??= before;
        if (next != null)
        {
            next.Link = LinkState.Back;
            next.IsActive = true;
            SendProbes(next);
            next.LastLinkUpMs = Now;
            _currentArpSlave = next;
            changed = true;
        }
        return changed;
    }

    /// <summary>
    /// bond_loadbalance_arp_mon(): up after sending and receiving within an interval, down after missed_max.
    /// </summary>
    /// <returns>Whether the active member must be reselected, and whether any member's link changed.</returns>
    internal (bool Failover, bool Changed) LoadBalanceTick()
    {
        Member? oldCurrent = Active;
        bool failover = false;
        bool changed = false;
        List<(Member Member, LinkState State)> proposed = [];
        foreach (Member m in Members)
        {
            if (m.Link != LinkState.Up)
            {
                if (InArpInterval(m.ArpTxMs, 1) && InArpInterval(LastRx(m), 1))
                {
                    proposed.Add((m, LinkState.Up));
                    changed = true;
                    _host.Log(oldCurrent == null ? $"{_bond.Name}: {m.Name}: link status definitely up" : $"{_bond.Name}: {m.Name}: interface is now up");
                    failover |= oldCurrent == null;
                }
            }
            else if (!InArpInterval(m.ArpTxMs, Options.ArpMissedMax) || !InArpInterval(LastRx(m), Options.ArpMissedMax))
            {
                proposed.Add((m, LinkState.Down));
                changed = true;
                m.LinkFailureCount++;
                _host.Log($"{_bond.Name}: {m.Name}: interface is now down");
                failover |= m == oldCurrent;
            }
            // Every member with carrier probes, so that every member can hear a reply.
            if (m.Carrier)
            {
                SendProbes(m);
            }
        }
        foreach ((Member m, LinkState state) in proposed)
        {
            m.Link = state;
        }
        if (changed)
        {
            // bond_slave_state_change(): members up are active, members down backups.
            foreach (Member m in Members)
            {
                m.ArpBackup = m.Link == LinkState.Down;
            }
        }
        return (failover, changed);
    }

    /// <summary>bond_send_validate(): an ARP request to every arp_ip_target and an NS to every ns_ip6_target, on <paramref name="m"/>.</summary>
    private void SendProbes(Member m)
    {
        IPAddress? v4 = _bond.Addresses.FirstOrDefault(ProbeFrames.IsIpv4);
        foreach (IPAddress target in Options.ArpIpTargets)
        {
            _host.SendFrame(m, ProbeFrames.ArpRequest(m.CurrentMac, v4, target));
            m.ArpTxMs = Now;
        }
        foreach (IPAddress target in Options.NsIp6Targets)
        {
            _host.SendFrame(m, ProbeFrames.NeighborSolicitation(m.CurrentMac, Ipv6SourceFor(target), target));
            m.ArpTxMs = Now;
        }
    }

    /// <summary>The bond's IPv6 address to solicit from: one of the target's scope (link-local for a link-local target), or :: when none.</summary>
    private IPAddress? Ipv6SourceFor(IPAddress target) =>
        _bond.Addresses.FirstOrDefault(a => !ProbeFrames.IsIpv4(a) && a.IsIPv6LinkLocal == target.IsIPv6LinkLocal)
        ?? _bond.Addresses.FirstOrDefault(a => !ProbeFrames.IsIpv4(a));

    /// <summary>
    /// bond_rcv_validate(): an ARP or NS/NA from <paramref name="m"/>. Where arp_validate covers the member's state
    /// it must be an exchange with a target (bond_arp_rcv / bond_na_rcv); otherwise any such frame counts
    /// (the data path's receive time counts every other frame, unless the filter bit is set).
    /// </summary>
    internal void Receive(Member m, ReadOnlySpan<byte> frame)
    {
        bool isArp = ProbeFrames.TryReadArp(frame, out ushort op, out IPAddress sender, out IPAddress target);
        bool isNd = !isArp && ProbeFrames.TryReadNeighborDiscovery(frame, out sender, out target);
        if (!isArp && !isNd)
        {
            return;
        }
        if (!ArpValidates(m))
        {
            m.ArpRxMs = Now;
            return;
        }
        if (ProbeFrames.IsForOtherHost(frame, m.CurrentMac))
        {
            return;
        }
        // Whom to trust (bond_arp_rcv): an active member; a backup hearing our own request through the switch
        // (sender and target swapped) once the active member has been validated; any member receiving a reply
        // while a candidate is being tried.
        if (IsActiveState(m))
        {
            ValidateProbeReply(m, sender, target, isArp);
        }
        else if (Active != null && ArpLastRx(Active) > Active.LastLinkUpMs)
        {
            ValidateProbeReply(m, target, sender, isArp);
        }
        else if (_currentArpSlave != null && (isNd || op == 2) && InArpInterval(_currentArpSlave.ArpTxMs, 1))
        {
            ValidateProbeReply(m, sender, target, isArp);
        }
    }

    /// <summary>bond_validate_arp() / bond_validate_na(): a target answering one of the bond's addresses.</summary>
    private void ValidateProbeReply(Member m, IPAddress sender, IPAddress target, bool isArp)
    {
        bool toUs = isArp
            ? !sender.Equals(IPAddress.Any) && _bond.Addresses.Contains(target)
            : !sender.Equals(IPAddress.IPv6Any) && (target.Equals(IPAddress.Parse("ff02::1")) || _bond.Addresses.Contains(target));
        int i = isArp ? Options.ArpIpTargets.IndexOf(sender) : NsTargetIndex(sender);
        if (!toUs || i < 0)
        {
            return;
        }
        m.ArpRxMs = Now;
        m.TargetRxMs[i] = Now;
    }

    /// <summary>
    /// bond_get_targets_ip6(): a target by its address or by its solicited-node multicast address — what a backup
    /// sees as the "sender" of the bond's own solicitation relayed by the switch, which validates it.
    /// </summary>
    private int NsTargetIndex(IPAddress address)
    {
        for (int i = 0; i < Options.NsIp6Targets.Count; i++)
        {
            if (Options.NsIp6Targets[i].Equals(address) || ProbeFrames.SolicitedNode(Options.NsIp6Targets[i]).Equals(address))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>slave_do_arp_validate(): arp_validate bit 0 covers the active member, bit 1 the backups.</summary>
    internal bool ArpValidates(Member m) => ((int)Options.ArpValidate & (IsActiveState(m) ? 1 : 2)) != 0;

    /// <summary>bond_is_active_slave(): the member's state is active (in the load-balancing modes, unless its link went down).</summary>
    private static bool IsActiveState(Member m) => m.IsActive && !m.ArpBackup;

    /// <summary>slave_last_rx(), the receive time the monitor judges a member by: with arp_all_targets=all the oldest reply over the targets, else <see cref="LastRx"/>.</summary>
    internal long ArpLastRx(Member m)
    {
        if (Options.ArpAllTargets == ArpAllTargets.All)
        {
            long oldest = m.TargetRxMs[0];
            for (int i = 1; i < Options.ArpIpTargets.Count; i++)
            {
                oldest = Math.Min(oldest, m.TargetRxMs[i]);
            }
            return oldest;
        }
        return LastRx(m);
    }

    /// <summary>
    /// slave->last_rx: where nothing is validated, the last frame of any kind (the data path's time), or with the
    /// filter bit set the last ARP or IPv6 frame of any kind (bond_rcv_validate's is_arp, is_ipv6).
    /// </summary>
    private long LastRx(Member m)
    {
        if (ArpValidates(m))
        {
            return m.ArpRxMs;
        }
        long heard = ((int)Options.ArpValidate & (int)ArpValidate.Filter) == 0 ? m.LastRxMs : m.LastRxIpv6Ms;
        return heard > 0 ? Math.Max(m.ArpRxMs, heard) : m.ArpRxMs;
    }

    /// <summary>bond_time_in_interval(): now within [last − Δ, last + k·Δ + Δ/2], Δ = arp_interval.</summary>
    private bool InArpInterval(long last, int k)
    {
        long delta = Options.ArpInterval;
        return Now >= last - delta && Now <= last + (k * delta) + (delta / 2);
    }

    /// <summary>
    /// A target list changed (arp_ip_target, ns_ip6_target): each member's per-target receive times move with their
    /// targets — a removed one's slot goes, the later ones shift down (bond_option_arp_ip_target_rem) — and a new
    /// target counts as heard now (_bond_options_arp_ip_target_set), so arp_all_targets=all gives it time to answer.
    /// </summary>
    internal void TargetsChanged(List<IPAddress> before, List<IPAddress> after)
    {
        foreach (Member m in Members)
        {
            long[] old = (long[])m.TargetRxMs.Clone();
            for (int j = 0; j < after.Count; j++)
            {
                int i = before.IndexOf(after[j]);
                m.TargetRxMs[j] = i >= 0 ? old[i] : Now;
            }
        }
    }

    /// <summary>bond_enslave(): a new member counts as last heard, and last probed, just over an interval ago.</summary>
    internal void Enslave(Member m)
    {
        m.ArpBackup = false;
        long heard = Now - Options.ArpInterval - 1;
        m.ArpRxMs = heard;
        Array.Fill(m.TargetRxMs, heard);
        m.ArpTxMs = heard;
        if (m.Link != LinkState.Down)
        {
            m.LastLinkUpMs = Now;
        }
    }

    /// <summary>An adopted member: everything it could have heard, heard now, and a probe just sent (see <see cref="Bond.Adopt"/>).</summary>
    internal void Adopted(Member m)
    {
        m.ArpRxMs = Now;
        Array.Fill(m.TargetRxMs, Now);
        m.ArpTxMs = Now;
        m.LastRxMs = Math.Max(m.LastRxMs, Now);
        m.LastTxMs = Math.Max(m.LastTxMs, Now);
    }
}
