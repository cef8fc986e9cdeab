namespace NetBond.Core;

/// <summary>One side's port information as saved (struct port_params): numbers and text, as a state file holds them.</summary>
public sealed record LacpSavedInfo(int SystemPriority, string System, int Key, int PortPriority, int Port, int State);

/// <summary>A port's machines as saved: what it says of itself and its partner, where it is attached, its member's roles.</summary>
public sealed record LacpSavedPort(
    string Member,
    int Number,
    int OperKey,
    int PortPriority,
    int ActorState,
    LacpSavedInfo Partner,
    string Rx,
    string Mux,
    int Vars,
    int AttachedTo,
    int AggregatorId,
    bool AggregatorActive,
    bool AggregatorIndividual,
    int AggregatorActorKey,
    int AggregatorPartnerKey,
    string AggregatorPartnerSystem,
    int AggregatorPartnerSystemPriority,
    bool IsActive,
    bool RxOnly,
    int ActorChurnCount,
    int PartnerChurnCount,
    int ExpiredCount,
    int DefaultedCount);

/// <summary>A bond's 802.3ad state as one daemon hands it to the next: the system id, every port, lacp_fallback.</summary>
public sealed record LacpSavedState(string System, int LastAggregatorId, bool Fallback, string? FallbackMember, List<LacpSavedPort> Ports);

/// <summary>
/// A restart the partner never sees: the daemon saves the machines' state whenever it changes, and the next daemon
/// takes it over with the members, so its first LACPDU says what the last one said and the members that were
/// distributing never stop. Timers restart whole (a partner heard before the restart gets a full timeout).
/// </summary>
public sealed partial class LacpEngine
{
    /// <summary>Changes whenever anything <see cref="Save"/> records changes: compared at every tick, allocation-free.</summary>
    public int StateStamp()
    {
        HashCode h = new();
        h.Add(_lacpSystem);
        h.Add(_fallback.IsOn);
        h.Add(_fallback.Active);
        foreach (Member m in _members)
        {
            if (m.Lacp is not { } p)
            {
                continue;
            }
            Aggregator a = p.OwnAggregator;
            h.Add(HashCode.Combine(p.ActorState, p.Partner, p.Aggregator?.Id, p.MuxState, p.RxState, p.Vars & ~PortVars.Churned, p.OperKey, p.PortPriority));
            h.Add(HashCode.Combine(a.IsActive, a.IsIndividual, a.PartnerSystem, a.PartnerKey, m.IsActive, m.RxOnly, p.ActorChurnCount + p.PartnerChurnCount, p.ExpiredCount + p.DefaultedCount));
        }
        return h.ToHashCode();
    }

    public LacpSavedState Save() => new(_lacpSystem.ToString(), _lastAggregatorId, _fallback.IsOn, _fallback.Active?.Name,
        [.. _members.Where(m => m.Lacp != null).Select(m => SavePort(m, m.Lacp!))]);

    private static LacpSavedPort SavePort(Member m, LacpPort p)
    {
        Aggregator a = p.OwnAggregator;
        LacpPortInfo i = p.Partner;
        return new(m.Name, p.Number, p.OperKey, p.PortPriority, (int)p.ActorState,
            new LacpSavedInfo(i.SystemPriority, i.System.ToString(), i.Key, i.PortPriority, i.Port, (int)i.State),
            p.RxState.ToString(), p.MuxState.ToString(), (int)(p.Vars & ~(PortVars.Begin | PortVars.Churned)), p.Aggregator?.Id ?? 0,
            a.Id, a.IsActive, a.IsIndividual, a.ActorKey, a.PartnerKey, a.PartnerSystem.ToString(), a.PartnerSystemPriority,
            m.IsActive, m.RxOnly, p.ActorChurnCount, p.PartnerChurnCount, p.ExpiredCount, p.DefaultedCount);
    }

    /// <summary>
    /// Takes over a previous daemon's state for the members just adopted (the same members, in the same order).
    /// Returns why it cannot, and then changes nothing: the machines start over, as for a new bond.
    /// </summary>
    internal string? Restore(LacpSavedState s)
    {
        LacpPort[] ports = [.. Ports];
        if (s.Ports == null || s.Ports.Count != ports.Length || ports.Length != _members.Count)
        {
            return $"{s.Ports?.Count ?? 0} ports saved, {_members.Count} members adopted";
        }
        if (!MacAddress.TryParse(s.System ?? "", out MacAddress system))
        {
            return $"system id '{s.System}' is no MAC address";
        }
        List<(LacpPortInfo Partner, LacpRxState Rx, LacpMuxState Mux, MacAddress AggPartner)> parsed = [];
        for (int i = 0; i < ports.Length; i++)
        {
            LacpSavedPort? sp = s.Ports[i];
            if (sp == null || sp.Member != ports[i].Member.Name || sp.Number != ports[i].Number)
            {
                return $"port {i + 1} was saved for {sp?.Member ?? "nothing"}, the member is {ports[i].Member.Name}";
            }
            if (sp.Partner == null || !MacAddress.TryParse(sp.Partner.System ?? "", out MacAddress partnerSystem)
                || !MacAddress.TryParse(sp.AggregatorPartnerSystem ?? "", out MacAddress aggPartner)
                || !Enum.TryParse(sp.Rx, out LacpRxState rx) || !Enum.TryParse(sp.Mux, out LacpMuxState mux)
                || (sp.AttachedTo != 0 && !s.Ports.Exists(o => o?.AggregatorId == sp.AttachedTo))
                || s.Ports.Count(o => o?.AggregatorId == sp.AggregatorId) != 1)
            {
                return $"{sp.Member}: unreadable port state";
            }
            LacpSavedInfo pi = sp.Partner;
            parsed.Add((new LacpPortInfo((ushort)pi.SystemPriority, partnerSystem, (ushort)pi.Key, (ushort)pi.PortPriority, (ushort)pi.Port, (LacpState)pi.State),
                rx, mux, aggPartner));
        }
        if (s.FallbackMember != null && !_members.Any(m => m.Name == s.FallbackMember))
        {
            return $"the fallback member {s.FallbackMember} is not a member";
        }

        _lacpSystem = system;
        _systemRecorded = true;
        _lastAggregatorId = s.LastAggregatorId;
        _aggSelectTimer = 0;
        for (int i = 0; i < ports.Length; i++)
        {
            LacpSavedPort sp = s.Ports[i];
            LacpPort p = ports[i];
            Aggregator a = p.OwnAggregator;
            a.Id = sp.AggregatorId;
            a.IsActive = sp.AggregatorActive;
            a.IsIndividual = sp.AggregatorIndividual;
            a.ActorKey = (ushort)sp.AggregatorActorKey;
            a.PartnerKey = (ushort)sp.AggregatorPartnerKey;
            a.PartnerSystem = parsed[i].AggPartner;
            a.PartnerSystemPriority = (ushort)sp.AggregatorPartnerSystemPriority;
            p.Aggregator?.Detach(p);
            p.OperKey = (ushort)sp.OperKey;
            p.PortPriority = (ushort)sp.PortPriority;
            p.ActorState = (LacpState)sp.ActorState;
            p.Partner = parsed[i].Partner;
            p.Vars = (PortVars)sp.Vars & ~(PortVars.Begin | PortVars.Churned);
            p.RxState = parsed[i].Rx;
            p.MuxState = parsed[i].Mux;
            p.ActorChurnCount = sp.ActorChurnCount;
            p.PartnerChurnCount = sp.PartnerChurnCount;
            p.ExpiredCount = sp.ExpiredCount;
            p.DefaultedCount = sp.DefaultedCount;
            p.ActorChurn = p.PartnerChurn = LacpChurnState.None;
            // Whole timers, and a LACPDU at once: the same words as the last one, so the partner's timer restarts too.
            p.RxTimer = p.RxState switch
            {
                LacpRxState.Current => (p.ActorState & LacpState.Timeout) != 0 ? 3 * LacpPort.TicksPerSecond : 90 * LacpPort.TicksPerSecond,
                LacpRxState.Expired => 3 * LacpPort.TicksPerSecond,
                _ => 0,
            };
            bool partnerFast = (p.Partner.State & LacpState.Timeout) != 0;
            p.PeriodicState = partnerFast ? LacpPeriodicState.FastPeriodic : LacpPeriodicState.SlowPeriodic;
            p.PeriodicTimer = (partnerFast ? 1 : 30) * LacpPort.TicksPerSecond - 1;
            p.MuxTimer = p.MuxState == LacpMuxState.Waiting ? WaitWhileTicks : 0;
            p.TxTimer = 0;
            p.Ntt = true;
            p.Member.IsActive = sp.IsActive;
            p.Member.RxOnly = sp.RxOnly;
        }
        for (int i = 0; i < ports.Length; i++)
        {
            if (s.Ports[i].AttachedTo is int target and not 0)
            {
                Array.Find(ports, o => o.OwnAggregator.Id == target)!.OwnAggregator.Attach(ports[i]);
            }
        }
        _fallback.Restore(s.Fallback, _members.FirstOrDefault(m => m.Name == s.FallbackMember));
        _lacpPlanChanged = true;
        return null;
    }
}
