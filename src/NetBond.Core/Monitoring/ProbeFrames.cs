using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace NetBond.Core;

/// <summary>
/// The ARP monitor's probes and what it reads in received frames: ARP requests as arp_create() builds them
/// (broadcast, the member's MAC, the bond's address or 0.0.0.0 as sender), neighbour solicitations as
/// ndisc_ns_create() builds them (to the target's solicited-node group), and the sender/target addresses of a
/// received ARP or NS/NA. One 802.1Q or 802.1ad tag before the payload is skipped.
/// </summary>
public static class ProbeFrames
{
    private const ushort EthPArp = 0x0806;
    private const ushort EthPIpv6 = 0x86DD;

    public static byte[] ArpRequest(MacAddress source, IPAddress? senderIp, IPAddress target) =>
        Arp(1, MacAddress.Broadcast, source, senderIp, MacAddress.Zero, target);

    /// <summary>arp_create(): an ARP packet from <paramref name="senderMac"/>, which is also the Ethernet source.</summary>
    public static byte[] Arp(ushort op, MacAddress destination, MacAddress senderMac, IPAddress? senderIp, MacAddress targetMac, IPAddress target)
    {
        byte[] f = new byte[42];
        destination.CopyTo(f);
        senderMac.CopyTo(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), EthPArp);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14), 1);      // htype Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(16), 0x0800); // ptype IPv4
        f[18] = 6;
        f[19] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(20), op);
        senderMac.CopyTo(f.AsSpan(22));
        senderIp?.TryWriteBytes(f.AsSpan(28), out _);
        targetMac.CopyTo(f.AsSpan(32));
        target.TryWriteBytes(f.AsSpan(38), out _);
        return f;
    }

    /// <summary>The solicited-node multicast address of <paramref name="target"/> (addrconf_addr_solict_mult): ff02::1:ff and its last 24 bits.</summary>
    public static IPAddress SolicitedNode(IPAddress target)
    {
        Span<byte> group = stackalloc byte[16];
        target.TryWriteBytes(group, out _);
        ReadOnlySpan<byte> prefix = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff];
        prefix.CopyTo(group);
        return new IPAddress(group);
    }

    /// <summary>The link-layer address of <paramref name="target"/>'s solicited-node group (ndisc_mc_map): 33:33 and the group's last four bytes.</summary>
    public static MacAddress SolicitedNodeMac(IPAddress target)
    {
        Span<byte> mac = stackalloc byte[16];
        SolicitedNode(target).TryWriteBytes(mac, out _);
        mac[10] = 0x33;
        mac[11] = 0x33;
        return MacAddress.FromBytes(mac[10..]);
    }

    /// <summary>A neighbour solicitation for <paramref name="target"/>; from :: it carries no source link-layer option (RFC 4861).</summary>
    public static byte[] NeighborSolicitation(MacAddress source, IPAddress? senderIp, IPAddress target)
    {
        const int Icmp = 14 + 40;
        bool withOption = senderIp != null;
        int icmpLength = 24 + (withOption ? 8 : 0);
        byte[] f = new byte[Icmp + icmpLength];
        Span<byte> group = stackalloc byte[16];
        SolicitedNode(target).TryWriteBytes(group, out _);
        target.TryWriteBytes(f.AsSpan(Icmp + 8), out _);
        SolicitedNodeMac(target).CopyTo(f);
        source.CopyTo(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), EthPIpv6);
        Span<byte> ip = f.AsSpan(14);
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)icmpLength);
        ip[6] = 58;
        ip[7] = 255;
        senderIp?.TryWriteBytes(ip[8..], out _);
        group.CopyTo(ip[24..]);
        Span<byte> icmp = f.AsSpan(Icmp);
        icmp[0] = 135;
        if (withOption)
        {
            icmp[24] = 1;  // source link-layer address option
            icmp[25] = 1;
            source.CopyTo(icmp[26..]);
        }
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], PeerNotificationFrames.Icmpv6Checksum(ip[8..24], ip[24..40], icmp));
        return f;
    }

    /// <summary>An IPv4-over-Ethernet ARP packet's operation, sender and target addresses (bond_arp_rcv's checks), or false.</summary>
    public static bool TryReadArp(ReadOnlySpan<byte> frame, out ushort op, out IPAddress sender, out IPAddress target)
    {
        bool ok = ArpMessage.TryRead(frame, out ArpMessage arp);
        op = arp.Op;
        sender = ok ? ArpMessage.Address(arp.SenderIp) : IPAddress.None;
        target = ok ? ArpMessage.Address(arp.TargetIp) : IPAddress.None;
        return ok;
    }

    /// <summary>The IPv6 source and destination of an ICMPv6 NS or NA with no extension headers (bond_na_rcv's checks), or false.</summary>
    public static bool TryReadNeighborDiscovery(ReadOnlySpan<byte> frame, out IPAddress source, out IPAddress destination)
    {
        source = destination = IPAddress.IPv6None;
        int at = PayloadOffset(frame, EthPIpv6);
        if (at < 0 || frame.Length < at + 40 + 4 || frame[at + 6] != 58 || frame[at + 40] is not (135 or 136))
        {
            return false;
        }
        source = new IPAddress(frame.Slice(at + 8, 16));
        destination = new IPAddress(frame.Slice(at + 24, 16));
        return true;
    }

    /// <summary>Whether an ARP or NS/NA is addressed to another host (PACKET_OTHERHOST): unicast to a MAC not <paramref name="own"/>.</summary>
    public static bool IsForOtherHost(ReadOnlySpan<byte> frame, MacAddress own)
    {
        MacAddress dst = MacAddress.FromBytes(frame);
        return !dst.IsMulticast && dst != own;
    }

    /// <summary>Where the payload of <paramref name="type"/> starts, past at most one VLAN tag, or -1.</summary>
    internal static int PayloadOffset(ReadOnlySpan<byte> frame, ushort type)
    {
        if (frame.Length < 14)
        {
            return -1;
        }
        ushort t = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        if (t is 0x8100 or 0x88A8)
        {
            return frame.Length >= 18 && BinaryPrimitives.ReadUInt16BigEndian(frame[16..]) == type ? 18 : -1;
        }
        return t == type ? 14 : -1;
    }

    internal static bool IsIpv4(IPAddress a) => a.AddressFamily == AddressFamily.InterNetwork;
}
