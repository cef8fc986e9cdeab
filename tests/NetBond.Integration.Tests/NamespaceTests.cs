using System.Diagnostics;

namespace NetBond.Integration.Tests;

/// <summary>One daemon for the host: bonds in a named namespace and in an unnamed one (a container's kind) at once.</summary>
public class NamespaceTests
{
    private const string OtherAddress = "198.18.0.3";

    /// <summary>
    /// bond0 in the test's host namespace and another bond0 in a namespace made with `unshare --net` (no name under
    /// /run/netns), both through one daemon, both carrying pings; the daemon SIGKILLed and started again adopts
    /// both without a lost ping; the unnamed namespace's owner gone, its bond goes and the daemon lets go of the
    /// namespace, which the kernel then frees (the veth ends it held on the switch vanish).
    /// </summary>
    [IntegrationFact]
    public void One_daemon_carries_bonds_in_named_and_unnamed_namespaces_adopts_them_all_and_lets_a_deleted_one_go()
    {
        using Topology t = new();
        Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=50 datapath=kernel");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();

        Process owner = t.Start("unshare --net sleep 600");
        string ns = $"/proc/{owner.Id}/ns/net";
        Assert.True(Topology.Eventually(() => t.Sh($"readlink {ns}") != t.Sh("readlink /proc/self/ns/net"), 5000));
        for (int i = 0; i < 2; i++)
        {
            t.Sh($"ip link add ueth{i} netns {owner.Id} type veth peer name swu{i} netns {t.Switch}");
            t.Sh($"ip -n {t.Switch} link set swu{i} master br0 && ip -n {t.Switch} link set swu{i} up");
        }
        // A command run inside the namespace acts there; `-n PATH` from elsewhere reaches the same bond.
        t.Sh($"nsenter --net={ns} {Topology.NetBondExe} add bond0 mode=active-backup miimon=50 datapath=kernel");
        t.NetBond($"-n {ns} enslave bond0 ueth0 ueth1").ShouldSucceed();
        t.Sh($"nsenter --net={ns} sh -c 'ip link set lo up && ip addr add {OtherAddress}/24 dev bond0 && ip link set bond0 up'");
        Assert.Contains("Slave Interface: ueth1", t.NetBond($"-n {ns} status bond0").ShouldSucceed().Out);
        Assert.DoesNotContain("ueth", t.Status());
        Assert.True(Topology.Eventually(() => t.Ping(1), 10_000));
        Assert.True(Topology.Eventually(() => t.Sh($"nsenter --net={ns} ping -c 1 -W 1 {Topology.PeerAddress} >/dev/null && echo ok || true").Contains("ok"), 10_000));

        Process hostPing = t.Start($"ip netns exec {t.Host} ping -i 0.01 -c 500 -W 1 {Topology.PeerAddress}");
        Process otherPing = t.Start($"nsenter --net={ns} ping -i 0.01 -c 500 -W 1 {Topology.PeerAddress}");
        Thread.Sleep(1000);
        t.Signal(daemon, "KILL");
        Assert.True(daemon.WaitForExit(10_000));
        Thread.Sleep(500);
        Process next = t.StartDaemon();
        t.WaitForDaemon();
        Assert.True(Topology.Finish(hostPing, 60_000) && Topology.Finish(otherPing, 60_000));
        Assert.Contains(" 0% packet loss", t.OutputOf(hostPing));
        Assert.Contains(" 0% packet loss", t.OutputOf(otherPing));
        Assert.True(Topology.Eventually(() => t.OutputOf(next).Contains($"net:[{t.Sh($"stat -L -c %i {ns}").Trim()}]: bond0: adopted from a previous daemon"), 5000), t.OutputOf(next));
        Assert.Contains("Slave Interface: ueth0", t.NetBond($"-n {ns} status bond0").ShouldSucceed().Out);
        Assert.Contains("Slave Interface: eth0", t.Status());

        string inode = t.Sh($"stat -L -c %i {ns}").Trim();
        owner.Kill();
        owner.WaitForExit();
        Assert.True(Topology.Eventually(() => t.OutputOf(next).Contains($"net:[{inode}]: the namespace was deleted: its bonds (bond0) go with it"), 10_000), t.OutputOf(next));
        Assert.True(Topology.Eventually(() => !t.Sh($"ip -n {t.Switch} -o link").Contains("swu0"), 10_000), "the namespace was never freed");
        Assert.False(Directory.Exists(Path.Combine(t.StateRoot, "netns-" + inode)));
        // The host namespace's bond never noticed.
        Assert.True(t.Ping(3));
        Assert.Contains("Slave Interface: eth1", t.Status());
    }

    /// <summary>
    /// `netbond -batch FILE`: one process makes bonds in two namespaces (each line's -n); the first failing line ends
    /// the batch and names itself, what followed it never ran; -force runs every line; a command that never ends is refused.
    /// </summary>
    [IntegrationFact]
    public void A_batch_makes_bonds_in_several_namespaces_and_stops_at_its_first_failure_unless_forced()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.Sh($"ip -n {t.Peer} link add pa type veth peer name pb");
        string file = Path.Combine(Path.GetTempPath(), $"netbond-batch-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllText(file, $"""
                # bonds in two namespaces from one process
                -n {t.Host} add bond0 mode=active-backup miimon=100

                -n {t.Host} enslave bond0 eth0 eth1
                -n {t.Peer} add bond7 "mode=balance-rr"
                -n {t.Peer} enslave bond7 pa
                -n {t.Peer} enslave bond7 nosuch
                -n {t.Peer} add bond8
                """);
            Result r = t.NetBond($"-batch {file}");
            Assert.Equal(1, r.Exit);
            Assert.Contains($"command failed {file}:7", r.Err);
            Assert.Contains("Slave Interface: eth1", t.Status());
            Assert.Contains("Slave Interface: pa", t.NetBond($"-n {t.Peer} status bond7").ShouldSucceed().Out);
            Assert.NotEqual(0, t.NetBond("status bond8", t.Peer).Exit);

            File.WriteAllText(file, $"-n {t.Peer} add bond7\n-n {t.Peer} add bond8\n");
            r = t.NetBond($"-batch {file} -force");
            Assert.Equal(1, r.Exit);
            Assert.Contains($"command failed {file}:1", r.Err);
            t.NetBond("status bond8", t.Peer).ShouldSucceed();

            File.WriteAllText(file, "events\n");
            r = t.NetBond($"-batch {file}");
            Assert.Equal(2, r.Exit);
            Assert.Contains("'events' does not belong in a batch", r.Err);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// A container host's life: namespaces made with a bond each and deleted, round after round. Each deleted
    /// namespace's bond goes with it, and the daemon ends where it began: its descriptors, and no state folder but
    /// its own namespace's.
    /// </summary>
    [IntegrationFact]
    public void Namespaces_made_and_deleted_in_a_loop_with_bonds_in_them_leave_nothing_behind()
    {
        const int Rounds = 3, PerRound = 10;
        using Topology t = new();
        Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond("status").ShouldSucceed();
        int fds = BondCostTests.Descriptors(daemon);
        string[] names = [.. Enumerable.Range(0, PerRound).Select(i => $"{t.Host}c{i}")];
        string file = Path.Combine(Path.GetTempPath(), $"netbond-churn-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllLines(file, names.SelectMany(ns => new[] { $"-n {ns} add bond0 mode=active-backup miimon=100", $"-n {ns} enslave bond0 a0" }));
            for (int round = 0; round < Rounds; round++)
            {
                foreach (string ns in names)
                {
                    t.Sh($"ip netns add {ns} && ip -n {ns} link add a0 type veth peer name b0 && ip -n {ns} link set b0 up");
                }
                t.NetBond($"-batch {file}").ShouldSucceed();
                Assert.Contains("Slave Interface: a0", t.NetBond($"-n {names[^1]} status bond0").ShouldSucceed().Out);
                foreach (string ns in names)
                {
                    t.Sh($"ip netns del {ns}");
                }
                int expected = (round + 1) * PerRound;
                Assert.True(Topology.Eventually(() => CountOf(t.OutputOf(daemon), "the namespace was deleted: its bonds (bond0) go with it") == expected, 15_000),
                    t.OutputOf(daemon));
            }
            Assert.True(Topology.Eventually(() => BondCostTests.Descriptors(daemon) == fds, 5000), $"{BondCostTests.Descriptors(daemon)} descriptors, {fds} before");
            Assert.Equal([t.StateDirOf(t.Host)], Directory.GetDirectories(t.StateRoot, "netns-*"));
            t.NetBond("status").ShouldSucceed();
        }
        finally
        {
            File.Delete(file);
            foreach (string ns in names)
            {
                t.Sh($"ip netns del {ns} 2>/dev/null || true");
            }
        }
    }

    private static int CountOf(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;
}
