namespace NetBond.Core;

// 802.3ad (bond_3ad.c): a port per member, the aggregators, the selection logic and the mux machine, run
// every 100 ms while the bond is up; received LACPDUs and Markers come in through OnControlFrame.
public sealed partial class Bond
{
    internal const int LacpTickMs = 1000 / LacpPort.TicksPerSecond;
    /// <summary>AD_AGGREGATOR_SELECTION_TIMER: 8 s after the first member joins, the first aggregator choice.</summary>
    private const int AggSelectionTicks = 8 * LacpPort.TicksPerSecond;
    private const int WaitWhileTicks = 2 * LacpPort.TicksPerSecond;

    private int _aggSelectTimer;
    private int _lastAggregatorId;
    private MacAddress _lacpSystem;
    private bool _lacpPlanChanged;

    /// <summary>The system id LACPDUs carry: ad_actor_system, or the bond's MAC.</summary>
    public MacAddress LacpSystem => Options.AdActorSystem.IsZero ? Mac : Options.AdActorSystem;

    /// <summary>The active aggregator, or null (then nothing is sent).</summary>
    public Aggregator? ActiveAggregator => Ports.Select(p => p.OwnAggregator).FirstOrDefault(a => a.IsActive);

    private IEnumerable<LacpPort> Ports => _members.Select(m => m.Lacp).OfType<LacpPort>();

    private ushort SystemPriority => (ushort)Options.AdActorSysPrio;

    /// <summary>bond_3ad_bind_slave() (with bond_3ad_initialize() for the first member).</summary>
    private void LacpBind(Member member)
    {
        if (_members.Count == 0)
        {
            _lastAggregatorId = 0;
            _aggSelectTimer = AggSelectionTicks;
        }
        int number = _members.Count == 0 ? 1 : _members[^1].Lacp!.Number + 1;
        LacpState state = LacpState.Aggregation;
        if (Options.LacpActive)
        {
            state |= LacpState.Activity;
        }
        if (Options.LacpRate == LacpRate.Fast)
        {
            state |= LacpState.Timeout;
        }
        LacpPort port = new(member, number, state, (ushort)(Options.AdUserPortKey << 6))
        {
            IsEnabled = member.Link != LinkState.Down,
        };
        port.OwnAggregator.Id = ++_lastAggregatorId;
        member.Lacp = port;
        UpdateActorKeys(port, reset: false);
        member.IsActive = false;
        member.RxOnly = false;
        _lacpSystem = LacpSystem;
    }

    /// <summary>bond_3ad_unbind_slave(): a last LACPDU says the port leaves; its aggregator's other ports move to another.</summary>
    private void LacpUnbind(Member member)
    {
        LacpPort port = member.Lacp!;
        port.SetActor(LacpState.Synchronization | LacpState.Collecting | LacpState.Distributing | LacpState.Aggregation, false);
        SendLacpdu(port);
        Aggregator own = port.OwnAggregator;
        bool reselect = false;
        if (!own.IsFree)
        {
            if (own.Ports.Count > 1 || own.Ports[0] != port)
            {
                Aggregator? target = Ports.Select(p => p.OwnAggregator)
                    .FirstOrDefault(a => a.IsFree || (a.Ports.Count == 1 && a.Ports[0] == port));
                if (target != null)
                {
                    reselect = target.Ports.Count == 1 && target.IsActive;
                    target.TakeOver(own);
                    if (reselect)
                    {
                        _host.Log($"{Name}: {member.Name}: Removing an active aggregator");
                    }
                }
                else
                {
                    _host.Log($"{Name}: {member.Name}: unbinding aggregator, and could not find a new aggregator for its ports");
                }
            }
            else
            {
                reselect = own.IsActive;
                own.Detach(port);
            }
        }
        if (port.Aggregator is { } agg)
        {
            agg.Detach(port);
            reselect |= agg.EnabledPorts == 0 && agg.IsActive;
        }
        member.Lacp = null;
        if (reselect && Ports.Any())
        {
            AggregatorSelection();
        }
    }

    /// <summary>bond_3ad_handle_link_change(): the MII monitor committed a link change.</summary>
    private void LacpLinkChanged(Member member, bool up)
    {
        if (member.Lacp is not { } port)
        {
            return;
        }
        port.IsEnabled = up;
        UpdateActorKeys(port, reset: !up);
        AggregatorSelection();
        _lacpPlanChanged = true;
    }

    /// <summary>The bond came up (bond_open): the aggregator choice is made on the next tick.</summary>
    private void LacpOpen()
    {
        _aggSelectTimer = 1;
        _timers.Arm(BondTimer.Lacp, 0);
    }

    /// <summary>lacp_rate, lacp_active, ad_actor_sys_prio and ad_actor_system take effect on every port.</summary>
    private void LacpOptionsChanged(BondOptions old)
    {
        foreach (LacpPort p in Ports)
        {
            p.SetActor(LacpState.Timeout, Options.LacpRate == LacpRate.Fast);
            p.SetActor(LacpState.Activity, Options.LacpActive);
            if (Options.AdActorSysPrio != old.AdActorSysPrio || Options.AdActorSystem != old.AdActorSystem)
            {
                p.Ntt = true;
            }
        }
    }

    /// <summary>bond_3ad_state_machine_handler(): one 100 ms tick of every port's machines.</summary>
    private void LacpTick()
    {
        if (_members.Count == 0)
        {
            return;
        }
        if (_aggSelectTimer > 0 && --_aggSelectTimer == 0)
        {
            AggregatorSelection();
        }
        if (LacpSystem != _lacpSystem)
        {
            // bond_3ad_update_ad_actor_settings(): the bond's MAC or ad_actor_system changed; partners must hear it.
            _lacpSystem = LacpSystem;
            foreach (LacpPort p in Ports)
            {
                p.Ntt = true;
            }
        }
        foreach (LacpPort port in Ports.ToArray())
        {
            port.RxMachine([], false, SystemPriority, _lacpSystem);
            port.PeriodicMachine();
            PortSelection(port);
            MuxMachine(port);
            if (port.TxMachine())
            {
                SendLacpdu(port);
            }
            port.ChurnMachine();
            port.Set(PortVars.Begin, false);
        }
        UpdateCarrier();
        if (_lacpPlanChanged)
        {
            _lacpPlanChanged = false;
            Publish();
        }
    }

    /// <summary>bond_3ad_lacpdu_recv(): LACPDUs go to the port's receive machine, Marker Information is answered.</summary>
    private void LacpReceive(LacpPort port, ReadOnlySpan<byte> frame)
    {
        LacpCounters c = port.Counters;
        switch (LacpPdu.Classify(frame))
        {
            case SlowFrameKind.Illegal:
                c.LacpduIllegalRx++;
                break;
            case SlowFrameKind.Unknown:
                c.LacpduUnknownRx++;
                break;
            case SlowFrameKind.Lacpdu:
                if (!port.RxMachine(frame, true, SystemPriority, _lacpSystem))
                {
                    _host.Log($"{Name}: {port.Member.Name}: An illegal loopback occurred on slave. Check the configuration to verify that all adapters are connected to 802.3ad compliant switch ports");
                }
                break;
            case SlowFrameKind.MarkerInformation:
                c.MarkerRx++;
                _host.SendFrame(port.Member, LacpPdu.MarkerResponse(frame, port.Member.PermanentMac));
                c.MarkerResponseTx++;
                break;
            case SlowFrameKind.MarkerResponse:
                c.MarkerResponseRx++;
                break;
            case SlowFrameKind.MarkerUnknown:
                c.MarkerUnknownRx++;
                break;
        }
    }

    private void SendLacpdu(LacpPort port)
    {
        _host.SendFrame(port.Member, LacpPdu.Build(port.Member.PermanentMac, port.Actor(SystemPriority, _lacpSystem), port.Partner));
        port.Counters.LacpduTx++;
    }

    /// <summary>ad_update_actor_keys(): the key follows speed and duplex; a speed change restarts LACP on the port.</summary>
    private void UpdateActorKeys(LacpPort port, bool reset)
    {
        ushort old = port.OperKey;
        Member m = port.Member;
        bool up = !reset && m.Link == LinkState.Up;
        int speed = up ? LacpKey.SpeedCode(m.Speed) : 0;
        int duplex = up && m.Duplex == 1 ? 1 : 0;
        port.OperKey = (ushort)((port.OperKey & ~0x3F) | (speed << 1) | duplex);
        if (old == port.OperKey)
        {
            return;
        }
        port.Set(PortVars.LacpEnabled, duplex == 1);
        if (!reset && speed == 0)
        {
            _host.Log($"{Name}: {m.Name}: speed changed to 0 on port {port.Number}");
        }
        else if (!reset && duplex == 1 && ((old & 0x3E) >> 1) != speed)
        {
            port.Set(PortVars.Begin, true);
        }
    }

    /// <summary>bond_3ad_set_carrier(): the active aggregator has at least min_links ports (with lacp_strict: collecting and distributing ones).</summary>
    private bool LacpCarrier()
    {
        Aggregator? active = ActiveAggregator;
        if (active == null)
        {
            return false;
        }
        if (Options.LacpStrict)
        {
            const LacpState Both = LacpState.Collecting | LacpState.Distributing;
            int working = active.Ports.Count(p => (p.ActorState & Both) == Both);
            return working > 0 && working >= Options.MinLinks;
        }
        return active.EnabledPorts >= Options.MinLinks;
    }

    /// <summary>bond_update_slave_arr() in 802.3ad: only members of the active aggregator transmit.</summary>
    private bool LacpTransmits(Member m) => m.Lacp?.Aggregator is { IsActive: true };
}
