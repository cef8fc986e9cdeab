using System.Globalization;
using System.Text;

namespace NetBond.Core;

/// <summary>The text of /proc/net/bonding/BOND, line for line as bond_procfs.c prints it.</summary>
public static class ProcStatus
{
    public static string Version =>
        typeof(ProcStatus).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";

    public static string Render(BondSnapshot bond)
    {
        BondOptions o = bond.Options;
        StringBuilder s = new();
        s.Append(CultureInfo.InvariantCulture, $"Ethernet Channel Bonding Driver: v{Version}\n\n");
        s.Append(CultureInfo.InvariantCulture, $"Bonding Mode: {BondModeNames.Describe(o.Mode)}");
        if (o.Mode == BondMode.ActiveBackup && o.FailOverMac != FailOverMac.None)
        {
            s.Append(CultureInfo.InvariantCulture, $" (fail_over_mac {OptionTable.NameOf(BondOption.FailOverMac, (long)o.FailOverMac)})");
        }
        s.Append('\n');
        ModeTraits traits = ModeTraits.Of(o.Mode);
        if (traits.Hashes || (traits.LoadBalancing && !o.TlbDynamicLb))
        {
            s.Append(CultureInfo.InvariantCulture, $"Transmit Hash Policy: {OptionTable.NameOf(BondOption.XmitHashPolicy, (long)o.XmitHashPolicy)} ({(int)o.XmitHashPolicy})\n");
        }
        if (traits.UsesPrimary)
        {
            string? primary = bond.Primary;
            s.Append(CultureInfo.InvariantCulture, $"Primary Slave: {primary ?? "None"}");
            if (primary != null)
            {
                s.Append(CultureInfo.InvariantCulture, $" (primary_reselect {OptionTable.NameOf(BondOption.PrimaryReselect, (long)o.PrimaryReselect)})");
            }
            s.Append(CultureInfo.InvariantCulture, $"\nCurrently Active Slave: {bond.Active ?? "None"}\n");
        }
        s.Append(CultureInfo.InvariantCulture, $"MII Status: {(bond.Carrier ? "up" : "down")}\n");
        s.Append(CultureInfo.InvariantCulture, $"MII Polling Interval (ms): {o.Miimon}\n");
        s.Append(CultureInfo.InvariantCulture, $"Up Delay (ms): {o.UpdelayMs}\n");
        s.Append(CultureInfo.InvariantCulture, $"Down Delay (ms): {o.DowndelayMs}\n");
        s.Append(CultureInfo.InvariantCulture, $"Peer Notification Delay (ms): {o.PeerNotifDelayMs}\n");
        if (o.ArpInterval > 0)
        {
            s.Append(CultureInfo.InvariantCulture, $"ARP Polling Interval (ms): {o.ArpInterval}\n");
            s.Append(CultureInfo.InvariantCulture, $"ARP Missed Max: {o.ArpMissedMax}\n");
            s.Append("ARP IP target/s (n.n.n.n form):").Append(string.Join(",", o.ArpIpTargets.Select(a => " " + a))).Append('\n');
            s.Append("NS IPv6 target/s (xx::xx form):").Append(string.Join(",", o.NsIp6Targets.Select(a => " " + a))).Append('\n');
        }
        if (bond.Lacp is { } lacp)
        {
            AppendLacp(s, bond, lacp);
        }
        foreach (MemberSnapshot m in bond.Members)
        {
            s.Append(CultureInfo.InvariantCulture, $"\nSlave Interface: {m.Name}\n");
            s.Append(CultureInfo.InvariantCulture, $"MII Status: {LinkStateNames.Describe(m.Link)}\n");
            s.Append(m.Speed < 0 ? "Speed: Unknown\n" : string.Create(CultureInfo.InvariantCulture, $"Speed: {m.Speed} Mbps\n"));
            s.Append(m.Duplex < 0 ? "Duplex: Unknown\n" : $"Duplex: {(m.Duplex == 1 ? "full" : "half")}\n");
            s.Append(CultureInfo.InvariantCulture, $"Link Failure Count: {m.LinkFailureCount}\n");
            s.Append(CultureInfo.InvariantCulture, $"Permanent HW addr: {m.PermanentMac}\n");
            s.Append(CultureInfo.InvariantCulture, $"Slave queue ID: {m.QueueId}\n");
            if (traits.Lacp)
            {
                AppendLacpPort(s, m.Lacp);
            }
        }
        return s.ToString();
    }

    /// <summary>bond_info_show_master()'s 802.3ad section (as root sees it, with system and aggregator).</summary>
    private static void AppendLacp(StringBuilder s, BondSnapshot bond, LacpBondSnapshot lacp)
    {
        BondOptions o = bond.Options;
        s.Append("\n802.3ad info\n");
        s.Append(CultureInfo.InvariantCulture, $"LACP active: {(o.LacpActive ? "on" : "off")}\n");
        s.Append(CultureInfo.InvariantCulture, $"LACP rate: {(o.LacpRate == LacpRate.Fast ? "fast" : "slow")}\n");
        s.Append(CultureInfo.InvariantCulture, $"Min links: {o.MinLinks}\n");
        s.Append(CultureInfo.InvariantCulture, $"Aggregator selection policy (ad_select): {OptionTable.NameOf(BondOption.AdSelect, (long)o.AdSelect)}\n");
        if (o.LacpFallback)
        {
            s.Append("LACP fallback: ").Append(FallbackState(lacp) ?? "standby").Append('\n');
        }
        s.Append(CultureInfo.InvariantCulture, $"System priority: {lacp.SystemPriority}\n");
        s.Append(CultureInfo.InvariantCulture, $"System MAC address: {lacp.System}\n");
        if (lacp.Active is not { } a)
        {
            s.Append(CultureInfo.InvariantCulture, $"bond {bond.Name} has no active aggregator\n");
            return;
        }
        s.Append("Active Aggregator Info:\n");
        s.Append(CultureInfo.InvariantCulture, $"\tAggregator ID: {a.Id}\n");
        s.Append(CultureInfo.InvariantCulture, $"\tNumber of ports: {a.Ports}\n");
        s.Append(CultureInfo.InvariantCulture, $"\tActor Key: {a.ActorKey}\n");
        s.Append(CultureInfo.InvariantCulture, $"\tPartner Key: {a.PartnerKey}\n");
        s.Append(CultureInfo.InvariantCulture, $"\tPartner Mac Address: {a.PartnerSystem}\n");
    }

    /// <summary>What lacp_fallback does now: "active-backup on MEMBER" (or without a member up), null when not in fallback.</summary>
    public static string? FallbackState(LacpBondSnapshot lacp) =>
        !lacp.Fallback ? null : lacp.FallbackMember is { } m ? $"active-backup on {m}" : "active-backup, no member up";

    /// <summary>bond_info_show_slave()'s 802.3ad lines.</summary>
    private static void AppendLacpPort(StringBuilder s, LacpPortSnapshot? p)
    {
        if (p?.AggregatorId is not { } id)
        {
            s.Append("Aggregator ID: N/A\n");
            return;
        }
        s.Append(CultureInfo.InvariantCulture, $"Aggregator ID: {id}\n");
        s.Append(CultureInfo.InvariantCulture, $"Actor Churn State: {ChurnName(p.ActorChurn)}\n");
        s.Append(CultureInfo.InvariantCulture, $"Partner Churn State: {ChurnName(p.PartnerChurn)}\n");
        s.Append(CultureInfo.InvariantCulture, $"Actor Churned Count: {p.ActorChurnCount}\n");
        s.Append(CultureInfo.InvariantCulture, $"Partner Churned Count: {p.PartnerChurnCount}\n");
        AppendPdu(s, "actor", "port key", p.Actor);
        AppendPdu(s, "partner", "oper key", p.Partner);
    }

    private static void AppendPdu(StringBuilder s, string side, string keyName, LacpPortInfo i)
    {
        s.Append(CultureInfo.InvariantCulture, $"details {side} lacp pdu:\n");
        s.Append(CultureInfo.InvariantCulture, $"    system priority: {i.SystemPriority}\n");
        s.Append(CultureInfo.InvariantCulture, $"    system mac address: {i.System}\n");
        s.Append(CultureInfo.InvariantCulture, $"    {keyName}: {i.Key}\n");
        s.Append(CultureInfo.InvariantCulture, $"    port priority: {i.PortPriority}\n");
        s.Append(CultureInfo.InvariantCulture, $"    port number: {i.Port}\n");
        s.Append(CultureInfo.InvariantCulture, $"    port state: {(int)i.State}\n");
    }

    /// <summary>bond_3ad_churn_desc().</summary>
    public static string ChurnName(LacpChurnState state) => state switch
    {
        LacpChurnState.Monitoring => "monitoring",
        LacpChurnState.Churned => "churned",
        _ => "none",
    };
}
