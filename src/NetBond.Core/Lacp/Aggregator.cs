namespace NetBond.Core;

/// <summary>
/// An aggregator (struct aggregator): ports that share a key and a partner and may carry traffic together.
/// Each member brings one, numbered 1, 2, 3… in enslave order; a port joins a matching one or takes a free one.
/// </summary>
public sealed class Aggregator
{
    private readonly List<LacpPort> _ports = [];

    public int Id { get; internal set; }
    public bool IsIndividual { get; internal set; }
    public bool IsActive { get; internal set; }
    public ushort ActorKey { get; internal set; }
    public ushort PartnerKey { get; internal set; }
    public MacAddress PartnerSystem { get; internal set; }
    public ushort PartnerSystemPriority { get; internal set; }

    /// <summary>Attached ports, newest first as the kernel's lag_ports list keeps them.</summary>
    public IReadOnlyList<LacpPort> Ports => _ports;

    public bool IsFree => _ports.Count == 0;

    /// <summary>__agg_has_partner: a partner answered (its system is not zero).</summary>
    public bool HasPartner => !PartnerSystem.IsZero;

    /// <summary>__agg_active_ports: attached ports whose link is up.</summary>
    public int EnabledPorts => _ports.Count(p => p.IsEnabled);

    /// <summary>__get_agg_bandwidth: enabled ports times the first port's speed (0 when its link is down).</summary>
    public long Bandwidth
    {
        get
        {
            int n = EnabledPorts;
            if (n == 0)
            {
                return 0;
            }
            Member first = _ports[0].Member;
            return first.Link == LinkState.Up && first.Speed > 0 && LacpKey.SpeedCode(first.Speed) != 0 ? (long)n * first.Speed : 0;
        }
    }

    /// <summary>The sum of the enabled ports' actor port priorities (ad_select actor_port_prio).</summary>
    public long PortPrioritySum => _ports.Where(p => p.IsEnabled).Sum(p => (long)p.PortPriority);

    internal void Attach(LacpPort port)
    {
        _ports.Insert(0, port);
        port.Aggregator = this;
    }

    internal void Detach(LacpPort port)
    {
        _ports.Remove(port);
        port.Aggregator = null;
        if (_ports.Count == 0)
        {
            Clear();
        }
    }

    /// <summary>Takes over another aggregator's ports and parameters (bond_3ad_unbind_slave moving a LAG).</summary>
    internal void TakeOver(Aggregator from)
    {
        IsIndividual = from.IsIndividual;
        ActorKey = from.ActorKey;
        PartnerSystem = from.PartnerSystem;
        PartnerSystemPriority = from.PartnerSystemPriority;
        PartnerKey = from.PartnerKey;
        IsActive = from.IsActive;
        _ports.Clear();
        _ports.AddRange(from._ports);
        foreach (LacpPort p in _ports)
        {
            p.Aggregator = this;
        }
        from._ports.Clear();
        from.Clear();
    }

    /// <summary>ad_clear_agg().</summary>
    internal void Clear()
    {
        IsIndividual = false;
        IsActive = false;
        ActorKey = 0;
        PartnerKey = 0;
        PartnerSystem = MacAddress.Zero;
        PartnerSystemPriority = 0;
    }
}
