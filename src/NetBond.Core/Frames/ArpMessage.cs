using System.Buffers.Binary;
using System.Net;

namespace NetBond.Core;

/// <summary>
/// The fields of an IPv4-over-Ethernet ARP packet (struct arp_pkt), past at most one VLAN tag. Addresses are
/// kept as read: IPv4 as the four bytes in network order, so equal addresses compare equal without allocation.
/// </summary>
public readonly record struct ArpMessage(ushort Op, MacAddress SenderMac, uint SenderIp, MacAddress TargetMac, uint TargetIp)
{
    public const ushort Request = 1;
    public const ushort Reply = 2;

    public static bool TryRead(ReadOnlySpan<byte> frame, out ArpMessage arp)
    {
        arp = default;
        int at = ProbeFrames.PayloadOffset(frame, 0x0806);
        if (at < 0 || frame.Length < at + 28)
        {
            return false;
        }
        ReadOnlySpan<byte> p = frame[at..];
        if (BinaryPrimitives.ReadUInt16BigEndian(p) != 1 || BinaryPrimitives.ReadUInt16BigEndian(p[2..]) != 0x0800 || p[4] != 6 || p[5] != 4)
        {
            return false;
        }
        arp = new ArpMessage(BinaryPrimitives.ReadUInt16BigEndian(p[6..]), MacAddress.FromBytes(p[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(p[14..]), MacAddress.FromBytes(p[18..]), BinaryPrimitives.ReadUInt32BigEndian(p[24..]));
        return true;
    }

    public static IPAddress Address(uint ip)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, ip);
        return new IPAddress(b);
    }

    /// <summary>The four bytes of an IPv4 address in network order, as <see cref="TryRead"/> keeps them.</summary>
    public static uint Value(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[4];
        ip.TryWriteBytes(b, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    /// <summary>_simple_hash(): the XOR of an IPv4 address's four bytes, RLB's table index.</summary>
    public static byte Hash(uint ip) => (byte)(ip ^ (ip >> 8) ^ (ip >> 16) ^ (ip >> 24));
}
