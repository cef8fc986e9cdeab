using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace NetBond.Integration.Tests;

/// <summary>802.3ad against Open vSwitch's LACP (userspace datapath) and against another NetBond, on real veths.</summary>
[Trait(DataPaths.Trait, DataPaths.Both)]
public class LacpTests
{
    private const string FastBond = "mode=802.3ad lacp_rate=fast miimon=100 xmit_hash_policy=layer3+4";

    private static JsonElement BondJson(Topology t, string? ns = null)
    {
        using JsonDocument doc = JsonDocument.Parse(t.NetBond("status --json", ns).ShouldSucceed().Out);
        return doc.RootElement.GetProperty("bonds")[0].Clone();
    }

    /// <summary>Every member's actor state, as the status JSON reports it.</summary>
    private static int[] ActorStates(Topology t, string? ns = null) =>
        [.. BondJson(t, ns).GetProperty("slaves").EnumerateArray().Select(s => s.GetProperty("ad").GetProperty("actor").GetProperty("port_state").GetInt32())];

    private static bool AllDistributing(Topology t, string? ns = null) => ActorStates(t, ns).All(s => (s & 0x38) == 0x38);

    private static int ActivePorts(Topology t) =>
        BondJson(t).GetProperty("ad_info").GetProperty("active_aggregator") is { ValueKind: JsonValueKind.Object } a ? a.GetProperty("number_of_ports").GetInt32() : 0;

    private static long LacpduRx(Topology t, string member) =>
        BondJson(t).GetProperty("slaves").EnumerateArray().First(s => s.GetProperty("name").GetString() == member)
            .GetProperty("ad").GetProperty("stats").GetProperty("lacpdu_rx").GetInt64();

    /// <summary>
    /// Runs eight TCP flows host → peer for two seconds; returns the bytes each switch port received meanwhile. Eight,
    /// not four: layer3+4 puts each flow on a member by its random source port, and four flows all land on one of
    /// two members one time in eight (seen once in CI); eight, one time in 128.
    /// </summary>
    private static long[] EightFlows(Topology t, params string[] ports)
    {
        long[] before = [.. ports.Select(p => t.SwitchCounter(p, "rx_bytes"))];
        t.StartIperfServer(t.Peer);
        System.Diagnostics.Process client = t.Start($"ip netns exec {t.Host} iperf3 -c {Topology.PeerAddress} -t 2 -P 8");
        Assert.True(Topology.Finish(client), "iperf3 finished");
        Assert.Equal(0, client.ExitCode);
        return [.. ports.Select((p, i) => t.SwitchCounter(p, "rx_bytes") - before[i])];
    }

    /// <summary>
    /// LACPDUs received on eth0 across about <paramref name="ms"/>, and the shortest and longest the window can have
    /// been in seconds: each count is read by a CLI call that takes a while on a busy machine.
    /// </summary>
    private static (long Count, double Shortest, double Longest) LacpdusWithin(Topology t, int ms)
    {
        System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
        long start = LacpduRx(t, "eth0");
        double firstRead = clock.Elapsed.TotalSeconds;
        Thread.Sleep(ms);
        double secondCall = clock.Elapsed.TotalSeconds;
        long count = LacpduRx(t, "eth0") - start;
        return (count, secondCall - firstRead, clock.Elapsed.TotalSeconds);
    }

    private static void EnslaveAndConverge(Topology t, string options, params string[] members)
    {
        t.StartDaemon();
        t.WaitForDaemon();
        EnslaveThenRaise(t, options, members);
        Assert.True(Topology.Eventually(() => AllDistributing(t), 20_000), t.Status());
    }

    /// <summary>
    /// Members enslaved before the bond goes up: the aggregator is chosen a tick after it is up, where an up bond waits
    /// 8 s after its first member joins (the back-to-back test waits that out and proves it).
    /// </summary>
    private static void EnslaveThenRaise(Topology t, string options, params string[] members)
    {
        t.NetBond($"add bond0 {options}").ShouldSucceed();
        t.NetBond($"enslave bond0 {string.Join(' ', members)}").ShouldSucceed();
        t.RaiseBond();
    }

    [IntegrationFact]
    public void Against_Open_vSwitch_both_members_aggregate_carry_four_flows_and_survive_a_lost_link()
    {
        using Topology t = new(members: 2);
        using OvsSwitch ovs = new(t, "fast", ("bond0", ["sw0", "sw1"]));
        EnslaveAndConverge(t, FastBond, "eth0", "eth1");

        Assert.True(Topology.Eventually(() => Regex.Count(ovs.LacpShow(),
            "partner state: activity timeout aggregation synchronized collecting distributing") == 2, 5000), ovs.LacpShow());
        Assert.Contains("lacp_status: negotiated", ovs.Appctl("bond/show"), StringComparison.Ordinal);
        string status = t.Status();
        Assert.Contains("\tNumber of ports: 2\n", status, StringComparison.Ordinal);
        Assert.Equal(4, Regex.Count(status, "\n    port state: 63\n"));
        Assert.True(t.Ping());
        long[] bytes = EightFlows(t, "sw0", "sw1");
        Assert.True(bytes.All(b => b > 10_000_000), $"switch ports received {string.Join(", ", bytes)} bytes");
        // By default the kernel data path carries 802.3ad's frames: the bond device itself never transmitted one.
        Assert.Equal(Topology.DefaultDataPath, BondJson(t).GetProperty("features").GetProperty("datapath").GetString());
        if (Topology.DefaultDataPath == "kernel")
        {
            Assert.Equal("0", t.In(t.Host, "cat /sys/class/net/bond0/statistics/tx_packets").Out.Trim());
            Assert.True(BondJson(t).GetProperty("counters").GetProperty("tx_bytes").GetInt64() > 20_000_000);
        }

        t.Sh($"ip -n {t.Switch} link set sw1 down");
        Assert.True(Topology.Eventually(() => ActivePorts(t) == 1, 2000), t.Status());
        Assert.True(t.Ping());
        t.Sh($"ip -n {t.Switch} link set sw1 up");
        Assert.True(Topology.Eventually(() => ActivePorts(t) == 2 && AllDistributing(t), 15_000), t.Status());
        Assert.True(t.Ping());
    }

    /// <summary>
    /// lacp_fallback against a switch whose ports are not yet an LACP bond (Open vSwitch with two plain ports), then
    /// configured for LACP, then plain again: one member carries the traffic, the bond aggregates, falls back again.
    /// </summary>
    [IntegrationFact]
    public void Lacp_fallback_carries_one_member_until_the_switch_speaks_lacp_and_again_after_it_stops()
    {
        using Topology t = new(members: 2);
        using OvsSwitch ovs = new(t, "fast");
        ovs.Vsctl("add-port br0 sw0 -- add-port br0 sw1");
        t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond($"add bond0 {FastBond} lacp_fallback=on").ShouldSucceed();
        System.Diagnostics.Process events = t.Start($"ip netns exec {t.Host} {Topology.NetBondExe} events bond0");
        Assert.True(Topology.Eventually(() =>
        {
            t.NetBond($"set bond0 num_grat_arp={Environment.TickCount % 200 + 2}").ShouldSucceed();
            return t.OutputOf(events).Contains("num_grat_arp", StringComparison.Ordinal);
        }, 20_000));
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.RaiseBond();

        Assert.True(Topology.Eventually(() => t.Status().Contains("\nLACP fallback: active-backup on eth0\n", StringComparison.Ordinal), 10_000), t.Status());
        JsonElement fallback = BondJson(t).GetProperty("ad_info").GetProperty("lacp_fallback");
        Assert.True(fallback.GetProperty("active").GetBoolean());
        Assert.Equal("eth0", fallback.GetProperty("member").GetString());
        Assert.True(Topology.Eventually(() => t.Ping(1), 5000), t.Status());
        long[] bytes = EightFlows(t, "sw0", "sw1");
        Assert.True(bytes[0] > 10_000_000 && bytes[1] < 100_000, $"switch ports received {string.Join(", ", bytes)} bytes");

        System.Diagnostics.Stopwatch clock = new();
        int lostToLacp = t.LostDuring(t.Host, Topology.PeerAddress, 12, () =>
        {
            clock.Start();
            ovs.Vsctl("del-port sw0 -- del-port sw1 -- add-bond br0 bond0 sw0 sw1 lacp=active bond_mode=balance-tcp other_config:lacp-time=fast");
            Assert.True(Topology.Eventually(() => AllDistributing(t) && t.Status().Contains("\nLACP fallback: standby\n", StringComparison.Ordinal), 10_000), t.Status());
            clock.Stop();
        });
        Assert.Equal(2, ActivePorts(t));
        Assert.Contains("lacp_status: negotiated", ovs.Appctl("bond/show"), StringComparison.Ordinal);
        bytes = EightFlows(t, "sw0", "sw1");
        Assert.True(bytes.All(b => b > 10_000_000), $"switch ports received {string.Join(", ", bytes)} bytes");
        long toLacpMs = clock.ElapsedMilliseconds;

        clock.Restart();
        int lostToFallback = t.LostDuring(t.Host, Topology.PeerAddress, 12, () =>
        {
            ovs.Vsctl("del-port bond0 -- add-port br0 sw0 -- add-port br0 sw1");
            Assert.True(Topology.Eventually(() => t.Status().Contains("\nLACP fallback: active-backup on eth0\n", StringComparison.Ordinal), 10_000), t.Status());
            clock.Stop();
        });
        Assert.True(t.Ping());
        Assert.True(Topology.Eventually(() => t.OutputOf(events).Contains("bond0: lacp_fallback active-backup on eth0 -> 802.3ad", StringComparison.Ordinal), 3000), t.OutputOf(events));
        string lines = t.OutputOf(events);
        Assert.Equal(2, Regex.Count(lines, "bond0: lacp_fallback 802.3ad -> active-backup on eth0"));
        Console.WriteLine($"lacp_fallback: to 802.3ad in {toLacpMs} ms, {lostToLacp} of the pings at 20 ms lost; back to fallback in {clock.ElapsedMilliseconds} ms, {lostToFallback} lost");
        // The switch disables its ports until LACP is negotiated, then expires the last partner's LACPDU after 3 s:
        // each change costs what the change itself takes, no more.
        Assert.True(lostToLacp * 20 <= toLacpMs + 1000, $"{lostToLacp} pings lost in a change of {toLacpMs} ms");
        Assert.InRange(lostToFallback * 20, 0, 4000);
    }

    [IntegrationFact]
    public void The_partner_sends_every_second_for_lacp_rate_fast_and_every_thirty_for_slow()
    {
        using Topology t = new(members: 1);
        using OvsSwitch ovs = new(t, "fast", ("eth0-lag", ["sw0"]));
        EnslaveAndConverge(t, "mode=802.3ad lacp_rate=fast miimon=100", "eth0");
        Thread.Sleep(1000);
        (long fast, double shortest, double longest) = LacpdusWithin(t, 5000);

        // lacp_rate is set while the bond is down, as the kernel requires. OVS answers the slower request after
        // the PDU already due; from then on it sends every 30 s.
        t.Sh($"ip -n {t.Host} link set bond0 down");
        t.NetBond("set bond0 lacp_rate=slow").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set bond0 up");
        Thread.Sleep(3000);
        (long slow, _, _) = LacpdusWithin(t, 5000);

        // One a second: as many as whole seconds fit the window, give or take the one in flight at either end.
        Assert.InRange(fast, (long)shortest - 1, (long)Math.Ceiling(longest) + 1);
        Assert.InRange(slow, 0, 1);
        Assert.Contains("\nLACP rate: slow\n", t.Status(), StringComparison.Ordinal);
    }

    [IntegrationFact]
    public void Min_links_two_with_one_member_down_leaves_the_bond_without_carrier()
    {
        using Topology t = new(members: 2);
        using OvsSwitch ovs = new(t, "fast", ("bond0", ["sw0", "sw1"]));
        EnslaveAndConverge(t, FastBond + " min_links=2", "eth0", "eth1");
        Assert.Equal("1", t.In(t.Host, "cat /sys/class/net/bond0/carrier").Out.Trim());

        t.Sh($"ip -n {t.Switch} link set sw0 down");

        Assert.True(Topology.Eventually(() => t.In(t.Host, "cat /sys/class/net/bond0/carrier").Out.Trim() == "0", 2000));
        Assert.Contains("MII Status: down\nMII Polling", t.Status(), StringComparison.Ordinal);
        t.Sh($"ip -n {t.Switch} link set sw0 up");
        Assert.True(Topology.Eventually(() => t.In(t.Host, "cat /sys/class/net/bond0/carrier").Out.Trim() == "1", 15_000));
    }

    [IntegrationFact]
    public void A_switch_port_of_another_aggregation_ends_in_a_separate_aggregator_and_carries_no_data()
    {
        using Topology t = new(members: 3);
        using OvsSwitch ovs = new(t, "fast", ("bond0", ["sw0", "sw1"]), ("lone", ["sw2"]));
        t.StartDaemon();
        t.WaitForDaemon();
        EnslaveThenRaise(t, FastBond, "eth0", "eth1", "eth2");
        Assert.True(Topology.Eventually(() => ActorStates(t).Take(2).All(s => (s & 0x38) == 0x38), 20_000), t.Status());

        JsonElement[] slaves = [.. BondJson(t).GetProperty("slaves").EnumerateArray()];
        int Agg(int i) => slaves[i].GetProperty("ad").GetProperty("aggregator_id").GetInt32();
        Assert.Equal(Agg(0), Agg(1));
        Assert.NotEqual(Agg(0), Agg(2));
        Assert.Equal(2, ActivePorts(t));
        Assert.Equal(0, slaves[2].GetProperty("ad").GetProperty("actor").GetProperty("port_state").GetInt32() & 0x30);
        long[] bytes = EightFlows(t, "sw0", "sw1", "sw2");
        Assert.True(bytes[0] + bytes[1] > 20_000_000 && bytes[2] < 100_000, $"switch ports received {string.Join(", ", bytes)} bytes");
    }

    [IntegrationFact]
    public void Two_NetBond_bonds_back_to_back_converge_and_carry_traffic_on_both_links()
    {
        using Topology t = new(members: 2);
        // The switch namespace becomes the second host: its ends of the links are the other bond's members.
        t.Sh($"ip -n {t.Switch} link del br0");
        t.StartDaemon();
        t.StartDaemon(t.Switch);
        t.WaitForDaemon();
        t.WaitForDaemon(t.Switch);
        t.AddBond(FastBond);
        t.NetBond($"add bond0 {FastBond}", t.Switch).ShouldSucceed();
        t.Sh($"ip -n {t.Switch} addr add {Topology.PeerAddress}/24 dev bond0 && ip -n {t.Switch} link set bond0 up");
        System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.NetBond("enslave bond0 sw0 sw1", t.Switch).ShouldSucceed();

        // Bonds already up: the first aggregator choice comes 8 s after the first member joins, as in the kernel. (Not
        // warped: the two daemons' LACP machines run on PDUs from each other in real time, and a warp of one side
        // would expire its partner.) A busy machine makes it later, never earlier.
        Assert.True(Topology.Eventually(() => AllDistributing(t) && AllDistributing(t, t.Switch), 20_000), t.Status());
        Assert.True(clock.ElapsedMilliseconds > 7500, $"distributing {clock.ElapsedMilliseconds} ms after the first member joined");
        Assert.True(t.Ping());
        t.StartIperfServer(t.Switch);
        long[] before = [.. new[] { "eth0", "eth1" }.Select(m => long.Parse(t.In(t.Host, $"cat /sys/class/net/{m}/statistics/tx_bytes").Out, CultureInfo.InvariantCulture))];
        System.Diagnostics.Process client = t.Start($"ip netns exec {t.Host} iperf3 -c {Topology.PeerAddress} -t 2 -P 8");
        Assert.True(Topology.Finish(client) && client.ExitCode == 0, t.OutputOf(client));
        long[] sent = [.. new[] { "eth0", "eth1" }.Select((m, i) => long.Parse(t.In(t.Host, $"cat /sys/class/net/{m}/statistics/tx_bytes").Out, CultureInfo.InvariantCulture) - before[i])];
        Assert.True(sent.All(b => b > 10_000_000), $"members sent {string.Join(", ", sent)} bytes");
    }

    [IntegrationFact]
    public void A_flood_of_malformed_lacpdus_is_counted_and_changes_no_aggregator()
    {
        using Topology t = new(members: 3);
        using OvsSwitch ovs = new(t, "fast", ("bond0", ["sw0", "sw1"]));
        t.StartDaemon();
        t.WaitForDaemon();
        EnslaveThenRaise(t, FastBond, "eth0", "eth1", "eth2");
        Assert.True(Topology.Eventually(() => ActorStates(t).Take(2).All(s => (s & 0x38) == 0x38), 20_000), t.Status());
        JsonElement before = BondJson(t).GetProperty("ad_info").GetProperty("active_aggregator");
        string system = BondJson(t).GetProperty("ad_info").GetProperty("system_mac_address").GetString()!;
        string injector = Path.Combine(Path.GetTempPath(), $"netbond-lacp-flood-{Environment.ProcessId}.py");
        File.WriteAllText(injector, """
            import socket, struct, sys, time, random
            iface, kind, own, rate, seconds = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3].replace(':', '')), int(sys.argv[4]), float(sys.argv[5])
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind((iface, 0))
            head = bytes.fromhex('0180c2000002' '020000000099' '8809')
            def pdu(subtype=1, version=1, alen=20, plen=20, system=bytes.fromhex('021122334455'), key=1):
                info = lambda sysid, k: struct.pack('!H6sHHHB3x', 0x8000, sysid, k, 255, 1, 0x3d)
                return head + bytes([subtype, version, 1, alen]) + info(system, key) + bytes([2, plen]) + info(own, 15) + bytes([3, 16]) + bytes(14) + bytes(52)
            kinds = {
                'malformed': lambda i: [pdu(subtype=9), pdu(alen=200), pdu(plen=0), pdu()[:54], pdu(system=own), pdu(version=0, alen=3), pdu(version=255, plen=99)][i % 7],
                'churn': lambda i: pdu(key=random.randrange(65536)),
            }
            sent, start = 0, time.monotonic()
            while time.monotonic() - start < seconds:
                for _ in range(100):
                    s.send(kinds[kind](sent))
                    sent += 1
                time.sleep(max(0, start + sent / rate - time.monotonic()))
            print(sent)
            """);
        using Cleanup removeInjector = new(() => File.Delete(injector));

        System.Diagnostics.Process flood = t.Start($"ip netns exec {t.Switch} python3 {injector} sw0 malformed {system} 10000 3");
        System.Diagnostics.Process churn = t.Start($"ip netns exec {t.Switch} python3 {injector} sw2 churn {system} 50 3");
        bool pinged = t.Ping(10);
        Assert.True(Topology.Finish(flood) && flood.ExitCode == 0, t.OutputOf(flood));
        Assert.True(Topology.Finish(churn) && churn.ExitCode == 0, t.OutputOf(churn));

        Assert.True(pinged, "ping through the flood");
        JsonElement bond = BondJson(t);
        JsonElement after = bond.GetProperty("ad_info").GetProperty("active_aggregator");
        Assert.Equal(before.GetProperty("aggregator_id").GetInt32(), after.GetProperty("aggregator_id").GetInt32());
        Assert.Equal(2, after.GetProperty("number_of_ports").GetInt32());
        Assert.Equal(before.GetProperty("partner_mac_address").GetString(), after.GetProperty("partner_mac_address").GetString());
        JsonElement stats = bond.GetProperty("slaves")[0].GetProperty("ad").GetProperty("stats");
        long sent = long.Parse(t.OutputOf(flood).Trim(), CultureInfo.InvariantCulture);
        long illegal = stats.GetProperty("lacpdu_illegal_rx").GetInt64();
        long unknown = stats.GetProperty("lacpdu_unknown_rx").GetInt64();
        long dropped = bond.GetProperty("counters").GetProperty("control_frames_dropped").GetInt64();
        // Five of every seven frames are illegal, one has an unknown subtype, one is looped back; none may be lost unseen.
        Assert.True(illegal + unknown > 0 && illegal + unknown + dropped >= sent * 6 / 7 - 10,
            $"sent {sent}: illegal {illegal}, unknown {unknown}, dropped {dropped}");
        Assert.True(t.Ping());
    }

    [IntegrationFact]
    public void An_802_3ad_bond_comes_up_from_a_debian_interfaces_file_with_its_lacp_options()
    {
        using Topology t = new(members: 2);
        using OvsSwitch ovs = new(t, "fast", ("bond0", ["sw0", "sw1"]));
        string root = Directory.CreateTempSubdirectory("netbond-lacp-up-").FullName;
        using Cleanup removeRoot = new(() => Directory.Delete(root, true));
        Directory.CreateDirectory(Path.Combine(root, "etc/network"));
        File.WriteAllText(Path.Combine(root, "etc/network/interfaces"), """
            auto bond0
            iface bond0 inet static
                address 198.18.0.1/24
                bond-slaves eth0 eth1
                bond-mode 802.3ad
                bond-miimon 100
                bond-lacp-rate fast
                bond-xmit-hash-policy layer3+4
                bond-ad-select count
                bond-min-links 1
                bond-ad-actor-sys-prio 100
            """);
        t.StartDaemon();
        t.WaitForDaemon();

        t.NetBond($"up bond0 --root {root}").ShouldSucceed();

        // Members enslaved before the bond goes up: one tick to the aggregator choice, then wait_while (2 s).
        System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(Topology.Eventually(() => AllDistributing(t), 8000), t.Status());
        Assert.True(clock.ElapsedMilliseconds < 6000, $"{clock.ElapsedMilliseconds} ms");
        string status = t.Status();
        Assert.Contains("\nLACP rate: fast\nMin links: 1\nAggregator selection policy (ad_select): count\nSystem priority: 100\n", status, StringComparison.Ordinal);
        Assert.True(t.Ping());
        // Each member listens to the LACPDU address while it is a member (the kernel's dev_mc_add at enslave).
        Assert.All(new[] { "eth0", "eth1" }, m => Assert.Contains("link  01:80:c2:00:00:02", t.In(t.Host, $"ip maddr show dev {m}").Out, StringComparison.Ordinal));
        t.NetBond($"down bond0 --root {root}").ShouldSucceed();
        Assert.All(new[] { "eth0", "eth1" }, m => Assert.DoesNotContain("01:80:c2:00:00:02", t.In(t.Host, $"ip maddr show dev {m}").Out, StringComparison.Ordinal));
    }
}
