using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>
/// encap2+3 and encap3+4 hash what __skb_flow_dissect() reaches, the innermost addresses and ports; the layer
/// policies stop at the outer header. Expectations are written out from the kernel's formula.
/// </summary>
public class FlowDissectorTests
{
    private static readonly byte[] s_outerSrc = [198, 18, 0, 1];
    private static readonly byte[] s_outerDst = [198, 18, 0, 2];
    private static readonly byte[] s_innerSrc = [198, 19, 7, 7];
    private static readonly byte[] s_innerDst = [198, 19, 9, 9];
    private static readonly byte[] s_udp = [0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0];

    private static uint Le(byte[] b, int at = 0) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);

    private static uint Fold(uint h, uint addresses, bool l34)
    {
        h ^= addresses;
        h ^= h >> 16;
        h ^= h >> 8;
        return l34 ? h >> 1 : h;
    }

    private static uint Addrs(byte[] src, byte[] dst) => Le(dst) ^ Le(src);

    private static byte[] Ip4(byte protocol, byte[] src, byte[] dst, byte[] payload)
    {
        byte[] ip = new byte[20 + payload.Length];
        ip[0] = 0x45;
        ip[9] = protocol;
        src.CopyTo(ip, 12);
        dst.CopyTo(ip, 16);
        payload.CopyTo(ip, 20);
        return ip;
    }

    private static byte[] Eth(ushort type, byte[] payload) =>
        [0, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x07, (byte)(type >> 8), (byte)type, .. payload];

    private const uint EthIp = 0x02 ^ 0x07 ^ 0x0800;

    [Fact]
    public void Ipip_hashes_the_inner_header_under_encap_and_the_outer_under_layer_policies()
    {
        byte[] f = Eth(0x0800, Ip4(4, s_outerSrc, s_outerDst, Ip4(17, s_innerSrc, s_innerDst, s_udp)));
        Assert.Equal(Fold(Le(s_udp), Addrs(s_innerSrc, s_innerDst), l34: true), XmitHash.Compute(f, XmitHashPolicy.Encap34));
        Assert.Equal(Fold(EthIp, Addrs(s_innerSrc, s_innerDst), l34: false), XmitHash.Compute(f, XmitHashPolicy.Encap23));
        Assert.Equal(Fold(0, Addrs(s_outerSrc, s_outerDst), l34: true), XmitHash.Compute(f, XmitHashPolicy.Layer34));
    }

    [Fact]
    public void Gre_with_a_key_and_a_bridged_inner_ethernet_frame_is_seen_through()
    {
        byte[] gre = [0x20, 0x00, 0x65, 0x58, 0, 0, 0, 42, .. Eth(0x0800, Ip4(17, s_innerSrc, s_innerDst, s_udp))];
        byte[] f = Eth(0x0800, Ip4(47, s_outerSrc, s_outerDst, gre));
        Assert.Equal(Fold(Le(s_udp), Addrs(s_innerSrc, s_innerDst), l34: true), XmitHash.Compute(f, XmitHashPolicy.Encap34));
        byte[] routed = [0x40, 0x00, 0x08, 0x00, .. Ip4(17, s_innerSrc, s_innerDst, s_udp)];
        byte[] g = Eth(0x0800, Ip4(47, s_outerSrc, s_outerDst, routed));
        Assert.Equal(Fold(0, Addrs(s_outerSrc, s_outerDst), l34: true), XmitHash.Compute(g, XmitHashPolicy.Encap34));
    }

    [Fact]
    public void Ipv6_extension_headers_are_walked_only_by_the_dissector()
    {
        byte[] ip6 = new byte[40 + 8 + 8];
        ip6[0] = 0x60;
        ip6[6] = 0;              // hop-by-hop options
        ip6[8] = 0x20; ip6[9] = 0x01; ip6[10] = 0x0d; ip6[11] = 0xb8; ip6[23] = 1;
        ip6[24] = 0x20; ip6[25] = 0x01; ip6[26] = 0x0d; ip6[27] = 0xb8; ip6[39] = 2;
        ip6[40] = 17;            // then UDP, header length 0 (8 bytes)
        s_udp.CopyTo(ip6, 48);
        byte[] f = Eth(0x86DD, ip6);
        uint addrs = Le(ip6, 8) ^ Le(ip6, 12) ^ Le(ip6, 16) ^ Le(ip6, 20) ^ Le(ip6, 24) ^ Le(ip6, 28) ^ Le(ip6, 32) ^ Le(ip6, 36);
        Assert.Equal(Fold(Le(s_udp), addrs, l34: true), XmitHash.Compute(f, XmitHashPolicy.Encap34));
        Assert.Equal(Fold(0, addrs, l34: true), XmitHash.Compute(f, XmitHashPolicy.Layer34));
        ip6[6] = 44;             // a fragment header instead: no ports
        ip6[40] = 17;
        Assert.Equal(Fold(0, addrs, l34: true), XmitHash.Compute(Eth(0x86DD, ip6), XmitHashPolicy.Encap34));
    }

    [Fact]
    public void Qinq_pppoe_mpls_and_arp_go_as_the_dissector_takes_them()
    {
        byte[] inner = Ip4(17, s_innerSrc, s_innerDst, s_udp);
        // Outer 802.1ad tag (out of band for the kernel), inner 802.1Q tag in the payload.
        byte[] qinq = Eth(0x88A8, [0x00, 0x64, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00, .. inner]);
        Assert.Equal(Fold(0x02 ^ 0x07 ^ 0x8100u, Addrs(s_innerSrc, s_innerDst), l34: false), XmitHash.Compute(qinq, XmitHashPolicy.Encap23));
        Assert.Equal(0x02 ^ 0x07 ^ 0x8100u, XmitHash.Compute(qinq, XmitHashPolicy.Layer23));
        byte[] pppoe = Eth(0x8864, [0x11, 0x00, 0x00, 0x01, 0x00, (byte)(inner.Length + 2), 0x00, 0x21, .. inner]);
        Assert.Equal(Fold(Le(s_udp), Addrs(s_innerSrc, s_innerDst), l34: true), XmitHash.Compute(pppoe, XmitHashPolicy.Encap34));
        byte[] mpls = Eth(0x8847, [0x00, 0x01, 0x01, 0x40, .. inner]);
        Assert.Equal(Fold(0x02 ^ 0x07 ^ 0x8847u, 0, l34: false), XmitHash.Compute(mpls, XmitHashPolicy.Encap23));
        byte[] arp = Eth(0x0806, new byte[28]);
        Assert.Equal(Fold(0x02 ^ 0x07 ^ 0x0806u, 0, l34: false), XmitHash.Compute(arp, XmitHashPolicy.Encap23));
        Assert.Equal(0x02 ^ 0x07 ^ 0x0806u, XmitHash.Compute(arp, XmitHashPolicy.Layer23));
    }

    [Fact]
    public void What_the_dissector_refuses_falls_back_to_layer2()
    {
        byte[] shortIhl = Eth(0x0800, Ip4(17, s_innerSrc, s_innerDst, s_udp));
        shortIhl[14] = 0x44;
        Assert.Equal(EthIp, XmitHash.Compute(shortIhl, XmitHashPolicy.Encap34));
        byte[] unknown = Eth(0x1234, new byte[40]);
        Assert.Equal(0x02 ^ 0x07 ^ 0x1234u, XmitHash.Compute(unknown, XmitHashPolicy.Encap34));
        byte[] badPppoe = Eth(0x8864, [0x12, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x21]);
        Assert.Equal(0x02 ^ 0x07 ^ 0x8864u, XmitHash.Compute(badPppoe, XmitHashPolicy.Encap23));
    }

    [Fact]
    public void An_icmp_echo_hashes_its_id_and_an_error_is_not_followed_inside()
    {
        byte[] echo = Eth(0x0800, Ip4(1, s_outerSrc, s_outerDst, [8, 0, 0, 0, 0x12, 0x34, 0, 1]));
        Assert.Equal(Fold(8u | 0x1234u << 16, Addrs(s_outerSrc, s_outerDst), l34: true), XmitHash.Compute(echo, XmitHashPolicy.Encap34));
        byte[] error = Eth(0x0800, Ip4(1, s_outerSrc, s_outerDst, [3, 1, 0, 0, 0, 0, 0, 0, .. Ip4(17, s_innerSrc, s_innerDst, s_udp)]));
        Assert.Equal(Fold(0, Addrs(s_outerSrc, s_outerDst), l34: true), XmitHash.Compute(error, XmitHashPolicy.Encap34));
    }
}
