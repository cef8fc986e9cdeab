namespace NetBond.Core;

// 802.3ad aggregator choice: ad_port_selection_logic() puts a port in an aggregator, ad_agg_selection_logic()
// picks the one that carries traffic.
public sealed partial class Bond
{
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
                _host.Log($"{Name}: {port.Member.Name}: Port {port.Number} did not find a suitable aggregator");
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
                _host.Log($"{Name}: Warning: No 802.3ad response from the link partner for any adapters in the bond");
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
        UpdateCarrier();
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
}
