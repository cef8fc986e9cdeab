using System.Net;

namespace NetBond.Core;

// Choosing and changing the active member: bond_select_active_slave(), bond_find_best_slave(),
// bond_choose_primary_or_current() and bond_change_active_slave(), with peer notification.
public sealed partial class Bond
{
    private void SelectActive()
    {
        Member? best = FindBest();
        if (best == Active)
        {
            UpdateCarrier();
            return;
        }
        ChangeActive(best);
        if (UpdateCarrier())
        {
            _host.Log(Carrier ? $"{Name}: active interface up!" : $"{Name}: now running without any active interface!");
        }
    }

    private Member? FindBest()
    {
        Member? chosen = ChoosePrimaryOrCurrent();
        if (chosen != null)
        {
            return chosen;
        }
        Member? best = null;
        int minDelay = Options.UpdelayTicks;
        foreach (Member m in _members)
        {
            if (m.Link == LinkState.Up)
            {
                return m;
            }
            if (m.Link == LinkState.Back && m.Carrier && m.Delay < minDelay)
            {
                minDelay = m.Delay;
                best = m;
            }
        }
        return best;
    }

    private Member? ChoosePrimaryOrCurrent()
    {
        Member? prim = _primary;
        Member? curr = Active;
        if (prim == null || prim.Link != LinkState.Up)
        {
            Member? highest = null;
            foreach (Member m in _members)
            {
                if (m.Link == LinkState.Up && (highest == null || m.Prio > highest.Prio))
                {
                    highest = m;
                }
            }
            if (highest != null && highest != curr)
            {
                return Reselect(highest, curr);
            }
            return curr != null && curr.Link == LinkState.Up ? curr : null;
        }
        if (_forcePrimary)
        {
            _forcePrimary = false;
            return prim;
        }
        return Reselect(prim, curr);
    }

    /// <summary>primary_reselect: when a candidate may take over from a current member that is still up.</summary>
    private Member Reselect(Member candidate, Member? curr)
    {
        if (curr == null || curr.Link != LinkState.Up)
        {
            return candidate;
        }
        // speed is a u32 and duplex a u8 in struct slave: SPEED_UNKNOWN (-1) and DUPLEX_UNKNOWN (0xff) compare as the largest.
        return Options.PrimaryReselect switch
        {
            PrimaryReselect.Always => candidate,
            PrimaryReselect.Better => (uint)candidate.Speed < (uint)curr.Speed
                || ((uint)candidate.Speed == (uint)curr.Speed && (byte)candidate.Duplex <= (byte)curr.Duplex) ? curr : candidate,
            _ => curr,
        };
    }

    private void ChangeActive(Member? next)
    {
        Member? old = Active;
        if (next == old)
        {
            return;
        }
        bool earlier = next != null && next.Link == LinkState.Back;
        if (earlier)
        {
            if (Traits.UsesPrimary)
            {
                _host.Log($"{Name}: making interface {next!.Name} the new active one {Ms(Options.UpdelayTicks - next.Delay)} ms earlier");
            }
            next!.Link = LinkState.Up;
            next.Delay = 0;
        }
        Active = next;
        if (next != null)
        {
            next.LastLinkUpMs = _now;
        }
        if (old != null && next != null && old.Link != LinkState.Up && _members.Contains(old))
        {
            // A failover: the old active member failed. Its outage runs from when the bond last knew the old
            // member good (carrier at a tick; with the ARP monitor, its last counted receive) to now.
            Failovers++;
            LastFailoverOutageMs = _now - (Options.ArpInterval > 0 ? _arp.ArpLastRx(old) : old.LastCarrierMs);
        }
        // The switch must learn the bond's multicast memberships on the new port (IGMP goes out the active member in balance-rr too).
        if (IsUp && Options.ResendIgmp > 0 && ((Traits.UsesPrimary && next != null) || Traits.StripesFlows))
        {
            _igmpRetrans = Options.ResendIgmp;
            _timers.Arm(BondTimer.ResendIgmp, _now + 1);
        }
        if (Traits.LoadBalancing)
        {
            // Every tlb/alb member stays in the active state; the plan lets only the active one deliver broadcasts.
            Alb.ActiveChanged(old, next);
            if (next != null && earlier)
            {
                Alb.LinkChanged(next, up: true);
            }
        }
        if (next != null && !earlier && Traits.UsesPrimary)
        {
            _host.Log($"{Name}: making interface {next.Name} the new active one");
        }
        if (Options.Mode != BondMode.ActiveBackup)
        {
            return;
        }
        if (old != null)
        {
            old.IsActive = false;
        }
        if (next == null)
        {
            return;
        }
        next.IsActive = true;
        ApplyFailOverMac(old, next);
        if (IsUp)
        {
            StartPeerNotifications();
            if (ShouldNotifyPeers())
            {
                _sendPeerNotif--;
                NotifyPeers(next);
            }
        }
    }

    /// <summary>
    /// bond_do_fail_over_mac(). active: the bond takes the new active's MAC. follow: the new active takes the
    /// MAC of the old one (after a time without one, of the member holding the bond's MAC), which takes the new
    /// one's: the two swap, so no two members ever share the bond's MAC.
    /// </summary>
    private void ApplyFailOverMac(Member? old, Member next)
    {
        if (Options.FailOverMac == FailOverMac.Active)
        {
            if (Mac != next.CurrentMac)
            {
                Mac = next.CurrentMac;
                _host.SetBondMac(Mac);
            }
            return;
        }
        if (Options.FailOverMac != FailOverMac.Follow)
        {
            return;
        }
        old ??= _members.Find(m => m != next && m.CurrentMac == Mac);
        MacAddress previous = next.CurrentMac;
        SetMemberMac(next, old?.CurrentMac ?? Mac);
        if (old != null)
        {
            SetMemberMac(old, previous);
        }
    }

    /// <summary>NETDEV_NOTIFY_PEERS: a gratuitous ARP or unsolicited NA for each of the bond's addresses, on the member.</summary>
    private void NotifyPeers(Member member)
    {
        foreach (IPAddress address in _addresses)
        {
            _host.SendFrame(member, PeerNotificationFrames.For(address, Mac));
        }
    }

    /// <summary>
    /// A round of NETDEV_NOTIFY_PEERS from the bond device: on the active member; in 802.3ad (broadcast_neighbor)
    /// through the bond's transmit, which sends ARP and NA on every distributing member.
    /// </summary>
    private void NotifyPeers()
    {
        if (!Traits.Lacp)
        {
            // The tick decided to notify before its verdicts: they may have left no active member, and the
            // kernel's notification then goes nowhere.
            if (Active != null)
            {
                NotifyPeers(Active);
            }
            return;
        }
        foreach (int i in Plan.Usable)
        {
            NotifyPeers(Plan.Members[i]);
        }
    }

    /// <summary>
    /// bond_should_notify_peers(): one notification every max(1, peer_notif_delay) ticks while the bond has carrier
    /// and a member to send on (the active one; in 802.3ad, any distributing one).
    /// </summary>
    private bool ShouldNotifyPeers() =>
        (Traits.Lacp ? Plan.Usable.Length > 0 : Active != null)
        && _sendPeerNotif > 0 && Carrier && _sendPeerNotif % Math.Max(1, Options.PeerNotifDelayTicks) == 0;
}
