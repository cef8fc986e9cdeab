namespace NetBond.Integration.Tests;

/// <summary>
/// The kernel's own bonding selftests (tools/testing/selftests/drivers/net/bonding), ported: each asserts what the
/// kernel's script asserts, on veths instead of dummies, with `netbond add` where the script runs `ip link add … type
/// bond`. Which scripts run here and which cannot is listed in README's "The kernel's own tests"; the 802.3ad ones
/// are in <see cref="KernelSelftestLacpTests"/>.
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

    /// <summary>
    /// mode-1-recovery-updelay.sh and mode-2-recovery-updelay.sh (lag_lib.sh's test_bond_recovery): with updelay, when
    /// the links flap so that no member is up, the bond brings one up at once and pings again within 2 s. The scripts
    /// run updelay 0, 200, 500, 1000, 2000, 5000 and 10000 and keep the first link down 2 s; this runs the shortest,
    /// one between and the longest (longer than the 2 s allowed, so only the rule being tested passes it), with the
    /// first link down 0.5 s, five miimon intervals — enough for it to be down, as in the script.
    /// </summary>
    [IntegrationTheory]
    [InlineData("active-backup")]
    [InlineData("balance-xor")]
    public void Mode_recovery_updelay(string mode)
    {
        using Topology t = new(members: 2);
        t.StartDaemon();
        t.WaitForDaemon();
        foreach (int updelay in new[] { 0, 500, 10_000 })
        {
            t.NetBond($"add bond0 mode={mode} miimon=100 updelay={updelay}").ShouldSucceed();
            t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
            t.RaiseBond();
            Assert.True(Topology.Eventually(() => t.In(t.Host, $"ping -c 2 -i 0.2 -W 0.1 {Topology.PeerAddress}").Exit == 0, 2000 + updelay),
                $"No connectivity, updelay {updelay}\n{t.Status()}");

            t.Sh($"ip -n {t.Switch} link set sw0 down");
            Thread.Sleep(500);
            t.Sh($"ip -n {t.Switch} link set sw0 up");
            t.Sh($"ip -n {t.Switch} link set sw1 down");
            Assert.True(Topology.Eventually(() => t.In(t.Host, $"ping -c 2 -i 0.2 -W 0.1 {Topology.PeerAddress}").Exit == 0, 2000),
                $"Bond failed to recover, updelay {updelay}\n{t.Status()}");

            t.NetBond("del bond0").ShouldSucceed();
            t.Sh($"ip -n {t.Switch} link set sw1 up");
        }
    }

    /// <summary>
    /// bond-arp-interval-causes-panic.sh: an active-backup bond with all_slaves_active, emptied, taken down, turned
    /// into a balance-rr bond under the ARP monitor and filled again still pings (the kernel oopsed in
    /// bond_rr_gen_slave_id). The script's 5 pings a second apart are 5 pings 0.2 s apart.
    /// </summary>
    [IntegrationFact]
    public void Bond_arp_interval_causes_panic()
    {
        using Topology t = new(members: 1);
        t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond("add bond0 mode=active-backup miimon=100 all_slaves_active=1").ShouldSucceed();
        t.NetBond("enslave bond0 eth0").ShouldSucceed();
        t.RaiseBond();
        Assert.True(Topology.Eventually(() => t.In(t.Host, $"ping -c 5 -i 0.2 -W 1 {Topology.PeerAddress}").Exit == 0), t.Status());

        t.NetBond("release bond0 eth0").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set bond0 down");
        t.NetBond($"set bond0 mode=balance-rr arp_interval=1000 arp_ip_target=+{Topology.PeerAddress}").ShouldSucceed();
        t.NetBond("enslave bond0 eth0").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set bond0 up");
        Assert.True(Topology.Eventually(() => t.In(t.Host, $"ping -c 5 -i 0.2 -W 1 {Topology.PeerAddress}").Exit == 0), t.Status());
    }

    /// <summary>
    /// bond_options.sh's prio test on real links, for the two settings once seen without an active member on a busy
    /// machine (the whole matrix runs on the virtual clock in BondOptionsSelftestTests): members' links set down and
    /// up in the bond's own namespace, the active member checked at each step, the peer pinged after each failover.
    /// </summary>
    [IntegrationTheory]
    [InlineData("active-backup", 2)]
    [InlineData("balance-tlb", 1)]
    public void Bond_options_prio(string mode, int reselect)
    {
        using Topology t = new(members: 3);
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond($"mode={mode} miimon=100 primary=eth1 primary_reselect={reselect}");
        t.NetBond("enslave bond0 eth0 eth1 eth2").ShouldSucceed();
        t.NetBond("active bond0 eth1").ShouldSucceed();
        foreach ((string member, int prio) in new[] { ("eth0", 0), ("eth1", 10), ("eth2", 11) })
        {
            t.NetBond($"set {member} prio={prio}").ShouldSucceed();
        }
        string Active() => System.Text.RegularExpressions.Regex.Match(t.Status(), "Currently Active Slave: (\\S+)").Groups[1].Value;
        string active = "";
        void Check(string expected, string step, bool changes = true)
        {
            // check_active_slave: a change from the last member seen (up to 5 s), then the member it must be.
            Topology.Eventually(() => Active() is { Length: > 0 } a && a != "None" && a != active, changes ? 5000 : 1000);
            active = Active();
            Assert.True(expected == active, $"{step}: Current active slave is {active} but not {expected}\n{t.Status()}");
            Assert.True(Topology.Eventually(() => t.In(t.Host, $"ping -c 1 -W 1 {Topology.PeerAddress}").Exit == 0), $"{step}: no connection\n{t.Status()}");
        }

        Check("eth1", "setup");
        t.Sh($"ip -n {t.Host} link set {active} down");
        Check("eth2", "fail over");
        t.Sh($"ip -n {t.Host} link set {active} down");
        Check("eth0", "only 1 slave up");
        t.Sh($"ip -n {t.Host} link set eth2 up");
        Check("eth0", "higher prio slave up", changes: false);
        t.Sh($"ip -n {t.Host} link set eth1 up");
        Check("eth0", "primary slave up", changes: false);
        if (reselect == 2)
        {
            t.Sh($"ip -n {t.Host} link set {active} down");
            Check("eth1", "pre_active slave down");
        }
    }

    /// <summary>
    /// bond-lladdr-target.sh: an active-backup bond whose NS target is the switch's link-local address (arp_validate
    /// all, arp_interval 1000), with a link-local address of its own, comes up (LOWER_UP within the script's 5 s).
    /// </summary>
    [IntegrationFact]
    public void Bond_lladdr_target()
    {
        using Topology t = new(members: 2);
        string lladdr = "";
        // The bridge's link-local address, once past DAD (the script sleeps 2 s for it).
        Assert.True(Topology.Eventually(() =>
        {
            System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(
                t.In(t.Switch, "ip -6 addr show dev br0 scope link").Out, "inet6 (fe80::[0-9a-f:]+)/64 scope link\\s*\\n");
            lladdr = m.Groups[1].Value;
            return m.Success;
        }, 5000), t.In(t.Switch, "ip -6 addr show dev br0").Out);
        t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond($"add bond0 mode=active-backup ns_ip6_target={lladdr} arp_validate=3 arp_interval=1000").ShouldSucceed();
        t.Sh($"ip -n {t.Host} addr add fe80::beef/64 dev bond0 && ip -n {t.Host} link set bond0 up");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.In(t.Host, "ip link show bond0").Out.Contains("LOWER_UP", StringComparison.Ordinal), 5000), t.Status());
    }

    /// <summary>
    /// bond_macvlan_ipvlan.sh (over bond_topo_2d1c.sh): two macvlans (bridge mode) on the bond, each moved into a
    /// namespace of its own, and the client behind the switch all reach each other over IPv4 and IPv6, in
    /// active-backup, balance-tlb and balance-alb. The script pings 4 times 0.1 s apart; here twice. Its ipvlan half
    /// cannot run: this kernel has no ipvlan.
    /// </summary>
    [IntegrationTheory]
    [InlineData("active-backup")]
    [InlineData("balance-tlb")]
    [InlineData("balance-alb")]
    public void Bond_macvlan_ipvlan(string mode)
    {
        using Topology t = new(members: 2);
        string client = t.Peer, server = t.Host;
        t.Sh($"ip -n {client} addr add 2001:db8::2/64 dev eth0 nodad");
        string[] xvlanNs = [t.AddNamespace(), t.AddNamespace()];
        t.StartDaemon();
        t.WaitForDaemon();
        const string type = "macvlan", xvlanMode = "bridge";
        t.NetBond($"add bond0 mode={mode} miimon=100").ShouldSucceed();
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.RaiseBond();
        t.Sh($"ip -n {server} addr add 2001:db8::1/64 dev bond0 nodad");
        for (int i = 0; i < 2; i++)
        {
            t.Sh($"ip -n {server} link add link bond0 name {type}0 type {type} mode {xvlanMode} && ip -n {server} link set {type}0 netns {xvlanNs[i]}");
            t.Sh($"ip -n {xvlanNs[i]} link set {type}0 up && ip -n {xvlanNs[i]} addr add 198.18.0.1{i + 1}/24 dev {type}0 "
                + $"&& ip -n {xvlanNs[i]} addr add 2001:db8::1{i + 1}/64 dev {type}0 nodad");
        }
        (string From, string To, string What)[] pings =
        [
            (client, Topology.BondAddress, "client->server"), (client, "2001:db8::1", "client->server"),
            (client, "198.18.0.11", $"client->{type}_1"), (client, "2001:db8::11", $"client->{type}_1"),
            (client, "198.18.0.12", $"client->{type}_2"), (client, "2001:db8::12", $"client->{type}_2"),
            (xvlanNs[0], "198.18.0.12", $"{type}_1->{type}_2"), (xvlanNs[0], "2001:db8::12", $"{type}_1->{type}_2"),
            (server, "198.18.0.2", "server->client"), (server, "2001:db8::2", "server->client"),
            (xvlanNs[0], "198.18.0.2", $"{type}_1->client"), (xvlanNs[0], "2001:db8::2", $"{type}_1->client"),
            (xvlanNs[1], "198.18.0.2", $"{type}_2->client"), (xvlanNs[1], "2001:db8::2", $"{type}_2->client"),
            (xvlanNs[1], "198.18.0.11", $"{type}_2->{type}_1"), (xvlanNs[1], "2001:db8::11", $"{type}_2->{type}_1"),
        ];
        foreach ((string from, string to, string what) in pings)
        {
            Assert.True(Topology.Eventually(() => t.In(from, $"ping -c 2 -i 0.1 -W 1 {to}").Exit == 0, 3000),
                $"{mode}/{type}_{xvlanMode}: {what} ({to}): ping failed\n{t.Status()}");
        }
        // The macvlans' groups, joined in their own namespaces, reach the bond's lists and through them a member's
        // (a real NIC filters multicast): the solicited-node group of 2001:db8::11.
        string Lists() => AddressLists(t, "eth0") + AddressLists(t, "eth1");
        Assert.True(Topology.Eventually(() => Lists().Contains("33:33:ff:00:00:11", StringComparison.Ordinal), 3000), Lists());
    }
}
