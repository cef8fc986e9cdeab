using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// Where the daemon's control thread sleeps: on every namespace's link-event socket at once, and on an eventfd any
/// thread may signal (a data path queued control frames, a command changed what is due).
/// </summary>
public sealed class ControlWaiter : IDisposable
{
    private readonly EventFdHandle _wake = EventFdHandle.Create();
    private LibC.PollFd[] _fds = new LibC.PollFd[1];

    /// <summary>Ends a <see cref="Wait"/> early, from any thread.</summary>
    public void Wake() => _wake.Signal();

    /// <summary>
    /// Blocks until one of <paramref name="fds"/> is readable, <see cref="Wake"/> is called, or <paramref name="timeoutMs"/>
    /// passes; returns for each of <paramref name="fds"/> whether it is readable.
    /// </summary>
    public unsafe bool[] Wait(IReadOnlyList<int> fds, int timeoutMs)
    {
        if (_fds.Length < fds.Count + 1)
        {
            _fds = new LibC.PollFd[fds.Count + 1];
        }
        _fds[0] = new() { Fd = _wake.Fd, Events = LibC.POLLIN };
        for (int i = 0; i < fds.Count; i++)
        {
            _fds[i + 1] = new() { Fd = fds[i], Events = LibC.POLLIN };
        }
        bool[] readable = new bool[fds.Count];
        fixed (LibC.PollFd* p = _fds)
        {
            if (LibC.Poll(p, (nuint)(fds.Count + 1), timeoutMs) <= 0)
            {
                return readable;
            }
        }
        if (_fds[0].REvents != 0)
        {
            _wake.Clear();
        }
        for (int i = 0; i < fds.Count; i++)
        {
            readable[i] = _fds[i + 1].REvents != 0;
        }
        return readable;
    }

    public void Dispose() => _wake.Dispose();
}
