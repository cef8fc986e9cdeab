using System.Text.Json;
using System.Text.RegularExpressions;

namespace NetBond.Integration.Tests;

/// <summary>
/// The kernel data path (datapath=kernel): eBPF programs on the bond's egress and the members' ingress carry the
/// frames, the daemon only steers. Each mode's traffic crosses both ways through the programs — their map counters
/// grow, the daemon's own path does not see the frames — survives a failover, and leaves nothing behind.
/// </summary>
public class KernelDataPathTests
{
    private static JsonElement Bond(Topology t) =>
        JsonDocument.Parse(t.NetBond("status bond0 --json").ShouldSucceed().Out).RootElement.GetProperty("bonds")[0];

    private static long Counter(JsonElement bond, string name) => bond.GetProperty("counters").GetProperty(name).GetInt64();

    /// <summary>Filters NetBond attached: the kernel path's preference (0x3d00) on a clsact hook of a link.</summary>
    private static string KernelFilters(Topology t, string dev, string hook) =>
        t.In(t.Host, $"tc filter show dev {dev} {hook} 2>/dev/null | grep -i \"pref 15616\" || true").Out.Trim();

    [IntegrationTheory]
    [InlineData("mode=active-backup miimon=50", "eth0")]
    [InlineData("mode=balance-rr miimon=50", null)]
    [InlineData("mode=balance-xor xmit_hash_policy=layer3+4 miimon=50", null)]
    [InlineData("mode=broadcast miimon=50", null)]
    [InlineData("mode=balance-tlb miimon=50", "eth0")]
    [InlineData("mode=balance-alb miimon=50", "eth0")]
    public void Frames_cross_both_ways_in_the_kernel_and_a_failover_keeps_them_moving(string options, string? active)
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond($"{options} datapath=kernel");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.Contains("NetBond Data Path: kernel", t.Status());
        Assert.NotEqual("", KernelFilters(t, "bond0", "egress"));
        Assert.NotEqual("", KernelFilters(t, "eth0", "ingress"));
        Assert.True(Topology.Eventually(() => t.Ping(1), 10_000), "no ping through the kernel path");

        JsonElement before = Bond(t);
        string ping = t.In(t.Host, $"ping -c 300 -i 0.002 -W 1 {Topology.PeerAddress}").Out;
        Assert.Contains(" 0% packet loss", ping);
        JsonElement after = Bond(t);
        Assert.Equal("kernel", after.GetProperty("features").GetProperty("datapath").GetString());
        Assert.True(Counter(after, "tx_packets") - Counter(before, "tx_packets") >= 300, "the egress program's counter did not grow");
        Assert.True(Counter(after, "rx_packets") - Counter(before, "rx_packets") >= 300, "the ingress program's counter did not grow");
        // The daemon reads next to nothing from the TAP: every data frame went out through bpf_redirect (in
        // balance-alb the bond's own ARP is handed to the daemon, which places it as rlb_arp_xmit does).
        long fromTap = long.Parse(t.In(t.Host, "cat /sys/class/net/bond0/statistics/tx_packets").Out.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(fromTap < 20, $"{fromTap} frames reached the TAP's reader");

        // A qdisc on bond0 never sees a frame: status says so.
        Assert.DoesNotContain("bypassed", t.Status());
        t.Sh($"ip netns exec {t.Host} tc qdisc add dev bond0 root tbf rate 100mbit burst 32kb latency 50ms");
        Assert.Contains("NetBond Data Path: kernel (the tbf qdisc on bond0 is bypassed", t.Status());

        // Failover under traffic: the member carrying the stream loses its link.
        string lost = active ?? "eth0";
        int missed = t.LostDuring(t.Host, Topology.PeerAddress, 3, () => t.Sh($"ip -n {t.Switch} link set sw{lost[^1]} down"));
        Assert.True(missed < 20, $"{missed} pings lost across the failover");
        Assert.True(t.Ping(3));

        t.NetBond("del bond0").ShouldSucceed();
        Assert.Equal("", KernelFilters(t, "eth0", "ingress"));
        Assert.Equal("", KernelFilters(t, "eth1", "ingress"));
        // No map or program descriptor left open in the daemon: with the filters gone, the kernel frees them.
        string fds = t.Sh($"ls -l /proc/{t.DaemonPid()}/fd | grep -c 'bpf-' || true").Trim();
        Assert.Equal("0", fds);
    }

    [IntegrationFact]
    [Trait(DataPaths.Trait, DataPaths.Both)]
    public void Auto_on_a_kernel_without_bpf_chooses_user_and_says_why_and_kernel_is_refused()
    {
        using Topology t = new();
        t.StartDaemon(environment: "NETBOND_KERNEL_PATH=unavailable");
        t.WaitForDaemon();
        Result refused = t.NetBond("add bond0 mode=active-backup datapath=kernel");
        Assert.NotEqual(0, refused.Exit);
        Assert.Contains("datapath=kernel: the kernel offers no BPF", refused.Err);
        Assert.NotEqual(0, t.In(t.Host, "ip link show bond0 2>/dev/null").Exit);

        t.AddBond("mode=active-backup miimon=50");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.Contains("NetBond Data Path: user (auto: the kernel offers no BPF", t.Status());
        JsonElement features = Bond(t).GetProperty("features");
        Assert.Equal("user", features.GetProperty("datapath").GetString());
        Assert.StartsWith("auto: the kernel offers no BPF", features.GetProperty("datapath_reason").GetString());
        Assert.True(Topology.Eventually(() => t.Ping(1), 10_000));
        Assert.Equal("", KernelFilters(t, "bond0", "egress"));
    }

    private static string MemberState(Topology t) => t.MemberState();

    [IntegrationFact]
    public void A_killed_daemons_bond_carries_on_and_the_next_daemon_adopts_it_without_a_lost_frame()
    {
        using Topology t = new();
        string original = MemberState(t);
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=50 primary=eth1 datapath=kernel");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1), 10_000));
        JsonElement before = Bond(t);
        string statusBefore = t.Status();

        t.StartIperfServer(t.Peer);
        System.Diagnostics.Process transfer = t.Start($"ip netns exec {t.Host} iperf3 -c {Topology.PeerAddress} -t 6 -b 200M");
        System.Diagnostics.Process ping = t.Start($"ip netns exec {t.Host} ping -i 0.002 -c 2500 -W 1 {Topology.PeerAddress}");
        Thread.Sleep(1500);
        t.Signal(daemon, "KILL");
        Assert.True(daemon.WaitForExit(10_000));
        // No daemon at all for a while: the programs carry the frames on their own.
        Thread.Sleep(1000);
        Assert.Contains("bond0", t.In(t.Host, "ip -o link show bond0").Out);
        System.Diagnostics.Process next = t.StartDaemon();
        t.WaitForDaemon();

        Assert.True(Topology.Finish(ping, 60_000), t.OutputOf(ping));
        Assert.True(Topology.Finish(transfer, 60_000), $"{t.OutputOf(transfer)}\n{t.OutputOf(daemon)}\n{t.OutputOf(next)}");
        string pings = t.OutputOf(ping);
        Assert.True(pings.Contains(" 0% packet loss"), pings[^Math.Min(300, pings.Length)..]);
        Assert.Equal(0, transfer.ExitCode);

        // The same bond: options, members, active member; the counters went on from where they were.
        string statusAfter = t.Status();
        Assert.Equal(Lines(statusBefore, "Bonding Mode", "Primary Slave", "Currently Active Slave", "MII Polling", "Slave Interface"),
            Lines(statusAfter, "Bonding Mode", "Primary Slave", "Currently Active Slave", "MII Polling", "Slave Interface"));
        Assert.Contains("NetBond Data Path: kernel", statusAfter);
        JsonElement after = Bond(t);
        Assert.True(Counter(after, "tx_packets") > Counter(before, "tx_packets") + 2000, "the counters did not carry on");

        t.Signal(next, "TERM");
        Assert.True(next.WaitForExit(10_000));
        string restored = MemberState(t);
        Assert.True(original == restored, $"before:\n{original}\nafter:\n{restored}");
        Assert.DoesNotContain("bond0", t.In(t.Host, "ip -o link").Out);
    }

    [IntegrationFact]
    public void Sigusr2_hands_the_bond_over_to_the_next_daemon()
    {
        using Topology t = new();
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=balance-xor xmit_hash_policy=layer3+4 miimon=50");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1), 10_000));
        t.Signal(daemon, "USR2");
        Assert.True(daemon.WaitForExit(10_000));
        Assert.Equal(0, daemon.ExitCode);
        // No daemon: the members stay enslaved and the programs carry the pings.
        Assert.Contains("clsact", t.In(t.Host, "tc qdisc show dev eth0").Out);
        Assert.True(t.Ping(3));
        t.StartDaemon();
        t.WaitForDaemon();
        string status = t.Status();
        Assert.Contains("Transmit Hash Policy: layer3+4 (1)", status);
        Assert.Contains("Slave Interface: eth0", status);
        Assert.Contains("Slave Interface: eth1", status);
        Assert.Contains("NetBond Data Path: kernel", status);
        Assert.True(t.Ping(3));
    }

    /// <summary>
    /// A monitored bond survives its daemon's end (SIGKILL, or SIGUSR2 as the package's upgrade sends) and a new
    /// daemon: no member judged down, not a ping lost, and an ARP monitor's probes ask from the bond's address at once
    /// (a probe from 0.0.0.0 gets no reply the validation can use).
    /// </summary>
    [IntegrationTheory]
    [InlineData("KILL", "mode=active-backup arp_interval=100 arp_ip_target=198.18.0.2 arp_validate=all primary=eth0")]
    [InlineData("USR2", "mode=active-backup arp_interval=100 arp_ip_target=198.18.0.2 arp_validate=all primary=eth0")]
    [InlineData("KILL", "mode=balance-xor arp_interval=100 arp_ip_target=198.18.0.2")]
    [InlineData("KILL", "mode=balance-alb miimon=100")]
    [InlineData("USR2", "mode=balance-alb miimon=100")]
    public void A_monitored_bond_is_adopted_without_a_member_going_down(string signal, string options)
    {
        using Topology t = new();
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond($"{options} datapath=kernel");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1) && Regex.Count(t.Status(), "\nMII Status: up\n") == 3, 10_000), t.Status());
        string activeBefore = Regex.Match(t.Status(), "Currently Active Slave: .*\n").Value;

        System.Diagnostics.Process capture = t.Start($"ip netns exec {t.Switch} timeout 4 tcpdump -l -n -i sw1 arp");
        System.Diagnostics.Process ping = t.Start($"ip netns exec {t.Host} ping -i 0.01 -c 300 -W 1 {Topology.PeerAddress}");
        Thread.Sleep(500);
        System.Diagnostics.Process next = t.RestartDaemon(daemon, signal);

        Assert.True(Topology.Finish(ping, 60_000), t.OutputOf(ping));
        Topology.Finish(capture);
        string pings = t.OutputOf(ping), probes = t.OutputOf(capture), status = t.Status(), log = t.OutputOf(next);
        Assert.True(pings.Contains(" 0% packet loss"), "lost " + string.Join(",", Enumerable.Range(1, 300).Where(i => !pings.Contains($"icmp_seq={i} "))));
        Assert.DoesNotContain("tell 0.0.0.0", probes);
        if (options.Contains("arp_interval", StringComparison.Ordinal))
        {
            Assert.Contains($"who-has {Topology.PeerAddress} tell {Topology.BondAddress}", probes);
        }
        Assert.Equal(3, Regex.Count(status, "\nMII Status: up\n"));
        Assert.Contains(activeBefore, status);
        Assert.True(!log.Contains("down", StringComparison.Ordinal), log);
    }

    /// <summary>
    /// A bond with no member yet outlives its daemon like any other: alone (no program a previous daemon left uses the
    /// members' maps; they are made anew) and adopted before a bond whose members carry pings (whose maps it must find
    /// in those members' programs). A new daemon took both down, "the attached programs do not use map nb_members".
    /// </summary>
    [IntegrationTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_bond_without_members_is_adopted(bool alone)
    {
        using Topology t = new(members: alone ? 2 : 3);
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond("add bond1 mode=active-backup miimon=100 datapath=kernel").ShouldSucceed();
        t.AddBond("mode=active-backup miimon=100 datapath=kernel");
        System.Diagnostics.Process? ping = null;
        if (!alone)
        {
            t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
            Assert.True(Topology.Eventually(() => t.Ping(1), 10_000), t.Status());
            ping = t.Start($"ip netns exec {t.Host} ping -i 0.01 -c 300 -W 1 {Topology.PeerAddress}");
            Thread.Sleep(500);
        }
        System.Diagnostics.Process next = t.RestartDaemon(daemon, "KILL");

        if (ping != null)
        {
            Assert.True(Topology.Finish(ping, 60_000), t.OutputOf(ping));
            Assert.Contains(" 0% packet loss", t.OutputOf(ping));
        }
        Assert.True(!t.OutputOf(next).Contains("cannot adopt", StringComparison.Ordinal), t.OutputOf(next));
        Assert.Contains("bond1", t.NetBond("show").ShouldSucceed().Out);
        t.NetBond($"enslave {(alone ? "bond0 eth0 eth1" : "bond1 eth2")}").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1), 10_000), t.Status());
    }

    /// <summary>
    /// The members' packet sockets take only the frames the bond's monitors use: ARP reaches them while an ARP monitor
    /// runs and not after it is turned off (it cost the daemon a third of a core at 22 000 ARP/s for nothing); while
    /// it validates, only ARP from or for its targets (a flood from other addresses cost half a core). Seen with the
    /// daemon stopped, in what waits in the sockets' queues (/proc/net/packet's Rmem).
    /// </summary>
    [IntegrationFact]
    public void Members_take_only_the_arp_a_monitor_can_use()
    {
        using Topology t = new();
        using ArpFlood flood = new();
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond($"mode=active-backup arp_interval=1000 arp_ip_target={Topology.PeerAddress} datapath=kernel");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1), 10_000));
        string eth1 = t.In(t.Host, "cat /sys/class/net/eth1/ifindex").Out.Trim();
        // sk RefCnt Type Proto Iface R Rmem User Inode: the bytes waiting in the sockets bound to eth1.
        long Waiting() => t.In(t.Host, "cat /proc/net/packet").Out.Split('\n').Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 6 && f[4] == eth1).Sum(f => long.Parse(f[6], System.Globalization.CultureInfo.InvariantCulture));
        long QueuedByAFlood()
        {
            t.Signal(daemon, "STOP");
            try
            {
                System.Diagnostics.Process sent = flood.Start(t, t.Peer, "eth0", 2000, 1);
                Assert.True(Topology.Finish(sent) && sent.ExitCode == 0, t.OutputOf(sent));
                return Waiting();
            }
            finally
            {
                t.Signal(daemon, "CONT");
            }
        }
        Assert.True(QueuedByAFlood() > 0, "an ARP monitor's member took no ARP");

        t.NetBond("set bond0 arp_validate=all").ShouldSucceed();
        Assert.True(Topology.Eventually(() => Waiting() == 0, 5000));
        // A few frames of the flood may come from the target's address by chance, none of the rest.
        long validating = QueuedByAFlood();
        Assert.True(validating < 16 << 10, $"{validating} bytes of ARP from other addresses queued for a validating monitor");
        // What the monitor needs still reaches it: the peer's replies on the active member, its probes on the backup.
        t.In(t.Host, "ip link set eth1 down; ip link set eth1 up");
        Assert.True(Topology.Eventually(() => Regex.Count(t.Status(), "\nMII Status: up\n") == 3, 15_000), t.Status());

        t.NetBond("set bond0 arp_interval=0 miimon=100").ShouldSucceed();
        Assert.True(Topology.Eventually(() => Waiting() == 0, 5000));
        Assert.Equal(0, QueuedByAFlood());
        Assert.True(t.Ping(1));
    }

    /// <summary>
    /// A damaged bonds.json (cut short, an empty entry, a member named twice) adopts nothing, but the bond the killed
    /// daemon left still goes — its TAP too, so the name is free again — and its members come back as they were.
    /// </summary>
    [IntegrationTheory]
    [InlineData("truncated")]
    [InlineData("null")]
    [InlineData("twice")]
    public void A_damaged_state_file_takes_the_left_bond_down_whole(string damage)
    {
        using Topology t = new();
        string original = MemberState(t);
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=50 datapath=kernel");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.Signal(daemon, "KILL");
        Assert.True(daemon.WaitForExit(10_000));
        string file = Path.Combine(t.StateDirOf(t.Host), "bonds.json");
        string text = File.ReadAllText(file);
        File.WriteAllText(file, damage switch
        {
            "truncated" => text[..(text.Length / 2)],
            "null" => Regex.Replace(text, "\"Bonds\":\\s*\\[.*\\]", "\"Bonds\": [null]", RegexOptions.Singleline),
            _ => text.Replace("\"eth1\"", "\"eth0\"", StringComparison.Ordinal),
        });

        System.Diagnostics.Process next = t.StartDaemon();
        t.WaitForDaemon();
        Assert.Equal("no bonds\n", t.NetBond("status").ShouldSucceed().Out);
        Assert.NotEqual(0, t.In(t.Host, "ip link show bond0").Exit);
        Assert.Equal(original, MemberState(t));
        t.NetBond("add bond0 mode=active-backup").ShouldSucceed();
        Assert.Contains("not adopted", t.OutputOf(next), StringComparison.Ordinal);
    }

    /// <summary>A TAP that took a recorded bond's name while no daemon ran is somebody else's: not adopted, not removed.</summary>
    [IntegrationFact]
    public void Another_tap_with_a_recorded_bonds_name_is_left_alone()
    {
        using Topology t = new();
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=50 datapath=kernel");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.Signal(daemon, "KILL");
        Assert.True(daemon.WaitForExit(10_000));
        t.Sh($"ip -n {t.Host} tuntap del dev bond0 mode tap && ip -n {t.Host} tuntap add dev bond0 mode tap");
        string index = t.In(t.Host, "cat /sys/class/net/bond0/ifindex").Out;

        System.Diagnostics.Process next = t.StartDaemon();
        t.WaitForDaemon();
        Assert.Equal("no bonds\n", t.NetBond("status").ShouldSucceed().Out);
        Assert.Equal(index, t.In(t.Host, "cat /sys/class/net/bond0/ifindex").Out);
        Assert.Contains("the TAP device of that name is another one", t.OutputOf(next), StringComparison.Ordinal);
    }

    private static string Lines(string status, params string[] prefixes) =>
        string.Join("\n", status.Split('\n').Where(l => prefixes.Any(p => l.StartsWith(p, StringComparison.Ordinal))));
}
