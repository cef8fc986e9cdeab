namespace NetBond.Core;

// Each machine starts in the kernel's DUMMY state, so that its first tick runs the entry actions of the state BEGIN selects.
public enum LacpRxState { Dummy, Initialize, PortDisabled, LacpDisabled, Expired, Defaulted, Current }

public enum LacpPeriodicState { Dummy, NoPeriodic, FastPeriodic, SlowPeriodic, PeriodicTx }

public enum LacpMuxState { Dummy, Detached, Waiting, Attached, CollectingDistributing, Collecting, Distributing }

/// <summary>A churn machine's state, as /proc shows it: "monitoring", "churned" or "none".</summary>
public enum LacpChurnState { Monitoring, Churned, None }

/// <summary>The port variables (sm_vars, AD_PORT_*).</summary>
[Flags]
internal enum PortVars
{
    None = 0,
    Begin = 0x1,
    LacpEnabled = 0x2,
    ActorChurn = 0x4,
    PartnerChurn = 0x8,
    Ready = 0x10,
    ReadyN = 0x20,
    Matched = 0x40,
    Standby = 0x80,
    Selected = 0x100,
    Churned = ActorChurn | PartnerChurn,
}

/// <summary>LACP counters of one port (struct bond_3ad_stats, the netlink BOND_3AD_STAT_* values).</summary>
public sealed class LacpCounters
{
    public long LacpduRx { get; internal set; }
    public long LacpduTx { get; internal set; }
    public long LacpduUnknownRx { get; internal set; }
    public long LacpduIllegalRx { get; internal set; }
    public long MarkerRx { get; internal set; }
    public long MarkerTx { get; internal set; }
    public long MarkerResponseRx { get; internal set; }
    public long MarkerResponseTx { get; internal set; }
    public long MarkerUnknownRx { get; internal set; }

    public LacpCounters Copy() => (LacpCounters)MemberwiseClone();

    /// <summary>Adds another port's counts: the bond's totals are its ports' sums.</summary>
    public void Add(LacpCounters o)
    {
        LacpduRx += o.LacpduRx;
        LacpduTx += o.LacpduTx;
        LacpduUnknownRx += o.LacpduUnknownRx;
        LacpduIllegalRx += o.LacpduIllegalRx;
        MarkerRx += o.MarkerRx;
        MarkerTx += o.MarkerTx;
        MarkerResponseRx += o.MarkerResponseRx;
        MarkerResponseTx += o.MarkerResponseTx;
        MarkerUnknownRx += o.MarkerUnknownRx;
    }
}

/// <summary>
/// One member's 802.3ad port (struct port in bond_3ad.h) with the machines that need only the port itself:
/// receive, periodic transmission, transmit and churn detection. Timers count the bond's 100 ms ticks.
/// </summary>
public sealed class LacpPort
{
    internal const int TicksPerSecond = 10;
    private const int ShortTimeoutTicks = 3 * TicksPerSecond;
    private const int LongTimeoutTicks = 90 * TicksPerSecond;
    private const int FastPeriodicTicks = 1 * TicksPerSecond;
    private const int SlowPeriodicTicks = 30 * TicksPerSecond;
    private const int ChurnTicks = 60 * TicksPerSecond;
    /// <summary>AD_MAX_TX_IN_SECOND: at most three LACPDUs a second.</summary>
    internal const int TxSpacingTicks = TicksPerSecond / 3;

    internal LacpPort(Member member, int number, LacpState initialState, ushort userKey)
    {
        Member = member;
        Number = (ushort)number;
        ActorState = initialState;
        OperKey = userKey;
        Partner = LacpPortInfo.AdminDefault;
        Vars = PortVars.Begin | PortVars.LacpEnabled;
        TxTimer = TxSpacingTicks;
        OwnAggregator = new Aggregator();
    }

    public Member Member { get; }

    /// <summary>actor_port_number: 1, 2, 3… in enslave order.</summary>
    public ushort Number { get; }

    public ushort PortPriority { get; internal set; } = 0xFF;
    /// <summary>actor_oper_port_key: ad_user_port_key in the top bits, speed and duplex below (<see cref="LacpKey"/>).</summary>
    public ushort OperKey { get; internal set; }
    public LacpState ActorState { get; internal set; }

    /// <summary>partner_oper: what the last LACPDU said of its sender, or the admin defaults.</summary>
    public LacpPortInfo Partner { get; internal set; }

    /// <summary>is_enabled: the member's link is up.</summary>
    public bool IsEnabled { get; internal set; } = true;

    public LacpRxState RxState { get; internal set; }
    public LacpPeriodicState PeriodicState { get; internal set; }
    public LacpMuxState MuxState { get; internal set; }
    public LacpChurnState ActorChurn { get; internal set; }
    public LacpChurnState PartnerChurn { get; internal set; }
    public int ActorChurnCount { get; internal set; }
    public int PartnerChurnCount { get; internal set; }
    public LacpCounters Counters { get; } = new();

    /// <summary>When the partner's LACPDUs came: the last, and the gaps between them.</summary>
    public LacpPduGaps RxGaps { get; } = new();

    /// <summary>Times the receive machine expired the partner (three periods without a LACPDU), and defaulted it.</summary>
    public int ExpiredCount { get; internal set; }
    public int DefaultedCount { get; internal set; }

    /// <summary>The aggregator this port is attached to, or null.</summary>
    public Aggregator? Aggregator { get; internal set; }

    /// <summary>The aggregator that belongs to this port's member (each member brings one).</summary>
    public Aggregator OwnAggregator { get; }

    internal PortVars Vars;
    internal bool Ntt;
    /// <summary>The actor state the last LACPDU carried: a change of it is news the partner gets at once.</summary>
    internal LacpState SentActorState;
    internal int RxTimer;
    internal int PeriodicTimer;
    internal int MuxTimer;
    internal int TxTimer;
    internal int ActorChurnTimer;
    internal int PartnerChurnTimer;

    internal bool Has(PortVars v) => (Vars & v) != 0;

    internal void Set(PortVars v, bool on) => Vars = on ? Vars | v : Vars & ~v;

    internal void SetActor(LacpState s, bool on) => ActorState = on ? ActorState | s : ActorState & ~s;

    /// <summary>What this port says of itself in an LACPDU.</summary>
    internal LacpPortInfo Actor(ushort systemPriority, MacAddress system) =>
        new(systemPriority, system, OperKey, PortPriority, Number, ActorState);

    /// <summary>ad_rx_machine(): one received LACPDU (<paramref name="pdu"/>) or one tick (null).</summary>
    /// <returns>False when the PDU carried our own system: a looped cable, ignored.</returns>
    internal bool RxMachine(ReadOnlySpan<byte> pdu, bool received, ushort systemPriority, MacAddress system)
    {
        LacpRxState last = RxState;
        if (received)
        {
            Counters.LacpduRx++;
        }
        if (Has(PortVars.Begin))
        {
            RxState = LacpRxState.Initialize;
            Vars |= PortVars.Churned;
        }
        else if (!IsEnabled)
        {
            RxState = LacpRxState.PortDisabled;
        }
        else if (received && RxState is LacpRxState.Expired or LacpRxState.Defaulted or LacpRxState.Current)
        {
            if (RxState != LacpRxState.Current)
            {
                Vars |= PortVars.Churned;
            }
            RxTimer = 0;
            RxState = LacpRxState.Current;
        }
        else if (RxTimer > 0 && --RxTimer == 0)
        {
            RxState = RxState switch
            {
                LacpRxState.Expired => LacpRxState.Defaulted,
                LacpRxState.Current => LacpRxState.Expired,
                _ => RxState,
            };
        }
        else if (RxState == LacpRxState.PortDisabled && IsEnabled)
        {
            RxState = Has(PortVars.LacpEnabled) ? LacpRxState.Expired : LacpRxState.LacpDisabled;
        }
        if (RxState == last && !received)
        {
            return true;
        }
        switch (RxState)
        {
            case LacpRxState.Initialize:
                Set(PortVars.LacpEnabled, (OperKey & 1) != 0);
                Set(PortVars.Selected, false);
                RecordDefault();
                SetActor(LacpState.Expired, false);
                RxState = LacpRxState.PortDisabled;
                Set(PortVars.Matched, false);
                break;
            case LacpRxState.PortDisabled:
                // 802.1AX-2014 figure 6-18, as the kernel after 6.17 ("fix mux port state on oper down"): the partner
                // is out of sync, so the mux leaves collecting and distributing on a port whose link went down.
                Set(PortVars.Matched, false);
                Partner = Partner with { State = Partner.State & ~LacpState.Synchronization };
                break;
            case LacpRxState.LacpDisabled:
                Set(PortVars.Selected, false);
                RecordDefault();
                Partner = Partner with { State = Partner.State & ~LacpState.Aggregation };
                Set(PortVars.Matched, true);
                SetActor(LacpState.Expired, false);
                break;
            case LacpRxState.Expired:
                // 802.1AX-2014 figure 6-18: the partner is out of sync and asked to talk fast.
                Set(PortVars.Matched, false);
                Partner = Partner with { State = (Partner.State & ~LacpState.Synchronization) | LacpState.Timeout };
                RxTimer = ShortTimeoutTicks;
                SetActor(LacpState.Expired, true);
                Vars |= PortVars.Churned;
                ExpiredCount++;
                break;
            case LacpRxState.Defaulted:
                if (!Partner.SameIdentity(LacpPortInfo.AdminDefault))
                {
                    Set(PortVars.Selected, false);
                }
                RecordDefault();
                Set(PortVars.Matched, true);
                SetActor(LacpState.Expired, false);
                DefaultedCount++;
                break;
            case LacpRxState.Current:
                LacpPortInfo actor = LacpPdu.ReadActor(pdu);
                if (actor.System == system)
                {
                    return false;
                }
                LacpPortInfo partnerView = LacpPdu.ReadPartner(pdu);
                // __update_selected: a different partner (or aggregation bit) means a new aggregator choice.
                if (!actor.SameIdentity(Partner))
                {
                    Set(PortVars.Selected, false);
                }
                // __update_ntt: the partner's view of us is stale, tell it.
                const LacpState Compared = LacpState.Activity | LacpState.Timeout | LacpState.Synchronization | LacpState.Aggregation;
                if (partnerView.Port != Number || partnerView.PortPriority != PortPriority || partnerView.System != system
                    || partnerView.SystemPriority != systemPriority || partnerView.Key != OperKey
                    || (partnerView.State & Compared) != (ActorState & Compared))
                {
                    Ntt = true;
                }
                RecordPdu(actor, partnerView, systemPriority, system);
                RxTimer = (ActorState & LacpState.Timeout) != 0 ? ShortTimeoutTicks : LongTimeoutTicks;
                SetActor(LacpState.Expired, false);
                break;
        }
        return true;
    }

    /// <summary>__record_pdu with __choose_matched.</summary>
    private void RecordPdu(in LacpPortInfo actor, in LacpPortInfo partnerView, ushort systemPriority, MacAddress system)
    {
        bool matched = (partnerView.Port == Number && partnerView.PortPriority == PortPriority && partnerView.System == system
                && partnerView.SystemPriority == systemPriority && partnerView.Key == OperKey
                && (partnerView.State & LacpState.Aggregation) == (ActorState & LacpState.Aggregation))
            || (actor.State & LacpState.Aggregation) == 0;
        Set(PortVars.Matched, matched);
        LacpState state = actor.State;
        state = matched && (actor.State & LacpState.Synchronization) != 0 ? state | LacpState.Synchronization : state & ~LacpState.Synchronization;
        Partner = actor with { State = state };
        SetActor(LacpState.Defaulted, false);
    }

    private void RecordDefault()
    {
        Partner = LacpPortInfo.AdminDefault;
        SetActor(LacpState.Defaulted, true);
    }

    /// <summary>ad_periodic_machine(): we send at the rate the partner's Timeout bit asks for.</summary>
    internal void PeriodicMachine()
    {
        LacpPeriodicState last = PeriodicState;
        bool partnerFast = (Partner.State & LacpState.Timeout) != 0;
        if (Has(PortVars.Begin) || !Has(PortVars.LacpEnabled) || !IsEnabled
            || ((ActorState & LacpState.Activity) == 0 && (Partner.State & LacpState.Activity) == 0))
        {
            PeriodicState = LacpPeriodicState.NoPeriodic;
        }
        else if (PeriodicTimer > 0)
        {
            if (--PeriodicTimer == 0)
            {
                PeriodicState = LacpPeriodicState.PeriodicTx;
            }
            else if (PeriodicState == LacpPeriodicState.FastPeriodic && !partnerFast)
            {
                PeriodicState = LacpPeriodicState.SlowPeriodic;
            }
            else if (PeriodicState == LacpPeriodicState.SlowPeriodic && partnerFast)
            {
                PeriodicTimer = 0;
                PeriodicState = LacpPeriodicState.PeriodicTx;
            }
        }
        else if (PeriodicState == LacpPeriodicState.NoPeriodic)
        {
            PeriodicState = LacpPeriodicState.FastPeriodic;
        }
        else if (PeriodicState == LacpPeriodicState.PeriodicTx)
        {
            PeriodicState = partnerFast ? LacpPeriodicState.FastPeriodic : LacpPeriodicState.SlowPeriodic;
        }
        if (PeriodicState == last)
        {
            return;
        }
        switch (PeriodicState)
        {
            case LacpPeriodicState.NoPeriodic:
                PeriodicTimer = 0;
                break;
            case LacpPeriodicState.FastPeriodic:
                // One tick less: the PERIODIC_TX state took one.
                PeriodicTimer = FastPeriodicTicks - 1;
                break;
            case LacpPeriodicState.SlowPeriodic:
                PeriodicTimer = SlowPeriodicTicks - 1;
                break;
            case LacpPeriodicState.PeriodicTx:
                Ntt = true;
                break;
        }
    }

    /// <summary>ad_tx_machine(): whether an LACPDU goes out on this tick (need to transmit, and the rate limit allows).</summary>
    internal bool TxMachine()
    {
        if (TxTimer > 0 && --TxTimer > 0)
        {
            return false;
        }
        if (!Ntt || !Has(PortVars.LacpEnabled))
        {
            return false;
        }
        Ntt = false;
        TxTimer = TxSpacingTicks;
        return true;
    }

    /// <summary>ad_churn_machine(): churn is a port not in sync 60 s after a churn event.</summary>
    internal void ChurnMachine()
    {
        if ((Vars & PortVars.Churned) != 0)
        {
            Vars &= ~PortVars.Churned;
            ActorChurn = PartnerChurn = LacpChurnState.Monitoring;
            ActorChurnTimer = PartnerChurnTimer = ChurnTicks;
            return;
        }
        if (ActorChurnTimer > 0 && --ActorChurnTimer == 0 && ActorChurn == LacpChurnState.Monitoring)
        {
            if ((ActorState & LacpState.Synchronization) != 0)
            {
                ActorChurn = LacpChurnState.None;
            }
            else
            {
                ActorChurnCount++;
                ActorChurn = LacpChurnState.Churned;
            }
        }
        if (PartnerChurnTimer > 0 && --PartnerChurnTimer == 0 && PartnerChurn == LacpChurnState.Monitoring)
        {
            if ((Partner.State & LacpState.Synchronization) != 0)
            {
                PartnerChurn = LacpChurnState.None;
            }
            else
            {
                PartnerChurnCount++;
                PartnerChurn = LacpChurnState.Churned;
            }
        }
    }
}
