using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// The bond device's promiscuous and all-multicast modes on its members (bond_set_promiscuity, bond_set_allmulti):
/// memberships of a packet socket of NetBond's on each member (PACKET_MR_PROMISC, PACKET_MR_ALLMULTI), which the
/// kernel counts beside everyone else's (dev_set_promiscuity) and drops with the socket — so a member let go of, by
/// this daemon or by its death, is left as it was. The socket binds no protocol: it receives nothing.
/// </summary>
internal sealed unsafe class MemberRxModes : IDisposable
{
    private const int SOL_PACKET = 263;
    private const int PACKET_ADD_MEMBERSHIP = 1;
    private const int PACKET_DROP_MEMBERSHIP = 2;
    private const ushort PACKET_MR_PROMISC = 1;
    private const ushort PACKET_MR_ALLMULTI = 2;

    private readonly Dictionary<int, (PacketSocketHandle Socket, bool Promisc, bool Allmulti)> _members = [];

    /// <exception cref="NativeException">The socket or a membership could not be made.</exception>
    public void Set(int ifIndex, string name, bool promisc, bool allmulti)
    {
        if (!_members.TryGetValue(ifIndex, out (PacketSocketHandle Socket, bool Promisc, bool Allmulti) m))
        {
            if (!promisc && !allmulti)
            {
                return;
            }
            int fd = LibC.Socket(LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                NativeException.Throw($"socket(AF_PACKET) for {name}'s receive modes");
            }
            m.Socket = new PacketSocketHandle();
            m.Socket.Adopt(fd);
        }
        try
        {
            Membership(m.Socket, ifIndex, name, PACKET_MR_PROMISC, m.Promisc, promisc);
            m.Promisc = promisc;
            Membership(m.Socket, ifIndex, name, PACKET_MR_ALLMULTI, m.Allmulti, allmulti);
            m.Allmulti = allmulti;
        }
        finally
        {
            if (m.Promisc || m.Allmulti)
            {
                _members[ifIndex] = m;
            }
            else
            {
                _members.Remove(ifIndex);
                m.Socket.Dispose();
            }
        }
    }

    private static void Membership(PacketSocketHandle socket, int ifIndex, string name, ushort type, bool had, bool want)
    {
        if (had == want)
        {
            return;
        }
        // struct packet_mreq: mr_ifindex, mr_type, mr_alen, mr_address[8].
        byte* mreq = stackalloc byte[16];
        new Span<byte>(mreq, 16).Clear();
        *(int*)mreq = ifIndex;
        *(ushort*)(mreq + 4) = type;
        if (LibC.SetSockOpt(socket.Fd, SOL_PACKET, want ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, mreq, 16) != 0)
        {
            NativeException.Throw($"{(type == PACKET_MR_PROMISC ? "promiscuous" : "all-multicast")} mode {(want ? "on" : "off")} on {name}");
        }
    }

    public void Dispose()
    {
        foreach ((PacketSocketHandle socket, _, _) in _members.Values)
        {
            socket.Dispose();
        }
        _members.Clear();
    }
}
