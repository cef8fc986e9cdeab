using System.Globalization;
using System.Text;
using NetBond.Core;

namespace NetBond.Metrics;

/// <summary>
/// The bonds' state in Prometheus's text exposition format (version 0.0.4). node_exporter's bonding collector
/// names come first — node_bonding_slaves and node_bonding_active, labelled master — so dashboards and alerts
/// written for kernel bonds work unchanged; NetBond's own metrics follow under netbond_. The daemon serves every
/// namespace: a bond outside its own carries a netns label (its /run/netns name, or net:[INODE]), as bonds of the
/// same name may live in several.
/// </summary>
internal static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Render(IReadOnlyList<(BondSnapshot Bond, string DataPath, string? Netns)> bonds)
    {
        Writer w = new();
        w.Metric("node_bonding_slaves", "gauge", "Number of configured slaves per bonding interface.",
            bonds.Select(x => (Labels(x.Netns, ("master", x.Bond.Name)), (double)x.Bond.Members.Count)));
        w.Metric("node_bonding_active", "gauge", "Number of active slaves per bonding interface.",
            bonds.Select(x => (Labels(x.Netns, ("master", x.Bond.Name)), (double)x.Bond.Members.Count(m => m.Link == LinkState.Up))));

        w.Metric("netbond_bond_info", "gauge", "A bond, its mode and data path (always 1).",
            bonds.Select(x => (Labels(x.Netns, ("bond", x.Bond.Name), ("mode", OptionTable.ModeName(x.Bond.Options.Mode)), ("datapath", x.DataPath)), 1.0)));
        w.Metric("netbond_bond_up", "gauge", "1 when the bond has carrier (MII Status: up).",
            bonds.Select(x => (Labels(x.Netns, ("bond", x.Bond.Name)), x.Bond.Carrier ? 1.0 : 0)));
        w.Metric("netbond_failovers_total", "counter", "Changes of active member because the active one failed.",
            bonds.Select(x => (Labels(x.Netns, ("bond", x.Bond.Name)), (double)x.Bond.Failovers)));
        w.Metric("netbond_failover_last_outage_seconds", "gauge", "The last failover's outage: from the failed member last known good to its successor made active.",
            bonds.Select(x => (Labels(x.Netns, ("bond", x.Bond.Name)), x.Bond.LastFailoverOutageMs / 1000.0)));
        Counters(w, "netbond_bond", "the bond device", bonds.Select(x => ((x.Bond.Name, (string?)null, x.Netns), x.Bond.Counters)));
        w.Metric("netbond_control_frames_total", "counter", "Frames the data path handed to the control plane (LACPDUs, ARP, NS/NA).",
            bonds.Select(x => (Labels(x.Netns, ("bond", x.Bond.Name)), (double)x.Bond.ControlFrames)));
        w.Metric("netbond_control_frames_dropped_total", "counter", "Frames for the control plane dropped because its queue was full.",
            bonds.Select(x => (Labels(x.Netns, ("bond", x.Bond.Name)), (double)x.Bond.ControlFramesDropped)));

        List<(BondSnapshot Bond, MemberSnapshot Member, string? Netns)> members = [.. bonds.SelectMany(x => x.Bond.Members.Select(m => (x.Bond, m, x.Netns)))];
        w.Metric("netbond_member_mii_up", "gauge", "1 when the member's link is up as the link monitor judges it.",
            members.Select(x => (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name)), x.Member.Link == LinkState.Up ? 1.0 : 0)));
        w.Metric("netbond_member_active", "gauge", "1 for the bond's currently active member.",
            members.Select(x => (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name)), x.Bond.Active == x.Member.Name ? 1.0 : 0)));
        w.Metric("netbond_member_link_failures_total", "counter", "Times the member's link went down (Link Failure Count).",
            members.Select(x => (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name)), (double)x.Member.LinkFailureCount)));
        Counters(w, "netbond_member", "the member", members.Select(x => ((x.Bond.Name, (string?)x.Member.Name, x.Netns), x.Member.Counters)));

        List<(BondSnapshot Bond, MemberSnapshot Member, LacpPortSnapshot Port, string? Netns)> ports =
            [.. members.Where(x => x.Member.Lacp != null).Select(x => (x.Bond, x.Member, x.Member.Lacp!, x.Netns))];
        if (ports.Count > 0)
        {
            w.Metric("netbond_lacp_fallback", "gauge", "1 while lacp_fallback runs the 802.3ad bond as active-backup (no partner speaks LACP).",
                bonds.Where(x => x.Bond.Lacp != null).Select(x => (Labels(x.Netns, ("bond", x.Bond.Name)), x.Bond.Lacp!.Fallback ? 1.0 : 0)));
            w.Metric("netbond_lacp_pdu_last_rx_age_seconds", "gauge", "Time since the member's partner last sent a LACPDU (members that never heard one are left out).",
                ports.Where(x => x.Port.RxGaps.LastRxMs != null).Select(x => (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name)),
                    (Environment.TickCount64 - x.Port.RxGaps.LastRxMs!.Value) / 1000.0)));
            w.Histogram("netbond_lacp_pdu_gap_seconds", "Gaps between the LACPDUs a member received (a fast-rate partner sends every second and is expired after three).",
                ports.Select(x => (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name)), x.Port.RxGaps)));
            w.Metric("netbond_lacp_rx_transitions_total", "counter", "Times the member's receive machine expired its partner (no LACPDU for three periods) or defaulted it.",
                ports.SelectMany(x => new[]
                {
                    (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name), ("to", "expired")), (double)x.Port.ExpiredCount),
                    (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name), ("to", "defaulted")), (double)x.Port.DefaultedCount),
                }));
            w.Metric("netbond_lacp_churns_total", "counter", "Times the churn machine found the actor or the partner out of sync 60 s after a change (Churned Count).",
                ports.SelectMany(x => new[]
                {
                    (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name), ("side", "actor")), (double)x.Port.ActorChurnCount),
                    (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name), ("side", "partner")), (double)x.Port.PartnerChurnCount),
                }));
            w.Metric("netbond_lacp_port_state", "gauge", "The 802.3ad port state byte (Activity, Timeout, Aggregation, Synchronization, Collecting, Distributing, Defaulted, Expired), actor or partner.",
                ports.SelectMany(x => new[]
                {
                    (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name), ("side", "actor")), (double)(int)x.Port.Actor.State),
                    (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name), ("side", "partner")), (double)(int)x.Port.Partner.State),
                }));
            w.Metric("netbond_lacp_port_aggregator", "gauge", "The aggregator id the member's port is attached to (0 for none).",
                ports.Select(x => (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name)), (double)(x.Port.AggregatorId ?? 0))));
            w.Metric("netbond_lacp_pdus_total", "counter", "LACPDUs and Marker PDUs by kind and direction (BOND_3AD_STAT_*).",
                ports.SelectMany(x => PduCounts(x.Port.Counters).Select(k =>
                    (Labels(x.Netns, ("bond", x.Bond.Name), ("member", x.Member.Name), ("kind", k.Kind), ("direction", k.Direction)), (double)k.Value))));
        }
        return w.ToString();
    }

    /// <summary>A sample's labels; a bond outside the daemon's own namespace also says which namespace it is in.</summary>
    private static (string, string)[] Labels(string? netns, params (string, string)[] labels) => netns == null ? labels : [.. labels, ("netns", netns)];

    private static (string Kind, string Direction, long Value)[] PduCounts(LacpCounters c) =>
    [
        ("lacpdu", "rx", c.LacpduRx), ("lacpdu", "tx", c.LacpduTx), ("lacpdu_unknown", "rx", c.LacpduUnknownRx),
        ("lacpdu_illegal", "rx", c.LacpduIllegalRx), ("marker", "rx", c.MarkerRx), ("marker", "tx", c.MarkerTx),
        ("marker_response", "rx", c.MarkerResponseRx), ("marker_response", "tx", c.MarkerResponseTx),
        ("marker_unknown", "rx", c.MarkerUnknownRx),
    ];

    /// <summary>Packets, bytes, errors and drops in each direction, one family each.</summary>
    private static void Counters(Writer w, string prefix, string what, IEnumerable<((string Bond, string? Member, string? Netns) Who, PortCounters C)> rows)
    {
        var list = rows.ToList();
        foreach ((string name, Func<PortCounters, long> value) in new (string, Func<PortCounters, long>)[]
        {
            ("rx_packets", c => c.RxPackets), ("rx_bytes", c => c.RxBytes), ("rx_errors", c => c.RxErrors), ("rx_dropped", c => c.RxDropped),
            ("tx_packets", c => c.TxPackets), ("tx_bytes", c => c.TxBytes), ("tx_errors", c => c.TxErrors), ("tx_dropped", c => c.TxDropped),
        })
        {
            w.Metric($"{prefix}_{name}_total", "counter", $"{name.Replace('_', ' ')} on {what}, as the data path counted them.",
                list.Select(r => (r.Who.Member == null ? Labels(r.Who.Netns, ("bond", r.Who.Bond)) : Labels(r.Who.Netns, ("bond", r.Who.Bond), ("member", r.Who.Member)), (double)value(r.C))));
        }
    }

    /// <summary>HELP and TYPE once per family, then its samples; label values escaped as the format asks.</summary>
    private sealed class Writer
    {
        private readonly StringBuilder _text = new();

        /// <summary>One family: HELP and TYPE, then every sample, together as the format requires.</summary>
        public void Metric(string name, string type, string help, IEnumerable<((string Name, string Value)[] Labels, double Value)> samples)
        {
            _text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (((string, string)[] labels, double value) in samples)
            {
                Sample(name, labels, value);
            }
        }

        /// <summary>A histogram family: per series, cumulative buckets by le, then the sum and the count.</summary>
        public void Histogram(string name, string help, IEnumerable<((string Name, string Value)[] Labels, LacpPduGaps Gaps)> series)
        {
            _text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" histogram\n");
            foreach (((string, string)[] labels, LacpPduGaps g) in series)
            {
                long cumulative = 0;
                for (int i = 0; i < g.Counts.Count; i++)
                {
                    cumulative += g.Counts[i];
                    string le = i < LacpPduGaps.BoundsSeconds.Length ? LacpPduGaps.BoundsSeconds[i].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
                    Sample(name + "_bucket", [.. labels, ("le", le)], cumulative);
                }
                Sample(name + "_sum", labels, g.SumMs / 1000.0);
                Sample(name + "_count", labels, g.Count);
            }
        }

        private void Sample(string name, (string Name, string Value)[] labels, double value)
        {
            _text.Append(name).Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                _text.Append(i == 0 ? "" : ",").Append(labels[i].Name).Append("=\"")
                    .Append(labels[i].Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                    .Append('"');
            }
            _text.Append("} ").Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        public override string ToString() => _text.ToString();
    }
}
