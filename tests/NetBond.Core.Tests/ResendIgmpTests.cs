using System.Buffers.Binary;
using System.Net;
using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>resend_igmp: after a failover the bond's multicast memberships are reported again on the new active member.</summary>
public sealed class ResendIgmpTests
{
    [Fact]
    public void After_a_failover_memberships_are_reported_resend_igmp_times_200_ms_apart_on_the_new_active()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=active-backup miimon=100 resend_igmp=3", "eth0", "eth1");
        host.Run(bond, 1000);
        // The first active member is a change of active member too (bond_change_active_slave at enslave).
        Assert.All(host.Rejoins, r => Assert.Equal("eth0", r.Member));
        host.Rejoins.Clear();

        host.SetCarrier("eth0", false);
        host.Run(bond, 2000);

        Assert.Equal(3, host.Rejoins.Count);
        Assert.All(host.Rejoins, r => Assert.Equal("eth1", r.Member));
        Assert.Equal(200, host.Rejoins[1].At - host.Rejoins[0].At);
        Assert.Equal(200, host.Rejoins[2].At - host.Rejoins[1].At);
    }

    [Fact]
    public void Resend_igmp_zero_and_the_hashing_modes_report_nothing_again()
    {
        foreach (string options in new[] { "mode=active-backup miimon=100 resend_igmp=0", "mode=balance-xor miimon=100 resend_igmp=5" })
        {
            (Bond bond, VirtualHost host) = TestBonds.Make(options, "eth0", "eth1");
            host.Run(bond, 500);
            host.Rejoins.Clear();
            host.SetCarrier("eth0", false);
            host.Run(bond, 2000);
            Assert.Empty(host.Rejoins);
        }
    }

    [Fact]
    public void An_igmpv3_report_joins_every_group_but_all_hosts_with_valid_checksums()
    {
        IPAddress[] groups = [IPAddress.Parse("224.0.0.1"), IPAddress.Parse("239.1.2.3"), IPAddress.Parse("239.200.0.9")];
        byte[] f = Assert.Single(IgmpReport.For(new MacAddress(0x02_00_00_00_00_01), IPAddress.Parse("198.18.0.1"), groups, version3: true));

        Assert.Equal("01:00:5e:00:00:16", MacAddress.FromBytes(f).ToString());
        Assert.Equal(0x46, f[14]);
        Assert.Equal(1, f[22]);      // TTL
        Assert.Equal(2, f[23]);      // IGMP
        Assert.Equal(0, Sum(f.AsSpan(14, 24)));
        Span<byte> igmp = f.AsSpan(38);
        Assert.Equal(0x22, igmp[0]);
        Assert.Equal(0, Sum(igmp));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16BigEndian(igmp[6..]));
        Assert.Equal(IPAddress.Parse("239.1.2.3"), new IPAddress(igmp.Slice(12, 4)));
        Assert.Equal(4, igmp[16]);

        IReadOnlyList<byte[]> v2 = IgmpReport.For(new MacAddress(0x02_00_00_00_00_01), null, groups, version3: false);
        Assert.Equal(2, v2.Count);
        Assert.Equal("01:00:5e:48:00:09", MacAddress.FromBytes(v2[1]).ToString());
        Assert.Equal(0x16, v2[1][38]);
    }

    private static int Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int)(~sum & 0xFFFF);
    }
}
