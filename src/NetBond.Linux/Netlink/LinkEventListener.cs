namespace NetBond.Linux.Netlink;

/// <summary>Link and address events (RTMGRP_LINK, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR) on a socket of their own, read without blocking.</summary>
public sealed class LinkEventListener : IDisposable
{
    private const ushort RTM_NEWLINK = 16;
    private const ushort RTM_DELLINK = 17;
    private const ushort RTM_NEWADDR = 20;
    private const ushort RTM_DELADDR = 21;
    private const uint RTMGRP_LINK = 0x1;
    private const uint RTMGRP_IPV4_IFADDR = 0x10;
    private const uint RTMGRP_IPV6_IFADDR = 0x100;
    private readonly NetlinkSocket _socket = new(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, nonBlocking: true);

    /// <summary>For poll(): readable when events are waiting.</summary>
    public int Fd => _socket.Fd;

    /// <summary>
    /// Passes each pending link event on, and for an address event the interface index it names (struct
    /// ifaddrmsg's ifa_index); returns true if the kernel dropped events (ENOBUFS) and state must be re-read.
    /// </summary>
    public bool Drain(Action<LinkInfo> onLink, Action<int> onLinkDeleted, Action<int> onAddresses)
    {
        while (_socket.ReadEvents((type, payload) =>
        {
            if (type == RTM_NEWLINK && RtNetlink.ParseLink(payload) is { } link)
            {
                onLink(link);
            }
            else if (type == RTM_DELLINK && payload.Length >= 8)
            {
                // struct ifinfomsg: family, pad, type, then ifi_index.
                onLinkDeleted(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(payload[4..]));
            }
            else if (type is RTM_NEWADDR or RTM_DELADDR && payload.Length >= 8)
            {
                onAddresses(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(payload[4..]));
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
