using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace NetBond.Core;

/// <summary>
/// The frames NETDEV_NOTIFY_PEERS makes the kernel send for each address of the bond: a gratuitous ARP
/// request (sender IP = target IP = the address, arp_send in inetdev_send_gratuitous_arp) and an
/// unsolicited neighbour advertisement with the override flag to ff02::1 (ndisc_send_unsol_na).
/// </summary>
public static class PeerNotificationFrames
{
    public static byte[] For(IPAddress address, MacAddress mac) =>
        address.AddressFamily == AddressFamily.InterNetwork ? GratuitousArp(address, mac) : UnsolicitedNa(address, mac);

    public static byte[] GratuitousArp(IPAddress address, MacAddress mac) => ProbeFrames.ArpRequest(mac, address, address);

    public static byte[] UnsolicitedNa(IPAddress address, MacAddress mac)
    {
        const int Icmp = 14 + 40;
        const int IcmpLength = 24 + 8;
        byte[] f = new byte[Icmp + IcmpLength];
        new MacAddress(0x3333_0000_0001UL).CopyTo(f);
        mac.CopyTo(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x86DD);
        Span<byte> ip = f.AsSpan(14);
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], IcmpLength);
        ip[6] = 58;   // ICMPv6
        ip[7] = 255;  // hop limit, required for neighbour discovery
        address.TryWriteBytes(ip[8..], out _);
        IPAddress.Parse("ff02::1").TryWriteBytes(ip[24..], out _);
        Span<byte> icmp = f.AsSpan(Icmp);
        icmp[0] = 136;     // neighbour advertisement
        icmp[4] = 0x20;    // override, not solicited
        address.TryWriteBytes(icmp[8..], out _);
        icmp[24] = 2;      // target link-layer address option
        icmp[25] = 1;
        mac.CopyTo(icmp[26..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Icmpv6Checksum(ip[8..24], ip[24..40], icmp));
        return f;
    }

    internal static ushort Icmpv6Checksum(ReadOnlySpan<byte> src, ReadOnlySpan<byte> dst, ReadOnlySpan<byte> message) =>
        Fold(Add(Add(Add(0, src), dst), message) + (uint)message.Length + 58);

    /// <summary>The Internet checksum (RFC 1071) of <paramref name="data"/>, as IPv4 and IGMP headers carry it.</summary>
    internal static ushort InternetChecksum(ReadOnlySpan<byte> data) => Fold(Add(0, data));

    private static ushort Fold(ulong sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    private static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }
        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }
        return sum;
    }
}
