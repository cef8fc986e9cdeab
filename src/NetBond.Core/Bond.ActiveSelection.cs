namespace NetBond.Core;

// Choosing and changing the active member: bond_select_active_slave(), bond_find_best_slave(),
// bond_choose_primary_or_current() and bond_change_active_slave(), with peer notification.
public sealed partial class Bond
{
    private void SelectActive()
    {
        Member? best = FindBest();
        if (best != Active)
        {
            ChangeActive(best);
        }
        UpdateCarrier();
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
        return Options.PrimaryReselect switch
        {
            0 => candidate,
            1 => candidate.Speed < curr.Speed || (candidate.Speed == curr.Speed && candidate.Duplex <= curr.Duplex) ? curr : candidate,
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
        if (next != null && next.Link == LinkState.Back)
        {
            _host.Log($"{Name}: making interface {next.Name} the new active one {Ms(next.Delay)} ms earlier");
            next.Link = LinkState.Up;
            next.Delay = 0;
        }
        Active = next;
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
            _host.Log($"{Name}: now running without any active interface!");
            return;
        }
        next.IsActive = true;
        _host.Log($"{Name}: making interface {next.Name} the new active one");
        ApplyFailOverMac(old, next);
        if (IsUp)
        {
            _sendPeerNotif = Options.NumPeerNotif * Math.Max(1, Options.PeerNotifDelayTicks);
            if (ShouldNotifyPeers())
            {
                _sendPeerNotif--;
                _host.NotifyPeers(next);
            }
        }
    }

    /// <summary>fail_over_mac=active: the bond takes the new active's MAC; =follow: the new active takes the bond's.</summary>
    private void ApplyFailOverMac(Member? old, Member next)
    {
        if (Options.FailOverMac == 1)
        {
            if (Mac != next.CurrentMac)
            {
                Mac = next.CurrentMac;
                _host.SetBondMac(Mac);
            }
        }
        else if (Options.FailOverMac == 2 && next.CurrentMac != Mac)
        {
            MacAddress previous = next.CurrentMac;
            SetMemberMac(next, Mac);
            if (old != null)
            {
                SetMemberMac(old, previous);
            }
        }
    }

    /// <summary>bond_should_notify_peers(): one notification every max(1, peer_notif_delay) ticks while the bond has carrier.</summary>
    private bool ShouldNotifyPeers() =>
        Active != null && _sendPeerNotif > 0 && Carrier && _sendPeerNotif % Math.Max(1, Options.PeerNotifDelayTicks) == 0;
}
