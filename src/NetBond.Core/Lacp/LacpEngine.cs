namespace NetBond.Core;

/// <summary>
/// The 802.3ad engine (bond_3ad.c), in the shape of Open vSwitch's lacp object: a port per member
/// (<see cref="LacpPort"/>), the aggregators, the selection logic (ad_port_selection_logic, ad_agg_selection_logic),
/// the mux machine and what its states do to a member; run every 100 ms while the bond is up
/// (<see cref="Tick"/>), fed the LACPDUs and Markers received (<see cref="Receive"/>); it says which members
/// transmit (<see cref="Transmits"/>) and whether the bond has carrier (<see cref="Carrier"/>). The bond owns the
/// members and composes this with the other engines: what the engine needs of it comes in through the constructor.
/// </summary>
public sealed partial class LacpEngine
{
    internal const int TickMs = 1000 / LacpPort.TicksPerSecond;

    /// <summary>AD_AGGREGATOR_SELECTION_TIMER: 8 s after the first member joins, the first aggregator choice.</summary>
    private const int AggSelectionTicks = 8 * LacpPort.TicksPerSecond;
    private const int WaitWhileTicks = 2 * LacpPort.TicksPerSecond;

    private int _aggSelectTimer;
    private int _lastAggregatorId;
    private MacAddress _lacpSystem;
    /// <summary>The system id and priority were recorded (a first member, or ad_actor_* set): until then the kernel's ad_info is zero.</summary>
    private bool _systemRecorded;
    private bool _lacpPlanChanged;
    private readonly LacpFallback _fallback = new();

    private readonly string _name;
    private readonly IBondHost _host;
    private readonly IReadOnlyList<Member> _members;
    private readonly Func<BondOptions> _options;
    private readonly Func<MacAddress> _bondMac;
    private readonly Action _carrierMayChange;

    /// <param name="members">The bond's members, in enslave order: the ports are theirs.</param>
    /// <param name="carrierMayChange">Called where bond_3ad_set_carrier is: the bond reads <see cref="Carrier"/> again.</param>
    internal LacpEngine(string name, IBondHost host, IReadOnlyList<Member> members, Func<BondOptions> options, Func<MacAddress> bondMac,
        Action carrierMayChange)
    {
        _name = name;
        _host = host;
        _members = members;
        _options = options;
        _bondMac = bondMac;
        _carrierMayChange = carrierMayChange;
    }

    private BondOptions Options => _options();

    /// <summary>Set when a port began distributing under broadcast_neighbor (ad_cond_set_peer_notif): neighbours must hear of the bond.</summary>
    internal bool PeerNotifyRequested { get; set; }

    /// <summary>Whether a member transmits, receives or the carrier changed since the bond last published its plan; reading clears it.</summary>
    internal bool TakePlanChanged()
    {
        bool changed = _lacpPlanChanged;
        _lacpPlanChanged = false;
        return changed;
    }

    /// <summary>
    /// The system id LACPDUs carry: ad_actor_system, or the bond's MAC, as they were when the first member was bound
    /// or ad_actor_system or ad_actor_sys_prio was last set (bond_3ad_initialize, bond_3ad_update_ad_actor_settings).
    /// A later change of the bond's MAC does not reach it: partners would re-aggregate for nothing.
    /// </summary>
    public MacAddress LacpSystem => _systemRecorded ? _lacpSystem : MacAddress.Zero;

    /// <summary>The system priority as /proc shows it (BOND_AD_INFO): 0 until a first member or ad_actor_* set recorded it.</summary>
    public ushort ShownSystemPriority => _systemRecorded ? SystemPriority : (ushort)0;

    private MacAddress ConfiguredSystem => Options.AdActorSystem.IsZero ? _bondMac() : Options.AdActorSystem;

    /// <summary>lacp_fallback: whether the bond runs as active-backup because no partner speaks LACP.</summary>
    public bool InFallback => _fallback.IsOn;

    /// <summary>The member that carries the traffic in fallback, or null.</summary>
    public Member? FallbackMember => _fallback.Active;

    /// <summary>The active aggregator, or null (then nothing is sent).</summary>
    public Aggregator? ActiveAggregator => Ports.Select(p => p.OwnAggregator).FirstOrDefault(a => a.IsActive);

    private IEnumerable<LacpPort> Ports => _members.Select(m => m.Lacp).OfType<LacpPort>();

    private ushort SystemPriority => (ushort)Options.AdActorSysPrio;

    /// <summary>bond_3ad_bind_slave() (with bond_3ad_initialize() for the first member).</summary>
    internal void Bind(Member member)
    {
        if (_members.Count == 0)
        {
            _lastAggregatorId = 0;
            _aggSelectTimer = AggSelectionTicks;
            _lacpSystem = ConfiguredSystem;
            _systemRecorded = true;
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
    }

    /// <summary>bond_3ad_unbind_slave(): a last LACPDU says the port leaves; its aggregator's other ports move to another.</summary>
    internal void Unbind(Member member)
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
                        _host.Log($"{_name}: {member.Name}: Removing an active aggregator");
                    }
                }
                else
                {
                    _host.Log($"{_name}: {member.Name}: unbinding aggregator, and could not find a new aggregator for its ports");
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
            // Read before the detach, which clears an aggregator left empty: its last port leaving makes the bond choose.
            bool wasActive = agg.IsActive;
            agg.Detach(port);
            reselect |= agg.EnabledPorts == 0 && wasActive;
        }
        member.Lacp = null;
        if (reselect && Ports.Any())
        {
            AggregatorSelection();
        }
        if (_fallback.Choose([.. _members.Where(m => m != member)]))
        {
            ApplyFallback();
        }
    }

    /// <summary>bond_3ad_handle_link_change(): the MII monitor committed a link change.</summary>
    internal void LinkChanged(Member member, bool up)
    {
        if (member.Lacp is not { } port)
        {
            return;
        }
        port.IsEnabled = up;
        UpdateActorKeys(port, reset: !up);
        AggregatorSelection();
        if (_fallback.Choose(_members))
        {
            ApplyFallback();
        }
        _lacpPlanChanged = true;
    }

    /// <summary>The bond came up (bond_open): the aggregator choice is made on the next tick.</summary>
    internal void Open() => _aggSelectTimer = 1;

    /// <summary>lacp_rate, lacp_active, ad_actor_sys_prio and ad_actor_system take effect on every port.</summary>
    internal void OptionsChanged(BondOptions old)
    {
        bool system = Options.AdActorSysPrio != old.AdActorSysPrio || Options.AdActorSystem != old.AdActorSystem;
        if (system)
        {
            // bond_3ad_update_ad_actor_settings(): a zero ad_actor_system takes the bond's MAC as it is now.
            _lacpSystem = ConfiguredSystem;
            _systemRecorded = true;
        }
        foreach (LacpPort p in Ports)
        {
            p.SetActor(LacpState.Timeout, Options.LacpRate == LacpRate.Fast);
            p.SetActor(LacpState.Activity, Options.LacpActive);
            p.Ntt |= system;
        }
    }

    /// <summary>bond_3ad_state_machine_handler(): one 100 ms tick of every port's machines.</summary>
    internal void Tick()
    {
        if (_members.Count == 0)
        {
            return;
        }
        if (_aggSelectTimer > 0 && --_aggSelectTimer == 0)
        {
            AggregatorSelection();
        }
        // Before the machines: when fallback ends, the mux states enable the aggregation's ports on this very tick.
        if ((Options.LacpFallback || _fallback.IsOn) && _fallback.Tick(Options, _members, Aggregated()))
        {
            ApplyFallback();
        }
        foreach (LacpPort port in Ports.ToArray())
        {
            port.RxMachine([], false, SystemPriority, _lacpSystem);
            port.PeriodicMachine();
            PortSelection(port);
            MuxMachine(port);
            // Every change of the actor's state goes out at the next chance (at most three LACPDUs a second), where the
            // kernel waits for the next periodic LACPDU after some (sync in ATTACHED, DISTRIBUTING, expired, defaulted).
            // Not on a port that does not talk (passive with a passive partner): it stays silent as the kernel's.
            if (port.ActorState != port.SentActorState && port.PeriodicState != LacpPeriodicState.NoPeriodic)
            {
                port.Ntt = true;
            }
            if (port.TxMachine())
            {
                SendLacpdu(port);
            }
            port.ChurnMachine();
            port.Set(PortVars.Begin, false);
        }
        _carrierMayChange();
    }

    /// <summary>bond_3ad_lacpdu_recv(): LACPDUs go to the port's receive machine, Marker Information is answered.</summary>
    internal void Receive(LacpPort port, ReadOnlySpan<byte> frame, long nowMs)
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
                    _host.Log($"{_name}: {port.Member.Name}: An illegal loopback occurred on slave. Check the configuration to verify that all adapters are connected to 802.3ad compliant switch ports");
                }
                else
                {
                    port.RxGaps.Received(nowMs);
                    _fallback.Heard();
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
        port.SentActorState = port.ActorState;
        port.Counters.LacpduTx++;
    }

    /// <summary>bond_3ad_adapter_speed_duplex_changed(): the port's key follows the member's new speed and duplex.</summary>
    internal void SpeedDuplexChanged(Member m)
    {
        if (m.Lacp is { } port)
        {
            UpdateActorKeys(port, reset: false);
        }
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
            _host.Log($"{_name}: {m.Name}: speed changed to 0 on port {port.Number}");
        }
        else if (!reset && duplex == 1 && ((old & 0x3E) >> 1) != speed)
        {
            port.Set(PortVars.Begin, true);
        }
    }

    /// <summary>
    /// bond_3ad_set_carrier(): the active aggregator has at least min_links ports (with lacp_strict: collecting and
    /// distributing ones). In fallback, the fallback's member is up: min_links counts an aggregation, there is none.
    /// </summary>
    internal bool Carrier()
    {
        if (_fallback.IsOn)
        {
            return _fallback.Active != null;
        }
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

    /// <summary>bond_update_slave_arr() in 802.3ad: only members of the active aggregator transmit; in fallback, its member.</summary>
    internal bool Transmits(Member m) => _fallback.IsOn ? m == _fallback.Active : m.Lacp?.Aggregator is { IsActive: true };

    /// <summary>A partner speaking LACP has the active aggregator's ports collecting and distributing (whatever fallback does with the members).</summary>
    private bool Aggregated() => ActiveAggregator is { HasPartner: true } a
        && a.Ports.Any(p => p.MuxState is LacpMuxState.CollectingDistributing or LacpMuxState.Distributing);

    /// <summary>
    /// Fallback began, ended or moved: only its member sends and feeds the bond. When it ends every member is
    /// disabled, and the machines enable what LACP decided (the lone aggregator at once, the mux states on the tick).
    /// </summary>
    private void ApplyFallback()
    {
        foreach (Member m in _members)
        {
            m.IsActive = m == _fallback.Active;
            m.RxOnly = false;
        }
        if (_fallback.IsOn)
        {
            _host.Log(_fallback.Active is { } a
                ? $"{_name}: lacp_fallback: no LACPDU for {Options.LacpFallbackTimeout} s, running as active-backup on {a.Name}"
                : $"{_name}: lacp_fallback: no LACPDU for {Options.LacpFallbackTimeout} s and no member up");
        }
        else
        {
            _host.Log($"{_name}: lacp_fallback: back to 802.3ad");
            AggregatorSelection();
        }
        _lacpPlanChanged = true;
        _carrierMayChange();
    }

    /// <summary>ad_port_selection_logic(): an unselected port leaves its aggregator and joins a matching or a free one.</summary>
    private void PortSelection(LacpPort port)
    {
        if (port.Has(PortVars.Selected))
        {
            return;
        }
        port.Aggregator?.Detach(port);
        Aggregator? chosen = null;
        Aggregator? free = null;
        foreach (LacpPort p in Ports)
        {
            Aggregator a = p.OwnAggregator;
            if (a.IsFree)
            {
                free ??= a;
                continue;
            }
            if (a.ActorKey == port.OperKey && a.PartnerSystem == port.Partner.System
                && a.PartnerSystemPriority == port.Partner.SystemPriority && a.PartnerKey == port.Partner.Key
                && a.HasPartner && !a.IsIndividual)
            {
                chosen = a;
                break;
            }
        }
        if (chosen == null)
        {
            if (free == null)
            {
                _host.Log($"{_name}: {port.Member.Name}: Port {port.Number} did not find a suitable aggregator");
                return;
            }
            chosen = free;
            chosen.IsIndividual = (port.OperKey & 1) == 0;
            chosen.ActorKey = port.OperKey;
            chosen.PartnerSystem = port.Partner.System;
            chosen.PartnerSystemPriority = port.Partner.SystemPriority;
            chosen.PartnerKey = port.Partner.Key;
        }
        chosen.Attach(port);
        port.Set(PortVars.Selected, true);
        UpdateReady(chosen);
        AggregatorSelection();
        if (!chosen.IsActive)
        {
            port.SetActor(LacpState.Synchronization, false);
        }
    }

    /// <summary>__set_agg_ports_ready(__agg_ports_are_ready()): READY when every port of the aggregator is READY_N.</summary>
    private static void UpdateReady(Aggregator agg)
    {
        bool ready = agg.Ports.All(p => p.Has(PortVars.ReadyN));
        foreach (LacpPort p in agg.Ports)
        {
            p.Set(PortVars.Ready, ready);
        }
    }

    /// <summary>ad_agg_selection_logic(): which aggregator carries traffic, by ad_select.</summary>
    private void AggregatorSelection()
    {
        Aggregator? active = ActiveAggregator;
        Aggregator? best = active != null && AggregatorDeviceUp(active) ? active : null;
        foreach (LacpPort p in Ports)
        {
            Aggregator a = p.OwnAggregator;
            a.IsActive = false;
            if (a.EnabledPorts > 0 && AggregatorDeviceUp(a))
            {
                best = BetterAggregator(best, a);
            }
        }
        if (best != null && Options.AdSelect == AdSelect.Stable && active != null && !active.IsFree && active.EnabledPorts > 0
            && (active.HasPartner || !best.HasPartner) && !(active.ActorKey == 0 && best.ActorKey != 0))
        {
            best = null;
            active.IsActive = true;
        }
        if (best != null && best == active)
        {
            best = null;
            active.IsActive = true;
        }
        if (best != null)
        {
            if (best.IsIndividual)
            {
                _host.Log($"{_name}: Warning: No 802.3ad response from the link partner for any adapters in the bond");
            }
            best.IsActive = true;
            if (active != null)
            {
                foreach (LacpPort p in active.Ports)
                {
                    DisablePort(p);
                }
            }
            _lacpPlanChanged = true;
        }
        // Individual links (no partner answered) are enabled at once: the bond still passes traffic on one link.
        if (ActiveAggregator is { HasPartner: false } lone)
        {
            foreach (LacpPort p in lone.Ports)
            {
                EnablePort(p);
            }
            _lacpPlanChanged = true;
        }
        _carrierMayChange();
    }

    private static bool AggregatorDeviceUp(Aggregator a) => a.Ports.Any(p => p.Member.Carrier);

    /// <summary>ad_agg_selection_test().</summary>
    private Aggregator BetterAggregator(Aggregator? best, Aggregator curr)
    {
        if (best == null)
        {
            return curr;
        }
        if (curr.IsIndividual != best.IsIndividual)
        {
            return curr.IsIndividual ? best : curr;
        }
        if (curr.HasPartner != best.HasPartner)
        {
            return curr.HasPartner ? curr : best;
        }
        switch (Options.AdSelect)
        {
            case AdSelect.ActorPortPrio:
                if (curr.PortPrioritySum != best.PortPrioritySum)
                {
                    return curr.PortPrioritySum > best.PortPrioritySum ? curr : best;
                }
                goto case AdSelect.Count;
            case AdSelect.Count:
                if (curr.EnabledPorts != best.EnabledPorts)
                {
                    return curr.EnabledPorts > best.EnabledPorts ? curr : best;
                }
                goto default;
            default:
                return curr.Bandwidth > best.Bandwidth ? curr : best;
        }
    }

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
        _host.Log($"{_name}: {port.Member.Name}: Mux Machine: Port={port.Number}, Last State={last}, Curr State={port.MuxState}");
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
                if (agg is { HasPartner: true } && !_fallback.IsOn)
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
                PeerNotifyRequested = true;
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
        if (port.Aggregator is { IsActive: true } && port.Member.Link == LinkState.Up && !_fallback.IsOn)
        {
            port.Member.RxOnly = true;
            _lacpPlanChanged = true;
        }
    }

    /// <summary>__enable_port(): the member sends and receives (bond_set_slave_active_flags), if its link is up; in fallback, the fallback decides.</summary>
    private void EnablePort(LacpPort port)
    {
        if (port.Member.Link == LinkState.Up && !_fallback.IsOn)
        {
            port.Member.IsActive = true;
            port.Member.RxOnly = false;
        }
    }

    /// <summary>__disable_port(): the member neither sends nor feeds the bond (bond_set_slave_inactive_flags); in fallback, the fallback decides.</summary>
    private void DisablePort(LacpPort port)
    {
        if (_fallback.IsOn)
        {
            return;
        }
        port.Member.IsActive = false;
        port.Member.RxOnly = false;
    }
}
