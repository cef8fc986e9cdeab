using NetBond.Core;

namespace NetBond.Core.Tests;

public class ActiveSelectionTests
{


    [Fact]
    public void Without_primary_the_first_usable_member_is_active_and_a_returning_one_stays_backup()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        Assert.Equal("eth0", bond.Active!.Name);
        host.Fail(bond, "eth0");
        Assert.Equal("eth1", bond.Active!.Name);
        host.Recover(bond, "eth0");
        Assert.Equal("eth1", bond.Active!.Name);
    }

    [Fact]
    public void Primary_is_forced_active_when_enslaved()
    {
        (Bond bond, _) = TestBonds.Make("mode=1 miimon=100 primary=eth1", "eth0", "eth1");
        Assert.Equal("eth1", bond.Active!.Name);
        Assert.Equal("eth1", bond.PrimaryMember!.Name);
    }

    [Theory]
    [InlineData("always", "eth1")]
    [InlineData("better", "eth0")]
    [InlineData("failure", "eth0")]
    public void Primary_reselect_decides_whether_the_returning_primary_takes_over(string policy, string expected)
    {
        (Bond bond, VirtualHost host) = TestBonds.Make($"mode=1 miimon=100 primary=eth1 primary_reselect={policy}", "eth0", "eth1");
        Assert.Equal("eth1", bond.Active!.Name);
        host.Fail(bond, "eth1");
        Assert.Equal("eth0", bond.Active!.Name);
        host.Recover(bond, "eth1");
        Assert.Equal(expected, bond.Active!.Name);
    }

    [Fact]
    public void Better_takes_over_when_the_primary_is_faster()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 primary=eth1 primary_reselect=better", "eth0", "eth1");
        bond.Find("eth0")!.Speed = 1000;
        bond.Find("eth1")!.Speed = 10000;
        host.Fail(bond, "eth1");
        host.Recover(bond, "eth1");
        Assert.Equal("eth1", bond.Active!.Name);
    }

    [Fact]
    public void Force_active_moves_traffic_and_refuses_a_member_that_is_down()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        Assert.Null(bond.ForceActive("eth1"));
        Assert.Equal("eth1", bond.Active!.Name);
        Assert.True(bond.Find("eth1")!.IsActive);
        Assert.False(bond.Find("eth0")!.IsActive);
        host.Fail(bond, "eth0");
        Assert.Contains("down", bond.ForceActive("eth0"));
        Assert.Contains("not enslaved", bond.ForceActive("eth9"));
        Assert.Equal("eth1", bond.Active!.Name);
    }

    [Fact]
    public void Force_active_is_refused_in_round_robin()
    {
        (Bond bond, _) = TestBonds.Make("mode=0 miimon=100", "eth0", "eth1");
        Assert.Contains("not supported in mode balance-rr", bond.ForceActive("eth1"));
    }

    [Fact]
    public void Releasing_the_active_member_fails_over()
    {
        (Bond bond, _) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        bond.Release(bond.Find("eth0")!);
        Assert.Equal("eth1", bond.Active!.Name);
        Assert.True(bond.Find("eth1")!.IsActive);
    }

    [Fact]
    public void Only_the_active_member_delivers_in_active_backup_unless_all_slaves_active()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        byte[] frame = new byte[60];
        Assert.Equal(RxVerdict.Deliver, ReceiveClassifier.Classify(host.Plan!, 0, frame));
        Assert.Equal(RxVerdict.Drop, ReceiveClassifier.Classify(host.Plan!, 1, frame));
        Assert.Null(bond.SetOptions(TestBonds.Parse("all_slaves_active=1"), []));
        Assert.Equal(RxVerdict.Deliver, ReceiveClassifier.Classify(host.Plan!, 1, frame));
        Assert.Equal(RxVerdict.Drop, ReceiveClassifier.Classify(host.Plan!, 1, new byte[10]));
    }

    [Fact]
    public void A_failover_is_counted_with_its_outage_from_the_last_tick_the_old_member_was_good()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 downdelay=200", "eth0", "eth1");
        host.Run(bond, 1000);
        host.SetCarrier("eth0", false);
        host.Run(bond, 400);
        Assert.Equal("eth1", bond.Active?.Name);
        Assert.Equal(1, bond.Failovers);
        // Last seen good one tick before the loss was seen, then two ticks of downdelay: 300 ms.
        Assert.Equal(300, bond.LastFailoverOutageMs);
        // Forcing the active member, or the old one coming back, is no failover.
        host.Recover(bond, "eth0");
        Assert.Null(bond.ForceActive("eth0"));
        Assert.Equal(1, bond.Failovers);
    }
}
