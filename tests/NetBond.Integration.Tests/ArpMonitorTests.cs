using System.Text.RegularExpressions;

namespace NetBond.Integration.Tests;

/// <summary>The ARP and NS monitors on real veths and a Linux bridge: paths that die with their carrier up.</summary>
[Trait(DataPaths.Trait, DataPaths.Both)]
[Collection(Alone.Name)]
public class ArpMonitorTests
{
    /// <summary>Classic BPF for a clsact filter in direct-action mode: drop (TC_ACT_SHOT) ARP frames, pass the rest.</summary>
    private const string DropArp = "4,40 0 0 12,21 0 1 2054,6 0 0 2,6 0 0 0";

    private static string MiiStatusOf(Topology t, string member) =>
        Regex.Match(t.Status(), $"Slave Interface: {member}\nMII Status: ([a-z ]+)\n").Groups[1].Value;

    private static string ActiveOf(Topology t) => Regex.Match(t.Status(), "Currently Active Slave: (\\S+)").Groups[1].Value;

    [IntegrationFact]
    public void A_path_blackholed_with_its_carrier_up_is_found_by_the_arp_monitor_and_the_bond_fails_over()
    {
        using Topology t = new(members: 2);
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond($"mode=active-backup arp_interval=100 arp_ip_target={Topology.PeerAddress}");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        // Both members validated first. Which one is active depends on which answered first: on a loaded machine
        // the first reply can come after eth0's first interval has run out, and eth1 takes over, as in the kernel.
        Assert.True(Topology.Eventually(() => t.Ping(1) && MiiStatusOf(t, "eth0") == "up" && MiiStatusOf(t, "eth1") == "up", 5000), t.Status());
        string active = ActiveOf(t), backup = active == "eth0" ? "eth1" : "eth0", port = "sw" + active[3..];
        Assert.Contains($"ARP IP target/s (n.n.n.n form): {Topology.PeerAddress}\n", t.Status(), StringComparison.Ordinal);

        // The active member's switch port leaves the bridge: it keeps its carrier, nothing crosses. (Without IPv6 on the port, whose
        // own stack would otherwise greet the member with solicitations that, under arp_validate=none, count as life.)
        t.Sh($"ip netns exec {t.Switch} sysctl -qw net.ipv6.conf.{port}.disable_ipv6=1");
        int lost = t.LostDuring(t.Host, Topology.PeerAddress, 4, () => t.Sh($"ip -n {t.Switch} link set {port} nomaster"));

        Assert.Equal(backup, ActiveOf(t));
        Assert.Equal("down", MiiStatusOf(t, active));
        Assert.Equal("1", t.In(t.Host, $"cat /sys/class/net/{active}/carrier").Out.Trim());
        // status --json tells when the monitor last counted a receive on each member: the cut one not since the cut.
        using (System.Text.Json.JsonDocument doc = System.Text.Json.JsonDocument.Parse(t.NetBond("status --json").ShouldSucceed().Out))
        {
            long Heard(int i) => doc.RootElement.GetProperty("bonds")[0].GetProperty("slaves")[i].GetProperty("arp_monitor")
                .GetProperty("last_rx_ms_ago").GetInt64();
            int cut = active == "eth0" ? 0 : 1;
            Assert.True(Heard(cut) > 1000 && Heard(1 - cut) < 500, $"{active} {Heard(cut)} ms, {backup} {Heard(1 - cut)} ms");
        }
        // (missed_max + 1) intervals of 100 ms and the time to validate the next member: well under a second.
        Assert.InRange(lost, 0, 25);
        t.Sh($"ip -n {t.Switch} link set {port} master br0");
        Assert.True(Topology.Eventually(() => MiiStatusOf(t, active) == "up", 3000), t.Status());
        Assert.True(t.Ping());
    }

    [IntegrationFact]
    public void The_ns_monitor_finds_a_blackholed_path_to_an_ipv6_target()
    {
        using Topology t = new(members: 2);
        t.Sh($"ip -n {t.Peer} addr add 2001:db8::2/64 dev eth0 nodad");
        t.StartDaemon();
        t.WaitForDaemon();
        // primary=eth0: eth0 active once validated, whichever member answered first on a loaded machine.
        t.AddBond("mode=active-backup arp_interval=100 ns_ip6_target=2001:db8::2 arp_validate=active primary=eth0");
        t.Sh($"ip -n {t.Host} addr add 2001:db8::1/64 dev bond0 nodad");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.In(t.Host, "ping -6 -c 1 -W 1 2001:db8::2").Exit == 0, 5000));
        Assert.True(Topology.Eventually(() => MiiStatusOf(t, "eth1") == "up" && ActiveOf(t) == "eth0", 3000), t.Status());
        Assert.Contains("NS IPv6 target/s (xx::xx form): 2001:db8::2\n", t.Status(), StringComparison.Ordinal);

        t.Sh($"ip netns exec {t.Switch} sysctl -qw net.ipv6.conf.sw0.disable_ipv6=1");
        int lost = t.LostDuring(t.Host, "2001:db8::2", 4, () => t.Sh($"ip -n {t.Switch} link set sw0 nomaster"));

        Assert.Equal("eth1", ActiveOf(t));
        Assert.Equal("down", MiiStatusOf(t, "eth0"));
        Assert.InRange(lost, 0, 25);
        t.Sh($"ip -n {t.Switch} link set sw0 master br0");
        Assert.True(Topology.Eventually(() => MiiStatusOf(t, "eth0") == "up", 3000), t.Status());
    }

    /// <summary>
    /// The NS monitor with arp_validate=all on real links (the kernel's bond_options.sh "join mcast group"): the backup
    /// listens to the target's solicited-node group and stays up on the relayed solicitations; the group follows the
    /// backup role, and a released member leaves it.
    /// </summary>
    [IntegrationFact]
    public void Under_the_ns_monitor_a_backup_joins_the_targets_solicited_node_group_and_stays_up()
    {
        using Topology t = new(members: 2);
        t.Sh($"ip -n {t.Peer} addr add 2001:db8::2/64 dev eth0 nodad");
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup arp_interval=100 ns_ip6_target=2001:db8::2 arp_validate=all primary=eth0");
        t.Sh($"ip -n {t.Host} addr add 2001:db8::1/64 dev bond0 nodad");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        string Groups(string member) => t.In(t.Host, $"ip maddr show dev {member}").Out;
        Assert.True(Topology.Eventually(() => ActiveOf(t) == "eth0" && MiiStatusOf(t, "eth1") == "up", 5000), t.Status());
        Assert.Contains("link  33:33:ff:00:00:02", Groups("eth1"), StringComparison.Ordinal);
        Assert.DoesNotContain("33:33:ff:00:00:02", Groups("eth0"), StringComparison.Ordinal);

        // A backup validated only by the relayed solicitations (to the solicited-node group) stays up.
        Thread.Sleep(1500);
        Assert.Equal("up", MiiStatusOf(t, "eth1"));
        Assert.Contains("Link Failure Count: 0\nPermanent HW addr", t.Status(), StringComparison.Ordinal);
        Assert.DoesNotContain("Link Failure Count: 1", t.Status(), StringComparison.Ordinal);

        t.NetBond("active bond0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => Groups("eth0").Contains("33:33:ff:00:00:02", StringComparison.Ordinal)
            && !Groups("eth1").Contains("33:33:ff:00:00:02", StringComparison.Ordinal), 3000), Groups("eth0") + Groups("eth1"));
        t.NetBond("release bond0 eth0").ShouldSucceed();
        Assert.DoesNotContain("33:33:ff:00:00:02", Groups("eth0"), StringComparison.Ordinal);
    }

    /// <summary>
    /// arp_validate=filter on real links: a member it does not validate counts ARP and IPv6 frames of any kind as
    /// heard and nothing else (bond_rcv_validate's is_arp, is_ipv6) — the data paths tell the monitor of IPv6.
    /// </summary>
    [IntegrationFact]
    public void Arp_validate_filter_takes_down_a_backup_that_receives_ipv4_but_no_arp_and_ipv6_brings_it_back()
    {
        using Topology t = new(members: 2);
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond($"mode=active-backup arp_interval=100 arp_ip_target={Topology.PeerAddress} arp_validate=filter primary=eth0");
        // Neighbour discovery would count too: no IPv6 on the bond or the switch, which would answer the peer's pings.
        t.Sh($"ip netns exec {t.Host} sysctl -qw net.ipv6.conf.bond0.disable_ipv6=1");
        t.Sh($"ip netns exec {t.Switch} sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1) && MiiStatusOf(t, "eth1") == "up" && ActiveOf(t) == "eth0", 5000), t.Status());

        // The switch stops sending ARP to the backup's port; the peer's IPv4 broadcasts still reach it.
        t.Sh($"ip netns exec {t.Switch} tc qdisc add dev sw1 clsact");
        t.Sh($"ip netns exec {t.Switch} tc filter add dev sw1 egress bpf da bytecode '{DropArp}'");
        System.Diagnostics.Process noise = t.Start($"ip netns exec {t.Peer} ping -b -i 0.05 -w 3 198.18.0.255");
        Assert.True(Topology.Eventually(() => MiiStatusOf(t, "eth1") == "down", 3000), t.Status());
        Assert.Equal("eth0", ActiveOf(t));
        Topology.Finish(noise);

        // Echo requests to all nodes: IPv6, but neither ARP nor neighbour discovery.
        noise = t.Start($"ip netns exec {t.Peer} ping -6 -i 0.05 -w 3 ff02::1%eth0");
        Assert.True(Topology.Eventually(() => MiiStatusOf(t, "eth1") == "up", 3000), t.Status());
        Topology.Finish(noise);
    }

    [IntegrationFact]
    public void Arp_all_targets_all_with_one_of_two_targets_unreachable_takes_the_links_down_where_any_does_not()
    {
        foreach ((string all, string active) in new[] { ("any", "eth0"), ("all", "None") })
        {
            using Topology t = new(members: 2);
            t.StartDaemon();
            t.WaitForDaemon();
            // A slow monitor: what is tested is all against any, and a 100 ms one on a loaded machine can miss a reply.
            t.AddBond($"mode=active-backup arp_interval=300 arp_ip_target={Topology.PeerAddress},198.18.0.99 arp_validate=active arp_all_targets={all}");
            t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
            Thread.Sleep(2000);
            // With all, no member is ever validated: the monitor keeps trying them in turn and the bond has no carrier.
            Assert.True(Topology.Eventually(() => ActiveOf(t) == active, 3000), $"{all}: {t.Status()}");
            Assert.Equal(all == "any" ? "1" : "0", t.In(t.Host, "cat /sys/class/net/bond0/carrier").Out.Trim());
        }
    }

    [IntegrationFact]
    public void A_flood_of_arp_from_ever_new_addresses_and_malformed_or_spoofed_frames_changes_no_verdict()
    {
        using Topology t = new(members: 2);
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond($"mode=active-backup arp_interval=100 arp_ip_target={Topology.PeerAddress} arp_validate=all primary=eth0");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1) && MiiStatusOf(t, "eth1") == "up" && ActiveOf(t) == "eth0", 5000), t.Status());
        using ArpFlood injector = new();

        System.Diagnostics.Process flood = injector.Start(t, t.Peer, "eth0", 10000, 4);
        Thread.Sleep(1000);
        System.Diagnostics.Stopwatch answer = System.Diagnostics.Stopwatch.StartNew();
        string during = t.Status();
        answer.Stop();
        Assert.True(Topology.Finish(flood) && flood.ExitCode == 0, t.OutputOf(flood));

        Assert.True(answer.ElapsedMilliseconds < 3000, $"status took {answer.ElapsedMilliseconds} ms during the flood");
        Assert.Contains("Currently Active Slave: eth0", during, StringComparison.Ordinal);
        string after = t.Status();
        Assert.Equal("eth0", ActiveOf(t));
        Assert.Equal(2, Regex.Count(after, "\nMII Status: up\nSpeed"));
        Assert.Equal(2, Regex.Count(after, "Link Failure Count: 0\n"));
        Assert.True(t.Ping());
        injector.AssertMemorySettles(t, daemon, t.Peer, "eth0", 10000, 4);
    }
}
