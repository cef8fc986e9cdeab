using NetBond.Core;

namespace NetBond.Core.Tests;

public class TxPolicyTests
{
    private static byte[] Frame(ushort ethertype, byte ipProto = 6)
    {
        byte[] f = new byte[64];
        f[12] = (byte)(ethertype >> 8);
        f[13] = (byte)ethertype;
        f[14] = 0x45;
        f[23] = ipProto;
        return f;
    }

    [Fact]
    public void Round_robin_alternates_starting_with_the_second_member_as_the_kernel()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=0 miimon=100", "eth0", "eth1");
        TxState s = default;
        int[] picks = [.. Enumerable.Range(0, 4).Select(_ => TxPolicy.Select(host.Plan!, Frame(0x0800), ref s))];
        Assert.Equal([1, 0, 1, 0], picks);
    }

    [Fact]
    public void Round_robin_skips_a_dead_member_giving_the_next_a_double_share()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=0 miimon=100", "eth0", "eth1", "eth2");
        host.SetCarrier("eth1", false);
        host.Run(bond, 1);
        TxState s = default;
        int[] picks = [.. Enumerable.Range(0, 6).Select(_ => TxPolicy.Select(host.Plan!, Frame(0x0800), ref s))];
        Assert.Equal([2, 2, 0, 2, 2, 0], picks);
    }

    [Fact]
    public void Packets_per_slave_sends_bursts()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=0 miimon=100 packets_per_slave=3", "eth0", "eth1");
        TxState s = default;
        int[] picks = [.. Enumerable.Range(0, 6).Select(_ => TxPolicy.Select(host.Plan!, Frame(0x0800), ref s))];
        // bond_rr_gen_slave_id() pre-increments its counter: ids 1/3, 2/3, 3/3, ... so the first burst is one short.
        Assert.Equal([0, 0, 1, 1, 1, 0], picks);
    }

    [Fact]
    public void Igmp_goes_through_the_active_member_in_round_robin()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=0 miimon=100", "eth0", "eth1");
        TxState s = default;
        Assert.All(Enumerable.Range(0, 4), _ => Assert.Equal(0, TxPolicy.Select(host.Plan!, Frame(0x0800, 2), ref s)));
    }

    /// <summary>
    /// bond_xmit_roundrobin_slave_get goes by skb->protocol, which a VLAN device's frame keeps (its tag is out of
    /// band): tagged IGMP, inline on the TAP, is pinned too.
    /// </summary>
    [Theory]
    [InlineData(0x8100)]
    [InlineData(0x88A8)]
    public void Tagged_igmp_goes_through_the_active_member_in_round_robin(ushort tpid)
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=0 miimon=100", "eth0", "eth1");
        byte[] tagged = [.. Frame(0x0800, 2)[..12], (byte)(tpid >> 8), (byte)tpid, 0x00, 0x05, .. Frame(0x0800, 2)[12..]];
        TxState s = default;
        Assert.All(Enumerable.Range(0, 4), _ => Assert.Equal(0, TxPolicy.Select(host.Plan!, tagged, ref s)));
    }

    [Fact]
    public void Active_backup_sends_on_the_active_member_only()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        TxState s = default;
        Assert.Equal(0, TxPolicy.Select(host.Plan!, Frame(0x0800), ref s));
        bond.ForceActive("eth1");
        Assert.Equal(1, TxPolicy.Select(host.Plan!, Frame(0x0800), ref s));
    }

    [Fact]
    public void Broadcast_sends_everywhere()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=broadcast miimon=100", "eth0", "eth1");
        TxState s = default;
        Assert.Equal(TxPolicy.AllMembers, TxPolicy.Select(host.Plan!, Frame(0x0800), ref s));
    }

    [Fact]
    public void Xor_hashes_over_usable_members()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=2 miimon=100", "eth0", "eth1");
        byte[] f = Frame(0x0800);
        f[5] = 0x01;
        f[11] = 0x5a;
        TxState s = default;
        Assert.Equal(1, TxPolicy.Select(host.Plan!, f, ref s)); // 0x085b % 2
        host.SetCarrier("eth1", false);
        host.Run(bond, 1);
        Assert.Equal(0, TxPolicy.Select(host.Plan!, f, ref s));
    }
}
