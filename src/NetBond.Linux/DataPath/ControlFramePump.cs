namespace NetBond.Linux;

/// <summary>
/// The one thread, "netbond/control", that carries the control frames of every kernel-path bond in the daemon
/// (the <see cref="UserDataPath"/>s in control-frames-only mode): LACPDUs, ARP and neighbour discovery off the
/// members, and what the egress programs leave to userspace from the TAPs. Their descriptors sit in one epoll set,
/// each tagged with its path; a readable one runs that path's pass. A bond costs descriptors here, not a thread:
/// the thread count stays the same whatever the number of bonds. Data frames never come this way. It runs while
/// some path uses it: the last one gone, its thread ends and its descriptors close, and the next path starts another.
/// </summary>
internal sealed class ControlFramePump : IDisposable
{
    private const int Batch = 16;
    // A path that stays busy gives way after this many passes (16 frames each way a pass): a flood on one bond
    // cannot hold up the LACPDUs of the others. Epoll is level-triggered, so the rest waits for the next round.
    private const int PassesPerRound = 8;

    private static readonly object s_lock = new();
    private static ControlFramePump? s_running;

    private readonly EpollSet _epoll = new();
    private readonly Dictionary<ulong, UserDataPath> _paths = [];
    private ulong _nextTag;
    private long _rounds;
    private long _allocatedBytes;
    private int _users;
    private volatile bool _stopping;
    private readonly Thread _thread;

    private ControlFramePump()
    {
        _thread = new Thread(Run) { Name = "netbond/control", IsBackground = true };
        _thread.Start();
    }

    /// <summary>The running pump, started for the first user; each <see cref="Acquire"/> is paired with a <see cref="Dispose"/>.</summary>
    public static ControlFramePump Acquire()
    {
        lock (s_lock)
        {
            s_running ??= new ControlFramePump();
            s_running._users++;
            return s_running;
        }
    }

    /// <summary>A user is done with the pump (its descriptors forgotten first); the last one stops it.</summary>
    public void Dispose()
    {
        lock (s_lock)
        {
            if (--_users > 0)
            {
                return;
            }
            s_running = null;
        }
        _stopping = true;
        _epoll.Wake();
        _thread.Join();
        _epoll.Dispose();
    }

    /// <summary>Managed bytes the pump's thread has allocated since it started, as of its last idle moment.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <summary>Takes a path in; its descriptors follow with <see cref="Watch"/>. Returns the path's tag.</summary>
    public ulong Add(UserDataPath path)
    {
        lock (_paths)
        {
            ulong tag = ++_nextTag;
            _paths.Add(tag, path);
            return tag;
        }
    }

    /// <summary>Makes <paramref name="fd"/> readable wake the pump for the path of <paramref name="tag"/>.</summary>
    public void Watch(int fd, ulong tag) => _epoll.Watch(fd, tag);

    /// <summary>
    /// Stops watching <paramref name="fds"/> (and the whole path, when <paramref name="tag"/> is given) and returns
    /// once the pump can no longer touch them: a round that may have seen them ends before the next one begins.
    /// </summary>
    public void Forget(IEnumerable<int> fds, ulong? tag = null)
    {
        foreach (int fd in fds)
        {
            _epoll.Forget(fd);
        }
        if (tag is { } t)
        {
            lock (_paths)
            {
                _paths.Remove(t);
            }
        }
        long seen = Interlocked.Read(ref _rounds);
        _epoll.Wake();
        while (Interlocked.Read(ref _rounds) == seen && _thread.IsAlive)
        {
            Thread.Sleep(1);
        }
    }

    private void Run()
    {
        // The thread was born in whichever namespace its creator had entered; holding it would keep that
        // namespace alive after it was deleted. The pump needs none: it works on descriptors.
        NetworkNamespace.Home.Enter();
        using ReceiveBuffers rx = new(Batch, UserDataPath.BufferSize);
        using TransmitBuffers tx = new(Batch, UserDataPath.BufferSize);
        HashSet<ulong> readable = [];
        HashSet<UserDataPath> ready = [];
        while (!_stopping)
        {
            Interlocked.Increment(ref _rounds);
            _epoll.Wait(-1, readable);
            ready.Clear();
            lock (_paths)
            {
                foreach (ulong tag in readable)
                {
                    if (_paths.TryGetValue(tag, out UserDataPath? path))
                    {
                        ready.Add(path);
                    }
                }
            }
            foreach (UserDataPath path in ready)
            {
                for (int pass = 0; pass < PassesPerRound && path.Pass(rx, tx); pass++)
                {
                }
            }
            Interlocked.Exchange(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
        }
    }
}
