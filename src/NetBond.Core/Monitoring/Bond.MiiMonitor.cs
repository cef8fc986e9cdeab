namespace NetBond.Core;

// The MII link monitor's tick: MiiMonitor inspects, the bond commits (bond_miimon_commit), on the carriers the
// host pushed in (OnCarrier) before the tick.
public sealed partial class Bond
{
    /// <summary>How often the driver is asked for every member's carrier when link events say all is as it was.</summary>
    public const int CarrierReadMs = 1000;

    private long _nextCarrierReadMs;

    /// <summary>
    /// Whether the host should ask the driver for <paramref name="m"/>'s carrier before this tick (ETHTOOL_GLINK, one
    /// system call per member), or may go by the carrier the last link event reported (<see cref="OnLinkEvent"/>),
    /// which comes at once. A host of a thousand bonds at miimon=100 would otherwise make twenty thousand such calls a
    /// second where the kernel reads a flag. The driver is asked at every tick while updelay or downdelay runs, so
    /// the delays count fresh reads, and of every member once a second: the fallback for an event that never came or
    /// came late (linkwatch holds back a carrier loss that follows another device's within a second).
    /// </summary>
    public bool CarrierReadDue(Member m, long nowMs) => nowMs >= _nextCarrierReadMs || m.Link is LinkState.Fail or LinkState.Back;

    /// <summary>When the MII tick a quiet bond skips would have run (-1: none skipped): where <see cref="ResumeMii"/> puts it back.</summary>
    private long _miiResumeMs = -1;

    /// <summary>Ticks were skipped since the last inspection: they would have seen every up member's carrier.</summary>
    private bool _miiSkipped;

    /// <summary>When "failed to get link speed/duplex" was last logged (the kernel rate-limits it too).</summary>
    private long _speedWarnedMs;

    /// <summary>
    /// After a tick that found nothing moving — every link as its carrier says, no updelay or downdelay running, no
    /// peer notification to count down — the ticks until the next carrier read could only repeat it: the next tick
    /// is the one at the read (a thousand idle bonds at miimon=100 wake the daemon once a second, not ten times).
    /// Whatever could change that ends the wait (<see cref="ResumeMii"/>): a carrier that changed, by an event or a
    /// read, an enslave or release, a new active member, an option — each publishes a new plan or notifies peers.
    /// </summary>
    private void DeferMiiWhileQuiet(long linkDue, long nowMs)
    {
        if (_sendPeerNotif > 0 || !_members.TrueForAll(m => m.Link == LinkState.Up ? m.Carrier : m.Link == LinkState.Down && !m.Carrier))
        {
            return;
        }
        _miiResumeMs = _timers.DueOf(BondTimer.LinkMonitor);
        _miiSkipped = true;
        _timers.Arm(BondTimer.LinkMonitor, NextAfter(linkDue, Math.Max(nowMs, _nextCarrierReadMs - 1), Options.Miimon));
    }

    /// <summary>The MII ticks a quiet bond skipped start again where they would have been.</summary>
    private void ResumeMii()
    {
        if (_miiResumeMs >= 0)
        {
            _timers.Arm(BondTimer.LinkMonitor, Math.Min(_miiResumeMs, _timers.DueOf(BondTimer.LinkMonitor)));
            _miiResumeMs = -1;
        }
    }

    /// <summary>num_peer_notif rounds, peer_notif_delay ticks apart, counted down by the monitor's ticks: a quiet bond's come back.</summary>
    private void StartPeerNotifications()
    {
        _sendPeerNotif = Options.NumPeerNotif * Math.Max(1, Options.PeerNotifDelayTicks);
        ResumeMii();
    }

    private void MiiTick()
    {
        // bond_mii_monitor: decide on this tick's notification before anything changes, then count down.
        bool notify = ShouldNotifyPeers();
        if (_sendPeerNotif > 0)
        {
            _sendPeerNotif--;
        }
        MiiInspectAndCommit();
        if (notify)
        {
            NotifyPeers();
        }
    }

    /// <summary>
    /// A member's carrier changed and the host heard it as it happened (rtnetlink): the MII monitor inspects at once,
    /// as teamd's link watch does, instead of at its next poll; the poll stays as the fallback, a full miimon after
    /// the event, so updelay and downdelay count miimon intervals from the event.
    /// </summary>
    public void OnLinkEvent(Member member, bool carrier, long nowMs)
    {
        _now = nowMs;
        if (!_members.Contains(member) || member.Carrier == carrier)
        {
            return;
        }
        OnCarrier(member, carrier);
        if (Options.Miimon > 0)
        {
            MiiInspectAndCommit();
            _timers.Arm(BondTimer.LinkMonitor, Next(nowMs, Options.Miimon));
        }
    }

    /// <summary>bond_miimon_inspect() then bond_miimon_commit() on the carriers pushed in.</summary>
    private void MiiInspectAndCommit()
    {
        if (_miiSkipped)
        {
            // The last tick skipped, a miimon ago, saw the up members' carriers: a failover's outage counts from there.
            _miiSkipped = false;
            foreach (Member m in _members.Where(m => m.Link == LinkState.Up))
            {
                m.LastCarrierMs = Math.Max(m.LastCarrierMs, _now - Options.Miimon);
            }
        }
        // With no usable member the first link to come up is taken at once: in active-backup when there is
        // no active member, in the modes with a usable-slaves array (xor here) when it is empty. balance-rr
        // and broadcast keep no such array, so they always wait out updelay.
        bool ignoreUpdelay = Options.Mode == BondMode.ActiveBackup ? Active == null : Traits.UsableArray && !_members.Exists(m => m.CanTransmit);
        (List<(Member Member, bool Up)> commits, bool changed) = _mii.Inspect(_members, Options, ignoreUpdelay, _now);
        bool reselect = false;
        foreach ((Member m, bool up) in commits)
        {
            reselect |= up ? CommitUp(m) : CommitDown(m);
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
    }

    /// <returns>Whether the active member must be reselected.</returns>
    private bool CommitUp(Member m)
    {
        if (Traits.NeedsSpeedDuplex && !(m.Speed > 0 && m.Duplex is 0 or 1))
        {
            // bond_miimon_commit: the link stays down, and the monitor tries again while the carrier is up.
            m.Link = LinkState.Down;
            m.Delay = 0;
            if (_now - _speedWarnedMs >= 5000 || _speedWarnedMs == 0)
            {
                _speedWarnedMs = _now;
                _host.Log($"{Name}: failed to get link speed/duplex for {m.Name}");
            }
            return false;
        }
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

    /// <summary>bond_miimon_commit()'s words: an unknown speed is 0 Mbps, an unknown duplex (DUPLEX_UNKNOWN, not 0) full.</summary>
    private static string SpeedText(Member m) => $"{Math.Max(m.Speed, 0)} Mbps {(m.Duplex == 0 ? "half" : "full")} duplex";
}
