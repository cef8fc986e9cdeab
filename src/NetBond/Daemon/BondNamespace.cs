using NetBond.Linux;
using NetBond.Linux.Interop;
using NetBond.Linux.Netlink;

namespace NetBond;

/// <summary>
/// The bonds of one network namespace and what the daemon keeps for them: netlink sockets made inside it (a socket
/// stays in the namespace it was made in), its state folder, its event listeners. Each entry point enters the
/// namespace on the calling thread for its work, so everything below it — TAP devices, packet sockets, sysctls,
/// data-plane threads, which inherit it — lands there. Called under the daemon's gate.
/// </summary>
internal sealed class BondNamespace : IDisposable
{
    private readonly RtNetlink _rt;
    private readonly Ethtool _ethtool;
    private readonly LinkEventListener _events;
    private readonly StateJournal _journal;
    private readonly BondStateFile _bondState;
    private readonly Action<string> _log;

    private BondNamespace(NetworkNamespace ns, string name, bool home, DaemonClock clock, Action<string> log, Action wake)
    {
        Namespace = ns;
        Name = name;
        IsHome = home;
        Directory = StatePaths.DirectoryOf(ns.Inode);
        // The daemon's own namespace logs as a per-namespace daemon did; the others say whose bonds a line is about.
        _log = home ? log : m => log($"{name}: {m}");
        PrivateFiles.CreateFolder(Directory);
        string? identity = StatePaths.NamespaceIdentity;
        _rt = new RtNetlink();
        _ethtool = new Ethtool();
        _events = new LinkEventListener();
        _journal = new StateJournal(Directory, identity);
        _bondState = new BondStateFile(Directory, identity);
        Registry = new BondRegistry(_rt, _ethtool, _journal, _log, () => clock.NowMs, () =>
        {
            _framesWaiting = true;
            wake();
        });
        Processor = new CommandProcessor(Registry, clock);
    }

    /// <summary>Opens the namespace's sockets from inside it; takes <paramref name="ns"/> over.</summary>
    public static BondNamespace Open(NetworkNamespace ns, bool home, DaemonClock clock, Action<string> log, Action wake)
    {
        string name = NameOf(ns.Inode);
        using NetworkNamespace.Scope inside = ns.Enter();
        return new BondNamespace(ns, name, home, clock, log, wake);
    }

    /// <summary>Its name under /run/netns (what `ip netns` and `netbond -n` call it), else "net:[INODE]" as /proc says.</summary>
    public static string NameOf(ulong inode)
    {
        const string named = "/run/netns";
        if (System.IO.Directory.Exists(named))
        {
            foreach (string path in System.IO.Directory.EnumerateFiles(named))
            {
                if (NetworkNamespace.InodeAt(path) == inode)
                {
                    return Path.GetFileName(path);
                }
            }
        }
        return $"net:[{inode}]";
    }

    public NetworkNamespace Namespace { get; }

    public string Name { get; }

    /// <summary>The daemon's own namespace: it never goes while the daemon runs.</summary>
    public bool IsHome { get; }

    public string Directory { get; }

    public BondRegistry Registry { get; }

    public CommandProcessor Processor { get; }

    public Events.EventHub EventHub { get; } = new();

    /// <summary>For poll(): readable when link or address events of this namespace are waiting.</summary>
    public int EventFd => _events.Fd;

    /// <summary>Nothing to keep for it: no bonds, nobody listening for events.</summary>
    public bool IsIdle => Registry.Bonds.Count == 0 && !EventHub.HasSubscribers;

    /// <summary>Runs a command line in this namespace.</summary>
    public CommandResult Execute(IReadOnlyList<string> args)
    {
        _dueMs = long.MinValue; // what is due may have changed: the next loop ticks it and asks again
        using NetworkNamespace.Scope inside = Namespace.Enter();
        CommandResult result = Processor.Execute(args);
        Publish();
        return result;
    }

    /// <summary>Runs <paramref name="action"/> inside the namespace (daemon-side work that is not a command line).</summary>
    public T Inside<T>(Func<T> action)
    {
        using NetworkNamespace.Scope inside = Namespace.Enter();
        return action();
    }

    /// <summary>
    /// The link monitors, the link events waiting, and what changed, told to listeners and saved. A namespace with
    /// nothing due costs nothing (commands publish for themselves), and timers run without entering it: what they
    /// do goes through sockets made inside it (the one exception enters it itself: BondRuntime.RejoinMulticastGroups).
    /// </summary>
    public void Tick(long nowMs, bool events)
    {
        // Cleared before the queues are drained: a frame queued after that signals again.
        bool frames = _framesWaiting;
        _framesWaiting = false;
        if (events)
        {
            using NetworkNamespace.Scope inside = Namespace.Enter();
            DrainLinkEvents();
        }
        Registry.Tick(nowMs, frames);
        Publish();
        _dueMs = Registry.NextDueMs;
    }

    private volatile bool _framesWaiting;
    private long _dueMs = long.MinValue;

    /// <summary>When <see cref="Tick"/> should run next, as of the last one (or at once after a command).</summary>
    public long DueMs => _framesWaiting ? long.MinValue : _dueMs;

    private void Publish()
    {
        EventHub.Publish(Registry.Bonds);
        _bondState.Save(Registry.Bonds);
    }

    private void DrainLinkEvents()
    {
        // The events that may have changed a bond device's address lists or receive modes — its own (made a bridge
        // port, an address and its multicast group), those of a device on it (a macvlan made, opened, closed), any
        // device gone — have its lists read again.
        HashSet<int> touched = [];
        bool deleted = false;
        bool overrun = _events.Drain(
            link =>
            {
                touched.Add(link.Index);
                touched.Add(link.Lower);
                Registry.OnLinkChanged(link);
            },
            index =>
            {
                deleted = true;
                Registry.OnLinkDeleted(index);
            },
            index =>
            {
                touched.Add(index);
                Registry.OnAddressesChanged(index);
            },
            // A group joined or left changes only the lists, read below.
            index => touched.Add(index));
        Registry.OnRxModesMaybeChanged(b => deleted || overrun || touched.Contains(b.IfIndex));
        if (overrun)
        {
            List<LinkInfo> links = _rt.GetLinks();
            foreach (LinkInfo link in links)
            {
                Registry.OnLinkChanged(link);
            }
            Registry.ForgetVanished([.. links.Select(l => l.Index)]);
            foreach (BondRuntime b in Registry.Bonds)
            {
                b.OnAddressesChanged();
            }
        }
    }

    /// <summary>
    /// What a daemon killed with SIGKILL left in this namespace: bonds on the kernel data path, whose frames kept
    /// moving, are adopted (bonds.json); a bond that cannot be is taken down. Every other member it left changed is
    /// put back.
    /// </summary>
    public void AdoptOrRestoreLeftovers()
    {
        using NetworkNamespace.Scope inside = Namespace.Enter();
        Dictionary<string, MemberOriginalState> leftovers = _journal.LoadLeftovers(_log).ToDictionary(m => m.Name);
        _journal.Clear();
        foreach (BondRecord record in _bondState.Load(_log))
        {
            // Members the adoption took (or, failing, already put back) are no longer leftovers.
            List<string> adopted = [];
            try
            {
                Registry.Adopt(record, leftovers.Where(l => l.Value.Bond == record.Name).ToDictionary(), adopted);
                _log($"{record.Name}: adopted from a previous daemon, with {(adopted.Count == 0 ? "no members" : string.Join(", ", adopted))}; its frames never stopped");
            }
            catch (Exception e) when (e is NativeException or InvalidDataException or IOException or ArgumentException)
            {
                _log($"{record.Name}: cannot adopt it from a previous daemon ({e.Message}); taking it down");
            }
            adopted.ForEach(m => leftovers.Remove(m));
        }
        foreach (MemberOriginalState state in leftovers.Values)
        {
            _log($"restoring {state.Name}, left enslaved to {state.Bond} by a previous daemon");
            foreach (string problem in MemberSetup.Restore(_rt, state))
            {
                _log(problem);
            }
        }
        // Whatever bonds.json said (or, unreadable, could not say): a bond a previous daemon left and this one did not adopt goes.
        foreach (LinkInfo tap in BondRuntime.LeftoverTaps(_rt, Registry.Bonds.Select(b => b.IfIndex).ToHashSet()))
        {
            _log($"{tap.Name}: a bond a previous daemon left and this one did not adopt; taking it down");
            try
            {
                BondRuntime.RemoveLeftoverTap(tap, _rt);
            }
            catch (NativeException e)
            {
                _log($"{tap.Name}: {e.Message}");
            }
        }
        _bondState.Save(Registry.Bonds);
    }

    /// <summary>The daemon hands over (SIGUSR2): bonds on the kernel data path keep running, recorded for the next daemon.</summary>
    public void HandOver()
    {
        using NetworkNamespace.Scope inside = Namespace.Enter();
        _bondState.Save(Registry.Bonds);
        Registry.HandOver();
        EventHub.Dispose();
    }

    /// <summary>
    /// Lets go of the namespace: every member put back, the bonds gone, the state folder removed. Then the daemon
    /// holds nothing of it (no socket, no descriptor), so a namespace nobody else holds is freed by the kernel.
    /// </summary>
    public void Release()
    {
        using (NetworkNamespace.Scope inside = Namespace.Enter())
        {
            Registry.Dispose();
            EventHub.Publish(Registry.Bonds);
            _journal.Clear();
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException e)
        {
            _log($"cannot remove {Directory}: {e.Message}");
        }
    }

    public void Dispose()
    {
        EventHub.Dispose();
        _events.Dispose();
        _ethtool.Dispose();
        _rt.Dispose();
        Namespace.Dispose();
    }
}
