using System.Net;

namespace NetBond.Core;

// The ARP (and NS) link monitor, bond_main.c: every arp_interval ms, probes to arp_ip_target/ns_ip6_target and
// a verdict from what each member received. active-backup: bond_ab_arp_inspect/commit/probe; balance-rr, xor
// and broadcast: bond_loadbalance_arp_mon. Received ARP and NS/NA come in through OnControlFrame.
public sealed partial class Bond
{
    /// <summary>BOND_MAX_ARP_TARGETS: the size of each member's per-target receive times.</summary>
    internal const int MaxArpTargets = 16;

    /// <summary>current_arp_slave: with no active member, the one being tried this interval.</summary>
    private Member? _currentArpSlave;

    /// <summary>The clock at the bond's last event, for the choices that need "now" (enslave, activation).</summary>
    private long _now;

    /// <summary>bond_arp_monitor(): one interval of the mode's ARP monitor.</summary>
    private void ArpMonitor()
    {
        if (_members.Count == 0)
        {
            return;
        }
        if (Traits.UsesPrimary)
        {
            ActiveBackupArpMonitor();
        }
        else
        {
            LoadBalanceArpMonitor();
        }
    }

    /// <summary>bond_activebackup_arp_mon(): inspect, commit what changed, then probe.</summary>
    private void ActiveBackupArpMonitor()
    {
        bool notify = ShouldNotifyPeers();
        List<(Member Member, LinkState State)> proposed = ArpInspect();
        if (proposed.Count > 0)
        {
            ArpCommit(proposed);
        }
        ArpProbe();
        if (notify)
        {
            _sendPeerNotif--;
            NotifyPeers();
        }
    }

    /// <summary>bond_ab_arp_inspect(): the link state each member should move to.</summary>
    private List<(Member, LinkState)> ArpInspect()
    {
        List<(Member, LinkState)> proposed = [];
        foreach (Member m in _members)
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

    /// <summary>bond_ab_arp_commit().</summary>
    private void ArpCommit(List<(Member Member, LinkState State)> proposed)
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
                    _host.Log($"{Name}: {m.Name}: link status definitely up");
                    failover |= Active == null || m == _primary || m.Prio > Active.Prio;
                    break;
                case LinkState.Down:
                    m.LinkFailureCount++;
                    m.Link = LinkState.Down;
                    m.IsActive = false;
                    _host.Log($"{Name}: {m.Name}: link status definitely down, disabling slave");
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
        if (failover)
        {
            SelectActive();
        }
        UpdateCarrier();
        Publish();
    }

    /// <summary>
    /// bond_ab_arp_probe(): probe through the active member; with none, try the next member that has carrier,
    /// one per interval, round the bond, until one is validated and committed up.
    /// </summary>
    private void ArpProbe()
    {
        if (Active != null)
        {
            SendProbes(Active);
            return;
        }
        Member? current = _currentArpSlave ?? _members[0];
        Member? before = null;
        Member? next = null;
        bool found = false;
        bool changed = false;
        foreach (Member m in _members)
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
                _host.Log($"{Name}: {m.Name}: backup interface is now down");
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
            next.LastLinkUpMs = _now;
            _currentArpSlave = next;
            changed = true;
        }
        if (changed)
        {
            Publish();
        }
    }

    /// <summary>bond_loadbalance_arp_mon(): up after sending and receiving within an interval, down after missed_max.</summary>
    private void LoadBalanceArpMonitor()
    {
        Member? oldCurrent = Active;
        bool failover = false;
        bool changed = false;
        List<(Member Member, LinkState State)> proposed = [];
        foreach (Member m in _members)
        {
            if (m.Link != LinkState.Up)
            {
                if (InArpInterval(m.ArpTxMs, 1) && InArpInterval(LastRx(m), 1))
                {
                    proposed.Add((m, LinkState.Up));
                    changed = true;
                    _host.Log(oldCurrent == null ? $"{Name}: {m.Name}: link status definitely up" : $"{Name}: {m.Name}: interface is now up");
                    failover |= oldCurrent == null;
                }
            }
            else if (!InArpInterval(m.ArpTxMs, Options.ArpMissedMax) || !InArpInterval(LastRx(m), Options.ArpMissedMax))
            {
                proposed.Add((m, LinkState.Down));
                changed = true;
                m.LinkFailureCount++;
                _host.Log($"{Name}: {m.Name}: interface is now down");
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
        if (failover)
        {
            SelectActive();
        }
        if (changed)
        {
            UpdateCarrier();
            Publish();
        }
    }

    /// <summary>bond_send_validate(): an ARP request to every arp_ip_target and an NS to every ns_ip6_target, on <paramref name="m"/>.</summary>
    private void SendProbes(Member m)
    {
        IPAddress? v4 = _addresses.FirstOrDefault(ProbeFrames.IsIpv4);
        foreach (IPAddress target in Options.ArpIpTargets)
        {
            _host.SendFrame(m, ProbeFrames.ArpRequest(m.CurrentMac, v4, target));
            m.ArpTxMs = _now;
        }
        foreach (IPAddress target in Options.NsIp6Targets)
        {
            _host.SendFrame(m, ProbeFrames.NeighborSolicitation(m.CurrentMac, Ipv6SourceFor(target), target));
            m.ArpTxMs = _now;
        }
    }

    /// <summary>The bond's IPv6 address to solicit from: one of the target's scope (link-local for a link-local target), or :: when none.</summary>
    private IPAddress? Ipv6SourceFor(IPAddress target) =>
        _addresses.FirstOrDefault(a => !ProbeFrames.IsIpv4(a) && a.IsIPv6LinkLocal == target.IsIPv6LinkLocal)
        ?? _addresses.FirstOrDefault(a => !ProbeFrames.IsIpv4(a));

    /// <summary>
    /// bond_rcv_validate(): an ARP or NS/NA from <paramref name="m"/>. Where arp_validate covers the member's state
    /// it must be an exchange with a target (bond_arp_rcv / bond_na_rcv); otherwise any such frame counts
    /// (the data path's receive time counts every other frame, unless the filter bit is set).
    /// </summary>
    private void ArpReceive(Member m, ReadOnlySpan<byte> frame)
    {
        bool isArp = ProbeFrames.TryReadArp(frame, out ushort op, out IPAddress sender, out IPAddress target);
        bool isNd = !isArp && ProbeFrames.TryReadNeighborDiscovery(frame, out sender, out target);
        if (!isArp && !isNd)
        {
            return;
        }
        if (!ArpValidates(m))
        {
            m.ArpRxMs = _now;
            return;
        }
        if (ProbeFrames.IsForOtherHost(frame, m.CurrentMac))
        {
            return;
        }
        // Whom to trust (bond_arp_rcv): an active member; a backup hearing our own request through the switch
        // (sender and target swapped) once the active member has been validated; any member receiving a reply
        // while a candidate is being tried.
        if (m.IsActive)
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
            ? !sender.Equals(IPAddress.Any) && _addresses.Contains(target)
            : !sender.Equals(IPAddress.IPv6Any) && (target.Equals(IPAddress.Parse("ff02::1")) || _addresses.Contains(target));
        int i = isArp ? Options.ArpIpTargets.IndexOf(sender) : Options.NsIp6Targets.IndexOf(sender);
        if (!toUs || i < 0)
        {
            return;
        }
        m.ArpRxMs = _now;
        m.TargetRxMs[i] = _now;
    }

    /// <summary>slave_do_arp_validate(): arp_validate bit 0 covers the active member, bit 1 the backups.</summary>
    private bool ArpValidates(Member m) => ((int)Options.ArpValidate & (m.IsActive ? 1 : 2)) != 0;

    /// <summary>The receive time the monitor judges <paramref name="m"/> by, for status.</summary>
    internal long ArpLastReceive(Member m) => ArpLastRx(m);

    /// <summary>slave_last_rx(): with arp_all_targets=all the oldest reply over the targets, else <see cref="LastRx"/>.</summary>
    private long ArpLastRx(Member m)
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

    /// <summary>slave->last_rx: where nothing is validated and the filter bit is off, the last frame of any kind (the data path's time).</summary>
    private long LastRx(Member m)
    {
        bool anyFrame = !ArpValidates(m) && ((int)Options.ArpValidate & (int)ArpValidate.Filter) == 0;
        return anyFrame && m.LastRxMs > 0 ? Math.Max(m.ArpRxMs, m.LastRxMs) : m.ArpRxMs;
    }

    /// <summary>bond_time_in_interval(): now within [last − Δ, last + k·Δ + Δ/2], Δ = arp_interval.</summary>
    private bool InArpInterval(long last, int k)
    {
        long delta = Options.ArpInterval;
        return _now >= last - delta && _now <= last + (k * delta) + (delta / 2);
    }

    /// <summary>bond_enslave(): a new member counts as last heard just over an interval ago.</summary>
    private void ArpEnslave(Member m)
    {
        long heard = _now - Options.ArpInterval - 1;
        m.ArpRxMs = heard;
        Array.Fill(m.TargetRxMs, heard);
        m.ArpTxMs = long.MinValue / 2;
        if (m.Link != LinkState.Down)
        {
            m.LastLinkUpMs = _now;
        }
    }
}
