using System.Net.Sockets;
using System.Runtime.InteropServices;
using NetBond.Linux;
using NetBond.Linux.Interop;
using NetBond.Linux.Netlink;

namespace NetBond;

/// <summary>
/// The daemon of one network namespace. Threads: the accept thread takes connections and hands each root client
/// to a thread of its own; commands run one at a time under <see cref="_gate"/>, which the control thread (link
/// monitors, netlink events) takes too. The data-plane threads of each bond never take it.
/// </summary>
internal sealed class Daemon : IDisposable
{
    private const int SO_PEERCRED = 17;

    private readonly object _gate = new();
    private readonly RtNetlink _rt = new();
    private readonly Ethtool _ethtool = new();
    private readonly LinkEventListener _events = new();
    private readonly StateJournal _journal;
    private readonly BondStateFile _bondState;
    private readonly BondRegistry _registry;
    private readonly CommandProcessor _processor;
    private readonly DaemonClock _clock = new();
    private readonly Socket _listener;
    private readonly ManualResetEventSlim _stopped = new();
    private volatile bool _stopping;
    private Metrics.MetricsServer? _metrics;
    private readonly Events.EventHub _eventHub = new();
    private readonly SystemdNotify _systemd = new();
    private string? _upRoot;

    private Daemon(Socket listener)
    {
        _listener = listener;
        _journal = new StateJournal(StatePaths.Directory, StatePaths.NamespaceIdentity);
        _bondState = new BondStateFile(StatePaths.Directory, StatePaths.NamespaceIdentity);
        _registry = new BondRegistry(_rt, _ethtool, _journal, Log, () => _clock.NowMs, _events.Wake);
        _processor = new CommandProcessor(_registry, _clock);
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
        Socket listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(StatePaths.SocketName));
            listener.Listen(16);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            Console.Error.WriteLine("netbond: a daemon already runs in this network namespace");
            listener.Dispose();
            return 1;
        }
        using Daemon daemon = new(listener);
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
        Log($"netbond daemon v{Core.ProcStatus.Version} started (pid {Environment.ProcessId}, netns {StatePaths.NamespaceId})");
        lock (_gate)
        {
            AdoptOrRestoreLeftovers();
        }
        string pidFile = Path.Combine(StatePaths.Directory, "daemon.pid");
        File.WriteAllText(pidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
            HandOver(pidFile);
            return 0;
        }
        Log("stopping: releasing every member");
        lock (_gate)
        {
            _registry.Dispose();
            _eventHub.Publish(_registry.Bonds);
            _eventHub.Dispose();
            _journal.Clear();
        }
        File.Delete(pidFile);
        Log("stopped");
        // Stopped cleanly, every member put back: nothing of this namespace's state is left to keep.
        try
        {
            Directory.Delete(StatePaths.Directory, recursive: true);
        }
        catch (IOException e)
        {
            Log($"cannot remove {StatePaths.Directory}: {e.Message}");
        }
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
    private void HandOver(string pidFile)
    {
        Log("handing over: bonds on the kernel data path keep running for the next daemon to adopt");
        lock (_gate)
        {
            _bondState.Save(_registry.Bonds);
            _registry.HandOver();
            _eventHub.Dispose();
        }
        File.Delete(pidFile);
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
    /// `daemon --up-all`: what `netbond up --all` does, inside the daemon, so systemd hears READY=1 only once the
    /// bonds are up. Problems in the files are logged (and shown in STATUS=); the daemon runs on, for a reload.
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
            CommandResult r = new Config.ConfigApplier(_registry).Up(request, new CommandResult());
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

    /// <summary>The state systemctl status shows: each bond, its carrier and active member.</summary>
    private string SystemdStatus()
    {
        string bonds;
        lock (_gate)
        {
            bonds = _registry.Bonds.Count == 0 ? "no bonds"
                : string.Join(", ", _registry.Bonds.Select(b => $"{b.Bond.Name} {(b.Bond.Carrier ? "up" : "down")}{(b.Bond.Active is { } a ? $" ({a.Name} active)" : "")}"));
        }
        return _upProblem == null ? bonds : $"{_upProblem}; {bonds}";
    }

    /// <summary>
    /// What a daemon killed with SIGKILL left: bonds on the kernel data path, whose frames kept moving, are adopted
    /// (bonds.json); a bond that cannot be is taken down. Every other member it left changed is put back.
    /// </summary>
    private void AdoptOrRestoreLeftovers()
    {
        Dictionary<string, MemberOriginalState> leftovers = _journal.LoadLeftovers(Log).ToDictionary(m => m.Name);
        _journal.Clear();
        foreach (BondRecord record in _bondState.Load(Log))
        {
            // Members the adoption took (or, failing, already put back) are no longer leftovers.
            List<string> adopted = [];
            try
            {
                _registry.Adopt(record, leftovers.Where(l => l.Value.Bond == record.Name).ToDictionary(), adopted);
                Log($"{record.Name}: adopted from a previous daemon, with {(adopted.Count == 0 ? "no members" : string.Join(", ", adopted))}; its frames never stopped");
            }
            catch (Exception e) when (e is NativeException or InvalidDataException or IOException or ArgumentException)
            {
                Log($"{record.Name}: cannot adopt it from a previous daemon ({e.Message}); taking it down");
                try
                {
                    BondRuntime.RemoveLeftoverTap(record.Name, _rt);
                }
                catch (NativeException removal)
                {
                    Log($"{record.Name}: {removal.Message}");
                }
            }
            adopted.ForEach(m => leftovers.Remove(m));
        }
        foreach (MemberOriginalState state in leftovers.Values)
        {
            Log($"restoring {state.Name}, left enslaved to {state.Bond} by a previous daemon");
            foreach (string problem in MemberSetup.Restore(_rt, state))
            {
                Log(problem);
            }
        }
        _bondState.Save(_registry.Bonds);
    }

    /// <summary>Clients served at once; more wait in the listen backlog.</summary>
    private const int MaxClients = 8;

    /// <summary>How long a client may take to send its request or to read the answer.</summary>
    private static readonly TimeSpan s_clientDeadline = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _clients = new(MaxClients);

    /// <summary>
    /// Accepts connections and never reads from one: credentials are checked at once (SO_PEERCRED) and a
    /// non-root caller is refused without a read, so nobody can stall the loop; each root client is served on
    /// a thread of its own under a deadline, so one that sends nothing holds up no other.
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
            if (PeerUid(client) != 0)
            {
                Answer(client, new CommandResult().Fail("permission denied: the NetBond daemon takes commands from root only"));
                continue;
            }
            new Thread(() => Serve(client)) { Name = "netbond-client", IsBackground = true }.Start();
        }
    }

    private static uint PeerUid(Socket client)
    {
        byte[] cred = new byte[12];
        client.GetRawSocketOption(1 /* SOL_SOCKET */, SO_PEERCRED, cred);
        return BitConverter.ToUInt32(cred, 4);
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
                Log($"control connection failed: {e.Message}");
            }
        }
        _clients.Release();
    }

    private void Serve(Socket client)
    {
        string[]? args = null;
        try
        {
            byte[]? request = ControlProtocol.Receive(client, ControlProtocol.MaxRequest);
            args = request == null ? null : ControlProtocol.DecodeRequest(request);
        }
        catch (SocketException e)
        {
            Log($"control connection failed: {e.Message}");
        }
        if (args is ["events", ..])
        {
            Subscribe(client, args);
            return;
        }
        CommandResult result;
        if (args == null)
        {
            result = new CommandResult().Fail("malformed request");
        }
        else
        {
            lock (_gate)
            {
                try
                {
                    result = _processor.Execute(args);
                    _eventHub.Publish(_registry.Bonds);
                    _bondState.Save(_registry.Bonds);
                }
                catch (Exception e)
                {
                    // A command must never take the daemon down; say what failed and carry on.
                    Log($"command '{string.Join(' ', args)}' failed: {e}");
                    result = new CommandResult().Fail(e.Message);
                }
            }
        }
        Answer(client, result);
    }

    /// <summary>`events [BOND] [--json]`: an answer first (or the refusal), then the connection stays open for the event lines.</summary>
    private void Subscribe(Socket client, string[] args)
    {
        string[] rest = [.. args.Skip(1).Where(a => a != "--json")];
        bool json = args.Contains("--json");
        lock (_gate)
        {
            string? refusal = rest.Length > 1 || rest.Any(a => a.StartsWith('-')) ? "usage: netbond events [BOND] [--json]"
                : rest.Length == 1 && _registry.Bonds.All(b => b.Bond.Name != rest[0]) ? $"{rest[0]}: no such bond"
                : _eventHub.IsFull ? $"already {Events.EventHub.MaxSubscribers} listeners"
                : null;
            if (refusal != null)
            {
                Answer(client, new CommandResult().Fail(refusal));
                return;
            }
            try
            {
                ControlProtocol.Send(client, ControlProtocol.EncodeResult(new CommandResult()));
                _eventHub.Subscribe(client, rest.FirstOrDefault(), json, _registry.Bonds);
            }
            catch (SocketException e)
            {
                Log($"events connection failed: {e.Message}");
                client.Dispose();
            }
        }
        _clients.Release();
    }

    private void ControlLoop()
    {
        while (!_stopping)
        {
            long now = _clock.NowMs;
            long due;
            lock (_gate)
            {
                due = _registry.NextDueMs;
            }
            int timeout = (int)Math.Clamp(due - now, 0, 1000);
            _events.Wait(timeout);
            lock (_gate)
            {
                if (_stopping)
                {
                    return;
                }
                try
                {
                    DrainLinkEvents();
                    _registry.Tick(_clock.NowMs);
                    _eventHub.Publish(_registry.Bonds);
                    _bondState.Save(_registry.Bonds);
                    _systemd.Tick(_clock.NowMs, SystemdStatus);
                }
                catch (Exception e)
                {
                    Log($"control loop: {e}");
                }
            }
        }
    }

    private void DrainLinkEvents()
    {
        if (_events.Drain(_registry.OnLinkChanged, _registry.OnLinkDeleted, _registry.OnAddressesChanged))
        {
            List<LinkInfo> links = _rt.GetLinks();
            foreach (LinkInfo link in links)
            {
                _registry.OnLinkChanged(link);
            }
            _registry.ForgetVanished([.. links.Select(l => l.Index)]);
            foreach (BondRuntime b in _registry.Bonds)
            {
                b.OnAddressesChanged();
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
        List<(Core.BondSnapshot, string)> bonds;
        lock (_gate)
        {
            bonds = [.. _registry.Bonds.Select(b => (b.Snapshot(), b.DataPath.Name))];
        }
        return Metrics.PrometheusText.Render(bonds);
    }

    public void Dispose()
    {
        _systemd.Dispose();
        _metrics?.Dispose();
        _listener.Dispose();
        _events.Dispose();
        _ethtool.Dispose();
        _rt.Dispose();
        _stopped.Dispose();
    }
}
