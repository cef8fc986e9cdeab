using System.Buffers.Binary;
using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// A member's AF_PACKET socket: SOCK_RAW bound to ETH_P_ALL on one interface, with PACKET_VNET_HDR so GSO
/// frames pass whole, PACKET_AUXDATA so the stripped outer VLAN tag can be put back, and
/// PACKET_IGNORE_OUTGOING so the member's own transmissions are not read back (net/packet/af_packet.c).
/// </summary>
public sealed unsafe class PacketSocket : IDisposable
{
    public const int SOL_PACKET = 263;
    private const int PACKET_AUXDATA = 8;
    private const int PACKET_VNET_HDR = 15;
    private const int PACKET_IGNORE_OUTGOING = 23;
    private const ushort ETH_P_ALL = 0x0003;
    private const int BufferBytes = 16 << 20;

    private PacketSocket(PacketSocketHandle handle, bool ignoreOutgoing)
    {
        Handle = handle;
        IgnoresOutgoing = ignoreOutgoing;
    }

    public PacketSocketHandle Handle { get; }

    /// <summary>False on kernels before 4.20: outgoing copies are then filtered by pkttype instead.</summary>
    public bool IgnoresOutgoing { get; }

    public static PacketSocket Open(int ifIndex, string name)
    {
        // Protocol 0 at socket(): nothing is received until bind() names the interface (§2.1).
        int fd = LibC.Socket(LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            NativeException.Throw($"socket(AF_PACKET) for {name}");
        }
        PacketSocketHandle handle = new();
        handle.Adopt(fd);
        try
        {
            Require(LibC.SetInt(fd, SOL_PACKET, PACKET_VNET_HDR, 1), $"PACKET_VNET_HDR on {name}");
            Require(LibC.SetInt(fd, SOL_PACKET, PACKET_AUXDATA, 1), $"PACKET_AUXDATA on {name}");
            bool ignore = LibC.SetInt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1) == 0;
            // rmem_max caps SO_RCVBUF near 208 KB; a reverse TCP transfer then retransmits heavily (§9).
            LibC.SetInt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, BufferBytes);
            LibC.SetInt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, BufferBytes);
            Span<byte> sll = stackalloc byte[20];
            sll.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(sll, LibC.AF_PACKET);
            BinaryPrimitives.WriteUInt16BigEndian(sll[2..], ETH_P_ALL);
            BinaryPrimitives.WriteInt32LittleEndian(sll[4..], ifIndex);
            fixed (byte* p = sll)
            {
                Require(LibC.Bind(fd, p, 20), $"bind AF_PACKET to {name}");
            }
            return new PacketSocket(handle, ignore);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void Require(int result, string what)
    {
        if (result != 0)
        {
            NativeException.Throw(what);
        }
    }

    public void Dispose() => Handle.Dispose();
}
