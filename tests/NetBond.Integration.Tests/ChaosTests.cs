using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace NetBond.Integration.Tests;

/// <summary>
/// A seeded random walk through what can happen to bonds and members — add, del, enslave, release, option
/// changes, link flaps, a member deleted and made again or renamed while enslaved, `ip link del` of a bond from
/// outside, the daemon ended (SIGKILL, or SIGUSR2 as an upgrade does) and started again, traffic — with the
/// invariants checked after every step: each interface is either a member of a bond or exactly as it was; every bond
/// is a TAP and every NetBond TAP a bond; the daemon answers; a restart is invisible to the monitors (no member of a
/// settled bond judged down by the new daemon, ARP-monitored and alb bonds included). The seed is printed, so a failure can be replayed (NETBOND_CHAOS_SEED). It walks
/// for NETBOND_CHAOS_SECONDS (30 s by default, in ./test.sh; bench/run chaos walks an hour and reports through
/// NETBOND_CHAOS_REPORT).
/// </summary>
public class ChaosTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_duration =
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("NETBOND_CHAOS_SECONDS"), out int s) ? s : 30);
    private static readonly string[] s_members = ["eth0", "eth1", "eth2", "eth3"];

    private sealed record Original(string Mac, int Mtu);

    [IntegrationFact]
    public void Invariants_hold_through_a_random_walk()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("NETBOND_CHAOS_SEED"), out int s) ? s : Environment.TickCount & 0xFFFF;
        output.WriteLine($"chaos seed {seed} (NETBOND_CHAOS_SEED={seed} replays it)");
        Random random = new(seed);
        using Topology t = new(members: 4);
        Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        Dictionary<string, Original> originals = s_members.ToDictionary(m => m, m => Read(t, m));
        List<string> log = [];
        (int Fds, int Threads, long Rss) baseline = Resources(t);
        (int Fds, int Threads, long Rss) first = baseline;
        Stopwatch clock = Stopwatch.StartNew();
        int step = 0;
        int restarts = 0;
        for (; clock.Elapsed < s_duration; step++)
        {
            int pid = DaemonPid(t);
            string done = Act(t, random, ref daemon, originals);
            log.Add(done);
            string? broken = Broken(t, originals);
            Assert.True(broken == null, $"seed {seed}, step {step} ({done}): {broken}\nlast steps: {string.Join("; ", log.TakeLast(40))}\ndaemon: {t.OutputOf(daemon)}");
            if (DaemonPid(t) != pid)
            {
                restarts++;
                baseline = Resources(t);
            }
        }
        int checkedBonds = log.Sum(l => System.Text.RegularExpressions.Regex.Match(l, @"\((\d+) settled bonds").Groups[1].Value is { Length: > 0 } n ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 0);
        output.WriteLine($"{step} steps in {clock.Elapsed}, {restarts} daemon restarts, {checkedBonds} settled bonds seen through them");
        // With every bond gone the daemon holds what it held with none: no descriptor or thread left behind.
        t.NetBond("del bond0");
        t.NetBond("del bond1");
        (int fds, int threads, long rss) = Resources(t);
        if (Environment.GetEnvironmentVariable("NETBOND_CHAOS_REPORT") is { Length: > 0 } report)
        {
            File.WriteAllText(report, string.Join('\t', seed, step, clock.Elapsed.TotalMinutes.ToString("F0", System.Globalization.CultureInfo.InvariantCulture),
                restarts, $"{first.Fds}/{first.Threads}/{first.Rss >> 20}", $"{baseline.Fds}/{baseline.Threads}/{baseline.Rss >> 20}", $"{fds}/{threads}/{rss >> 20}") + "\n");
        }
        Assert.True(fds <= baseline.Fds && threads <= baseline.Threads + 4,
            $"seed {seed}: the daemon holds {fds} descriptors and {threads} threads, against {baseline.Fds} and {baseline.Threads} with no bond");
    }

    private static int DaemonPid(Topology t) => int.Parse(t.DaemonPid(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The daemon's open descriptors, threads and resident bytes, once it has nothing to do.</summary>
    private static (int Fds, int Threads, long Rss) Resources(Topology t)
    {
        Thread.Sleep(300);
        int pid = DaemonPid(t);
        // Assemblies the runtime loads on first use hold a descriptor each; they are not the daemon's to leak.
        int fds = Directory.GetFiles($"/proc/{pid}/fd").Count(fd => new FileInfo(fd).LinkTarget?.EndsWith(".dll", StringComparison.Ordinal) != true);
        string status = File.ReadAllText($"/proc/{pid}/status");
        long rss = long.Parse(System.Text.RegularExpressions.Regex.Match(status, @"VmRSS:\s+(\d+) kB").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * 1024;
        return (fds, Directory.GetDirectories($"/proc/{pid}/task").Length, rss);
    }

    private static Original Read(Topology t, string member) => new(
        t.In(t.Host, $"cat /sys/class/net/{member}/address").Out.Trim(),
        int.Parse(t.In(t.Host, $"cat /sys/class/net/{member}/mtu").Out.Trim(), System.Globalization.CultureInfo.InvariantCulture));

    private static JsonElement Bonds(Topology t)
    {
        using JsonDocument doc = JsonDocument.Parse(t.NetBond("status --json").ShouldSucceed().Out);
        return doc.RootElement.GetProperty("bonds").Clone();
    }

    private static string Act(Topology t, Random random, ref Process daemon, Dictionary<string, Original> originals)
    {
        string bond = random.Next(2) == 0 ? "bond0" : "bond1";
        string member = s_members[random.Next(s_members.Length)];
        switch (random.Next(11))
        {
            case 0:
                string mode = random.Next(5) switch
                {
                    0 => "active-backup",
                    1 => "balance-rr",
                    2 => "balance-xor",
                    3 => "802.3ad",
                    _ => "balance-alb",
                };
                string monitor = random.Next(5) == 4 ? $"arp_interval=100 arp_ip_target={Topology.PeerAddress}" : $"miimon={(random.Next(2) == 0 ? 10 : 100)}";
                t.NetBond($"add {bond} mode={mode} {monitor}");
                t.In(t.Host, $"ip link set {bond} up");
                return $"add {bond} {mode}";
            case 1:
                t.NetBond($"del {bond}");
                return $"del {bond}";
            case 2 or 3:
                t.NetBond($"enslave {bond} {member}");
                return $"enslave {bond} {member}";
            case 4:
                t.NetBond($"release {bond} {member}");
                return $"release {bond} {member}";
            case 5:
                t.NetBond($"set {bond} miimon={random.Next(1, 200)} updelay=0 downdelay=0");
                return $"set {bond} miimon";
            case 6:
                string port = "sw" + member[3..];
                t.In(t.Switch, $"ip link set {port} down");
                Thread.Sleep(random.Next(50, 300));
                t.In(t.Switch, $"ip link set {port} up");
                return $"flap {member}";
            case 7:
                t.Sh($"ip -n {t.Host} link del {member}");
                t.Sh($"ip link add {member} netns {t.Host} type veth peer name sw{member[3..]} netns {t.Switch}");
                t.Sh($"ip -n {t.Switch} link set sw{member[3..]} master br0 && ip -n {t.Switch} link set sw{member[3..]} up");
                // A new interface, new to NetBond: what it is now is what it must be found as.
                Assert.True(Topology.Eventually(() => !Bonds(t).EnumerateArray().Any(b => b.GetProperty("slaves").EnumerateArray().Any(m => m.GetProperty("name").GetString() == member))));
                originals[member] = Read(t, member);
                return $"delete and remake {member}";
            case 8:
                t.In(t.Host, $"ip link set {member} down; ip link set {member} name x{member}; ip link set x{member} name {member}; ip link set {member} up");
                return $"rename {member} and back";
            case 9:
                t.In(t.Host, $"ip link del {bond}");
                return $"ip link del {bond}";
            default:
                Dictionary<string, string> settled = SettledMembers(t);
                string signal = random.Next(2) == 0 ? "KILL" : "USR2";
                daemon = t.RestartDaemon(daemon, signal);
                // Ten ARP intervals, ten MII intervals at the walk's longest: time for a monitor to judge.
                Thread.Sleep(1000);
                // The new daemon's failure counts start at 0: "(has failed)" after the restart is a member it judged down.
                Dictionary<string, string> now = Bonds(t).EnumerateArray().ToDictionary(b => b.GetProperty("name").GetString()!, Members);
                foreach ((string name, string before) in settled)
                {
                    string after = now.GetValueOrDefault(name, "no such bond");
                    Assert.True(after == before.Replace(" (has failed)", "", StringComparison.Ordinal),
                        $"{name} after SIG{signal} and a new daemon: {after}; before: {before}\ndaemon: {t.OutputOf(daemon)}");
                }
                return $"SIG{signal} and restart ({settled.Count} settled bonds checked)";
        }
    }

    /// <summary>
    /// The bonds whose members' states held still for half a second, each with them: what a restart must not change.
    /// A bond still settling after the walk's last step is left out.
    /// </summary>
    private static Dictionary<string, string> SettledMembers(Topology t)
    {
        Dictionary<string, string> first = Bonds(t).EnumerateArray().ToDictionary(b => b.GetProperty("name").GetString()!, Members);
        Thread.Sleep(500);
        return Bonds(t).EnumerateArray()
            .Select(b => (Name: b.GetProperty("name").GetString()!, Members: Members(b)))
            .Where(b => first.TryGetValue(b.Name, out string? was) && was == b.Members)
            .ToDictionary(b => b.Name, b => b.Members);
    }

    /// <summary>Each member's MII status and whether a monitor of this daemon has taken it down since it was enslaved or adopted.</summary>
    private static string Members(JsonElement bond) => string.Join(", ", bond.GetProperty("slaves").EnumerateArray().Select(m =>
        $"{m.GetProperty("name").GetString()} {m.GetProperty("mii_status").GetString()}{(m.GetProperty("link_failure_count").GetInt32() > 0 ? " (has failed)" : "")}"));

    /// <summary>What is wrong now, or null.</summary>
    private static string? Broken(Topology t, Dictionary<string, Original> originals)
    {
        JsonElement bonds;
        try
        {
            bonds = Bonds(t);
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException or JsonException)
        {
            return $"the daemon does not answer: {e.Message}";
        }
        HashSet<string> bondNames = [.. bonds.EnumerateArray().Select(b => b.GetProperty("name").GetString()!)];
        HashSet<string> enslaved = [.. bonds.EnumerateArray().SelectMany(b => b.GetProperty("slaves").EnumerateArray()).Select(m => m.GetProperty("name").GetString()!)];
        HashSet<string> taps = [.. t.In(t.Host, "ip -o link show type tun").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':')[1].Trim())];
        if (!taps.SetEquals(bondNames))
        {
            return $"bonds {string.Join(",", bondNames)} but TAP devices {string.Join(",", taps)}";
        }
        foreach (string member in s_members.Where(m => !enslaved.Contains(m)))
        {
            Original now = Read(t, member);
            string qdisc = t.In(t.Host, $"tc qdisc show dev {member}").Out;
            string ipv6 = t.In(t.Host, $"cat /proc/sys/net/ipv6/conf/{member}/disable_ipv6").Out.Trim();
            if (now != originals[member] || qdisc.Contains("clsact", StringComparison.Ordinal) || ipv6 != "0")
            {
                return $"{member} is no member but not as it was: {now} (was {originals[member]}), qdisc '{qdisc.Trim()}', disable_ipv6 {ipv6}";
            }
        }
        return null;
    }
}
