using System.Net.Sockets;
using System.Runtime.InteropServices;
using NetBond.Linux;
using NetBond.Linux.Interop;
using NetBond.Linux.Netlink;

namespace NetBond;

/// <summary>
/// The host's daemon: it serves every network namespace, each caller in its own (<see cref="BondNamespace"/>), as the
/// kernel's bonding does. Threads: the accept thread takes connections and hands each root client to a thread of
/// its own; commands run one at a time under <see cref="_gate"/>, which the control thread (link monitors, netlink
/// events of every namespace) takes too. The data-plane threads of each bond never take it.
/// </summary>
internal sealed class Daemon : IDisposable
{
    private const int SO_PEERCRED = 17;

    /// <summary>How often the control thread looks for namespaces their owners let go of.</summary>
    private const long NamespaceScanMs = 1000;

    private readonly object _gate = new();
    private readonly Dictionary<ulong, BondNamespace> _namespaces = [];
    private readonly BondNamespace _home;
    private readonly EpollSet _waiter = new();
    private readonly DaemonClock _clock = new();
    private readonly Socket _listener;
    private readonly FileStream _lock;
    private readonly ManualResetEventSlim _stopped = new();
    private volatile bool _stopping;
    private Metrics.MetricsServer? _metrics;
    private readonly SystemdNotify _systemd = new();
    private string? _upRoot;

    private Daemon(Socket listener, FileStream lockFile)
    {
        _listener = listener;
        _lock = lockFile;
        _home = BondNamespace.Open(NetworkNamespace.Open("/proc/self/ns/net"), home: true, _clock, Log, _waiter.Wake);
        _namespaces[_home.Namespace.Inode] = _home;
        _waiter.Watch(_home.EventFd, _home.Namespace.Inode);
    }

    /// <param name="upRoot">With `--up-all [--root DIR]`: the files below this root are brought up before READY=1.</param>
    /// <summary>`netbond daemon [--metrics ADDR:PORT] [--up-all [--root DIR]] [--background]`.</summary>
    public static int RunCommand(IReadOnlyList<string> argv)
    {
        List<string> a = [.. argv];
        int metrics = a.IndexOf("--metrics");
        if (metrics >= 0 && metrics + 1 >= a.Count)
        {
            Console.Error.WriteLine("netbond daemon: --metrics needs ADDRESS:PORT");
            return 2;
        }
        if (metrics >= 0 && Metrics.MetricsServer.CheckEndpoint(a[metrics + 1]) is { } bad)
        {
            Console.Error.WriteLine($"netbond daemon: {bad}");
            return 1;
        }
        int root = a.IndexOf("--root");
        string? upRoot = a.Contains("--up-all") ? (root >= 0 && root + 1 < a.Count ? a[root + 1] : "/") : null;
        return Run(background: a.Contains("--background"), metrics: metrics >= 0 ? a[metrics + 1] : null, upRoot);
    }

    public static int Run(bool background, string? metrics = null, string? upRoot = null)
    {
        if (background)
        {
            Session.Detach();
        }
        if (ControlSocketDirectory.Problem(StatePaths.Root) is { } problem)
        {
            Console.Error.WriteLine($"netbond daemon: {problem}");
            return 1;
        }
        FileStream lockFile;
        try
        {
            // .NET takes flock(LOCK_EX | LOCK_NB) for FileShare.None: held until this process ends, however it ends.
            lockFile = new FileStream(StatePaths.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            Console.Error.WriteLine($"netbond: a daemon already runs on this host (for {StatePaths.Root})");
            return 1;
        }
        // The lock is ours: a socket file left there is a killed daemon's.
        File.Delete(StatePaths.SocketPath);
        Socket listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(StatePaths.SocketPath));
        // Anyone may connect, to be told that only root is served; nobody but root can put a socket here.
#pragma warning disable CA1416 // NetBond runs on Linux only
        File.SetUnixFileMode(StatePaths.SocketPath, (UnixFileMode)0b110_110_110);
#pragma warning restore CA1416
        listener.Listen(64);
        using Daemon daemon = new(listener, lockFile);
        if (metrics != null)
        {
            daemon._metrics = Metrics.MetricsServer.Start(metrics, daemon.RenderMetrics, Log, out string? error);
            if (daemon._metrics == null)
            {
                Console.Error.WriteLine($"netbond daemon: {error}");
                return 1;
            }
        }
        daemon._upRoot = upRoot;
        return daemon.Serve();
    }

    private int Serve()
    {
        Log($"netbond daemon v{Core.ProcStatus.Version} started (pid {Environment.ProcessId}, netns {_home.Namespace.Inode}, {StatePaths.SocketPath})");
        lock (_gate)
        {
            AdoptLeftovers();
        }
        PrivateFiles.Write(StatePaths.PidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration handover = PosixSignalRegistration.Create(SIGUSR2, OnHandover);
        Thread control = new(ControlLoop) { Name = "netbond-control", IsBackground = true };
        control.Start();
        Thread accept = new(AcceptLoop) { Name = "netbond-accept", IsBackground = true };
        accept.Start();
        if (_upRoot != null)
        {
            UpAll(_upRoot);
        }
        _systemd.Ready(SystemdStatus());
        _stopped.Wait();
        _systemd.Stopping();
        if (_handingOver)
        {
            HandOver();
            return 0;
        }
        Log("stopping: releasing every member");
        lock (_gate)
        {
            foreach (BondNamespace ns in _namespaces.Values)
            {
                ns.Release();
                ns.Dispose();
            }
            _namespaces.Clear();
        }
        File.Delete(StatePaths.SocketPath);
        File.Delete(StatePaths.PidFile);
        Log("stopped");
        return 0;
    }

    /// <summary>SIGUSR2: exit and leave the bonds on the kernel data path running for the next daemon (an upgrade).</summary>
    private const PosixSignal SIGUSR2 = (PosixSignal)12;

    private volatile bool _handingOver;

    private void OnHandover(PosixSignalContext context)
    {
        _handingOver = true;
        OnSignal(context);
    }

    /// <summary>
    /// Stops as a SIGKILL would for the bonds on the kernel data path — their frames keep moving, members, journal and
    /// bonds.json stay for the next daemon to adopt — and as SIGTERM does for the others.
    /// </summary>
    private void HandOver()
    {
        Log("handing over: bonds on the kernel data path keep running for the next daemon to adopt");
        lock (_gate)
        {
            foreach (BondNamespace ns in _namespaces.Values)
            {
                ns.HandOver();
            }
        }
        File.Delete(StatePaths.SocketPath);
        File.Delete(StatePaths.PidFile);
        Log("stopped");
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        _stopping = true;
        _listener.Dispose();
        _stopped.Set();
    }

    /// <summary>
    /// `daemon --up-all`: what `netbond up --all` does, inside the daemon (in its own namespace), so systemd hears
    /// READY=1 only once the bonds are up. Problems in the files are logged (and shown in STATUS=); the daemon runs
    /// on, for a reload.
    /// </summary>
    private void UpAll(string root)
    {
        Config.NetworkConfiguration config = Config.NetworkConfiguration.Read(root);
        foreach (Config.ConfigProblem p in config.Problems)
        {
            Log(p.ToString());
        }
        if (config.Problems.Count > 0)
        {
            _upProblem = $"{config.Problems.Count + config.MoreProblems} problem(s) in the configuration, nothing brought up";
            Log(_upProblem);
            return;
        }
        Config.UpRequest request = Config.UpRequest.From(config.BootBonds, config.ModuleDefaults);
        lock (_gate)
        {
            CommandResult r = _home.Inside(() => new Config.ConfigApplier(_home.Registry).Up(request, new CommandResult()));
            foreach (string line in (r.Out.ToString() + r.Err).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Log($"up --all: {line}");
            }
            if (r.ExitCode != 0)
            {
                _upProblem = "up --all failed, nothing brought up (see the log)";
            }
        }
    }

    private string? _upProblem;

    /// <summary>The state systemctl status shows: each bond, its carrier and active member; another namespace's named by it.</summary>
    private string SystemdStatus()
    {
        string bonds;
        lock (_gate)
        {
            List<string> each = [.. _namespaces.Values.SelectMany(ns => ns.Registry.Bonds.Select(b =>
                $"{(ns.IsHome ? "" : ns.Name + "/")}{b.Bond.Name} {(b.Bond.Carrier ? "up" : "down")}{(b.Bond.Active is { } a ? $" ({a.Name} active)" : "")}"))];
            bonds = each.Count == 0 ? "no bonds" : string.Join(", ", each);
        }
        return _upProblem == null ? bonds : $"{_upProblem}; {bonds}";
    }

    /// <summary>
    /// What a daemon killed with SIGKILL (or handing over) left, in every namespace it had bonds in: each namespace
    /// still held by someone is entered and its bonds adopted or its members put back; one nobody holds any more took
    /// its interfaces with it, and its folder goes.
    /// </summary>
    private void AdoptLeftovers()
    {
        _home.AdoptOrRestoreLeftovers();
        Dictionary<ulong, string> held = NamespaceHolders.Scan();
        foreach (string dir in Directory.EnumerateDirectories(StatePaths.Root, StatePaths.NamespacePrefix + "*"))
        {
            if (!ulong.TryParse(Path.GetFileName(dir)[StatePaths.NamespacePrefix.Length..], out ulong inode) || inode == _home.Namespace.Inode)
            {
                continue;
            }
            BondNamespace? ns = null;
            try
            {
                ns = held.TryGetValue(inode, out string? path) ? Open(NetworkNamespace.Open(path)) : null;
            }
            catch (NativeException e)
            {
                Log($"net:[{inode}]: cannot enter it ({e.Message})");
            }
            if (ns == null)
            {
                Log($"net:[{inode}]: the namespace is gone, and its interfaces with it; forgetting its state");
                Directory.Delete(dir, recursive: true);
                continue;
            }
            ns.AdoptOrRestoreLeftovers();
            DropIfIdle(ns);
        }
    }

    /// <summary>Starts serving a namespace: its sockets, opened from inside it.</summary>
    private BondNamespace Open(NetworkNamespace handle)
    {
        BondNamespace ns = BondNamespace.Open(handle, home: false, _clock, Log, _waiter.Wake);
        _namespaces[handle.Inode] = ns;
        _waiter.Watch(ns.EventFd, handle.Inode);
        return ns;
    }

    /// <summary>Stops serving a namespace: its bonds released, its sockets closed.</summary>
    private void Drop(BondNamespace ns)
    {
        _namespaces.Remove(ns.Namespace.Inode);
        _waiter.Forget(ns.EventFd);
        ns.Release();
        ns.Dispose();
    }

    /// <summary>A namespace with no bonds and no listeners is let go at once: the daemon holds nothing of a namespace it has no work in.</summary>
    private void DropIfIdle(BondNamespace ns)
    {
        if (!ns.IsHome && ns.IsIdle)
        {
            Drop(ns);
        }
    }

    /// <summary>Clients served at once; more wait in the listen backlog.</summary>
    private const int MaxClients = 8;

    /// <summary>How long a client may take to send its whole request, or to read the answer.</summary>
    private static readonly TimeSpan s_clientDeadline = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _clients = new(MaxClients);

    /// <summary>A client that hangs up before its answer costs one log line at most, however often it does so.</summary>
    private readonly LogLimiter _connectionFailures = new(Log, () => Environment.TickCount64);

    /// <summary>
    /// Accepts connections and never reads from one: credentials are checked at once (SO_PEERCRED) and a
    /// non-root caller is refused without a read, so nobody can stall the loop; the caller's network namespace is
    /// taken from its process (opened now, while it waits for the answer, so it cannot change under the command);
    /// each root client is served on a thread of its own under a deadline, so one that sends nothing holds up no other.
    /// </summary>
    private void AcceptLoop()
    {
        while (!_stopping)
        {
            Socket client;
            try
            {
                _clients.Wait();
                client = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            client.ReceiveTimeout = client.SendTimeout = (int)s_clientDeadline.TotalMilliseconds;
            (int pid, uint uid) = PeerCredentials(client);
            if (uid != 0)
            {
                Answer(client, new CommandResult().Fail("permission denied: the NetBond daemon takes commands from root only"));
                continue;
            }
            NetworkNamespace caller;
            try
            {
                caller = NetworkNamespace.Open($"/proc/{pid}/ns/net");
            }
            catch (NativeException e)
            {
                Answer(client, new CommandResult().Fail($"cannot enter the caller's network namespace: {e.Message}"));
                continue;
            }
            new Thread(() => Serve(client, caller)) { Name = "netbond-client", IsBackground = true }.Start();
        }
    }

    private static (int Pid, uint Uid) PeerCredentials(Socket client)
    {
        // struct ucred: pid, uid, gid — the pid as this daemon's PID namespace numbers it.
        byte[] cred = new byte[12];
        client.GetRawSocketOption(1 /* SOL_SOCKET */, SO_PEERCRED, cred);
        return (BitConverter.ToInt32(cred, 0), BitConverter.ToUInt32(cred, 4));
    }

    /// <summary>Sends the answer and lets the client go; a client that has gone is only logged.</summary>
    private void Answer(Socket client, CommandResult result)
    {
        using (client)
        {
            try
            {
                ControlProtocol.Send(client, ControlProtocol.EncodeResult(result));
            }
            catch (SocketException e)
            {
                _connectionFailures.Log($"control connection failed: {e.Message}");
            }
        }
        _clients.Release();
    }

    private void Serve(Socket client, NetworkNamespace caller)
    {
        string[]? args = null;
        try
        {
            byte[]? request = ControlProtocol.Receive(client, ControlProtocol.MaxRequest, new RequestDeadline(s_clientDeadline));
            args = request == null ? null : ControlProtocol.DecodeRequest(request);
        }
        catch (SocketException e)
        {
            _connectionFailures.Log($"control connection failed: {e.Message}");
        }
        CommandResult? result = null;
        lock (_gate)
        {
            BondNamespace? ns = null;
            try
            {
                ns = _stopping ? null : Namespace(caller);
                if (ns == null)
                {
                    result = new CommandResult().Fail("the daemon is stopping");
                }
                else if (args == null)
                {
                    result = new CommandResult().Fail("malformed request");
                }
                else if (args is ["events", ..])
                {
                    Subscribe(client, ns, args);
                }
                else
                {
                    result = ns.Execute(args);
                    _waiter.Wake();
                }
            }
            catch (Exception e)
            {
                // A command must never take the daemon down; say what failed and carry on.
                Log($"command '{string.Join(' ', args ?? [])}' failed: {e}");
                result = new CommandResult().Fail(e.Message);
            }
            if (ns != null)
            {
                DropIfIdle(ns);
            }
        }
        if (result != null)
        {
            Answer(client, result);
        }
    }

    /// <summary>The caller's namespace as the daemon serves it, opened when it is new; <paramref name="caller"/> is taken over.</summary>
    private BondNamespace Namespace(NetworkNamespace caller)
    {
        if (_namespaces.TryGetValue(caller.Inode, out BondNamespace? known))
        {
            caller.Dispose();
            return known;
        }
        try
        {
            return Open(caller);
        }
        catch
        {
            caller.Dispose();
            throw;
        }
    }

    /// <summary>`events [BOND] [--json]`: an answer first (or the refusal), then the connection stays open for the event lines.</summary>
    private void Subscribe(Socket client, BondNamespace ns, string[] args)
    {
        string[] rest = [.. args.Skip(1).Where(a => a != "--json")];
        bool json = args.Contains("--json");
        string? refusal = rest.Length > 1 || rest.Any(a => a.StartsWith('-')) ? "usage: netbond events [BOND] [--json]"
            : rest.Length == 1 && ns.Registry.Find(rest[0]) == null ? $"{rest[0]}: no such bond"
            : ns.EventHub.IsFull() ? $"already {Events.EventHub.MaxSubscribers} listeners"
            : null;
        if (refusal != null)
        {
            Answer(client, new CommandResult().Fail(refusal));
            return;
        }
        try
        {
            ControlProtocol.Send(client, ControlProtocol.EncodeResult(new CommandResult()));
            ns.EventHub.Subscribe(client, rest.FirstOrDefault(), json, ns.Registry.Bonds);
        }
        catch (SocketException e)
        {
            Log($"events connection failed: {e.Message}");
            client.Dispose();
        }
        _clients.Release();
    }

    private void ControlLoop()
    {
        long nextScan = 0;
        HashSet<ulong> unheld = [];
        HashSet<ulong> events = [];
        while (!_stopping)
        {
            long due = long.MaxValue;
            lock (_gate)
            {
                foreach (BondNamespace ns in _namespaces.Values)
                {
                    due = Math.Min(due, ns.DueMs);
                }
            }
            long wait = due - _clock.NowMs;
            _waiter.Wait(due == long.MinValue || wait <= 0 ? 0 : (int)Math.Min(wait, 1000), events);
            lock (_gate)
            {
                if (_stopping)
                {
                    return;
                }
                long now = _clock.NowMs;
                // Only the namespaces with events waiting or something due: a host of idle ones costs a comparison each.
                foreach (BondNamespace ns in _namespaces.Values)
                {
                    bool waiting = events.Contains(ns.Namespace.Inode);
                    if (!waiting && ns.DueMs > now)
                    {
                        continue;
                    }
                    try
                    {
                        ns.Tick(now, waiting);
                    }
                    catch (Exception e)
                    {
                        Log($"control loop ({ns.Name}): {e}");
                    }
                }
                if (now >= nextScan)
                {
                    nextScan = now + NamespaceScanMs;
                    ReleaseUnheld(unheld);
                }
                _systemd.Tick(now, SystemdStatus);
            }
        }
    }

    /// <summary>
    /// Namespaces their owners let go of (`ip netns del`, the container gone) while they had bonds: their bonds go,
    /// as the kernel's go with a namespace, and the daemon lets go of the namespace so the kernel can free it. Only
    /// after two scans in a row find it unheld, so one made a moment ago is not taken for one being deleted.
    /// </summary>
    private void ReleaseUnheld(HashSet<ulong> unheldBefore)
    {
        if (_namespaces.Count == 1)
        {
            unheldBefore.Clear();
            return;
        }
        Dictionary<ulong, string> held = NamespaceHolders.Scan();
        foreach (BondNamespace ns in _namespaces.Values.Where(ns => !ns.IsHome).ToArray())
        {
            if (held.ContainsKey(ns.Namespace.Inode))
            {
                unheldBefore.Remove(ns.Namespace.Inode);
            }
            else if (!unheldBefore.Add(ns.Namespace.Inode))
            {
                unheldBefore.Remove(ns.Namespace.Inode);
                Log($"{ns.Name}: the namespace was deleted: its bonds ({string.Join(", ", ns.Registry.Bonds.Select(b => b.Bond.Name))}) go with it");
                Drop(ns);
            }
        }
    }

    /// <summary>The log file a started daemon writes to (its stderr), and the size past which it starts a new one.</summary>
    private static readonly string? s_logFile = Environment.GetEnvironmentVariable("NETBOND_LOG");
    private static readonly long s_logMax = long.TryParse(Environment.GetEnvironmentVariable("NETBOND_LOG_MAX"), out long max) ? max : 4 << 20;
    private static readonly object s_logGate = new();

    /// <summary>Set by systemd when stderr goes to the journal: lines then carry a priority prefix and no time of their own.</summary>
    private static readonly bool s_journal = Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 };

    private static void Log(string message)
    {
        lock (s_logGate)
        {
            Console.Error.WriteLine(s_journal ? $"<{JournalPriority.Of(message)}>{message}" : $"{DateTime.Now:yyyy-MM-dd HH:mm:ss.fff} netbond: {message}");
            if (s_logFile != null && new FileInfo(s_logFile) is { Exists: true, Length: var size } && size > s_logMax)
            {
                StandardStreams.Rotate(s_logFile);
            }
        }
    }

    /// <summary>The bonds' snapshots taken under the gate, as a command takes them; rendered outside it.</summary>
    private string RenderMetrics()
    {
        List<(Core.BondSnapshot, string, string?)> bonds;
        lock (_gate)
        {
            bonds = [.. _namespaces.Values.SelectMany(ns => ns.Registry.Bonds.Select(b => (b.Snapshot(), b.DataPath.Name, ns.IsHome ? null : ns.Name)))];
        }
        return Metrics.PrometheusText.Render(bonds);
    }

    public void Dispose()
    {
        _systemd.Dispose();
        _metrics?.Dispose();
        _listener.Dispose();
        foreach (BondNamespace ns in _namespaces.Values)
        {
            ns.Dispose();
        }
        _waiter.Dispose();
        _stopped.Dispose();
        _lock.Dispose();
    }
}
