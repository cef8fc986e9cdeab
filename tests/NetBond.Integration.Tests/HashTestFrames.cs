namespace NetBond.Integration.Tests;

/// <summary>
/// The frames the Core's XmitHash tests reason about (tests/NetBond.Core.Tests/XmitHashTests.cs and
/// FlowDissectorTests.cs), built the same way, and seeded mutations of them: the table the kernel data path's
/// hash is compared on.
/// </summary>
internal static class HashTestFrames
{
    private static readonly byte[] s_src = [198, 18, 0, 1];
    private static readonly byte[] s_dst = [198, 18, 0, 2];
    private static readonly byte[] s_tcp = [0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x10, 0, 0, 0, 0, 0, 0];

    private static byte[] Eth(ushort type, byte[] payload, ushort? tag = null, ushort tpid = 0x8100)
    {
        int t = tag == null ? 0 : 4;
        byte[] f = new byte[14 + t + payload.Length];
        byte[] dst = [0x02, 0, 0, 0, 0, 0x02];
        byte[] src = [0x02, 0x11, 0x22, 0x33, 0x44, 0x07];
        dst.CopyTo(f, 0);
        src.CopyTo(f, 6);
        if (tag is ushort tci)
        {
            f[12] = (byte)(tpid >> 8); f[13] = (byte)tpid;
            f[14] = (byte)(tci >> 8); f[15] = (byte)tci;
        }
        f[12 + t] = (byte)(type >> 8);
        f[13 + t] = (byte)type;
        payload.CopyTo(f, 14 + t);
        return f;
    }

    private static byte[] Ip4(byte protocol, byte[] l4, byte ihl = 5, ushort fragment = 0, byte[]? src = null, byte[]? dst = null)
    {
        byte[] ip = new byte[(ihl < 5 ? 20 : ihl * 4) + l4.Length];
        ip[0] = (byte)(0x40 | ihl);
        ip[6] = (byte)(fragment >> 8); ip[7] = (byte)fragment;
        ip[8] = 64;
        ip[9] = protocol;
        (src ?? s_src).CopyTo(ip, 12);
        (dst ?? s_dst).CopyTo(ip, 16);
        l4.CopyTo(ip, ip.Length - l4.Length);
        return ip;
    }

    private static byte[] Ip6(byte next, byte[] l4)
    {
        byte[] ip = new byte[40 + l4.Length];
        ip[0] = 0x60;
        ip[6] = next;
        ip[7] = 64;
        byte[] a = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        byte[] b = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        a.CopyTo(ip, 8);
        b.CopyTo(ip, 24);
        l4.CopyTo(ip, 40);
        return ip;
    }

    public static IEnumerable<(string Name, byte[] Frame)> Frames()
    {
        List<(string, byte[])> frames =
        [
            ("tcp4", Eth(0x0800, Ip4(6, s_tcp))),
            ("udp4", Eth(0x0800, Ip4(17, [0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0]))),
            ("sctp4", Eth(0x0800, Ip4(132, [0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0]))),
            ("ah4", Eth(0x0800, Ip4(51, [6, 4, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0]))),
            ("gre4", Eth(0x0800, Ip4(47, [0, 0, 0x08, 0x00, .. Ip4(6, s_tcp, src: [198, 19, 7, 7])]))),
            ("tcp4 vlan", Eth(0x0800, Ip4(6, s_tcp), tag: 0x2064)),
            ("tcp4 qinq", Eth(0x0800, Ip4(6, s_tcp), tag: 0x0005, tpid: 0x88A8)),
            ("tcp4 ihl2", Eth(0x0800, Ip4(6, s_tcp, ihl: 2))),
            ("tcp4 ihl15", Eth(0x0800, Ip4(6, s_tcp, ihl: 15))),
            ("tcp4 version6", Eth(0x0800, [0x65, .. Ip4(6, s_tcp)[1..]])),
            ("tcp4 first fragment", Eth(0x0800, Ip4(6, s_tcp, fragment: 0x2000))),
            ("tcp4 later fragment", Eth(0x0800, Ip4(6, s_tcp, fragment: 0x00B9))),
            ("tcp4 cut in the header", Eth(0x0800, Ip4(6, s_tcp))[..30]),
            ("tcp4 cut in the ports", Eth(0x0800, Ip4(6, s_tcp))[..36]),
            ("icmp echo", Eth(0x0800, Ip4(1, [8, 0, 0, 0, 0x12, 0x34, 0, 1]))),
            ("icmp echo id 0", Eth(0x0800, Ip4(1, [8, 0, 0, 0, 0, 0, 0, 1]))),
            ("icmp timestamp", Eth(0x0800, Ip4(1, [13, 0, 0, 0, 0, 0xff, 0, 1]))),
            ("icmp echo short", Eth(0x0800, Ip4(1, [8, 0, 0, 0]))),
            ("icmp unreachable", Eth(0x0800, Ip4(1, [3, 3, 0, 0, 0, 0, 0, 0, .. Ip4(6, [0, 0x50, 0x9c, 0x40, 0, 0, 0, 0], src: s_dst, dst: s_src)]))),
            ("icmp time exceeded, inner fragment", Eth(0x0800, Ip4(1, [11, 0, 0, 0, 0, 0, 0, 0, .. Ip4(17, [1, 2, 3, 4], fragment: 0x0010)]))),
            ("icmp unreachable, inner cut", Eth(0x0800, Ip4(1, [3, 1, 0, 0, 0, 0, 0, 0, 0x45, 0, 0]))),
            ("tcp6", Eth(0x86DD, Ip6(6, s_tcp))),
            ("udp6 vlan", Eth(0x86DD, Ip6(17, [0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0]), tag: 0x0123)),
            ("icmp6 echo", Eth(0x86DD, Ip6(58, [128, 0, 0, 0, 0x56, 0x78, 0, 1]))),
            ("icmp6 neighbour solicitation", Eth(0x86DD, Ip6(58, [135, 0, 0, 0, 0, 0, 0, 0, .. new byte[16]]))),
            ("icmp6 unreachable", Eth(0x86DD, Ip6(58, [1, 4, 0, 0, 0, 0, 0, 0, .. Ip6(17, [0x00, 0x35, 0x30, 0x39, 0, 8, 0, 0])]))),
            ("icmp6 redirect carrying a header (no error)", Eth(0x86DD, Ip6(58, [137, 0, 0, 0, 0, 0, 0, 0, .. Ip6(17, [0x00, 0x35, 0x30, 0x39, 0, 8, 0, 0])]))),
            ("icmp6 type 100 carrying a header (no error)", Eth(0x86DD, Ip6(58, [100, 0, 0, 0, 0, 0, 0, 0, .. Ip6(17, [0x00, 0x35, 0x30, 0x39, 0, 8, 0, 0])]))),
            ("icmp6 short header", Eth(0x86DD, Ip6(58, [1, 4, 0, 0]))),
            ("ipv6 hop-by-hop then tcp", Eth(0x86DD, Ip6(0, [6, 0, 0, 0, 0, 0, 0, 0, .. s_tcp]))),
            ("ipv6 cut", Eth(0x86DD, Ip6(6, s_tcp))[..40]),
            ("arp", Eth(0x0806, new byte[28])),
            ("lacpdu", Eth(0x8809, new byte[110])),
            ("ethernet header only", Eth(0x0800, [])),
            ("runt", new byte[13]),
        ];
        // Seeded mutations: a byte or two changed anywhere in a header, or the frame cut anywhere.
        Random random = new(11);
        int count = frames.Count;
        for (int i = 0; i < 400; i++)
        {
            byte[] f = (byte[])frames[random.Next(count)].Item2.Clone();
            if (f.Length < 14)
            {
                continue;
            }
            if (random.Next(4) == 0)
            {
                f = f[..random.Next(14, f.Length + 1)];
            }
            else
            {
                for (int k = random.Next(1, 3); k > 0; k--)
                {
                    f[random.Next(Math.Min(f.Length, 80))] = (byte)random.Next(256);
                }
            }
            frames.Add(($"mutation {i}", f));
        }
        return frames;
    }
}
