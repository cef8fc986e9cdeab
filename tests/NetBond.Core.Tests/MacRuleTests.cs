using NetBond.Core;

namespace NetBond.Core.Tests;

public class MacRuleTests
{
    private static readonly MacAddress s_eth0 = new(0x02_00_00_00_00_01);
    private static readonly MacAddress s_eth1 = new(0x02_00_00_00_00_02);

    [Fact]
    public void The_bond_takes_its_first_members_mac_and_every_member_carries_it()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        Assert.Equal(s_eth0, bond.Mac);
        Assert.Equal(s_eth0, host.BondMac);
        Assert.Equal(s_eth0, host.MemberMacs["eth1"]);
        Assert.False(host.MemberMacs.ContainsKey("eth0"));
    }

    [Fact]
    public void The_mac_stays_when_the_first_member_leaves_with_a_warning()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        bond.Release(bond.Find("eth0")!);
        Assert.Equal(s_eth0, bond.Mac);
        Assert.Contains(host.Logs, l => l.Contains("still in use by bond"));
    }

    [Fact]
    public void A_bond_without_members_gets_a_random_local_mac_and_takes_the_next_members()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100", "eth0");
        bond.Release(bond.Find("eth0")!);
        Assert.NotEqual(s_eth0, bond.Mac);
        Assert.Equal(0x02UL, (bond.Mac.Value >> 40) & 0x03);
        Assert.Equal(MacAssignment.Random, bond.MacAssignment);
        bond.Enslave(new Member("eth1", 12, s_eth1), true, host.Now);
        Assert.Equal(s_eth1, bond.Mac);
    }

    [Fact]
    public void Setting_the_bond_mac_moves_every_member_and_survives_an_empty_bond()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=0 miimon=100", "eth0", "eth1");
        MacAddress set = new(0x02_12_34_56_78_9a);
        bond.OnBondMacSet(set);
        Assert.Equal(set, host.MemberMacs["eth0"]);
        Assert.Equal(set, host.MemberMacs["eth1"]);
        Assert.Equal(MacAssignment.Set, bond.MacAssignment);
    }

    [Fact]
    public void Fail_over_mac_active_keeps_member_macs_and_moves_the_bond()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 fail_over_mac=active", "eth0", "eth1");
        Assert.Empty(host.MemberMacs);
        host.SetCarrier("eth0", false);
        host.Run(bond, 100);
        Assert.Equal(s_eth1, bond.Mac);
        Assert.Equal(s_eth1, host.BondMac);
    }

    [Fact]
    public void Fail_over_mac_follow_swaps_macs_at_failover()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 fail_over_mac=follow", "eth0", "eth1");
        host.SetCarrier("eth0", false);
        host.Run(bond, 100);
        Assert.Equal(s_eth0, host.MemberMacs["eth1"]);
        Assert.Equal(s_eth1, host.MemberMacs["eth0"]);
    }
}
