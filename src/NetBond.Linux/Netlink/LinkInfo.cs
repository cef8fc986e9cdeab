using NetBond.Core;

namespace NetBond.Linux.Netlink;

/// <summary>What RTM_NEWLINK says about an interface.</summary>
public sealed record LinkInfo(int Index, string Name, uint Flags, int Mtu, MacAddress Mac, bool Carrier, int Master, ushort Type, string? Kind)
{
    public const uint IFF_UP = 0x1;
    public const uint IFF_RUNNING = 0x40;
    public const ushort ARPHRD_ETHER = 1;

    public bool IsUp => (Flags & IFF_UP) != 0;
    public bool IsRunning => (Flags & IFF_RUNNING) != 0;
}
