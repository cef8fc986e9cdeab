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
        if (o.Mode is BondMode.BalanceXor or BondMode.Ieee8023ad
            || (o.Mode is BondMode.BalanceTlb or BondMode.BalanceAlb && !o.TlbDynamicLb))
        {
            s.Append(CultureInfo.InvariantCulture, $"Transmit Hash Policy: {OptionTable.NameOf(BondOption.XmitHashPolicy, (long)o.XmitHashPolicy)} ({(int)o.XmitHashPolicy})\n");
        }
        if (BondModeNames.UsesPrimary(o.Mode))
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
        foreach (MemberSnapshot m in bond.Members)
        {
            s.Append(CultureInfo.InvariantCulture, $"\nSlave Interface: {m.Name}\n");
            s.Append(CultureInfo.InvariantCulture, $"MII Status: {LinkStateNames.Describe(m.Link)}\n");
            s.Append(m.Speed < 0 ? "Speed: Unknown\n" : string.Create(CultureInfo.InvariantCulture, $"Speed: {m.Speed} Mbps\n"));
            s.Append(m.Duplex < 0 ? "Duplex: Unknown\n" : $"Duplex: {(m.Duplex == 1 ? "full" : "half")}\n");
            s.Append(CultureInfo.InvariantCulture, $"Link Failure Count: {m.LinkFailureCount}\n");
            s.Append(CultureInfo.InvariantCulture, $"Permanent HW addr: {m.PermanentMac}\n");
            s.Append(CultureInfo.InvariantCulture, $"Slave queue ID: {m.QueueId}\n");
        }
        return s.ToString();
    }
}
