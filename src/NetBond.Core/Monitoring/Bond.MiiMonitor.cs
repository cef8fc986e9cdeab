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
