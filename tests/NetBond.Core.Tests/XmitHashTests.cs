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
