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
    /// bond-break-lacpdu-tx.sh: an 802.3ad bond given a MAC and then its ad_actor_sys_prio again, a port of a bridge of
    /// the same MAC, sends LACPDUs once members join (the far end of a member captures 2 within 15 s).
    /// </summary>
    [IntegrationFact]
    public void Bond_break_lacpdu_tx()
    {
        using Topology t = new(members: 2);
        t.StartDaemon();
        t.WaitForDaemon();
        t.Sh($"ip -n {t.Host} link add fab-br0 address 52:54:00:3B:7C:A6 mtu 1500 type bridge forward_delay 15");
        t.NetBond("add bond0 mode=802.3ad miimon=200 xmit_hash_policy=layer3+4 ad_actor_sys_prio=65535 lacp_rate=fast").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set bond0 address 52:54:00:3B:7C:A6");
        t.Sh($"ip -n {t.Host} link set bond0 up");
        t.NetBond("set bond0 ad_actor_sys_prio=65535").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set bond0 master fab-br0");
        // The far end listens before the members join: the first LACPDUs go out as they do.
        System.Diagnostics.Process capture = t.Start($"ip netns exec {t.Switch} timeout 15 tcpdump -n -i sw0 -c 2 ether proto 0x8809");
        Thread.Sleep(500);
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set fab-br0 up && ip -n {t.Host} link set bond0 up && ip -n {t.Host} addr add 198.18.0.3/24 dev fab-br0");
        Assert.True(Topology.Finish(capture) && capture.ExitCode == 0, "no 2 LACPDUs captured: " + t.OutputOf(capture));
    }

    /// <summary>A member's 802.3ad actor state and LACPDUs sent, as the status JSON reports them.</summary>
    private static (int State, long Sent) Port(Topology t, string ns, string member)
    {
        using System.Text.Json.JsonDocument doc = System.Text.Json.JsonDocument.Parse(t.NetBond("status --json", ns).ShouldSucceed().Out);
        System.Text.Json.JsonElement ad = doc.RootElement.GetProperty("bonds")[0].GetProperty("slaves").EnumerateArray()
            .First(m => m.GetProperty("name").GetString() == member).GetProperty("ad");
        return (ad.GetProperty("actor").GetProperty("port_state").GetInt32(), ad.GetProperty("stats").GetProperty("lacpdu_tx").GetInt64());
    }

    /// <summary>
    /// bond_passive_lacp.sh: a bond with lacp_active off sends no LACPDU until its partner speaks, never sets its
    /// Activity bit, aggregates with an active partner without expiring, and once that partner is gone sends nothing
    /// while the active side keeps sending. Fast rate on both sides; the script's windows (65 s, for slow rate's
    /// 30 s period) are three fast periods here (and the last, see below).
    /// </summary>
    [IntegrationFact]
    public void Bond_passive_lacp()
    {
        const int Activity = 0x01, Distributing = 0x20, Expired = 0x80;
        using Topology t = new(members: 2);
        // c_ns is the host, s_ns the switch namespace with its bridge gone: its ends of the links are the other bond's.
        string c = t.Host, s = t.Switch;
        t.Sh($"ip -n {s} link del br0");
        t.StartDaemon();
        t.StartDaemon(s);
        t.WaitForDaemon();
        t.WaitForDaemon(s);
        t.NetBond("add bond0 mode=802.3ad lacp_active=on lacp_rate=fast", s).ShouldSucceed();
        t.Sh($"ip -n {s} link set bond0 down");
        t.NetBond("enslave bond0 sw0 sw1", s).ShouldSucceed();
        t.NetBond("add bond0 mode=802.3ad lacp_active=off lacp_rate=fast").ShouldSucceed();
        t.Sh($"ip -n {c} link set bond0 down");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();

        // The script's counts are increases from when it starts counting (lib.sh's wait_for_counter): the LACPDUs a
        // port sends as it starts (two, the script says) come before.
        t.Sh($"ip -n {c} link set bond0 up");
        Thread.Sleep(2000);
        long initSent = Port(t, c, "eth0").Sent;
        Thread.Sleep(3000);
        Assert.True(Port(t, c, "eth0").Sent - initSent < 2, "802.3ad lacp_active off, init port: the passive side sends LACPDUs");

        t.Sh($"ip -n {s} link set bond0 up");
        Assert.True(Topology.Eventually(() => (Port(t, s, "sw0").State & Activity) != 0, 2000), "802.3ad lacp_active on, port state active");
        Assert.True((Port(t, c, "eth0").State & Activity) == 0, "802.3ad lacp_active off, port state active");
        Assert.True(Topology.Eventually(() => (Port(t, s, "sw0").State & Distributing) != 0, 5000), "the active side does not distribute\n" + t.NetBond("status", s).Out);
        for (int i = 0; i < 6; i++)
        {
            Thread.Sleep(500);
            Assert.True((Port(t, s, "sw0").State & Expired) == 0 && (Port(t, c, "eth0").State & Activity) == 0, "bond 802.3ad lacp_active off, port connection");
        }

        // One port of each side leaves: the passive bond's eth0 and the active bond's sw1 have no partner any more.
        // Each keeps its partner's last word for 3 s, then 3 s expired (both at the short timeout), then defaults
        // (the script sleeps 5 s, then counts for 65 s: the active side's slow periodic LACPDUs). Counted here: the
        // active side's over those 7 s, the passive side's over the 3 s after them.
        long active = Port(t, s, "sw1").Sent;
        t.NetBond("release bond0 sw0", s).ShouldSucceed();
        t.Sh($"ip -n {s} link set sw0 up");
        t.NetBond("release bond0 eth1").ShouldSucceed();
        t.Sh($"ip -n {c} link set eth1 up");
        Thread.Sleep(7000);
        Assert.True(Port(t, s, "sw1").Sent - active >= 2, "bond 802.3ad lacp_active on, port pkt after disconnect");
        long passive = Port(t, c, "eth0").Sent;
        Thread.Sleep(3000);
        Assert.True(Port(t, c, "eth0").Sent - passive < 2, "bond 802.3ad lacp_active off, port pkt after disconnect");
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
    }

    /// <summary>
    /// bond_lacp_prio.sh: a client bond of four members with ad_select=actor_port_prio, two to one switch's bond and
    /// two to another's, takes the aggregator of its highest actor_port_prio member when a link change makes it
    /// reselect, and the other one once the priorities are swapped. (The script checks 0.5 s after the link comes
    /// back; this allows up to 3 s.)
    /// </summary>
    [IntegrationFact]
    public void Bond_lacp_prio()
    {
        using Topology t = new(members: 4);
        string c = t.Host, s = t.Switch, b = t.AddNamespace();
        t.Sh($"ip -n {s} link del br0 && ip -n {s} link set sw2 netns {b} && ip -n {s} link set sw3 netns {b}");
        t.StartDaemon();
        t.WaitForDaemon();
        foreach ((string ns, string options, string members) in new[]
        {
            (c, "ad_select=actor_port_prio", "eth0 eth1 eth2 eth3"), (s, "", "sw0 sw1"), (b, "", "sw2 sw3"),
        })
        {
            t.NetBond($"add bond0 mode=802.3ad miimon=100 lacp_rate=fast {options}", ns).ShouldSucceed();
            t.Sh($"ip -n {ns} link set bond0 down");
            t.NetBond($"enslave bond0 {members}", ns).ShouldSucceed();
        }
        foreach (string ns in new[] { c, s, b })
        {
            t.Sh($"ip -n {ns} link set bond0 up");
        }

        t.NetBond("set eth0 actor_port_prio=1000").ShouldSucceed();
        t.NetBond("set eth2 actor_port_prio=10").ShouldSucceed();
        Assert.Equal(1000, PortPriority(t, "eth0"));
        Assert.Equal(10, PortPriority(t, "eth2"));

        AggReselect(t, "eth0");
        t.NetBond("set eth0 actor_port_prio=10").ShouldSucceed();
        t.NetBond("set eth2 actor_port_prio=1000").ShouldSucceed();
        AggReselect(t, "eth2");
    }

    private static System.Text.Json.JsonElement BondJson(Topology t)
    {
        using System.Text.Json.JsonDocument doc = System.Text.Json.JsonDocument.Parse(t.NetBond("status --json").ShouldSucceed().Out);
        return doc.RootElement.GetProperty("bonds")[0].Clone();
    }

    private static System.Text.Json.JsonElement Member(Topology t, string name) =>
        BondJson(t).GetProperty("slaves").EnumerateArray().First(m => m.GetProperty("name").GetString() == name);

    private static int PortPriority(Topology t, string member) =>
        Member(t, member).GetProperty("ad").GetProperty("actor").GetProperty("port_priority").GetInt32();

    /// <summary>bond_lacp_prio.sh's test_agg_reselect: eth1's link down and up again, then the bond's aggregator is <paramref name="expect"/>'s.</summary>
    private static void AggReselect(Topology t, string expect)
    {
        t.Sh($"ip -n {t.Host} link set eth1 down");
        Thread.Sleep(500);
        t.Sh($"ip -n {t.Host} link set eth1 up");
        bool Selected() => BondJson(t).GetProperty("ad_info").GetProperty("active_aggregator") is { ValueKind: System.Text.Json.JsonValueKind.Object } a
            && Member(t, expect).GetProperty("ad").GetProperty("aggregator_id") is { ValueKind: System.Text.Json.JsonValueKind.Number } id
            && a.GetProperty("aggregator_id").GetInt32() == id.GetInt32();
        Assert.True(Topology.Eventually(Selected, 3000), $"the bond's aggregator is not {expect}'s\n{t.Status()}");
    }
}
