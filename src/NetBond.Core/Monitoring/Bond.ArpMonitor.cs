namespace NetBond.Core;

// The ARP monitor's tick (bond_arp_monitor): ArpMonitor inspects, commits the members' states and probes; the bond
// chooses the active member and publishes what changed.
public sealed partial class Bond
{
    /// <summary>bond_arp_monitor(): one interval of the mode's ARP monitor.</summary>
    private void ArpTick()
    {
        if (_members.Count == 0)
        {
            return;
        }
        if (!Traits.UsesPrimary)
        {
            (bool failover, bool changed) = _arp.LoadBalanceTick();
            if (failover)
            {
                SelectActive();
            }
            if (changed)
            {
                UpdateCarrier();
                Publish();
            }
            return;
        }
        // bond_activebackup_arp_mon(): inspect, commit what changed, then probe.
        bool notify = ShouldNotifyPeers();
        List<(Member Member, LinkState State)> proposed = _arp.Inspect();
        if (proposed.Count > 0)
        {
            if (_arp.Commit(proposed))
            {
                SelectActive();
            }
            UpdateCarrier();
            Publish();
        }
        if (_arp.Probe())
        {
            Publish();
        }
        if (notify)
        {
            _sendPeerNotif--;
            NotifyPeers();
        }
    }
}
