namespace NetBond.Integration.Tests;

/// <summary>
/// The kernel's own bonding selftests (tools/testing/selftests/drivers/net/bonding), ported: each asserts what the
/// kernel's script asserts, on veths instead of dummies, with `netbond add` where the script runs `ip link add … type
/// bond`. Which scripts run here and which cannot is listed in README's "The kernel's selftests".
/// </summary>
[Trait(DataPaths.Trait, DataPaths.Both)]
public class KernelSelftestTests
{
    /// <summary>A device's own address lists (`bridge fdb show dev X`, the entries ndo_dflt_fdb_dump gives).</summary>
    private static string AddressLists(Topology t, string device) => t.In(t.Host, $"bridge fdb show dev {device}").Out;

    /// <summary>
    /// dev_addr_lists.sh, bond_cleanup_mode1 and bond_cleanup_mode4 (lag_lib.sh's test_LAG_cleanup): a macvlan's
    /// unicast address on the bond and the solicited-node group of an IPv6 address of the bond reach a member's lists,
    /// and are gone from every list once the bond is deleted.
    /// </summary>
    [IntegrationTheory]
    [InlineData("active-backup")]
    [InlineData("802.3ad")]
    public void Dev_addr_lists_bond_cleanup(string mode)
    {
        const string ucaddr = "02:00:00:12:34:56", mcaddr = "33:33:ff:78:9a:bc";
        using Topology t = new(members: 2);
        t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond($"add bond0 mode={mode} miimon=100").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set bond0 up");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();

        t.Sh($"ip -n {t.Host} link add mv0 link bond0 up address {ucaddr} type macvlan");
        t.Sh($"ip -n {t.Host} address add fe80::78:9abc/64 dev bond0");
        string Both() => AddressLists(t, "eth0") + AddressLists(t, "eth1");
        Assert.True(Topology.Eventually(() => Both().Contains(ucaddr, StringComparison.Ordinal)), "macvlan unicast address not found on a slave\n" + Both());
        Assert.True(Topology.Eventually(() => Both().Contains(mcaddr, StringComparison.Ordinal), 10_000),
            "IPv6 solicited-node multicast mac address not found on a slave\n" + Both());

        t.Sh($"ip -n {t.Host} link set bond0 down");
        t.Sh($"ip -n {t.Host} link del bond0");
        Assert.True(Topology.Eventually(() => t.NetBond("status").Out.Contains("no bonds", StringComparison.Ordinal)), t.NetBond("status").Out);
        string all = t.In(t.Host, "bridge fdb show").Out;
        Assert.False(all.Contains(ucaddr, StringComparison.Ordinal), "macvlan unicast address still present on a slave\n" + all);
        Assert.False(all.Contains(mcaddr, StringComparison.Ordinal), "IPv6 solicited-node multicast mac address still present on a slave\n" + all);
    }

    /// <summary>
    /// dev_addr_lists.sh, bond_listen_lacpdu_multicast_case_down and _case_up: an 802.3ad member carries the LACPDU
    /// address while the bond is up, whether it was enslaved to a bond up or down, and not while the bond is down.
    /// </summary>
    [IntegrationTheory]
    [InlineData("up")]
    [InlineData("down")]
    public void Dev_addr_lists_bond_listen_lacpdu_multicast(string initState)
    {
        const string lacpduMc = "01:80:c2:00:00:02";
        using Topology t = new(members: 1);
        t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond("add bond0 mode=802.3ad").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set bond0 {initState}");
        t.NetBond("enslave bond0 eth0").ShouldSucceed();
        if (initState == "down")
        {
            t.Sh($"ip -n {t.Host} link set bond0 up");
        }
        bool Listed() => AddressLists(t, "eth0").Contains(lacpduMc, StringComparison.Ordinal);
        Assert.True(Topology.Eventually(Listed), "LACPDU multicast address not present on slave (1)\n" + AddressLists(t, "eth0"));

        t.Sh($"ip -n {t.Host} link set bond0 down");
        Assert.True(Topology.Eventually(() => !Listed()), "LACPDU multicast address still present on slave\n" + AddressLists(t, "eth0"));

        t.Sh($"ip -n {t.Host} link set bond0 up");
        Assert.True(Topology.Eventually(Listed), "LACPDU multicast address not present on slave (2)\n" + AddressLists(t, "eth0"));
    }
}
