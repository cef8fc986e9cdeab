using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace NetBond;

/// <summary>
/// `netbond demo`: NetBond's main job on an embedded default, in private network namespaces. A host with two
/// links to a switch (a Linux bridge) and a peer: bond0 in active-backup carries traffic, the active link is
/// cut and the outage measured, then the bond turns into balance-rr and both links carry a transfer.
/// Everything it makes is removed at the end, on Ctrl-C too, unless --keep is given.
/// </summary>
internal sealed partial class Demo : IDisposable
{
    private const string BondAddress = "198.18.0.1";
    private const string PeerAddress = "198.18.0.2";
    private readonly string _host;
    private readonly string _switch;
    private readonly string _peer;
    private readonly string _stateDir;
    private bool _keep;
    private Process? _daemon;
    private bool _cleaned;
    private volatile bool _interrupted;

    private Demo(bool keep)
    {
        string id = (Environment.ProcessId % 100000).ToString(CultureInfo.InvariantCulture);
        _host = $"nbdemo-host-{id}";
        _switch = $"nbdemo-switch-{id}";
        _peer = $"nbdemo-peer-{id}";
        _stateDir = Path.Combine(Path.GetTempPath(), $"netbond-demo-{id}");
        _keep = keep;
    }

    public static int Run(bool keep)
    {
        using Demo demo = new(keep);
        // A signal only marks the demo interrupted: the main thread stops at its next step and cleans up.
        void Interrupt(PosixSignalContext c)
        {
            c.Cancel = true;
            demo._interrupted = true;
        }
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        try
        {
            demo.Play();
            // A signal after the last step still means the user stopped the demo: say so by the exit code.
            demo.ThrowIfInterrupted();
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("demo interrupted: removing everything it made");
            demo._keep = false;
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            Console.Error.WriteLine($"demo failed: {e.Message}");
            demo._keep = false;
            return 1;
        }
    }

    private void Play()
    {
        Stopwatch total = Stopwatch.StartNew();
        Say("NetBond demo: Linux Ethernet bonding in userspace.");
        Say($"Building a small network in private namespaces: host '{_host}' with links eth0 and eth1 to a switch (a Linux bridge) and a peer {PeerAddress} behind it.");
        BuildTopology();
        StartDaemon();

        Step("The classic configuration, as the bonding guide writes it: module options and Red Hat interface files.");
        string root = WriteExampleFiles();
        Step("Bring bond0 up from these files (active-backup, MII monitoring every 100 ms, updelay 200 ms):");
        NetBond($"up bond0 --root {root}");
        WaitFor(() => !NetBond("status bond0", quiet: true).Contains("going back"), 3000);

        Step("The bond carries traffic:");
        Shell(_host, $"ping -c 3 -i 0.2 {PeerAddress}", show: true);
        Step("Its status, as /proc/net/bonding/bond0 shows it for a kernel bond:");
        NetBond("status bond0");
        Step("And the ifconfig-style view: one MAC on the bond and both members, the backup marked NOARP:");
        NetBond("show");

        Step("Now the active link eth0 dies (its switch port goes down) while the host pings the peer every 2 ms:");
        Process probe = StartProbe(1500);
        Thread.Sleep(1000);
        Shell(_switch, "ip link set sw0 down", show: true);
        (int sent, int lost) = FinishProbe(probe);
        Say($"Traffic stopped for about {lost * 2} ms ({lost} of {sent} probes lost): miimon noticed the lost carrier and eth1 took over.");
        NetBond("status bond0");

        Step("The link comes back: after updelay (200 ms) eth0 is up again, and stays backup as the kernel does:");
        Shell(_switch, "ip link set sw0 up", show: true);
        WaitFor(() => NetBond("status bond0", quiet: true).Contains("Slave Interface: eth0\nMII Status: up"), 3000);
        NetBond("status bond0");

        Step("Now balance-rr: the mode changes only while the bond is down and has no members, as in the kernel.");
        NetBond("release bond0 eth0 eth1");
        Shell(_host, "ip link set bond0 down", show: true);
        NetBond("set bond0 mode=balance-rr");
        Shell(_host, "ip link set bond0 up", show: true);
        NetBond("enslave bond0 eth0 eth1");
        long[] before = [Counter("sw0"), Counter("sw1")];
        bool iperf = Exists("iperf3");
        if (iperf)
        {
            Say("A 3-second TCP transfer to the peer (iperf3):");
            Process server = Start($"ip netns exec {_peer} iperf3 -s -1 >/dev/null");
            Thread.Sleep(300);
            Shell(_host, $"iperf3 -c {PeerAddress} -t 3 | tail -n 4", show: true);
            server.WaitForExit(5000);
        }
        else
        {
            Say("(iperf3 is not installed; a ping flood stands in for the transfer)");
            Shell(_host, $"ping -f -c 20000 -q {PeerAddress}", show: true);
        }
        long d0 = Counter("sw0") - before[0];
        long d1 = Counter("sw1") - before[1];
        Say($"Frames the switch received from the host: eth0 {d0}, eth1 {d1} — both links carry the traffic.");
        NetBond("show");
        Say($"Done in {total.Elapsed.TotalSeconds:F1} s.");
        if (_keep)
        {
            Say($"The namespaces are kept. Enter the host with:  ip netns exec {_host} bash");
            Say($"  (then: NETBOND_STATE_DIR={_stateDir} ./netbond status bond0)");
            Say($"Remove everything with:  kill {_daemon!.Id}; ip netns del {_host}; ip netns del {_switch}; ip netns del {_peer}");
        }
    }

    /// <summary>The guide's files for bond0 over eth0 and eth1, below a private root, shown as they are written.</summary>
    private string WriteExampleFiles()
    {
        string root = Path.Combine(_stateDir, "root");
        (string Path, string Text)[] files =
        [
            ("/etc/modprobe.d/bonding.conf", "alias bond0 bonding\noptions bond0 mode=active-backup miimon=100 updelay=200\n"),
            ("/etc/sysconfig/network-scripts/ifcfg-bond0",
                $"DEVICE=bond0\nIPADDR={BondAddress}\nNETMASK=255.255.255.0\nNETWORK=198.18.0.0\nBROADCAST=198.18.0.255\nONBOOT=yes\nBOOTPROTO=none\nUSERCTL=no\n"),
            ("/etc/sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0\nUSERCTL=no\nONBOOT=yes\nMASTER=bond0\nSLAVE=yes\nBOOTPROTO=none\n"),
            ("/etc/sysconfig/network-scripts/ifcfg-eth1", "DEVICE=eth1\nUSERCTL=no\nONBOOT=yes\nMASTER=bond0\nSLAVE=yes\nBOOTPROTO=none\n"),
        ];
        foreach ((string path, string text) in files)
        {
            string full = Path.Join(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
            Console.WriteLine($"  {path}:");
            Indent(text);
        }
        return root;
    }

    private void BuildTopology()
    {
        foreach (string command in LabNetwork.Commands(_host, _switch, _peer, 2, PeerAddress))
        {
            Shell(null, command);
        }
    }

    private void StartDaemon()
    {
        Directory.CreateDirectory(_stateDir);
        _daemon = Start($"ip netns exec {_host} {Self} daemon 2>>{_stateDir}/daemon.log");
        WaitFor(() => Run(Cli("status")).Exit == 0, 15000);
    }

    private Process StartProbe(int count) => Start($"ip netns exec {_host} ping -n -q -i 0.002 -W 1 -c {count} {PeerAddress}", capture: true);

    private static (int Sent, int Lost) FinishProbe(Process probe)
    {
        string output = probe.StandardOutput.ReadToEnd();
        probe.WaitForExit();
        Match m = PingSummary().Match(output);
        if (!m.Success)
        {
            throw new InvalidOperationException("the probe printed no summary: " + output);
        }
        int sent = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        int received = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return (sent, sent - received);
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) received")]
    private static partial Regex PingSummary();

    private long Counter(string port) =>
        long.Parse(Run($"ip netns exec {_switch} cat /sys/class/net/{port}/statistics/rx_packets").Out.Trim(), CultureInfo.InvariantCulture);

    private string NetBond(string args, bool quiet = false)
    {
        ThrowIfInterrupted();
        if (!quiet)
        {
            Console.WriteLine($"  # netbond {args}");
        }
        (int exit, string output, string error) = Run(Cli(args));
        if (!quiet)
        {
            Indent(output + error);
        }
        if (exit != 0)
        {
            throw new InvalidOperationException($"netbond {args} failed: {error}");
        }
        return output;
    }

    private void Shell(string? ns, string command, bool show = false)
    {
        ThrowIfInterrupted();
        if (show)
        {
            Console.WriteLine($"  # {command}");
        }
        (int exit, string output, string error) = Run(ns == null ? command : $"ip netns exec {ns} sh -c '{command}'");
        if (show)
        {
            Indent(output);
        }
        if (exit != 0)
        {
            throw new InvalidOperationException($"'{command}' failed: {error}{output}");
        }
    }

    private void ThrowIfInterrupted()
    {
        if (_interrupted)
        {
            throw new OperationCanceledException();
        }
    }

    private static string Self => string.Join(' ', SelfCommand.Arguments);

    /// <summary>A netbond command in the demo's host, to the demo's own daemon: never the host's, nor one started for it.</summary>
    private string Cli(string args) => $"ip netns exec {_host} env NETBOND_STATE_DIR={_stateDir} NETBOND_NO_AUTOSTART=1 {Self} {args}";

    private static bool Exists(string tool) => Run($"command -v {tool}").Exit == 0;

    private Process Start(string command, bool capture = false)
    {
        ProcessStartInfo info = new("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = capture };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec " + command);
        info.Environment["NETBOND_STATE_DIR"] = _stateDir;
        return Process.Start(info)!;
    }

    private static (int Exit, string Out, string Err) Run(string command)
    {
        ProcessStartInfo info = new("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        using Process p = Process.Start(info)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }

    private void WaitFor(Func<bool> condition, int timeoutMs)
    {
        Stopwatch clock = Stopwatch.StartNew();
        while (!condition())
        {
            ThrowIfInterrupted();
            if (clock.ElapsedMilliseconds > timeoutMs)
            {
                throw new TimeoutException("the bond did not reach the expected state in time");
            }
            Thread.Sleep(50);
        }
    }

    private static void Say(string text) => Console.WriteLine(text);

    private static void Step(string text)
    {
        Console.WriteLine();
        Console.WriteLine("== " + text);
    }

    private static void Indent(string text)
    {
        if (text.Trim().Length == 0)
        {
            return;
        }
        foreach (string line in text.TrimEnd('\n').Split('\n'))
        {
            Console.WriteLine("    " + line);
        }
    }

    public void Dispose()
    {
        if (_cleaned || _keep)
        {
            return;
        }
        _cleaned = true;
        if (_daemon is { HasExited: false })
        {
            Run($"kill -TERM {_daemon.Id}");
            if (!_daemon.WaitForExit(5000))
            {
                _daemon.Kill();
            }
        }
        foreach (string ns in new[] { _host, _switch, _peer })
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
