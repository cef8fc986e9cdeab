using System.Text;
using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// The bond device: a TAP opened with IFF_VNET_HDR and TSO/CSUM offloads, so the stack hands it whole
/// 64 KiB GSO frames with partial checksums (drivers/net/tun.c, linux-packet-io.md §1).
/// </summary>
public sealed unsafe class TapDevice : IDisposable
{
    private const nuint TUNSETIFF = 0x400454CA;
    private const nuint TUNSETOFFLOAD = 0x400454D0;
    private const nuint TUNSETCARRIER = 0x400454E2;
    private const nuint TUNSETPERSIST = 0x400454CB;
    private const short IFF_TAP = 0x0002;
    private const short IFF_NO_CARRIER = 0x0040;
    private const short IFF_NO_PI = 0x1000;
    private const short IFF_VNET_HDR = 0x4000;
    private const uint TUN_F_CSUM = 0x01;
    private const uint TUN_F_TSO4 = 0x02;
    private const uint TUN_F_TSO6 = 0x04;
    private const uint TUN_F_TSO_ECN = 0x08;
    private const uint TUN_F_USO4 = 0x20;
    private const uint TUN_F_USO6 = 0x40;

    private TapDevice(TapHandle handle, string name, bool uso)
    {
        Handle = handle;
        Name = name;
        UdpSegmentationOffload = uso;
    }

    public TapHandle Handle { get; }
    public string Name { get; }

    /// <summary>Whether the kernel took TUN_F_USO4|USO6 (6.2 and later): UDP GSO frames cross whole too.</summary>
    public bool UdpSegmentationOffload { get; }

    /// <summary>Whether the device outlives its descriptor (TUNSETPERSIST): so the kernel data path outlives the daemon.</summary>
    public bool Persistent { get; private set; }

    /// <summary>Makes the TAP, or attaches to the persistent TAP of that name a previous daemon left.</summary>
    public static TapDevice Create(string name)
    {
        int fd = LibC.Open("/dev/net/tun", LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            NativeException.Throw("open /dev/net/tun");
        }
        TapHandle handle = new();
        handle.Adopt(fd);
        byte* ifr = stackalloc byte[40];
        new Span<byte>(ifr, 40).Clear();
        Encoding.ASCII.GetBytes(name, new Span<byte>(ifr, 15));
        *(short*)(ifr + 16) = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_NO_CARRIER;
        if (LibC.Ioctl(fd, TUNSETIFF, ifr) != 0)
        {
            int errno = LibC.Errno;
            handle.Dispose();
            NativeException.Throw($"create TAP {name}", errno);
        }
        const uint tcp = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
        // Unknown offload bits give EINVAL, which is how USO support is probed (wireguard-go does the same).
        bool uso = LibC.IoctlValue(fd, TUNSETOFFLOAD, tcp | TUN_F_USO4 | TUN_F_USO6) == 0;
        if (!uso && LibC.IoctlValue(fd, TUNSETOFFLOAD, tcp) != 0)
        {
            int errno = LibC.Errno;
            handle.Dispose();
            NativeException.Throw($"TUNSETOFFLOAD on {name}", errno);
        }
        return new TapDevice(handle, name, uso);
    }

    /// <summary>The bond's carrier follows its MII status, so routing daemons see what they would see on a kernel bond.</summary>
    public void SetCarrier(bool up)
    {
        int value = up ? 1 : 0;
        if (LibC.Ioctl(Handle.Fd, TUNSETCARRIER, &value) != 0)
        {
            NativeException.Throw($"TUNSETCARRIER on {Name}");
        }
    }

    public void SetPersistent(bool persistent)
    {
        if (LibC.IoctlValue(Handle.Fd, TUNSETPERSIST, persistent ? 1u : 0u) != 0)
        {
            NativeException.Throw($"TUNSETPERSIST on {Name}");
        }
        Persistent = persistent;
    }

    /// <summary>Closes the descriptor; the device goes with it unless it was left persistent on purpose.</summary>
    public void Dispose() => Handle.Dispose();
}
