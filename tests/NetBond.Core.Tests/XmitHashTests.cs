using NetBond.Core;

namespace NetBond.Core.Tests;

public class XmitHashTests
{
    /// <summary>The worked example of reference/linux-bonding.md §3: 192.0.2.10:40000 → 192.0.2.20:80, TCP.</summary>
    private static byte[] Example()
    {
        byte[] f = new byte[14 + 20 + 20];
        f[5] = 0x01;                 // dst MAC ends 0x01
        f[11] = 0x5a;                // src MAC ends 0x5a
        f[12] = 0x08;
        f[14] = 0x45;
        f[23] = 6;
        byte[] src = [192, 0, 2, 10];
        byte[] dst = [192, 0, 2, 20];
        src.CopyTo(f, 26);
        dst.CopyTo(f, 30);
        f[34] = 0x9c; f[35] = 0x40;  // 40000
        f[36] = 0x00; f[37] = 0x50;  // 80
        return f;
    }

    [Theory]
    [InlineData(XmitHashPolicy.Layer2, 0x085bu)]
    [InlineData(XmitHashPolicy.Layer23, 0x1e1e164du)]
    [InlineData(XmitHashPolicy.Layer34, 0x27270749u)]
    public void Matches_the_kernels_arithmetic(XmitHashPolicy policy, uint expected) =>
        Assert.Equal(expected, XmitHash.Compute(Example(), policy));

    [Fact]
    public void Fragments_hash_without_ports()
    {
        byte[] f = Example();
        f[14 + 6] = 0x20; // more fragments
        byte[] g = Example();
        g[14 + 6] = 0x20;
        g[34] = 0x11;
        Assert.Equal(XmitHash.Compute(f, XmitHashPolicy.Layer34), XmitHash.Compute(g, XmitHashPolicy.Layer34));
    }

    [Fact]
    public void Runt_and_non_ip_frames_fall_back_to_layer2()
    {
        Assert.Equal(0u, XmitHash.Compute(new byte[6], XmitHashPolicy.Layer34));
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        Assert.Equal(0x0806u, XmitHash.Compute(arp, XmitHashPolicy.Layer34));
    }
}

/// <summary>
/// The kernel's hash on the frames a careful user tries: inline VLAN tags (out of band in the kernel), ICMP
/// echo and errors, malformed IPv4. Each expectation is computed here from bond_main.c's formula by an
/// independent reference (<see cref="Fold"/>), not by the code under test.
/// </summary>
public class XmitHashKernelCasesTests
{
    private static readonly byte[] s_src = [198, 18, 0, 1];
    private static readonly byte[] s_dst = [198, 18, 0, 2];

    private static uint Le(byte[] b, int at) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);

    /// <summary>bond_ip_hash() on a starting value and IPv4 address words.</summary>
    private static uint Fold(uint h, byte[] src, byte[] dst, bool l34)
    {
        h ^= Le(dst, 0) ^ Le(src, 0);
        h ^= h >> 16;
        h ^= h >> 8;
        return l34 ? h >> 1 : h;
    }

    private static byte[] Ipv4(byte protocol, byte[] l4, ushort? vlanTci = null, byte ihl = 5)
    {
        int tag = vlanTci == null ? 0 : 4;
        byte[] f = new byte[14 + tag + 20 + l4.Length];
        f[5] = 0x02;
        f[11] = 0x07;
        f[6] = 0x02; f[7] = 0x11; f[8] = 0x22; f[9] = 0x33; f[10] = 0x44;
        if (vlanTci is ushort tci)
        {
            f[12] = 0x81; f[13] = 0x00;
            f[14] = (byte)(tci >> 8); f[15] = (byte)tci;
        }
        f[12 + tag] = 0x08;
        f[13 + tag] = 0x00;
        int ip = 14 + tag;
        f[ip] = (byte)(0x40 | ihl);
        f[ip + 9] = protocol;
        s_src.CopyTo(f, ip + 12);
        s_dst.CopyTo(f, ip + 16);
        l4.CopyTo(f, ip + 20);
        return f;
    }

    private static readonly byte[] s_tcp = [0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 0];

    [Theory]
    [InlineData(XmitHashPolicy.Layer2)]
    [InlineData(XmitHashPolicy.Layer23)]
    [InlineData(XmitHashPolicy.Layer34)]
    [InlineData(XmitHashPolicy.Encap23)]
    [InlineData(XmitHashPolicy.Encap34)]
    public void An_inline_outer_tag_is_hashed_as_the_kernel_hashes_an_out_of_band_one(XmitHashPolicy policy) =>
        Assert.Equal(XmitHash.Compute(Ipv4(6, s_tcp), policy), XmitHash.Compute(Ipv4(6, s_tcp, vlanTci: 0x2064), policy));

    [Fact]
    public void Vlan_srcmac_takes_the_whole_tci_of_the_outer_tag()
    {
        uint vendor = 0x021122, dev = 0x334407;
        Assert.Equal(0x2064u ^ vendor ^ dev, XmitHash.Compute(Ipv4(6, s_tcp, vlanTci: 0x2064), XmitHashPolicy.VlanSrcMac));
        Assert.Equal(vendor ^ dev, XmitHash.Compute(Ipv4(6, s_tcp), XmitHashPolicy.VlanSrcMac));
        byte[] qinq = Ipv4(6, s_tcp, vlanTci: 0x0005);
        qinq[12] = 0x88; qinq[13] = 0xA8;
        Assert.Equal(0x0005u ^ vendor ^ dev, XmitHash.Compute(qinq, XmitHashPolicy.VlanSrcMac));
    }

    [Theory]
    [InlineData(8, 0x1234, 0x1234)]
    [InlineData(0, 0x0001, 0x0001)]
    [InlineData(13, 0x00ff, 0x00ff)]
    [InlineData(8, 0x0000, 0x0001)]
    public void Icmp_echo_and_timestamp_hash_type_code_and_id(byte type, ushort id, ushort key)
    {
        byte[] icmp = [type, 0, 0, 0, (byte)(id >> 8), (byte)id, 0, 1];
        uint expected = Fold(type | (uint)key << 16, s_src, s_dst, l34: true);
        Assert.Equal(expected, XmitHash.Compute(Ipv4(1, icmp), XmitHashPolicy.Layer34));
    }

    [Fact]
    public void An_icmp_error_hashes_with_the_flow_it_carries()
    {
        // Destination unreachable carrying 198.18.0.2 -> 198.18.0.1 TCP 80 -> 40000: the inner header's
        // addresses and ports, the outer's ICMP key having no id.
        byte[] inner = new byte[20 + 8];
        inner[0] = 0x45;
        inner[9] = 6;
        s_dst.CopyTo(inner, 12);
        s_src.CopyTo(inner, 16);
        inner[20] = 0x00; inner[21] = 0x50; inner[22] = 0x9c; inner[23] = 0x40;
        byte[] icmp = [3, 3, 0, 0, 0, 0, 0, 0, .. inner];
        uint ports = Le(inner, 20);
        Assert.Equal(Fold(ports, s_dst, s_src, l34: true), XmitHash.Compute(Ipv4(1, icmp), XmitHashPolicy.Layer34));
        Assert.Equal(Fold(0x02u ^ 0x07u ^ 0x0800u, s_dst, s_src, l34: false), XmitHash.Compute(Ipv4(1, icmp), XmitHashPolicy.Layer23));
    }

    private static byte[] Ipv6(byte next, byte[] l4)
    {
        byte[] f = new byte[14 + 40 + l4.Length];
        f[12] = 0x86; f[13] = 0xDD;
        f[14] = 0x60;
        f[14 + 6] = next;
        f[14 + 8] = 0x20; f[14 + 9] = 0x01; f[14 + 23] = 1;
        f[14 + 24] = 0x20; f[14 + 25] = 0x01; f[14 + 39] = 2;
        l4.CopyTo(f, 14 + 40);
        return f;
    }

    /// <summary>
    /// icmpv6_is_err(): only types 1–4 carry the offending packet, hashed by its header; any other type is hashed
    /// by the outer header alone, and so is a header too short to read (type 0).
    /// </summary>
    [Fact]
    public void Only_icmpv6_errors_hash_with_the_flow_they_carry()
    {
        byte[] inner = Ipv6(17, [0x00, 0x35, 0x30, 0x39, 0, 8, 0, 0])[14..];
        uint outer = XmitHash.Compute(Ipv6(59, []), XmitHashPolicy.Layer34);
        Assert.NotEqual(outer, XmitHash.Compute(Ipv6(58, [1, 4, 0, 0, 0, 0, 0, 0, .. inner]), XmitHashPolicy.Layer34));
        Assert.NotEqual(outer, XmitHash.Compute(Ipv6(58, [4, 0, 0, 0, 0, 0, 0, 0, .. inner]), XmitHashPolicy.Layer34));
        foreach (byte type in (byte[])[5, 100, 127, 137])
        {
            Assert.Equal(outer, XmitHash.Compute(Ipv6(58, [type, 0, 0, 0, 0, 0, 0, 0, .. inner]), XmitHashPolicy.Layer34));
        }
        Assert.Equal(outer, XmitHash.Compute(Ipv6(58, [1, 4, 0, 0]), XmitHashPolicy.Layer34));
    }

    [Fact]
    public void Ipv4_is_taken_as_written_even_with_a_header_length_under_five_words()
    {
        // ihl = 2: the "ports" start 8 bytes into the IP header, as bond_flow_ip() reads them.
        byte[] f = Ipv4(6, s_tcp, ihl: 2);
        f[14 + 8] = 0xAA; f[14 + 9] = 6; f[14 + 10] = 0xBB; f[14 + 11] = 0xCC;
        uint ports = 0xCCBB06AAu;
        Assert.Equal(Fold(ports, s_src, s_dst, l34: true), XmitHash.Compute(f, XmitHashPolicy.Layer34));
        // Version 6 in an IPv4 frame is still parsed as IPv4.
        byte[] g = Ipv4(6, s_tcp);
        g[14] = 0x65;
        Assert.Equal(XmitHash.Compute(Ipv4(6, s_tcp), XmitHashPolicy.Layer23), XmitHash.Compute(g, XmitHashPolicy.Layer23));
    }

    [Fact]
    public void An_ipv4_header_cut_short_falls_back_to_layer2()
    {
        byte[] f = Ipv4(6, s_tcp)[..30];
        Assert.Equal(0x02u ^ 0x07u ^ 0x0800u, XmitHash.Compute(f, XmitHashPolicy.Layer34));
    }
}
