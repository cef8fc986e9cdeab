using System.Buffers.Binary;
using NetBond.Core;
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

    /// <summary>
    /// The classic-BPF socket filter of a member whose frames the kernel data path carries: only the kinds of frame the
    /// control plane asked for reach the socket — slow protocols (0x8809), ARP (0x0806), ICMPv6 neighbour
    /// solicitations and advertisements — so a transfer's frames, or ARP nobody monitors, neither wake the daemon nor
    /// overflow the socket's queue and take LACPDUs with them. With <paramref name="arpTargets"/>, only ARP whose
    /// sender or target address is one of them (all a validating ARP monitor can use, bond_validate_arp): an ARP
    /// flood from elsewhere stays in the kernel. Rows are { code, jt, jf, k } of struct sock_filter.
    /// </summary>
    internal static (ushort Code, byte Jt, byte Jf, uint K)[] ControlFrameFilter(ControlFrameKinds kinds, uint[]? arpTargets = null)
    {
        const ushort LdH = 0x28, LdW = 0x20, LdB = 0x30, JEq = 0x15, Ret = 0x06;
        const byte Accept = 254, Drop = 255, ArpCheck = 253; // jump targets, resolved below
        bool arp = (kinds & ControlFrameKinds.Arp) != 0, someArp = arp && arpTargets != null;
        List<(ushort Code, byte Jt, byte Jf, uint K)> p = [(LdH, 0, 0, 12)]; // ethertype
        if ((kinds & ControlFrameKinds.SlowProtocols) != 0)
        {
            p.Add((JEq, Accept, 0, 0x8809));
        }
        if (arp)
        {
            p.Add((JEq, someArp ? ArpCheck : Accept, 0, 0x0806));
        }
        if ((kinds & ControlFrameKinds.NeighborDiscovery) != 0)
        {
            p.AddRange([(JEq, 0, Drop, 0x86DD), (LdB, 0, 0, 20), (JEq, 0, Drop, 58), (LdB, 0, 0, 54), (JEq, Accept, 0, 135), (JEq, Accept, 0, 136)]);
        }
        int arpCheck = p.Count + 1;
        if (someArp)
        {
            p.Add((JEq, Drop, Drop, 0)); // whatever is left: dropped
            foreach (int offset in (int[])[28, 38]) // the sender's, then the target's protocol address
            {
                p.Add((LdW, 0, 0, (uint)offset));
                p.AddRange(arpTargets!.Select(t => (JEq, Accept, (byte)0, t)));
            }
        }
        int drop = p.Count, accept = p.Count + 1;
        byte To(byte target, int at) => target switch
        {
            Accept => (byte)(accept - at - 1),
            Drop => (byte)(drop - at - 1),
            ArpCheck => (byte)(arpCheck - at - 1),
            _ => target,
        };
        return [.. p.Select((r, at) => (r.Code, To(r.Jt, at), To(r.Jf, at), r.K)), (Ret, 0, 0, 0), (Ret, 0, 0, 0x40000)];
    }

    /// <param name="controlFrames">Only these kinds of frame, the rest carried by the kernel data path; null for every frame.</param>
    /// <param name="arpTargets">Only ARP from or for these addresses (see <see cref="ControlFrameFilter"/>).</param>
    public static PacketSocket Open(int ifIndex, string name, ControlFrameKinds? controlFrames = null, uint[]? arpTargets = null)
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
            if (controlFrames is ControlFrameKinds kinds)
            {
                AttachFilter(fd, ControlFrameFilter(kinds, arpTargets), name);
            }
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

    /// <summary>Takes only these kinds of frame from now on (the filter is replaced: no frame passes unfiltered meanwhile).</summary>
    public void TakeOnly(ControlFrameKinds kinds, uint[]? arpTargets, string name) => AttachFilter(Handle.Fd, ControlFrameFilter(kinds, arpTargets), name);

    private static void AttachFilter(int fd, (ushort Code, byte Jt, byte Jf, uint K)[] program, string name)
    {
        const int SO_ATTACH_FILTER = 26;
        Span<byte> insns = stackalloc byte[program.Length * 8];
        for (int i = 0; i < program.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(insns[(i * 8)..], program[i].Code);
            insns[(i * 8) + 2] = program[i].Jt;
            insns[(i * 8) + 3] = program[i].Jf;
            BinaryPrimitives.WriteUInt32LittleEndian(insns[((i * 8) + 4)..], program[i].K);
        }
        fixed (byte* p = insns)
        {
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
            Span<byte> fprog = stackalloc byte[16];
            fprog.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(fprog, (ushort)program.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(fprog[8..], (ulong)p);
            fixed (byte* f = fprog)
            {
                Require(LibC.SetSockOpt(fd, LibC.SOL_SOCKET, SO_ATTACH_FILTER, f, 16), $"SO_ATTACH_FILTER on {name}");
            }
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
