using NetBond.Core;

namespace NetBond.Linux.Netlink;

/// <summary>
/// What RTM_NEWLINK says about an interface; <paramref name="Promiscuity"/> and <paramref name="Allmulti"/> count who
/// asked for those modes (IFLA_PROMISCUITY, IFLA_ALLMULTI), which the flags show only when set by hand;
/// <paramref name="Lower"/> is the device a macvlan or VLAN device sits on (IFLA_LINK), 0 for none.
/// </summary>
public sealed record LinkInfo(int Index, string Name, uint Flags, int Mtu, MacAddress Mac, bool Carrier, int Master, ushort Type, string? Kind,
    uint Promiscuity = 0, uint Allmulti = 0, int Lower = 0)
{
    public const uint IFF_UP = 0x1;
    public const uint IFF_RUNNING = 0x40;
    public const uint IFF_PROMISC = 0x100;
    public const uint IFF_ALLMULTI = 0x200;
    public const ushort ARPHRD_ETHER = 1;

    public bool IsUp => (Flags & IFF_UP) != 0;
    public bool IsRunning => (Flags & IFF_RUNNING) != 0;
    public bool IsPromiscuous => Promiscuity > 0 || (Flags & IFF_PROMISC) != 0;
    public bool IsAllmulti => Allmulti > 0 || (Flags & IFF_ALLMULTI) != 0;
}
