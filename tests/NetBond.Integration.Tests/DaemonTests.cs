using System.Text.RegularExpressions;

namespace NetBond.Integration.Tests;

public class DaemonTests
{
    [IntegrationFact]
    public void One_daemon_serves_every_namespace_each_caller_in_its_own()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        System.Diagnostics.Process second = t.StartDaemon(ns: t.Peer);
        Assert.True(Topology.Finish(second, 10_000));
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("a daemon already runs on this host", t.OutputOf(second));
        t.NetBond("add bond0 mode=1").ShouldSucceed();
        // The same name in another namespace is another bond, as the kernel allows; twice in one namespace is refused.
        Assert.Equal("no bonds\n", t.NetBond("status", t.Peer).ShouldSucceed().Out);
        t.NetBond("add bond0 mode=balance-xor", t.Peer).ShouldSucceed();
        Assert.Contains("already exists", t.NetBond("add bond0", t.Peer).Err);
        Assert.Contains("fault-tolerance (active-backup)", t.NetBond("status bond0").ShouldSucceed().Out);
        Assert.Contains("load balancing (xor)", t.NetBond("status bond0", t.Peer).ShouldSucceed().Out);
        Assert.Equal("1\n", t.In(t.Peer, "ip -o link show bond0 | wc -l").Out);
        // `-n NAME`, as `ip -n`, from any namespace.
        Assert.Contains("load balancing (xor)", t.NetBond($"-n {t.Peer} status bond0").ShouldSucceed().Out);
        Assert.Contains("cannot enter the network namespace nbi-none", t.NetBond("-n nbi-none status").Err);
        t.NetBond("del bond0", t.Peer).ShouldSucceed();
        Assert.Equal("0\n", t.In(t.Peer, "ip -o link show bond0 2>/dev/null | wc -l").Out);
        Assert.Contains("fault-tolerance (active-backup)", t.NetBond("status bond0").ShouldSucceed().Out);
    }

    [IntegrationFact]
    public void The_control_socket_admits_root_only()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        // Talk to the daemon's socket directly as nobody: the CLI would refuse before connecting. The refusal comes
        // before any request is read, so the script sends none (a request left unread would reset the connection).
        string script = Path.Combine(Path.GetTempPath(), $"netbond-peercred-{Environment.ProcessId}.py");
        File.WriteAllText(script, """
            import os, socket, struct
            s = socket.socket(socket.AF_UNIX)
            s.connect(os.environ["NETBOND_STATE_DIR"] + "/control")
            n = struct.unpack(">i", s.recv(4))[0]
            print(s.recv(n).decode())
            """);
        try
        {
            Result r = t.In(t.Host, $"setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 {script}");
            Assert.Contains("permission denied", r.Out + r.Err);
        }
        finally
        {
            File.Delete(script);
        }
        Assert.Equal("no bonds\n", t.NetBond("status").ShouldSucceed().Out);
    }

    /// <summary>
    /// Clients that connect and send nothing — one as nobody, one as root, and more root ones than the daemon
    /// serves at once — hold up no other: a root command still answers at once, and the silent ones are let go
    /// after the daemon's deadline.
    /// </summary>
    [IntegrationFact]
    public void Silent_clients_stall_nothing()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        string script = Path.Combine(Path.GetTempPath(), $"netbond-silent-{Environment.ProcessId}.py");
        File.WriteAllText(script, """
            import os, socket, sys, time
            held = []
            for _ in range(int(sys.argv[1])):
                s = socket.socket(socket.AF_UNIX)
                s.connect(os.environ["NETBOND_STATE_DIR"] + "/control")
                held.append(s)
            print("connected", flush=True)
            time.sleep(30)
            """);
        try
        {
            System.Diagnostics.Process nobody = t.Start($"ip netns exec {t.Host} setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 {script} 1");
            System.Diagnostics.Process root = t.Start($"ip netns exec {t.Host} /usr/bin/python3 {script} 3");
            Assert.True(Topology.Eventually(() => t.OutputOf(nobody).Contains("connected") && t.OutputOf(root).Contains("connected"), 10_000));
            System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
            t.NetBond("add bond0 mode=1").ShouldSucceed();
            Assert.Contains("Bonding Mode: fault-tolerance (active-backup)", t.Status());
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"commands took {clock.Elapsed} behind silent clients");
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>
    /// More root clients than the daemon serves at once, each trickling its request a byte every 4 s (within the
    /// time any one read may take): the deadline is the whole request's, so they are let go and `status` answers.
    /// </summary>
    [IntegrationFact]
    public void Clients_that_trickle_their_requests_are_cut_off_at_the_deadline()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        string script = Path.Combine(Path.GetTempPath(), $"netbond-trickle-{Environment.ProcessId}.py");
        File.WriteAllText(script, """
            import os, socket, threading, time
            def trickle():
                s = socket.socket(socket.AF_UNIX)
                s.connect(os.environ["NETBOND_STATE_DIR"] + "/control")
                try:
                    for b in b'\x00\x00\x00\x20' + b'x' * 32:
                        s.send(bytes([b]))
                        time.sleep(4)
                except OSError:
                    pass
            threads = [threading.Thread(target=trickle) for _ in range(10)]
            for th in threads:
                th.start()
            print("connected", flush=True)
            for th in threads:
                th.join()
            """);
        using Cleanup remove = new(() => File.Delete(script));
        System.Diagnostics.Process tricklers = t.Start($"ip netns exec {t.Host} /usr/bin/python3 {script}");
        using Cleanup stop = new(() => t.Signal(tricklers, "KILL"));
        Assert.True(Topology.Eventually(() => t.OutputOf(tricklers).Contains("connected"), 10_000));
        Thread.Sleep(1000);
        // Without a deadline per request they would hold every slot for over two minutes.
        Assert.Equal(0, t.In(t.Host, $"timeout 60 {Topology.NetBondExe} status").Exit);
    }

    /// <summary>Two thousand clients that hang up before their answer cost a burst of log lines, not a line each.</summary>
    [IntegrationFact]
    public void Clients_that_hang_up_do_not_flood_the_log()
    {
        using Topology t = new();
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        string script = Path.Combine(Path.GetTempPath(), $"netbond-hangup-{Environment.ProcessId}.py");
        File.WriteAllText(script, """
            import os, socket, struct
            for _ in range(2000):
                s = socket.socket(socket.AF_UNIX)
                s.connect(os.environ["NETBOND_STATE_DIR"] + "/control")
                s.sendall(struct.pack(">i", 8) + b'["status"')
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
            """);
        using Cleanup remove = new(() => File.Delete(script));
        t.In(t.Host, $"/usr/bin/python3 {script}").ShouldSucceed();
        Assert.Equal("no bonds\n", t.NetBond("status").ShouldSucceed().Out);
        int lines = Regex.Count(t.OutputOf(daemon), "control connection failed");
        Assert.InRange(lines, 1, 20);
    }

    [IntegrationFact]
    public void An_oversized_request_is_refused_without_being_read()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        string script = Path.Combine(Path.GetTempPath(), $"netbond-big-{Environment.ProcessId}.py");
        File.WriteAllText(script, """
            import os, socket, struct
            s = socket.socket(socket.AF_UNIX)
            s.connect(os.environ["NETBOND_STATE_DIR"] + "/control")
            s.sendall(struct.pack(">i", 2 << 20))
            n = struct.unpack(">i", s.recv(4))[0]
            print(s.recv(n).decode())
            s = socket.socket(socket.AF_UNIX)
            s.connect(os.environ["NETBOND_STATE_DIR"] + "/control")
            request = b'["events", null]'
            s.sendall(struct.pack(">i", len(request)) + request)
            n = struct.unpack(">i", s.recv(4))[0]
            print(s.recv(n).decode())
            """);
        try
        {
            Result r = t.In(t.Host, $"/usr/bin/python3 {script}");
            Assert.Equal(2, Regex.Count(r.Out, "malformed request"));
        }
        finally
        {
            File.Delete(script);
        }
        Assert.Equal("no bonds\n", t.NetBond("status").ShouldSucceed().Out);
    }

    [IntegrationFact]
    public void A_daemon_that_stops_cleanly_leaves_no_state_behind()
    {
        using Topology t = new();
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=1 miimon=100");
        t.NetBond("enslave bond0 eth0").ShouldSucceed();
        string dir = t.StateDirOf(t.Host);
        Assert.True(File.Exists(Path.Combine(dir, "members.json")));
        t.Signal(daemon, "TERM");
        Assert.True(Topology.Finish(daemon, 10_000));
        Assert.False(Directory.Exists(dir), $"{dir} is left");
    }

    [IntegrationFact]
    public void A_started_daemon_begins_a_new_log_once_the_old_one_passed_a_megabyte()
    {
        using Topology t = new();
        string dir = t.StateRoot;
        File.WriteAllText(Path.Combine(dir, "daemon.log"), new string('x', 2 << 20));
        try
        {
            t.NetBond("status").ShouldSucceed();
            Assert.Equal(2 << 20, new FileInfo(Path.Combine(dir, "daemon.log.1")).Length);
            Assert.True(new FileInfo(Path.Combine(dir, "daemon.log")).Length < 64 << 10);
        }
        finally
        {
            t.StopAutostartedDaemon();
        }
    }

    [IntegrationFact]
    public void A_started_daemon_starts_a_new_log_when_its_log_grows_past_the_limit()
    {
        using Topology t = new();
        string dir = t.StateRoot;
        try
        {
            t.In(t.Host, $"NETBOND_LOG_MAX=1000 {Topology.NetBondExe} status").ShouldSucceed();
            for (int i = 0; i < 15; i++)
            {
                t.NetBond("add bond0 mode=1").ShouldSucceed();
                t.NetBond("del bond0").ShouldSucceed();
            }
            Assert.True(File.Exists(Path.Combine(dir, "daemon.log.1")), string.Join(" ", Directory.GetFiles(dir).Select(f => $"{Path.GetFileName(f)}:{new FileInfo(f).Length}")));
            Assert.True(new FileInfo(Path.Combine(dir, "daemon.log")).Length <= 1000 + 200);
            t.NetBond("add bond0 mode=1").ShouldSucceed();
            Assert.Contains("bond0: created", File.ReadAllText(Path.Combine(dir, "daemon.log")) + File.ReadAllText(Path.Combine(dir, "daemon.log.1")));
        }
        finally
        {
            t.StopAutostartedDaemon();
        }
    }

    /// <summary>
    /// Under umask 000 the state is still root's alone: the namespace's folder 0700, every file the daemon writes
    /// (bonds.json, members.json, the pid, the log of a daemon the CLI started) 0600 — nobody else reads them or
    /// places a link where they are written.
    /// </summary>
    [IntegrationFact]
    public void The_state_is_roots_alone_whatever_the_umask()
    {
        using Topology t = new();
        try
        {
            t.In(t.Host, $"umask 000; {Topology.NetBondExe} add bond0 mode=active-backup miimon=100 datapath=kernel && {Topology.NetBondExe} enslave bond0 eth0").ShouldSucceed();
            string folder = t.StateDirOf(t.Host);
            string Mode(string path) => t.Sh($"stat -c %a {path}").Trim();
            Assert.Equal("700", Mode(folder));
            foreach (string file in new[] { Path.Combine(folder, "bonds.json"), Path.Combine(folder, "members.json"), Path.Combine(t.StateRoot, "daemon.pid"), Path.Combine(t.StateRoot, "daemon.log") })
            {
                Assert.True(Mode(file) == "600", $"{file}: {Mode(file)}");
            }
        }
        finally
        {
            t.StopAutostartedDaemon();
        }
    }
}
