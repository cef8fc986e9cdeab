using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NetBond.Integration.Tests;

/// <summary>What a bond costs the daemon beyond the kernel's own objects.</summary>
public class BondCostTests
{
    private static string[] DataPlaneThreads(Process daemon) =>
    [
        .. Directory.GetDirectories($"/proc/{daemon.Id}/task")
            .Select(d => File.ReadAllText(Path.Combine(d, "comm")).Trim())
            .Where(c => c.StartsWith("netbond/", StringComparison.Ordinal)),
    ];

    /// <summary>The daemon's open descriptors, the runtime's assembly mappings aside.</summary>
    internal static int Descriptors(Process daemon) =>
        Directory.GetFiles($"/proc/{daemon.Id}/fd").Count(f => new FileInfo(f).LinkTarget?.EndsWith(".dll", StringComparison.Ordinal) != true);

    private static bool HeardWithin(Topology t, long ms)
    {
        using System.Text.Json.JsonDocument doc = System.Text.Json.JsonDocument.Parse(t.NetBond("status bond0 --json").ShouldSucceed().Out);
        return doc.RootElement.GetProperty("bonds")[0].GetProperty("slaves").EnumerateArray()
            .All(s => s.GetProperty("arp_monitor").GetProperty("last_rx_ms_ago").GetInt64() < ms);
    }

    /// <summary>
    /// Nine kernel-path bonds run on one "netbond/control" thread, not a thread each, and one set of programs; eight of them deleted, the
    /// ninth's control frames still cross it: its ARP monitor keeps hearing both members and the bond carries pings; the
    /// last one deleted, the thread ends.
    /// </summary>
    [IntegrationFact]
    public void Kernel_path_bonds_share_one_control_frame_thread_and_bonds_leaving_it_spare_the_others()
    {
        using Topology t = new(members: 2);
        Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond($"mode=active-backup arp_interval=100 arp_ip_target={Topology.PeerAddress} arp_validate=all datapath=kernel");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1)));
        int fdsBefore = Descriptors(daemon);
        for (int i = 1; i <= 8; i++)
        {
            t.Sh($"ip -n {t.Host} link add xa{i} type veth peer name xb{i}");
            t.NetBond($"add bond{i} mode=balance-rr miimon=100 datapath=kernel").ShouldSucceed();
            t.NetBond($"enslave bond{i} xa{i}").ShouldSucceed();
        }
        Assert.Equal(["netbond/control"], DataPlaneThreads(daemon));
        // Descriptors only where the kernel needs one: the TAP and the member's packet socket (a client's connection
        // may linger a moment). Maps and programs loaded per bond would be nine more each.
        int perBond = (Descriptors(daemon) - fdsBefore) / 8;
        Assert.True(perBond <= 3, $"{perBond} descriptors per bond");
        // One set of programs, loaded and verified once: every bond's egress filter runs the same program, each
        // filter with the bond's own classid (the id its maps sit at).
        string[] filters = [.. Enumerable.Range(0, 9).Select(i => t.In(t.Host, $"tc filter show dev bond{i} egress").Out)];
        Assert.Single(filters.Select(f => Regex.Match(f, @" id (\d+) ").Groups[1].Value).Distinct());
        Assert.Equal(9, filters.Select(f => Regex.Match(f, @"flowid (\S+)").Groups[1].Value).Where(c => c.Length > 0).Distinct().Count());

        for (int i = 1; i <= 8; i++)
        {
            t.NetBond($"del bond{i}").ShouldSucceed();
        }
        // The ARP replies keep reaching bond0's monitor through the shared thread: both members heard from within the
        // last second, a second and a half on (a loaded machine may delay one reply, never all of them).
        Thread.Sleep(1500);
        Assert.True(Topology.Eventually(() => HeardWithin(t, 1000), 5000), t.NetBond("status --json").Out);
        Assert.True(t.Ping());

        // The last kernel-path bond gone, the thread goes too.
        t.NetBond("del bond0").ShouldSucceed();
        Assert.Empty(DataPlaneThreads(daemon));
    }
}
