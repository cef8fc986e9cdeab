namespace NetBond.Linux.Netlink;

/// <summary>RTM_NEWLINK events (RTMGRP_LINK) on a socket of their own, read without blocking.</summary>
public sealed class LinkEventListener : IDisposable
{
    private const ushort RTM_NEWLINK = 16;
    private const uint RTMGRP_LINK = 1;
    private readonly NetlinkSocket _socket = new(RTMGRP_LINK, nonBlocking: true);

    /// <summary>For poll(): readable when events are waiting.</summary>
    public int Fd => _socket.Fd;

    /// <summary>Blocks until events are waiting or <paramref name="timeoutMs"/> passes.</summary>
    public unsafe void Wait(int timeoutMs)
    {
        Interop.LibC.PollFd pfd = new() { Fd = _socket.Fd, Events = Interop.LibC.POLLIN };
        Interop.LibC.Poll(&pfd, 1, timeoutMs);
    }

    /// <summary>Passes each pending link event on; returns true if the kernel dropped events (ENOBUFS) and state must be re-read.</summary>
    public bool Drain(Action<LinkInfo> onLink)
    {
        while (_socket.ReadEvents((type, payload) =>
        {
            if (type == RTM_NEWLINK && RtNetlink.ParseLink(payload) is { } link)
            {
                onLink(link);
            }
        }, out bool overrun))
        {
            if (overrun)
            {
                return true;
            }
        }
        return false;
    }

    public void Dispose() => _socket.Dispose();
}
