namespace NetBond.Linux.Netlink;

/// <summary>
/// Link, address and multicast-address events (RTMGRP_LINK, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR, and since Linux
/// 6.13 RTNLGRP_IPV4_MCADDR, RTNLGRP_IPV6_MCADDR) on a socket of their own, read without blocking.
/// </summary>
public sealed class LinkEventListener : IDisposable
{
    private const ushort RTM_NEWLINK = 16;
    private const ushort RTM_DELLINK = 17;
    private const ushort RTM_NEWADDR = 20;
    private const ushort RTM_DELADDR = 21;
    private const ushort RTM_NEWMULTICAST = 56;
    private const ushort RTM_DELMULTICAST = 57;
    private const int RTNLGRP_IPV4_MCADDR = 37;
    private const int RTNLGRP_IPV6_MCADDR = 38;
    private const uint RTMGRP_LINK = 0x1;
    private const uint RTMGRP_IPV4_IFADDR = 0x10;
    private const uint RTMGRP_IPV6_IFADDR = 0x100;
    private readonly NetlinkSocket _socket = new(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, nonBlocking: true);

    public LinkEventListener()
    {
        // The stack joining a group on a device (an IPv6 address's solicited-node group, joined when its DAD starts)
        // changes the device's multicast list; an older kernel has no such groups, and its lists are read on the
        // link and address events alone.
        _socket.TryJoinGroup(RTNLGRP_IPV4_MCADDR);
        _socket.TryJoinGroup(RTNLGRP_IPV6_MCADDR);
    }

    /// <summary>For poll(): readable when events are waiting.</summary>
    public int Fd => _socket.Fd;

    /// <summary>
    /// Passes each pending link event on, and for an address or a multicast-address event the interface index it
    /// names (struct ifaddrmsg's ifa_index); returns true if the kernel dropped events (ENOBUFS) and state must be re-read.
    /// </summary>
    public bool Drain(Action<LinkInfo> onLink, Action<int> onLinkDeleted, Action<int> onAddresses, Action<int> onMulticast)
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
            else if (type is RTM_NEWMULTICAST or RTM_DELMULTICAST && payload.Length >= 8)
            {
                onMulticast(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(payload[4..]));
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
