using System.Buffers.Binary;

namespace NetBond.Core;

/// <summary>
/// bond_xmit_hash(): the kernel's xmit_hash_policy arithmetic, bit for bit, so a flow lands on the same
/// member index as it would under the kernel driver. Address and port words are read in host order from
/// network-order bytes as the kernel's __be32 reinterpretation does on a little-endian CPU.
/// </summary>
/// <remarks>
/// A VLAN device stacked on a kernel bond hands it the tag out of band (the bond offers VLAN offloads); on
/// the TAP the same frame arrives with its outer 802.1Q or 802.1ad tag inline. So an inline outer tag is
/// taken for skb->vlan_tci and the frame is hashed as the rest behind it, as the kernel would see it.
/// </remarks>
public static class XmitHash
{
    private const int EthHeader = 14;
    private const ushort EthPIp = 0x0800;
    private const ushort EthPIpv6 = 0x86DD;
    private const byte IpProtoIcmp = 1;
    private const byte IpProtoIcmpv6 = 58;

    public static uint Compute(ReadOnlySpan<byte> frame, XmitHashPolicy policy)
    {
        if (frame.Length < EthHeader)
        {
            return 0;
        }
        ushort proto = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        uint tci = 0;
        int nhoff = EthHeader;
        if (proto is 0x8100 or 0x88A8 && frame.Length >= EthHeader + 4)
        {
            tci = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
            proto = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            nhoff += 4;
        }
        if (policy == XmitHashPolicy.VlanSrcMac)
        {
            uint vendor = (uint)(frame[6] << 16 | frame[7] << 8 | frame[8]);
            uint dev = (uint)(frame[9] << 16 | frame[10] << 8 | frame[11]);
            return tci ^ vendor ^ dev;
        }
        // bond_eth_hash: the header's type field, which for an out-of-band tag is the protocol behind it.
        uint ethHash = (uint)(frame[5] ^ frame[11] ^ proto);
        bool l34 = policy is XmitHashPolicy.Layer34 or XmitHashPolicy.Encap34;
        Flow flow = default;
        bool dissected = policy switch
        {
            XmitHashPolicy.Layer2 => false,
            XmitHashPolicy.Encap23 or XmitHashPolicy.Encap34 => FlowDissector.Dissect(frame, proto, nhoff, nhoff > EthHeader, ref flow),
            _ => Dissect(frame, proto, nhoff, l34, out flow),
        };
        if (!dissected)
        {
            return ethHash;
        }
        uint h;
        if (policy is XmitHashPolicy.Layer23 or XmitHashPolicy.Encap23)
        {
            h = ethHash;
        }
        else
        {
            h = flow.IcmpId != 0 ? flow.IcmpType | (uint)flow.IcmpCode << 8 | (uint)flow.IcmpId << 16 : flow.Ports;
        }
        // bond_ip_hash
        h ^= flow.Addresses;
        h ^= h >> 16;
        h ^= h >> 8;
        return l34 ? h >> 1 : h;
    }

    /// <summary>What bond_flow_dissect() keeps of a frame: the address words, the ports word and the ICMP key.</summary>
    internal struct Flow
    {
        public uint Addresses;
        public uint Ports;
        public byte IcmpType;
        public byte IcmpCode;
        public ushort IcmpId;
    }

    /// <summary>
    /// bond_flow_dissect() for every policy but encap: the outer IP header by bond_flow_ip(); ICMP and ICMPv6
    /// echo and timestamp give {type, code, id}; an ICMP error is hashed by the header it carries.
    /// </summary>
    private static bool Dissect(ReadOnlySpan<byte> frame, ushort proto, int nhoff, bool l34, out Flow flow)
    {
        flow = default;
        int ipProto = -1;
        if (!FlowIp(frame, proto, ref nhoff, ref ipProto, l34, ref flow))
        {
            return false;
        }
        if (ipProto is not (IpProtoIcmp or IpProtoIcmpv6))
        {
            return true;
        }
        IcmpKey(frame, nhoff, ref flow);
        // icmp_is_err(), icmpv6_is_err() (unreachable, too big, time exceeded, parameter problem); a header too
        // short to read leaves type 0, no error.
        bool error = ipProto == IpProtoIcmp
            ? flow.IcmpType is 3 or 4 or 5 or 11 or 12
            : flow.IcmpType is >= 1 and <= 4;
        if (!error)
        {
            return true;
        }
        nhoff += 8;
        return FlowIp(frame, proto, ref nhoff, ref ipProto, l34, ref flow);
    }

    /// <summary>
    /// bond_flow_ip(): IPv4 by the protocol alone (no version check; the header length taken as written, even
    /// under 5 words), IPv6 by its fixed header; a fragment has no protocol and so no ports.
    /// </summary>
    private static bool FlowIp(ReadOnlySpan<byte> frame, ushort proto, ref int nhoff, ref int ipProto, bool l34, ref Flow flow)
    {
        if (proto == EthPIp)
        {
            if (frame.Length < nhoff + 20)
            {
                return false;
            }
            ReadOnlySpan<byte> ip = frame[nhoff..];
            flow.Addresses = Word(ip[16..]) ^ Word(ip[12..]);
            nhoff += (ip[0] & 0x0F) * 4;
            if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) == 0)
            {
                ipProto = ip[9];
            }
        }
        else if (proto == EthPIpv6)
        {
            if (frame.Length < nhoff + 40)
            {
                return false;
            }
            ReadOnlySpan<byte> ip = frame[nhoff..];
            flow.Addresses = Word(ip[8..]) ^ Word(ip[12..]) ^ Word(ip[16..]) ^ Word(ip[20..])
                ^ Word(ip[24..]) ^ Word(ip[28..]) ^ Word(ip[32..]) ^ Word(ip[36..]);
            nhoff += 40;
            ipProto = ip[6];
        }
        else
        {
            return false;
        }
        if (l34 && ipProto >= 0)
        {
            flow.Ports = Ports(frame, nhoff, ipProto);
        }
        return true;
    }

    /// <summary>skb_flow_get_icmp_tci(): type, code and the echo id (host order, 1 standing for a zero id, 0 meaning "no id").</summary>
    internal static void IcmpKey(ReadOnlySpan<byte> frame, int thoff, ref Flow flow)
    {
        if (frame.Length < thoff + 8)
        {
            return;
        }
        flow.IcmpType = frame[thoff];
        flow.IcmpCode = frame[thoff + 1];
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(frame[(thoff + 4)..]);
        flow.IcmpId = flow.IcmpType is 0 or 8 or 13 or 14 or 128 or 129 ? id == 0 ? (ushort)1 : id : (ushort)0;
    }

    /// <summary>skb_flow_get_ports(): four bytes at the protocol's offset (proto_ports_offset; AH: its SPI at 4), or 0.</summary>
    internal static uint Ports(ReadOnlySpan<byte> frame, int thoff, int protocol)
    {
        int offset = protocol switch
        {
            6 or 17 or 136 or 132 or 33 or 50 => 0,
            51 => 4,
            _ => -1,
        };
        int at = thoff + offset;
        return offset >= 0 && at >= 0 && frame.Length >= at + 4 ? Word(frame[at..]) : 0;
    }

    internal static uint Word(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadUInt32LittleEndian(b);
}
