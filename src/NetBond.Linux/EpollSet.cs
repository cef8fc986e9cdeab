using System.Runtime.InteropServices;
using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// Where one of the daemon's threads sleeps: on many descriptors at once (an epoll set, so a wake-up costs the
/// same with five hundred of them as with one), each named by a tag, and on an eventfd any thread may signal.
/// The control loop waits here on every namespace's link-event socket, the control-frame pump on every kernel-path
/// bond's TAP and member sockets.
/// </summary>
public sealed unsafe class EpollSet : IDisposable
{
    private const int MaxEvents = 64;
    private const ulong WakeTag = ulong.MaxValue;

    private readonly EventFdHandle _wake = EventFdHandle.Create();
    private readonly EpollHandle _epoll = new();
    private readonly byte* _events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * LibC.EpollEventSize));

    public EpollSet()
    {
        int fd = LibC.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (fd < 0)
        {
            NativeException.Throw("epoll_create1");
        }
        _epoll.Adopt(fd);
        Watch(_wake.Fd, WakeTag);
    }

    /// <summary>Ends a <see cref="Wait"/> early, from any thread.</summary>
    public void Wake() => _wake.Signal();

    /// <summary>Makes <paramref name="fd"/> readable end a <see cref="Wait"/>, which then names <paramref name="tag"/> (any but ulong.MaxValue).</summary>
    public void Watch(int fd, ulong tag)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = LibC.EPOLLIN;
        *(ulong*)(ev + LibC.EpollDataOffset) = tag;
        if (LibC.EpollCtl(_epoll.Fd, LibC.EPOLL_CTL_ADD, fd, ev) != 0)
        {
            NativeException.Throw("epoll_ctl add");
        }
    }

    /// <summary>Stops watching <paramref name="fd"/>, before it is closed.</summary>
    public void Forget(int fd) => LibC.EpollCtl(_epoll.Fd, LibC.EPOLL_CTL_DEL, fd, null);

    /// <summary>
    /// Blocks until a watched descriptor is readable, <see cref="Wake"/> is called, or <paramref name="timeoutMs"/>
    /// passes (-1: no limit); <paramref name="readable"/> then holds the tags of the readable ones (level-triggered:
    /// one left unread is named again next time).
    /// </summary>
    public void Wait(int timeoutMs, HashSet<ulong> readable)
    {
        readable.Clear();
        int n = LibC.EpollWait(_epoll.Fd, _events, MaxEvents, timeoutMs);
        for (int i = 0; i < n; i++)
        {
            ulong tag = *(ulong*)(_events + (i * LibC.EpollEventSize) + LibC.EpollDataOffset);
            if (tag == WakeTag)
            {
                _wake.Clear();
            }
            else
            {
                readable.Add(tag);
            }
        }
    }

    public void Dispose()
    {
        _epoll.Dispose();
        _wake.Dispose();
        NativeMemory.Free(_events);
    }
}
