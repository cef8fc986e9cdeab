namespace NetBond.Core;

// 802.3ad's mux machine (ad_mux_machine) and what its states do to a member: whether it feeds the bond and sends.
public sealed partial class Bond
{
    /// <summary>ad_mux_machine(): detached → waiting → attached → collecting (and) distributing.</summary>
    private void MuxMachine(LacpPort port)
    {
        LacpMuxState last = port.MuxState;
        Aggregator? agg = port.Aggregator;
        bool selected = port.Has(PortVars.Selected);
        bool standby = port.Has(PortVars.Standby);
        bool partnerSync = (port.Partner.State & LacpState.Synchronization) != 0;
        if (port.Has(PortVars.Begin))
        {
            port.MuxState = LacpMuxState.Detached;
        }
        else
        {
            switch (port.MuxState)
            {
                case LacpMuxState.Detached:
                    if (selected || standby)
                    {
                        port.MuxState = LacpMuxState.Waiting;
                    }
                    break;
                case LacpMuxState.Waiting:
                    if (!selected)
                    {
                        port.Set(PortVars.ReadyN, false);
                        if (agg != null)
                        {
                            UpdateReady(agg);
                        }
                        port.MuxState = LacpMuxState.Detached;
                        break;
                    }
                    if (port.MuxTimer > 0 && --port.MuxTimer == 0)
                    {
                        port.Set(PortVars.ReadyN, true);
                    }
                    if (agg != null)
                    {
                        UpdateReady(agg);
                    }
                    if (port.Has(PortVars.Ready) && port.MuxTimer == 0)
                    {
                        port.MuxState = LacpMuxState.Attached;
                    }
                    break;
                case LacpMuxState.Attached:
                    if (selected && partnerSync && _aggSelectTimer == 0)
                    {
                        if (agg!.IsActive)
                        {
                            port.MuxState = Options.CoupledControl ? LacpMuxState.CollectingDistributing : LacpMuxState.Collecting;
                        }
                    }
                    else if (!selected || standby)
                    {
                        port.Set(PortVars.ReadyN, false);
                        if (agg != null)
                        {
                            UpdateReady(agg);
                        }
                        port.MuxState = LacpMuxState.Detached;
                    }
                    else if (agg!.IsActive)
                    {
                        port.SetActor(LacpState.Synchronization, true);
                    }
                    break;
                case LacpMuxState.CollectingDistributing:
                    if (!MoveToAttached(port) && agg!.IsActive && !port.Member.IsActive)
                    {
                        EnablePort(port);
                    }
                    break;
                case LacpMuxState.Collecting:
                    if (!MoveToAttached(port))
                    {
                        if (selected && partnerSync && (port.Partner.State & LacpState.Collecting) != 0)
                        {
                            port.MuxState = LacpMuxState.Distributing;
                        }
                        else if (agg!.IsActive && !port.Member.RxOnly && !port.Member.IsActive)
                        {
                            EnableCollecting(port);
                        }
                    }
                    break;
                case LacpMuxState.Distributing:
                    if (!selected || standby || (port.Partner.State & LacpState.Collecting) == 0 || !partnerSync
                        || (port.ActorState & LacpState.Synchronization) == 0)
                    {
                        port.MuxState = LacpMuxState.Collecting;
                    }
                    else if (agg is { IsActive: true } && !port.Member.IsActive)
                    {
                        EnablePort(port);
                    }
                    break;
            }
        }
        if (port.MuxState == last)
        {
            return;
        }
        _host.Log($"{Name}: {port.Member.Name}: Mux Machine: Port={port.Number}, Last State={last}, Curr State={port.MuxState}");
        switch (port.MuxState)
        {
            case LacpMuxState.Detached:
                port.SetActor(LacpState.Synchronization, false);
                DisableCollectingDistributing(port);
                port.SetActor(LacpState.Collecting | LacpState.Distributing, false);
                port.Ntt = true;
                break;
            case LacpMuxState.Waiting:
                port.MuxTimer = WaitWhileTicks;
                break;
            case LacpMuxState.Attached:
                port.SetActor(LacpState.Synchronization, agg is { IsActive: true });
                port.SetActor(LacpState.Collecting | LacpState.Distributing, false);
                DisableCollectingDistributing(port);
                port.Ntt = true;
                break;
            case LacpMuxState.CollectingDistributing:
                port.SetActor(LacpState.Collecting | LacpState.Distributing | LacpState.Synchronization, true);
                EnableCollectingDistributing(port);
                port.Ntt = true;
                break;
            case LacpMuxState.Collecting:
                port.SetActor(LacpState.Collecting | LacpState.Synchronization, true);
                port.SetActor(LacpState.Distributing, false);
                EnableCollecting(port);
                if (agg is { HasPartner: true })
                {
                    port.Member.IsActive = false;
                    _lacpPlanChanged = true;
                }
                port.Ntt = true;
                break;
            case LacpMuxState.Distributing:
                port.SetActor(LacpState.Distributing | LacpState.Synchronization, true);
                EnableCollectingDistributing(port);
                break;
        }
    }

    /// <summary>__port_move_to_attached_state().</summary>
    private static bool MoveToAttached(LacpPort port)
    {
        if (!port.Has(PortVars.Selected) || port.Has(PortVars.Standby)
            || (port.Partner.State & LacpState.Synchronization) == 0 || (port.ActorState & LacpState.Synchronization) == 0)
        {
            port.MuxState = LacpMuxState.Attached;
        }
        return port.MuxState == LacpMuxState.Attached;
    }

    /// <summary>ad_enable_collecting_distributing(), with ad_cond_set_peer_notif(): under broadcast_neighbor, neighbours hear of the bond on every member.</summary>
    private void EnableCollectingDistributing(LacpPort port)
    {
        if (port.Aggregator is { IsActive: true })
        {
            EnablePort(port);
            _lacpPlanChanged = true;
            if (Options.BroadcastNeighbor)
            {
                _sendPeerNotif = Options.NumPeerNotif * Math.Max(1, Options.PeerNotifDelayTicks);
            }
        }
    }

    private void DisableCollectingDistributing(LacpPort port)
    {
        if (port.Aggregator is { HasPartner: true })
        {
            DisablePort(port);
            _lacpPlanChanged = true;
        }
    }

    /// <summary>ad_enable_collecting(): receive on a port of the active aggregator, not yet transmit.</summary>
    private void EnableCollecting(LacpPort port)
    {
        if (port.Aggregator is { IsActive: true } && port.Member.Link == LinkState.Up)
        {
            port.Member.RxOnly = true;
            _lacpPlanChanged = true;
        }
    }

    /// <summary>__enable_port(): the member sends and receives (bond_set_slave_active_flags), if its link is up.</summary>
    private static void EnablePort(LacpPort port)
    {
        if (port.Member.Link == LinkState.Up)
        {
            port.Member.IsActive = true;
            port.Member.RxOnly = false;
        }
    }

    /// <summary>__disable_port(): the member neither sends nor feeds the bond (bond_set_slave_inactive_flags).</summary>
    private static void DisablePort(LacpPort port)
    {
        port.Member.IsActive = false;
        port.Member.RxOnly = false;
    }
}
