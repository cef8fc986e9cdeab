using System.Runtime.InteropServices;
using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// The one thread, "netbond/control", that carries the control frames of every kernel-path bond in the daemon
/// (the <see cref="UserDataPath"/>s in control-frames-only mode): LACPDUs, ARP and neighbour discovery off the
/// members, and what the egress programs leave to userspace from the TAPs. Their descriptors sit in one epoll set,
/// each tagged with its path; a readable one runs that path's pass. A bond costs descriptors here, not a thread:
/// the thread count stays the same whatever the number of bonds. Data frames never come this way. It runs while
/// some path uses it: the last one gone, its thread ends and its descriptors close, and the next path starts another.
/// </summary>
internal sealed unsafe class ControlFramePump : IDisposable
{
    private const int Batch = 16;
    private const int MaxEvents = 64;
    // A path that stays busy gives way after this many passes (16 frames each way a pass): a flood on one bond
    // cannot hold up the LACPDUs of the others. Epoll is level-triggered, so the rest waits for the next round.
    private const int PassesPerRound = 8;
    private const long WakeTag = 0;

    private static readonly object s_lock = new();
    private static ControlFramePump? s_running;

    private readonly EpollHandle _epoll = new();
    private readonly EventFdHandle _wake = EventFdHandle.Create();
    private readonly Dictionary<long, UserDataPath> _paths = [];
    private long _nextTag = WakeTag;
    private long _rounds;
    private long _allocatedBytes;
    private int _users;
    private volatile bool _stopping;
    private readonly Thread _thread;

    private ControlFramePump()
    {
        int fd = LibC.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (fd < 0)
        {
            NativeException.Throw("epoll_create1");
        }
        _epoll.Adopt(fd);
        Watch(_wake.Fd, WakeTag);
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
        _wake.Signal();
        _thread.Join();
        _epoll.Dispose();
        _wake.Dispose();
    }

    /// <summary>Managed bytes the pump's thread has allocated since it started, as of its last idle moment.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <summary>Takes a path in; its descriptors follow with <see cref="Watch"/>. Returns the path's tag.</summary>
    public long Add(UserDataPath path)
    {
        lock (_paths)
        {
            long tag = ++_nextTag;
            _paths.Add(tag, path);
            return tag;
        }
    }

    /// <summary>Makes <paramref name="fd"/> readable wake the pump for the path of <paramref name="tag"/>.</summary>
    public void Watch(int fd, long tag)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = LibC.EPOLLIN;
        *(long*)(ev + LibC.EpollDataOffset) = tag;
        if (LibC.EpollCtl(_epoll.Fd, LibC.EPOLL_CTL_ADD, fd, ev) != 0)
        {
            NativeException.Throw("epoll_ctl add");
        }
    }

    /// <summary>
    /// Stops watching <paramref name="fds"/> (and the whole path, when <paramref name="tag"/> is given) and returns
    /// once the pump can no longer touch them: a round that may have seen them ends before the next one begins.
    /// </summary>
    public void Forget(IEnumerable<int> fds, long? tag = null)
    {
        foreach (int fd in fds)
        {
            LibC.EpollCtl(_epoll.Fd, LibC.EPOLL_CTL_DEL, fd, null);
        }
        if (tag is { } t)
        {
            lock (_paths)
            {
                _paths.Remove(t);
            }
        }
        long seen = Interlocked.Read(ref _rounds);
        _wake.Signal();
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
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * LibC.EpollEventSize));
        HashSet<UserDataPath> ready = [];
        while (!_stopping)
        {
            Interlocked.Increment(ref _rounds);
            int n = LibC.EpollWait(_epoll.Fd, events, MaxEvents, -1);
            ready.Clear();
            lock (_paths)
            {
                for (int i = 0; i < n; i++)
                {
                    long tag = *(long*)(events + (i * LibC.EpollEventSize) + LibC.EpollDataOffset);
                    if (tag == WakeTag)
                    {
                        _wake.Clear();
                    }
                    else if (_paths.TryGetValue(tag, out UserDataPath? path))
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
        NativeMemory.Free(events);
    }
}
