using System.Diagnostics;
using System.Net.Sockets;

namespace NetBond;

/// <summary>
/// The CLI side: sends the command line to the host's daemon, which acts in the caller's network namespace,
/// starting one in the background when none answers.
/// </summary>
internal static class ControlClient
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Sends a command that runs in the daemon and prints its answer (and, for events, what follows).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        if (!IsRoot())
        {
            Console.Error.WriteLine("netbond: must be run as root");
            return 1;
        }
        using Socket? socket = Open();
        if (socket == null)
        {
            return 1;
        }
        (int exit, string output, string error) = Ask(socket, args);
        Console.Out.Write(Printable(output));
        Console.Error.Write(Printable(error));
        return exit == 0 && args[0] == "events" ? FollowEvents(socket) : exit;
    }

    /// <summary>One command, its answer decoded: for callers that show it their own way (top).</summary>
    public static (int Exit, string Out, string Err) Ask(IReadOnlyList<string> args)
    {
        using Socket? socket = Open();
        return socket == null ? (1, "", "") : Ask(socket, args);
    }

    /// <summary>What the daemon sent, without control characters but line ends and tabs: no answer may drive the terminal.</summary>
    internal static string Printable(string text) =>
        string.Concat(text.Where(c => c is '\n' or '\t' || !char.IsControl(c)));

    /// <summary>A connection to the host's daemon, started first when none runs; null (said why) when none can be had.</summary>
    private static Socket? Open()
    {
        if (ControlSocketDirectory.Problem(StatePaths.Root) is { } problem)
        {
            Console.Error.WriteLine($"netbond: {problem}");
            return null;
        }
        // Under systemd the unit starts the daemon; a command must wait for it rather than start a second one.
        Socket? socket = Connect() ?? (Environment.GetEnvironmentVariable("NETBOND_NO_AUTOSTART") == "1" ? WaitForDaemon() : StartDaemonAndConnect());
        if (socket == null)
        {
            Console.Error.WriteLine($"netbond: could not start the daemon; see {LogPath}");
        }
        else if (PeerUid(socket) != 0)
        {
            // Only root can bind in a root-only directory; checked anyway, as a daemon's answer is trusted.
            Console.Error.WriteLine($"netbond: {StatePaths.SocketPath} is served by uid {PeerUid(socket)}, not root: refusing to talk to it");
            socket.Dispose();
            return null;
        }
        return socket;
    }

    private static (int Exit, string Out, string Err) Ask(Socket socket, IReadOnlyList<string> args)
    {
        byte[]? answer;
        try
        {
            ControlProtocol.Send(socket, ControlProtocol.EncodeRequest(args));
            answer = ControlProtocol.Receive(socket);
        }
        catch (SocketException e)
        {
            return (1, "", $"netbond: lost the daemon: {e.Message}\n");
        }
        return answer == null
            ? (1, "", $"netbond: the daemon closed the connection without an answer; see {LogPath}\n")
            : ControlProtocol.DecodeResult(answer);
    }

    /// <summary>`events`: each message after the answer is one line, printed as it comes, until the daemon stops.</summary>
    private static int FollowEvents(Socket socket)
    {
        try
        {
            while (ControlProtocol.Receive(socket) is { } line)
            {
                Console.Out.Write(Printable(System.Text.Encoding.UTF8.GetString(line)));
                Console.Out.Flush();
            }
        }
        catch (SocketException)
        {
        }
        return 0;
    }

    public static bool IsRoot() => File.ReadAllLines("/proc/self/status")
        .Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0");

    public static string LogPath => StatePaths.LogPath;

    private static uint PeerUid(Socket socket)
    {
        byte[] cred = new byte[12];
        socket.GetRawSocketOption(1 /* SOL_SOCKET */, 17 /* SO_PEERCRED */, cred);
        return BitConverter.ToUInt32(cred, 4);
    }

    private static Socket? Connect()
    {
        Socket s = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(StatePaths.SocketPath));
            return s;
        }
        catch (SocketException)
        {
            s.Dispose();
            return null;
        }
    }

    private static Socket? StartDaemonAndConnect()
    {
        // A shell wrapper sends the daemon's output to its log and keeps the CLI's own streams out of it. The daemon
        // serves the whole host, so it runs in the host's network and mount namespaces (PID 1's), whichever the
        // caller is in: a daemon living in the caller's namespace would keep it alive after `ip netns del`. Where
        // PID 1's namespaces are out of reach (a sandbox whose init holds capabilities root here lacks), it starts
        // where the caller is.
        bool host = Linux.NetworkNamespace.InodeAt("/proc/1/ns/net") != null && Linux.NetworkNamespace.InodeAt("/proc/1/ns/mnt") != null;
        ProcessStartInfo shell = new("/bin/sh") { UseShellExecute = false };
        shell.ArgumentList.Add("-c");
        // umask 077: its log, and all the daemon makes, for root alone.
        shell.ArgumentList.Add($"umask 077; exec {(host ? "nsenter --net=/proc/1/ns/net --mount=/proc/1/ns/mnt -- " : "")}\"$0\" \"$@\" </dev/null >>\"$NETBOND_LOG\" 2>&1 &");
        foreach (string a in SelfCommand.Arguments.Append("daemon").Append("--background"))
        {
            shell.ArgumentList.Add(a);
        }
        shell.Environment["NETBOND_LOG"] = LogPath;
        RotateLog();
        // The daemon is netbond whatever name started it: called as ifenslave it would read "daemon" as a bond, started
        // by the CNI plugin it would be one.
        shell.Environment.Remove("NETBOND_ARGV0");
        foreach (string cni in shell.Environment.Keys.Where(k => k.StartsWith("CNI_", StringComparison.Ordinal)).ToList())
        {
            shell.Environment.Remove(cni);
        }
        using (Process? p = Process.Start(shell))
        {
            p?.WaitForExit();
        }
        return WaitForDaemon();
    }

    /// <summary>Each daemon a CLI starts appends to the log; past 1 MiB the old log moves to daemon.log.1 first.</summary>
    private static void RotateLog()
    {
        const long MaxLog = 1 << 20;
        FileInfo log = new(LogPath);
        if (log.Exists && log.Length > MaxLog)
        {
            log.MoveTo(LogPath + ".1", overwrite: true);
        }
    }

    private static Socket? WaitForDaemon()
    {
        Stopwatch clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_startTimeout)
        {
            Socket? s = Connect();
            if (s != null)
            {
                return s;
            }
            Thread.Sleep(50);
        }
        return null;
    }
}
