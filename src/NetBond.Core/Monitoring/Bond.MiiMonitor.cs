namespace NetBond.Core;

// The MII link monitor: bond_miimon_inspect() and bond_miimon_commit(), one call per miimon tick, on the
// carriers the host pushed in (OnCarrier) before the tick.
public sealed partial class Bond
{
    private void MiiMonitor()
    {
        // bond_mii_monitor: decide on this tick's notification before anything changes, then count down.
        bool notify = ShouldNotifyPeers();
        if (_sendPeerNotif > 0)
        {
            _sendPeerNotif--;
        }

        // With no usable member the first link to come up is taken at once: in active-backup when there is
        // no active member, in the modes with a usable-slaves array (xor here) when it is empty. balance-rr
        // and broadcast keep no such array, so they always wait out updelay.
        bool ignoreUpdelay = Options.Mode == BondMode.ActiveBackup ? Active == null : Traits.UsableArray && !_members.Exists(m => m.CanTransmit);
        bool changed = false;
        bool reselect = false;
        foreach (Member m in _members)
        {
            bool carrier = m.Carrier;
            if (carrier)
            {
                m.LastCarrierMs = _now;
            }
            switch (m.Link)
            {
                case LinkState.Up:
                    if (carrier)
                    {
                        break;
                    }
                    m.Link = LinkState.Fail;
                    m.Delay = Options.DowndelayTicks;
                    changed = true;
                    if (m.Delay > 0)
                    {
                        string role = Options.Mode == BondMode.ActiveBackup ? m.IsActive ? "active " : "backup " : "";
                        _host.Log($"{Name}: link status down for {role}interface {m.Name}, disabling it in {Ms(m.Delay)} ms");
                    }
                    goto case LinkState.Fail;
                case LinkState.Fail:
                    if (carrier)
                    {
                        _host.Log($"{Name}: link status up again after {Ms(Options.DowndelayTicks - m.Delay)} ms for interface {m.Name}");
                        reselect |= CommitUp(m);
                        changed = true;
                        break;
                    }
                    if (m.Delay <= 0)
                    {
                        reselect |= CommitDown(m);
                        changed = true;
                        break;
                    }
                    m.Delay--;
                    break;
                case LinkState.Down:
                    if (!carrier)
                    {
                        break;
                    }
                    m.Link = LinkState.Back;
                    m.Delay = Options.UpdelayTicks;
                    changed = true;
                    if (m.Delay > 0)
                    {
                        _host.Log($"{Name}: link status up for interface {m.Name}, enabling it in {(ignoreUpdelay ? "0" : Ms(m.Delay))} ms");
                    }
                    goto case LinkState.Back;
                case LinkState.Back:
                    if (!carrier)
                    {
                        // Proposed down and committed as any fall to down: it counts as a link failure.
                        _host.Log($"{Name}: link status down again after {Ms(Options.UpdelayTicks - m.Delay)} ms for interface {m.Name}");
                        reselect |= CommitDown(m);
                        changed = true;
                        break;
                    }
                    if (ignoreUpdelay)
                    {
                        m.Delay = 0;
                    }
                    if (m.Delay <= 0)
                    {
                        reselect |= CommitUp(m);
                        changed = true;
                        ignoreUpdelay = false;
                        break;
                    }
                    m.Delay--;
                    break;
            }
        }
        if (reselect)
        {
            SelectActive();
        }
        UpdateCarrier();
        if (changed)
        {
            Publish();
        }
        if (notify)
        {
            NotifyPeers();
        }
    }

    /// <returns>Whether the active member must be reselected.</returns>
    private bool CommitUp(Member m)
    {
        m.Link = LinkState.Up;
        m.Delay = 0;
        m.LastLinkUpMs = _now;
        if (!Traits.BackupUntilChosen)
        {
            m.IsActive = true;
        }
        _host.Log($"{Name}: link status definitely up for interface {m.Name}, {SpeedText(m)}");
        Lacp.LinkChanged(m, up: true);
        if (Traits.LoadBalancing)
        {
            Alb.LinkChanged(m, up: true);
        }
        return Active == null || m == _primary || m.Prio > Active.Prio;
    }

    private bool CommitDown(Member m)
    {
        m.LinkFailureCount++;
        m.Link = LinkState.Down;
        if (Traits.BackupUntilChosen)
        {
            m.IsActive = false;
        }
        _host.Log($"{Name}: link status definitely down for interface {m.Name}, disabling it");
        Lacp.LinkChanged(m, up: false);
        if (Traits.LoadBalancing)
        {
            Alb.LinkChanged(m, up: false);
        }
        return m == Active;
    }

    private static string SpeedText(Member m) =>
        m.Speed < 0 ? "speed unknown" : $"{m.Speed} Mbps {(m.Duplex == 1 ? "full" : m.Duplex == 0 ? "half" : "unknown")} duplex";
}
