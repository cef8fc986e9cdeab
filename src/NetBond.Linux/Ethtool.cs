using System.Buffers.Binary;
using System.Text;
using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// SIOCETHTOOL requests (include/uapi/linux/ethtool.h). ETHTOOL_GLINK is the userspace miimon: it syncs a
/// pending linkwatch event before answering (net/ethtool/ioctl.c), so a lost carrier is seen at once instead
/// of up to a second later through netlink.
/// </summary>
public sealed unsafe class Ethtool : IDisposable
{
    private const nuint SIOCETHTOOL = 0x8946;
    private const nuint SIOCADDMULTI = 0x8931;
    private const nuint SIOCDELMULTI = 0x8932;
    private const uint ETHTOOL_GSET = 0x1;
    private const uint ETHTOOL_GLINK = 0xa;

    private readonly IoctlSocketHandle _socket = new();

    public Ethtool()
    {
        int fd = LibC.Socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            NativeException.Throw("socket(AF_INET)");
        }
        _socket.Adopt(fd);
    }

    /// <summary>Carrier of the link, or null if the driver has no get_link.</summary>
    public bool? GetLink(string name)
    {
        uint* value = stackalloc uint[2];
        value[0] = ETHTOOL_GLINK;
        value[1] = 0;
        return Request(name, value) ? value[1] != 0 : null;
    }

    /// <summary>Speed in Mbit/s and duplex (1 full, 0 half); both -1 when either is unknown.</summary>
    public (int Speed, int Duplex) GetSettings(string name)
    {
        // struct ethtool_cmd: cmd, supported, advertising, speed(u16)@12, duplex(u8)@14, ..., speed_hi(u16)@28; 44 bytes.
        byte* cmd = stackalloc byte[44];
        new Span<byte>(cmd, 44).Clear();
        *(uint*)cmd = ETHTOOL_GSET;
        if (!Request(name, cmd))
        {
            return (-1, -1);
        }
        uint speed = *(ushort*)(cmd + 12) | ((uint)*(ushort*)(cmd + 28) << 16);
        byte duplex = cmd[14];
        // bond_update_speed_duplex: both known, or both unknown.
        return speed is 0 or 0xFFFF or 0xFFFFFFFF || duplex is not (0 or 1) ? (-1, -1) : ((int)speed, duplex);
    }

    /// <summary>
    /// SIOCADDMULTI / SIOCDELMULTI on the same socket (dev_mc_add_global, dev_mc_del_global): a link-layer multicast
    /// address the device listens to, added or removed once however often asked.
    /// </summary>
    public void SetMulticast(string name, Core.MacAddress mac, bool add)
    {
        // struct ifreq: ifr_name[16], then ifr_hwaddr, a struct sockaddr: sa_family (AF_UNSPEC) and sa_data.
        byte* ifr = stackalloc byte[40];
        new Span<byte>(ifr, 40).Clear();
        Encoding.ASCII.GetBytes(name, new Span<byte>(ifr, 15));
        mac.CopyTo(new Span<byte>(ifr + 18, 6));
        if (LibC.Ioctl(_socket.Fd, add ? SIOCADDMULTI : SIOCDELMULTI, ifr) != 0)
        {
            NativeException.Throw($"{(add ? "SIOCADDMULTI" : "SIOCDELMULTI")} {mac} on {name}");
        }
    }

    private bool Request(string name, void* data)
    {
        // struct ifreq: char ifr_name[16]; union { void* ifr_data; ... } — 40 bytes.
        byte* ifr = stackalloc byte[40];
        new Span<byte>(ifr, 40).Clear();
        Encoding.ASCII.GetBytes(name, new Span<byte>(ifr, 15));
        *(void**)(ifr + 16) = data;
        return LibC.Ioctl(_socket.Fd, SIOCETHTOOL, ifr) == 0;
    }

    public void Dispose() => _socket.Dispose();
}
