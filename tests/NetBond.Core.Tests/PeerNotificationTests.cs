using System.Net;
using NetBond.Core;

namespace NetBond.Core.Tests;

public class PeerNotificationTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(20)]
    public void Failover_sends_num_grat_arp_notifications_peer_notif_delay_apart(int count)
    {
        // The kernel selftest bond_options.sh: num_grat_arp N, peer_notify_delay 100, miimon 10.
        (Bond bond, VirtualHost host) = TestBonds.Make($"mode=1 miimon=10 num_grat_arp={count} peer_notify_delay=100", "eth0", "eth1");
        host.Run(bond, 5);
        host.Notified.Clear();
        host.NotifyTimes.Clear();
        host.SetCarrier("eth0", false);
        host.Run(bond, 100 * count + 500);
        Assert.Equal(count, host.Notified.Count);
        Assert.All(host.Notified, n => Assert.Equal("eth1", n));
        long[] gaps = [.. host.NotifyTimes.Zip(host.NotifyTimes.Skip(1), (a, b) => b.At - a.At)];
        Assert.All(gaps, g => Assert.Equal(100, g));
    }

    [Fact]
    public void Each_round_tells_of_every_address_of_the_bond_from_its_mac_on_the_new_active_member()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=10", "eth0", "eth1");
        bond.OnAddresses([IPAddress.Parse("198.18.0.1"), IPAddress.Parse("2001:db8::1")]);
        host.Run(bond, 5);
        host.Frames.Clear();
        host.SetCarrier("eth0", false);
        host.Run(bond, 50);
        Assert.Equal(2, host.Frames.Count);
        Assert.All(host.Frames, f => Assert.Equal("eth1", f.Member));
        Assert.Equal(PeerNotificationFrames.GratuitousArp(IPAddress.Parse("198.18.0.1"), bond.Mac), host.Frames[0].Frame);
        Assert.Equal(PeerNotificationFrames.UnsolicitedNa(IPAddress.Parse("2001:db8::1"), bond.Mac), host.Frames[1].Frame);
    }

    [Fact]
    public void A_bond_without_addresses_has_nothing_to_tell()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=10", "eth0", "eth1");
        bond.OnAddresses([]);
        host.SetCarrier("eth0", false);
        host.Run(bond, 50);
        Assert.Equal("eth1", bond.Active!.Name);
        Assert.Empty(host.Frames);
    }

    [Fact]
    public void Round_robin_sends_no_notifications()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=0 miimon=10", "eth0", "eth1");
        host.SetCarrier("eth0", false);
        host.Run(bond, 100);
        Assert.Empty(host.Notified);
    }

    [Fact]
    public void Gratuitous_arp_is_a_request_with_sender_equal_to_target()
    {
        MacAddress mac = new(0x02_00_00_00_00_01);
        byte[] f = PeerNotificationFrames.GratuitousArp(IPAddress.Parse("198.18.0.1"), mac);
        Assert.Equal(42, f.Length);
        Assert.Equal(MacAddress.Broadcast, MacAddress.FromBytes(f));
        Assert.Equal(mac, MacAddress.FromBytes(f.AsSpan(6)));
        Assert.Equal(new byte[] { 0x08, 0x06 }, f[12..14]);
        Assert.Equal(new byte[] { 0, 1 }, f[20..22]);
        Assert.Equal(f[28..32], f[38..42]);
        Assert.Equal(new byte[] { 198, 18, 0, 1 }, f[28..32]);
    }

    [Fact]
    public void Unsolicited_na_has_override_flag_hop_limit_255_and_a_valid_checksum()
    {
        MacAddress mac = new(0x02_00_00_00_00_01);
        byte[] f = PeerNotificationFrames.UnsolicitedNa(IPAddress.Parse("2001:db8::1"), mac);
        Assert.Equal(86, f.Length);
        Assert.Equal(255, f[14 + 7]);
        Assert.Equal(136, f[54]);
        Assert.Equal(0x20, f[58]);
        // A correct checksum makes the sum over pseudo-header and message come out as zero.
        Assert.Equal(0, PeerNotificationFrames.Icmpv6Checksum(f.AsSpan(22, 16), f.AsSpan(38, 16), f.AsSpan(54)));
    }
}
