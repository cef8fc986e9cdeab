using System.Buffers.Binary;

namespace NetBond.Core;

/// <summary>
/// __skb_flow_dissect() with the bonding driver's keys (flow_keys_bonding: addresses, ports, ICMP, VLAN, flow
/// label, GRE key) and no flags, as encap2+3 and encap3+4 use it: through VLAN and QinQ tags, PPPoE, GRE
/// (and GRE-TEB's inner Ethernet), IPIP, 6in4, IPv6-in-IPv6, IPv6 extension headers, HSR/PRP and batman-adv,
/// so the addresses and ports that count are the innermost ones it reaches; at most 15 headers deep.
/// </summary>
internal static class FlowDissector
{
    private const int MaxHeaders = 15;

    private enum Next
    {
        Bad,
        Good,
        Continue,
        ProtoAgain,
        IpProtoAgain,
    }

    /// <param name="proto">The frame's protocol (skb->protocol: the one behind an out-of-band tag).</param>
    /// <param name="outOfBandTag">Whether the outer tag was out of band, which the first VLAN pass only steps over.</param>
    public static bool Dissect(ReadOnlySpan<byte> frame, ushort proto, int nhoff, bool outOfBandTag, ref XmitHash.Flow flow)
    {
        ushort l2Proto = proto;
        int vlanDepth = 0;
        int headers = 0;
        byte ipProto = 0;
        bool fragment = false;
        while (true)
        {
            Next next = ByProtocol(frame, ref proto, ref nhoff, ref ipProto, ref fragment, ref vlanDepth, outOfBandTag, l2Proto, ref flow);
            switch (next)
            {
                case Next.Good:
                    return true;
                case Next.Bad:
                    return false;
                case Next.ProtoAgain:
                    if (++headers > MaxHeaders)
                    {
                        return true;
                    }
                    continue;
            }
            while (true)
            {
                next = ByIpProtocol(frame, ref proto, ref nhoff, ref ipProto, ref fragment, ref flow);
                if (!fragment)
                {
                    flow.Ports = XmitHash.Ports(frame, nhoff, ipProto);
                }
                if (next == Next.Bad)
                {
                    return false;
                }
                if (next is Next.ProtoAgain or Next.IpProtoAgain && ++headers > MaxHeaders)
                {
                    return true;
                }
                if (next != Next.IpProtoAgain)
                {
                    break;
                }
            }
            if (next != Next.ProtoAgain)
            {
                return true;
            }
        }
    }

    private static Next ByProtocol(ReadOnlySpan<byte> frame, ref ushort proto, ref int nhoff, ref byte ipProto, ref bool fragment,
        ref int vlanDepth, bool outOfBandTag, ushort l2Proto, ref XmitHash.Flow flow)
    {
        switch (proto)
        {
            case 0x0800:
            {
                if (frame.Length < nhoff + 20 || (frame[nhoff] & 0x0F) < 5)
                {
                    return Next.Bad;
                }
                ReadOnlySpan<byte> ip = frame[nhoff..];
                nhoff += (ip[0] & 0x0F) * 4;
                ipProto = ip[9];
                flow.Addresses = XmitHash.Word(ip[16..]) ^ XmitHash.Word(ip[12..]);
                if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0)
                {
                    // A fragment, first or not: without FLOW_DISSECTOR_F_PARSE_1ST_FRAG nothing past the IP header.
                    fragment = true;
                    return Next.Good;
                }
                return Next.Continue;
            }
            case 0x86DD:
            {
                if (frame.Length < nhoff + 40)
                {
                    return Next.Bad;
                }
                ReadOnlySpan<byte> ip = frame[nhoff..];
                ipProto = ip[6];
                nhoff += 40;
                flow.Addresses = XmitHash.Word(ip[8..]) ^ XmitHash.Word(ip[12..]) ^ XmitHash.Word(ip[16..]) ^ XmitHash.Word(ip[20..])
                    ^ XmitHash.Word(ip[24..]) ^ XmitHash.Word(ip[28..]) ^ XmitHash.Word(ip[32..]) ^ XmitHash.Word(ip[36..]);
                return Next.Continue;
            }
            case 0x8100 or 0x88A8:
                if (vlanDepth == 0 && outOfBandTag)
                {
                    // The out-of-band tag counts as the first: dissection goes on from skb->protocol, in place.
                    proto = l2Proto;
                }
                else if (vlanDepth < 2)
                {
                    if (frame.Length < nhoff + 4)
                    {
                        return Next.Bad;
                    }
                    proto = BinaryPrimitives.ReadUInt16BigEndian(frame[(nhoff + 2)..]);
                    nhoff += 4;
                }
                else
                {
                    // A third tag: the kernel goes round in place until its header limit, then stops.
                    return Next.ProtoAgain;
                }
                vlanDepth++;
                return Next.ProtoAgain;
            case 0x8864:
            {
                if (frame.Length < nhoff + 8 || frame[nhoff] != 0x11 || frame[nhoff + 1] != 0)
                {
                    return Next.Bad;
                }
                int ppp = BinaryPrimitives.ReadUInt16BigEndian(frame[(nhoff + 6)..]);
                if ((ppp & 0x0100) != 0)
                {
                    ppp >>= 8;
                    nhoff += 7;
                }
                else
                {
                    nhoff += 8;
                }
                switch (ppp)
                {
                    case 0x21: proto = 0x0800; return Next.ProtoAgain;
                    case 0x57: proto = 0x86DD; return Next.ProtoAgain;
                    case 0x281: proto = 0x8847; return Next.ProtoAgain;
                    case 0x283: proto = 0x8848; return Next.ProtoAgain;
                    default: return (ppp & 0x0101) == 0x0001 ? Next.Good : Next.Bad;
                }
            }
            case 0x88CA:
                if (frame.Length < nhoff + 16)
                {
                    return Next.Bad;
                }
                // TIPC: the source node as the only address (tipc_hdr_rps_key; a keepalive's is random in the kernel).
                flow.Addresses = XmitHash.Word(frame[(nhoff + 12)..]);
                return Next.Good;
            case 0x8847 or 0x8848:
                // No MPLS keys in the bonding dissector: the label stack ends dissection.
                return Next.Good;
            case 0x8906:
                return frame.Length - nhoff < 38 ? Next.Bad : Next.Good;
            case 0x0806 or 0x8035 or 0x8902:
                return Next.Good;
            case 0x4305:
                if (frame.Length < nhoff + 24 || frame[nhoff + 1] != 15 || frame[nhoff] != 0x40)
                {
                    return Next.Bad;
                }
                proto = BinaryPrimitives.ReadUInt16BigEndian(frame[(nhoff + 22)..]);
                nhoff += 24;
                return Next.ProtoAgain;
            case 0x88F7:
                return frame.Length < nhoff + 34 ? Next.Bad : Next.Good;
            case 0x88FB or 0x892F:
                if (frame.Length < nhoff + 6)
                {
                    return Next.Bad;
                }
                proto = BinaryPrimitives.ReadUInt16BigEndian(frame[(nhoff + 4)..]);
                nhoff += 6;
                return Next.ProtoAgain;
            default:
                return Next.Bad;
        }
    }

    private static Next ByIpProtocol(ReadOnlySpan<byte> frame, ref ushort proto, ref int nhoff, ref byte ipProto, ref bool fragment, ref XmitHash.Flow flow)
    {
        switch (ipProto)
        {
            case 47:
                return Gre(frame, ref proto, ref nhoff);
            case 0 or 43 or 60:
                if (proto != 0x86DD)
                {
                    return Next.Continue;
                }
                if (frame.Length < nhoff + 2)
                {
                    return Next.Bad;
                }
                ipProto = frame[nhoff];
                nhoff += (frame[nhoff + 1] + 1) << 3;
                return Next.IpProtoAgain;
            case 44:
                if (proto != 0x86DD)
                {
                    return Next.Continue;
                }
                if (frame.Length < nhoff + 8)
                {
                    return Next.Bad;
                }
                fragment = true;
                ipProto = frame[nhoff];
                nhoff += 8;
                return Next.Good;
            case 4:
                proto = 0x0800;
                return Next.ProtoAgain;
            case 41:
                proto = 0x86DD;
                return Next.ProtoAgain;
            case 137:
                proto = 0x8847;
                return Next.ProtoAgain;
            case 1 or 58:
                XmitHash.IcmpKey(frame, nhoff, ref flow);
                return Next.Continue;
            default:
                return Next.Continue;
        }
    }

    /// <summary>__skb_flow_dissect_gre(): version 0 without routing, or PPTP's version 1; past checksum, key and sequence.</summary>
    private static Next Gre(ReadOnlySpan<byte> frame, ref ushort proto, ref int nhoff)
    {
        if (frame.Length < nhoff + 4)
        {
            return Next.Bad;
        }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(frame[nhoff..]);
        if ((flags & 0x4000) != 0 || (flags & 0x0007) > 1)
        {
            return Next.Good;
        }
        bool version1 = (flags & 0x0007) == 1;
        proto = BinaryPrimitives.ReadUInt16BigEndian(frame[(nhoff + 2)..]);
        if (version1 && !(proto == 0x880B && (flags & 0x2000) != 0))
        {
            return Next.Good;
        }
        int offset = 4;
        if ((flags & 0x8000) != 0)
        {
            offset += 4;
        }
        if ((flags & 0x2000) != 0)
        {
            if (frame.Length < nhoff + offset + 4)
            {
                return Next.Bad;
            }
            offset += 4;
        }
        if ((flags & 0x1000) != 0)
        {
            offset += 4;
        }
        if (!version1)
        {
            if (proto == 0x6558)
            {
                if (frame.Length < nhoff + offset + 14)
                {
                    return Next.Bad;
                }
                proto = BinaryPrimitives.ReadUInt16BigEndian(frame[(nhoff + offset + 12)..]);
                offset += 14;
            }
        }
        else
        {
            if ((flags & 0x0080) != 0)
            {
                offset += 4;
            }
            if (frame.Length < nhoff + offset + 4)
            {
                return Next.Bad;
            }
            int ppp = frame[nhoff + offset + 2] << 8 | frame[nhoff + offset + 3];
            proto = ppp switch
            {
                0x21 => 0x0800,
                0x57 => 0x86DD,
                _ => proto,
            };
            offset += 4;
        }
        nhoff += offset;
        return Next.ProtoAgain;
    }
}
