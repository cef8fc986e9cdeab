using System.Diagnostics;
using System.Text;

namespace NetBond.Integration.Tests;

/// <summary>
/// A host with N veth links to a switch (a Linux bridge in its own namespace) and a peer behind the switch,
/// all in namespaces this test made, on 198.18.0.0/15. Disposing removes every namespace, process and file
/// it made, also when the test failed.
/// </summary>
internal sealed class Topology : IDisposable
{
    private static int s_counter;
    private readonly List<Process> _processes = [];
    private readonly List<string> _clients = [];
    private readonly string _stateDir;

    public Topology(int members = 2)
    {
        string id = $"{Environment.ProcessId % 100000}-{Interlocked.Increment(ref s_counter)}";
        Host = $"nbi-h{id}";
        Switch = $"nbi-s{id}";
        Peer = $"nbi-p{id}";
        Members = [.. Enumerable.Range(0, members).Select(i => $"eth{i}")];
        _stateDir = Path.Combine(Path.GetTempPath(), $"netbond-test-{id}");
        Directory.CreateDirectory(_stateDir);
        try
        {
            foreach (string command in LabNetwork.Commands(Host, Switch, Peer, members, PeerAddress))
            {
                Sh(command);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// The data path datapath=auto gives: the kernel one, unless the suite runs with NETBOND_KERNEL_PATH=unavailable
    /// (test.sh's second pass, which runs every test on the userspace path).
    /// </summary>
    public static string DefaultDataPath => Environment.GetEnvironmentVariable("NETBOND_KERNEL_PATH") == "unavailable" ? "user" : "kernel";

    public const string BondAddress = "198.18.0.1";
    public const string PeerAddress = "198.18.0.2";

    public string Host { get; }
    public string Switch { get; }
    public string Peer { get; }
    public string[] Members { get; }

    /// <summary>This test's daemon's directory (NETBOND_STATE_DIR): its socket, pid file and log.</summary>
    public string StateRoot => _stateDir;

    /// <summary>Where this test's daemon keeps the state of a namespace, one folder per namespace inode.</summary>
    public string StateDirOf(string ns) => Path.Combine(_stateDir, "netns-" + Sh($"stat -L -c %i /run/netns/{ns}").Trim());

    public static bool IsRoot => File.ReadAllLines("/proc/self/status")
        .Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0");

    /// <summary>The repository this test runs from (where ./netbond is).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "NetBond.slnx")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("NetBond.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// The netbond users run: the native executable ./netbond builds (ahead of time), brought up to date with the
    /// sources once per test run, so the tests drive the very binary the README's commands do.
    /// </summary>
    public static string NetBondExe => s_netbondExe.Value;

    private static readonly Lazy<string> s_netbondExe = new(() =>
    {
        using Process build = Process.Start(new ProcessStartInfo(Path.Combine(RepositoryRoot, "netbond"), "--version")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        Task<string> err = build.StandardError.ReadToEndAsync();
        build.StandardOutput.ReadToEnd();
        build.WaitForExit();
        return build.ExitCode == 0
            ? Path.Combine(RepositoryRoot, ".build", "bin", "netbond")
            : throw new InvalidOperationException($"./netbond could not be built: {err.Result}");
    });

    /// <summary>Runs the netbond CLI in the host namespace (or <paramref name="ns"/>).</summary>
    public Result NetBond(string args, string? ns = null) => Run($"ip netns exec {ns ?? Host} {NetBondExe} {args}");

    public Result In(string ns, string command) => Run($"ip netns exec {ns} sh -c '{command}'");

    public string Sh(string command)
    {
        Result r = Run(command);
        if (r.Exit != 0)
        {
            throw new InvalidOperationException($"'{command}' failed ({r.Exit}): {r.Err}{r.Out}");
        }
        return r.Out;
    }

    /// <summary>Starts the daemon in the host namespace (or <paramref name="ns"/>) as a child whose PID this test knows.</summary>
    /// <param name="environment">Variables for the daemon, as `env` takes them ("NAME=value ...").</param>
    public Process StartDaemon(string? ns = null, string options = "", string environment = "")
    {
        _daemonStarted = true;
        return Start($"ip netns exec {ns ?? Host} env {environment} {NetBondExe} daemon {options}");
    }

    private bool _daemonStarted;

    /// <summary>The PID this test's daemon recorded, or "" when none runs.</summary>
    public string DaemonPid() => File.Exists(Path.Combine(_stateDir, "daemon.pid")) ? File.ReadAllText(Path.Combine(_stateDir, "daemon.pid")).Trim() : "";

    /// <summary>Stops a daemon the CLI started in the background (no child of this test), by the PID it recorded.</summary>
    public void StopAutostartedDaemon()
    {
        string pid = DaemonPid();
        if (pid.Length == 0)
        {
            return;
        }
        Sh($"kill -TERM {pid}");
        Assert.True(Eventually(() => In(Host, $"kill -0 {pid}").Exit != 0, 10_000));
    }

    /// <summary>Waits until the daemon answers, so a test never races its start.</summary>
    public void WaitForDaemon(string? ns = null)
    {
        Stopwatch clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (NetBond("status", ns).Exit == 0)
            {
                return;
            }
            Thread.Sleep(100);
        }
        throw new TimeoutException("the daemon did not answer within 20 s");
    }

    public Process Start(string command)
    {
        ProcessStartInfo info = new("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec " + command);
        info.Environment["NETBOND_STATE_DIR"] = _stateDir;
        Process p = Process.Start(info)!;
        StringBuilder output = new();
        p.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _outputs[p] = output;
        _processes.Add(p);
        return p;
    }

    private readonly Dictionary<Process, StringBuilder> _outputs = [];

    public string OutputOf(Process p)
    {
        StringBuilder b = _outputs[p];
        lock (b)
        {
            return b.ToString();
        }
    }

    /// <summary>Waits for a process and for its output to be read to the end (a timed wait alone does not).</summary>
    public static bool Finish(Process p, int timeoutMs = 30_000)
    {
        if (!p.WaitForExit(timeoutMs))
        {
            return false;
        }
        p.WaitForExit();
        return true;
    }

    /// <summary>An iperf3 server for one test in <paramref name="ns"/>, once it listens (a busy machine may take a while to start it).</summary>
    public void StartIperfServer(string ns)
    {
        Start($"ip netns exec {ns} iperf3 -s -1");
        Assert.True(Eventually(() => In(ns, "ss -Htln sport = :5201").Out.Contains("5201", StringComparison.Ordinal), 10_000), "iperf3 -s did not listen");
    }

    public void Signal(Process p, string signal) => Sh($"kill -{signal} {p.Id}");

    /// <summary>Ends <paramref name="daemon"/> by <paramref name="signal"/> and starts the next one, which answers on return.</summary>
    public Process RestartDaemon(Process daemon, string signal)
    {
        Signal(daemon, signal);
        Assert.True(daemon.WaitForExit(10_000));
        Process next = StartDaemon();
        WaitForDaemon();
        return next;
    }

    /// <summary>Another host behind the switch, on switch port swcN, at <paramref name="address"/>/24; removed with the rest.</summary>
    public string AddClient(string address)
    {
        string ns = $"{Peer}c{_clients.Count}";
        string port = $"swc{_clients.Count}";
        _clients.Add(ns);
        Sh($"ip netns add {ns} && ip -n {ns} link set lo up");
        Sh($"ip link add eth0 netns {ns} type veth peer name {port} netns {Switch}");
        Sh($"ip -n {Switch} link set {port} master br0 && ip -n {Switch} link set {port} up");
        Sh($"ip -n {ns} addr add {address}/24 dev eth0 && ip -n {ns} link set eth0 up");
        return ns;
    }

    /// <summary>Sets up bond0 with an address and brings it up, as the classic guide does.</summary>
    public void AddBond(string options)
    {
        NetBond($"add bond0 {options}").ShouldSucceed();
        RaiseBond();
    }

    /// <summary>Gives bond0 its address and brings it up.</summary>
    public void RaiseBond() => Sh($"ip -n {Host} addr add {BondAddress}/24 dev bond0 && ip -n {Host} link set bond0 up");

    /// <summary>The members as `ip link`, tc and sysctl show them; the noqueue qdisc a veth gets when first up is the kernel's, not NetBond's.</summary>
    public string MemberState() =>
        In(Host, $"for d in {string.Join(' ', Members)}; do ip -o link show $d | sed -E \"s/^[0-9]+: //; s/ qdisc [a-z_]+//; s/ state [A-Z]+//\"; "
            + "tc qdisc show dev $d | grep -v noqueue; tc filter show dev $d ingress; cat /proc/sys/net/ipv6/conf/$d/disable_ipv6; done").Out;

    public string Status() => NetBond("status bond0").ShouldSucceed().Out;

    /// <summary>
    /// True when <paramref name="count"/> echo replies come back, with a few seconds to spare: on a busy machine the first
    /// neighbour resolution or a reply can take longer than a second, and a lost request is sent again.
    /// </summary>
    public bool Ping(int count = 3) => In(Host, $"ping -c {count} -i 0.2 -W 1 -w {5 + count} {PeerAddress}").Exit == 0;

    /// <summary>Pings <paramref name="target"/> from <paramref name="ns"/> every 20 ms for <paramref name="seconds"/> while <paramref name="during"/> runs; returns the replies missed.</summary>
    public int LostDuring(string ns, string target, double seconds, Action during)
    {
        Process ping = Start($"ip netns exec {ns} ping -i 0.02 -W 1 -w {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} {target}");
        Thread.Sleep(500);
        during();
        if (!Finish(ping, 60_000))
        {
            throw new TimeoutException("ping did not finish");
        }
        System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(OutputOf(ping), @"(\d+) packets transmitted, (\d+) received");
        if (!m.Success)
        {
            throw new InvalidOperationException(OutputOf(ping));
        }
        return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) - int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for a condition the daemon reaches asynchronously.</summary>
    public static bool Eventually(Func<bool> condition, int timeoutMs = 5000)
    {
        Stopwatch clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < timeoutMs)
        {
            if (condition())
            {
                return true;
            }
            Thread.Sleep(50);
        }
        return condition();
    }

    public long SwitchCounter(string port, string counter) =>
        long.Parse(In(Switch, $"cat /sys/class/net/{port}/statistics/{counter}").Out.Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An empty network namespace (a container's kind), removed with the rest.</summary>
    public string AddNamespace()
    {
        string ns = $"{Host}n{_clients.Count}";
        _clients.Add(ns);
        Sh($"ip netns add {ns} && ip -n {ns} link set lo up");
        return ns;
    }

    /// <summary>Runs a shell command with this test's state folder, <paramref name="stdin"/> on its input and more variables.</summary>
    public Result Run(string command, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        ProcessStartInfo info = new("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin != null, UseShellExecute = false };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        info.Environment["NETBOND_STATE_DIR"] = _stateDir;
        // Once a test started its daemon itself, as a child it can stop, a CLI call that races the daemon's
        // start must wait for it, never start a second one in the background that nothing would stop.
        if (_daemonStarted)
        {
            info.Environment["NETBOND_NO_AUTOSTART"] = "1";
        }
        using Process p = Process.Start(info)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(120_000))
        {
            p.Kill(true);
            throw new TimeoutException($"'{command}' did not finish in 120 s");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose()
    {
        foreach (Process p in _processes)
        {
            try
            {
                if (!p.HasExited)
                {
                    // SIGTERM first, so a daemon puts members back; then make sure.
                    Run($"kill -TERM {p.Id}");
                    if (!p.WaitForExit(5000))
                    {
                        p.Kill();
                        p.WaitForExit(5000);
                    }
                }
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        foreach (string ns in _clients.Concat([Host, Switch, Peer]))
        {
            Run($"ip netns del {ns} 2>/dev/null");
        }
        try
        {
            Directory.Delete(_stateDir, true);
        }
        catch (IOException)
        {
        }
    }
}

internal sealed record Result(int Exit, string Out, string Err)
{
    public Result ShouldSucceed()
    {
        Assert.True(Exit == 0, $"exit {Exit}: {Err}{Out}");
        return this;
    }
}
