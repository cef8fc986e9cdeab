using System.Text;
using System.Text.Json;
using NetBond.Core;
using NetBond.Linux;

namespace NetBond;

/// <summary>`status --json`: the facts of the /proc/net/bonding text, every option, the probed features and counters.</summary>
internal static class StatusJson
{
    public static string Render(IEnumerable<BondRuntime> bonds)
    {
        using MemoryStream stream = new();
        using (Utf8JsonWriter w = new(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("version", ProcStatus.Version);
            // The data path must not allocate per frame; these let a test and an operator see that it does not.
            w.WriteStartObject("daemon");
            w.WriteNumber("pid", Environment.ProcessId);
            w.WriteNumber("allocated_bytes", GC.GetTotalAllocatedBytes(precise: true));
            w.WriteNumber("gc_gen0", GC.CollectionCount(0));
            w.WriteNumber("gc_gen1", GC.CollectionCount(1));
            w.WriteNumber("gc_gen2", GC.CollectionCount(2));
            w.WriteNumber("peak_rss_bytes", System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64);
            w.WriteNumber("gc_heap_bytes", GC.GetGCMemoryInfo().HeapSizeBytes);
            w.WriteEndObject();
            w.WriteStartArray("bonds");
            foreach (BondRuntime b in bonds)
            {
                WriteBond(w, b);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteBond(Utf8JsonWriter w, BondRuntime runtime)
    {
        BondSnapshot bond = runtime.Snapshot();
        BondOptions o = bond.Options;
        w.WriteStartObject();
        w.WriteString("name", bond.Name);
        w.WriteString("mode", OptionTable.ModeName(o.Mode));
        w.WriteString("bonding_mode", BondModeNames.Describe(o.Mode));
        w.WriteString("mii_status", bond.Carrier ? "up" : "down");
        w.WriteString("mac", bond.Mac.ToString());
        w.WriteString("primary_slave", bond.Primary);
        w.WriteString("currently_active_slave", bond.Active);
        w.WriteNumber("mii_polling_interval_ms", o.Miimon);
        w.WriteNumber("up_delay_ms", o.UpdelayMs);
        w.WriteNumber("down_delay_ms", o.DowndelayMs);
        w.WriteNumber("peer_notification_delay_ms", o.PeerNotifDelayMs);
        w.WriteStartObject("options");
        foreach (string name in OptionTable.Names.Where(n => n != "max_bonds"))
        {
            w.WriteString(name, OptionTable.Show(o, name));
        }
        w.WriteEndObject();
        if (bond.Lacp is { } lacp)
        {
            WriteLacp(w, lacp, bond.Members);
        }
        if (bond.AlbClients is { } clients)
        {
            WriteAlbClients(w, clients);
        }
        w.WriteStartObject("features");
        w.WriteString("datapath", runtime.DataPath.Name);
        if (runtime.DataPathNote() is { } note)
        {
            w.WriteString(runtime.DataPathReason != null ? "datapath_reason" : "datapath_note", note);
        }
        foreach (KeyValuePair<string, string> f in runtime.DataPath.Features)
        {
            w.WriteString(f.Key, f.Value);
        }
        w.WriteString("carrier_source", "ETHTOOL_GLINK");
        if (DataPlaneCpu.Cpu >= 0)
        {
            w.WriteNumber("dataplane_cpu", DataPlaneCpu.Cpu);
        }
        else
        {
            w.WriteNull("dataplane_cpu");
        }
        w.WriteEndObject();
        w.WriteStartObject("counters");
        w.WriteNumber("tx_packets", bond.Counters.TxPackets);
        w.WriteNumber("tx_bytes", bond.Counters.TxBytes);
        w.WriteNumber("tx_dropped_no_member", bond.Counters.TxDropped);
        w.WriteNumber("rx_packets", bond.Counters.RxPackets);
        w.WriteNumber("rx_bytes", bond.Counters.RxBytes);
        w.WriteNumber("rx_errors", bond.Counters.RxErrors);
        w.WriteNumber("control_frames", bond.ControlFrames);
        w.WriteNumber("control_frames_dropped", bond.ControlFramesDropped);
        // The data path must not allocate per frame; this lets a test and an operator see that it does not.
        w.WriteNumber("datapath_allocated_bytes", runtime.DataPath.AllocatedBytes);
        w.WriteEndObject();
        w.WriteStartArray("slaves");
        foreach (MemberSnapshot m in bond.Members)
        {
            w.WriteStartObject();
            w.WriteString("name", m.Name);
            w.WriteString("mii_status", LinkStateNames.Describe(m.Link));
            w.WriteString("state", m.IsActive ? "active" : "backup");
            w.WriteNumber("speed_mbps", m.Speed);
            w.WriteString("duplex", m.Duplex < 0 ? "unknown" : m.Duplex == 1 ? "full" : "half");
            w.WriteNumber("link_failure_count", m.LinkFailureCount);
            w.WriteString("permanent_hw_addr", m.PermanentMac.ToString());
            w.WriteString("hw_addr", m.CurrentMac.ToString());
            w.WriteNumber("queue_id", m.QueueId);
            w.WriteNumber("prio", m.Prio);
            PortCounters c = m.Counters;
            w.WriteStartObject("counters");
            w.WriteNumber("rx_packets", c.RxPackets);
            w.WriteNumber("rx_bytes", c.RxBytes);
            w.WriteNumber("rx_errors", c.RxErrors);
            w.WriteNumber("rx_dropped", c.RxDropped);
            w.WriteNumber("tx_packets", c.TxPackets);
            w.WriteNumber("tx_bytes", c.TxBytes);
            w.WriteNumber("tx_errors", c.TxErrors);
            w.WriteNumber("tx_dropped", c.TxDropped);
            WriteAge(w, "last_rx_ms_ago", c.LastRxMs);
            WriteAge(w, "last_tx_ms_ago", c.LastTxMs);
            w.WriteEndObject();
            if (m.Lacp is { } port)
            {
                WriteLacpPort(w, port);
            }
            if (m.Arp is { } arp)
            {
                WriteArpMonitor(w, arp, o);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>balance-alb's client table: which member each client was told to send to (debugfs rlb_hash_table's columns).</summary>
    private static void WriteAlbClients(Utf8JsonWriter w, IReadOnlyList<AlbClientSnapshot> clients)
    {
        w.WriteStartArray("alb_clients");
        foreach (AlbClientSnapshot c in clients)
        {
            w.WriteStartObject();
            w.WriteString("source_ip", c.SourceIp.ToString());
            w.WriteString("destination_ip", c.DestinationIp.ToString());
            w.WriteString("destination_mac", c.DestinationMac.ToString());
            w.WriteString("dev", c.Dev);
            w.WriteBoolean("update_pending", c.Ntt);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>The 802.3ad section: system, active aggregator, and the bond's LACP counters (the ports' sums, as BOND_3AD_STAT_*).</summary>
    private static void WriteLacp(Utf8JsonWriter w, LacpBondSnapshot lacp, IReadOnlyList<MemberSnapshot> members)
    {
        w.WriteStartObject("ad_info");
        w.WriteNumber("system_priority", lacp.SystemPriority);
        w.WriteString("system_mac_address", lacp.System.ToString());
        w.WriteStartObject("lacp_fallback");
        w.WriteBoolean("active", lacp.Fallback);
        w.WriteString("member", lacp.FallbackMember);
        w.WriteEndObject();
        if (lacp.Active is { } a)
        {
            w.WriteStartObject("active_aggregator");
            w.WriteNumber("aggregator_id", a.Id);
            w.WriteNumber("number_of_ports", a.Ports);
            w.WriteNumber("actor_key", a.ActorKey);
            w.WriteNumber("partner_key", a.PartnerKey);
            w.WriteString("partner_mac_address", a.PartnerSystem.ToString());
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("active_aggregator");
        }
        LacpCounters sum = new();
        foreach (LacpCounters c in members.Select(m => m.Lacp?.Counters).OfType<LacpCounters>())
        {
            sum.Add(c);
        }
        WriteLacpCounters(w, sum);
        w.WriteEndObject();
    }

    private static void WriteLacpPort(Utf8JsonWriter w, LacpPortSnapshot p)
    {
        w.WriteStartObject("ad");
        if (p.AggregatorId is { } id)
        {
            w.WriteNumber("aggregator_id", id);
        }
        else
        {
            w.WriteNull("aggregator_id");
        }
        w.WriteString("rx_machine", p.Rx.ToString());
        w.WriteString("mux_machine", p.Mux.ToString());
        w.WriteString("periodic_machine", p.Periodic.ToString());
        w.WriteString("actor_churn_state", ProcStatus.ChurnName(p.ActorChurn));
        w.WriteString("partner_churn_state", ProcStatus.ChurnName(p.PartnerChurn));
        w.WriteNumber("actor_churned_count", p.ActorChurnCount);
        w.WriteNumber("partner_churned_count", p.PartnerChurnCount);
        w.WriteNumber("expired_count", p.ExpiredCount);
        w.WriteNumber("defaulted_count", p.DefaultedCount);
        WriteLacpduGaps(w, p.RxGaps);
        WritePortInfo(w, "actor", p.Actor);
        WritePortInfo(w, "partner", p.Partner);
        WriteLacpCounters(w, p.Counters);
        w.WriteEndObject();
    }

    /// <summary>When the partner's last LACPDU came, and the gaps between its LACPDUs (cumulative buckets, as the histogram metric).</summary>
    private static void WriteLacpduGaps(Utf8JsonWriter w, LacpPduGaps g)
    {
        WriteAge(w, "last_lacpdu_rx_ms_ago", g.LastRxMs ?? 0);
        w.WriteStartObject("lacpdu_rx_gaps");
        w.WriteNumber("count", g.Count);
        w.WriteNumber("max_ms", g.MaxMs);
        w.WriteNumber("sum_ms", g.SumMs);
        w.WriteStartObject("buckets");
        long cumulative = 0;
        for (int i = 0; i < g.Counts.Count; i++)
        {
            cumulative += g.Counts[i];
            w.WriteNumber(i < LacpPduGaps.BoundsSeconds.Length ? LacpPduGaps.BoundsSeconds[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "+Inf", cumulative);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WritePortInfo(Utf8JsonWriter w, string name, LacpPortInfo i)
    {
        w.WriteStartObject(name);
        w.WriteNumber("system_priority", i.SystemPriority);
        w.WriteString("system_mac_address", i.System.ToString());
        w.WriteNumber("key", i.Key);
        w.WriteNumber("port_priority", i.PortPriority);
        w.WriteNumber("port_number", i.Port);
        w.WriteNumber("port_state", (int)i.State);
        w.WriteString("port_state_flags", i.State.ToString());
        w.WriteEndObject();
    }

    /// <summary>The netlink xstats names (BOND_3AD_STAT_LACPDU_RX …), lower case.</summary>
    private static void WriteLacpCounters(Utf8JsonWriter w, LacpCounters c)
    {
        w.WriteStartObject("stats");
        w.WriteNumber("lacpdu_rx", c.LacpduRx);
        w.WriteNumber("lacpdu_tx", c.LacpduTx);
        w.WriteNumber("lacpdu_unknown_rx", c.LacpduUnknownRx);
        w.WriteNumber("lacpdu_illegal_rx", c.LacpduIllegalRx);
        w.WriteNumber("marker_rx", c.MarkerRx);
        w.WriteNumber("marker_tx", c.MarkerTx);
        w.WriteNumber("marker_resp_rx", c.MarkerResponseRx);
        w.WriteNumber("marker_resp_tx", c.MarkerResponseTx);
        w.WriteNumber("marker_unknown_rx", c.MarkerUnknownRx);
        w.WriteEndObject();
    }

    /// <summary>The ARP/NS monitor's view of a member: when it last counted a receive, sent a probe, heard each target.</summary>
    private static void WriteArpMonitor(Utf8JsonWriter w, ArpMonitorSnapshot arp, BondOptions o)
    {
        w.WriteStartObject("arp_monitor");
        WriteAge(w, "last_rx_ms_ago", Math.Max(arp.LastRxMs, 0));
        WriteAge(w, "last_probe_ms_ago", Math.Max(arp.LastProbeMs, 0));
        w.WriteStartArray("targets");
        IEnumerable<System.Net.IPAddress> targets = o.ArpIpTargets.Count > 0 ? o.ArpIpTargets : o.NsIp6Targets;
        int i = 0;
        foreach (System.Net.IPAddress target in targets)
        {
            w.WriteStartObject();
            w.WriteString("target", target.ToString());
            WriteAge(w, "last_reply_ms_ago", Math.Max(arp.TargetReplyMs[i++], 0));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>How long ago a monotonic time was, or null for never.</summary>
    private static void WriteAge(Utf8JsonWriter w, string name, long atMs)
    {
        if (atMs == 0)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteNumber(name, Environment.TickCount64 - atMs);
        }
    }
}
