using System.Net.Sockets;
using System.Text;

namespace NetBond.Integration.Tests;

/// <summary>The daemon under systemd: Type=notify with --up-all, STATUS=, the watchdog, and `reload` applying what changed in the files.</summary>
public class SystemdTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    private static void CopyTree(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [IntegrationFact]
    public void Ready_comes_after_the_bonds_are_up_with_their_status_and_the_watchdog_is_fed()
    {
        using Topology t = new(members: 3);
        string path = Path.Combine(Path.GetTempPath(), $"netbond-notify-{Environment.ProcessId}.sock");
        using Socket notify = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(path));
        using Cleanup remove = new(() => File.Delete(path));
        notify.ReceiveTimeout = 20_000;
        System.Diagnostics.Process daemon = t.Start($"env NOTIFY_SOCKET={path} WATCHDOG_USEC=200000 JOURNAL_STREAM=8:1 ip netns exec {t.Host} {Topology.NetBondExe} daemon --up-all --root {Fixture("networkd")}");

        List<string> messages = [];
        byte[] buffer = new byte[4096];
        while (!messages.Exists(m => m.StartsWith("READY=1", StringComparison.Ordinal)))
        {
            messages.Add(Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer)));
        }
        string ready = messages.Find(m => m.StartsWith("READY=1", StringComparison.Ordinal))!;
        Assert.Contains("STATUS=bond0 ", ready, StringComparison.Ordinal);
        Assert.Contains("bond1 ", ready, StringComparison.Ordinal);
        // Ready means up: the bonds exist and bond0 answers at once.
        Assert.Contains("Bonding Mode: fault-tolerance (active-backup)", t.Status(), StringComparison.Ordinal);
        // What queued while the status call ran is not a rate: drop it, then count what arrives in two seconds
        // (every 100 ms is due; a daemon starved by a busy machine may skip some, one spamming would send dozens more).
        while (notify.Available > 0)
        {
            notify.Receive(buffer);
        }
        notify.ReceiveTimeout = 2000;
        int watchdogs = 0;
        System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 2000)
        {
            watchdogs += Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer)) == "WATCHDOG=1" ? 1 : 0;
        }
        Assert.InRange(watchdogs, 5, 30);
        // Its stderr goes to the journal: lines carry their priority instead of a time.
        Assert.Contains("<6>netbond daemon v", t.OutputOf(daemon), StringComparison.Ordinal);
        Assert.Contains("<6>up --all: bond0 is up", t.OutputOf(daemon), StringComparison.Ordinal);
    }

    [IntegrationFact]
    public void Reload_applies_what_changed_in_the_files_and_rebuilds_what_a_live_bond_cannot_take()
    {
        using Topology t = new(members: 3);
        string root = Directory.CreateTempSubdirectory("netbond-reload-").FullName;
        using Cleanup remove = new(() => Directory.Delete(root, true));
        CopyTree(Fixture("networkmanager"), root);
        string dir = Path.Combine(root, "etc/NetworkManager/system-connections");
        t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond($"up --all --root {root}").ShouldSucceed();
        Assert.Contains("bond0: unchanged", t.NetBond($"reload --root {root}").ShouldSucceed().Out, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(dir, "bond0.nmconnection"), File.ReadAllText(Path.Combine(dir, "bond0.nmconnection"))
            .Replace("miimon=100", "miimon=200", StringComparison.Ordinal)
            .Replace("address1=198.18.0.1/24,198.18.0.254", "address1=198.18.0.1/24,198.18.0.254\naddress2=198.18.0.7/24", StringComparison.Ordinal));
        File.Delete(Path.Combine(dir, "bond0-port-eth1.nmconnection"));
        string changed = t.NetBond($"reload --root {root}").ShouldSucceed().Out;
        Assert.Contains("bond0: miimon 200", changed, StringComparison.Ordinal);
        Assert.Contains("bond0: released eth1", changed, StringComparison.Ordinal);
        Assert.Contains("bond0: added 198.18.0.7/24", changed, StringComparison.Ordinal);
        string status = t.Status();
        Assert.Contains("MII Polling Interval (ms): 200", status, StringComparison.Ordinal);
        Assert.DoesNotContain("Slave Interface: eth1", status, StringComparison.Ordinal);
        Assert.Contains("198.18.0.7/24", t.In(t.Host, "ip -4 addr show bond0").Out, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(dir, "bond0.nmconnection"), File.ReadAllText(Path.Combine(dir, "bond0.nmconnection"))
            .Replace("mode=active-backup", "mode=balance-alb", StringComparison.Ordinal));
        Assert.Contains("bond0: built again", t.NetBond($"reload --root {root}").ShouldSucceed().Out, StringComparison.Ordinal);
        Assert.Contains("Bonding Mode: adaptive load balancing", t.Status(), StringComparison.Ordinal);
        Assert.True(Topology.Eventually(() => t.Ping(1), 5000));
    }

    private static string Unit => File.ReadAllText(Path.Combine(Topology.RepositoryRoot, "contrib", "netbond.service"));

    /// <summary>A setting of the unit's [Service] section, as written.</summary>
    private static string Setting(string name) =>
        System.Text.RegularExpressions.Regex.Match(Unit, $"^{name}=(.*)$", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value.Trim();

    /// <summary>
    /// The unit's sandbox, as systemd-analyze rates it (9.6 UNSAFE before it had one), and the daemon working inside
    /// it: run as the unit would run it — only the unit's bounding set of capabilities, no new privileges, its umask,
    /// the file system read-only but for the state folder and home directories hidden (ProtectSystem=strict,
    /// ProtectHome), writable executable memory refused (MemoryDenyWriteExecute, by prctl PR_SET_MDWE) — a kernel-path
    /// bond is made by root's CLI outside the sandbox, carries pings, fails over, and SIGTERM puts its members back.
    /// </summary>
    [IntegrationFact]
    public void The_daemon_runs_a_kernel_path_bond_inside_the_units_sandbox()
    {
        using Topology t = new();
        Result rating = t.Run($"systemd-analyze security --offline=true {Path.Combine(Topology.RepositoryRoot, "contrib", "netbond.service")}");
        double exposure = double.Parse(System.Text.RegularExpressions.Regex.Match(rating.Out, @"Overall exposure level for netbond.service: (\d+\.\d)").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(exposure <= 5.5, rating.Out);
        Assert.Equal("strict", Setting("ProtectSystem"));
        Assert.Equal("yes", Setting("ProtectHome"));
        Assert.Equal("yes", Setting("MemoryDenyWriteExecute"));
        Assert.Equal("yes", Setting("NoNewPrivileges"));

        string members = t.MemberState();
        string caps = string.Join(",", Setting("CapabilityBoundingSet").Split(' ').Select(c => "+" + c["CAP_".Length..].ToLowerInvariant()));
        string sandbox = $"mount --make-rprivate / && mount --bind {t.StateRoot} {t.StateRoot} && mount -o remount,bind,ro / "
            + "&& mount -t tmpfs -o ro tmpfs /home && mount -t tmpfs -o ro tmpfs /root "
            + $"&& umask {Setting("UMask")} && exec python3 -c \"import ctypes, os, sys; "
            + "assert ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0) == 0, 'PR_SET_MDWE'; os.execvp(sys.argv[1], sys.argv[1:])\" "
            + $"setpriv --bounding-set -all,{caps} --inh-caps -all --no-new-privs {Topology.NetBondExe} daemon";
        System.Diagnostics.Process daemon = t.Start($"ip netns exec {t.Host} env NETBOND_NO_AUTOSTART=1 unshare --mount sh -c '{sandbox}'");
        Assert.True(Topology.Eventually(() => daemon.HasExited || t.In(t.Host, $"NETBOND_NO_AUTOSTART=1 {Topology.NetBondExe} status").Exit == 0, 20_000));
        Assert.False(daemon.HasExited, t.OutputOf(daemon));
        Assert.Equal($"CapBnd:\t{BoundingSetOf(caps)}", t.Sh($"grep CapBnd /proc/{daemon.Id}/status").Trim());

        t.AddBond("mode=active-backup miimon=100 datapath=kernel");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1), 10_000), t.Status() + t.OutputOf(daemon));
        Assert.Contains("NetBond Data Path: kernel", t.Status(), StringComparison.Ordinal);
        t.Sh($"ip -n {t.Switch} link set sw0 down");
        Assert.True(Topology.Eventually(() => t.Status().Contains("Currently Active Slave: eth1", StringComparison.Ordinal), 5000), t.Status());
        Assert.True(t.Ping(1));
        t.Sh($"ip -n {t.Switch} link set sw0 up");

        t.Signal(daemon, "TERM");
        Assert.True(daemon.WaitForExit(10_000));
        Assert.DoesNotContain("bond0", t.In(t.Host, "ip -o link").Out, StringComparison.Ordinal);
        Assert.Equal(members, t.MemberState());
    }

    /// <summary>The CapBnd mask /proc shows for capabilities named as setpriv takes them ("+net_admin,+bpf").</summary>
    private static string BoundingSetOf(string caps)
    {
        Dictionary<string, int> numbers = new() { ["net_admin"] = 12, ["net_raw"] = 13, ["sys_ptrace"] = 19, ["sys_admin"] = 21, ["bpf"] = 39 };
        ulong mask = caps.Split(',').Aggregate(0UL, (m, c) => m | 1UL << numbers[c.TrimStart('+')]);
        return mask.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
