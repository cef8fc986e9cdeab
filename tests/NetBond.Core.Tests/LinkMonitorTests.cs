using NetBond.Core;

namespace NetBond.Core.Tests;

public class LinkMonitorTests
{
    [Fact]
    public void Carrier_loss_takes_downdelay_then_counts_a_failure()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 downdelay=200", "eth0", "eth1");
        host.Run(bond, 50);
        Member eth0 = bond.Find("eth0")!;
        Assert.Equal(eth0, bond.Active);
        host.SetCarrier("eth0", false);
        host.Run(bond, 100);   // tick at 100: going down
        Assert.Equal(LinkState.Fail, eth0.Link);
        host.Run(bond, 200);   // ticks at 200, 300: delay counts down, at 300 definitely down
        Assert.Equal(LinkState.Down, eth0.Link);
        Assert.Equal(1, eth0.LinkFailureCount);
        Assert.Equal("eth1", bond.Active!.Name);
    }

    /// <summary>
    /// The driver is asked for a member's carrier once a second, where link events tell of changes at once; while
    /// downdelay runs, at every tick. A loss no event told of is still found, within a second.
    /// </summary>
    [Fact]
    public void The_driver_is_read_once_a_second_and_at_every_tick_while_a_delay_runs()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 downdelay=300", "eth0", "eth1");
        List<(long At, string Member)> reads = [];
        host.RunReadingWhenDue(bond, 2050, reads);
        Assert.Equal([0L, 1000, 2000], reads.Where(r => r.Member == "eth0").Select(r => r.At));

        reads.Clear();
        host.SetCarrier("eth0", false);
        host.RunReadingWhenDue(bond, 1500, reads);
        Assert.Equal([3000L, 3100, 3200, 3300], reads.Where(r => r.Member == "eth0").Select(r => r.At));
        Assert.Equal(LinkState.Down, bond.Find("eth0")!.Link);
        Assert.Equal("eth1", bond.Active!.Name);
    }

    /// <summary>
    /// The link monitor ticks at whole multiples of miimon on the daemon's clock, however late a tick ran: bonds made
    /// at any moment share the daemon's wake-ups, and intervals stay exact on average. After a link event, a full
    /// miimon on, rounded up to a tenth of it.
    /// </summary>
    [Fact]
    public void The_link_monitor_ticks_at_multiples_of_miimon()
    {
        // A downdelay running all along: a bond with nothing moving waits for its next carrier read instead.
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 downdelay=1000", "eth0", "eth1");
        host.SetCarrier("eth1", false);
        host.PushCarriers(bond);
        bond.Tick(3);
        Assert.Equal(100, bond.NextDueMs);
        bond.Tick(117);
        Assert.Equal(200, bond.NextDueMs);
        bond.Tick(420);
        Assert.Equal(500, bond.NextDueMs);
        host.SetCarrier("eth0", false);
        bond.OnLinkEvent(bond.Find("eth0")!, false, 433);
        Assert.Equal(540, bond.NextDueMs);
    }

    /// <summary>
    /// A bond whose links are all as their carriers say, with no delay running, skips the miimon ticks that could
    /// only find the same (a thousand idle bonds wake the daemon once a second): its next tick is at the next carrier
    /// read. A carrier that changed brings the ticks back at once, on the same multiples of miimon.
    /// </summary>
    [Fact]
    public void A_quiet_bond_ticks_at_its_carrier_reads_and_a_change_brings_its_miimon_ticks_back()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 downdelay=200", "eth0", "eth1");
        Member eth1 = bond.Find("eth1")!;
        host.Run(bond, 50);
        Assert.Equal(1000, bond.NextDueMs);
        host.SetCarrier("eth1", false);
        host.Run(bond, 100);
        Assert.Equal(LinkState.Fail, eth1.Link);
        Assert.Equal(200, bond.NextDueMs);
        host.Run(bond, 200);
        Assert.Equal(LinkState.Down, eth1.Link);
        Assert.Equal(1000, bond.NextDueMs);
        // Back by an event between two reads: inspected at once, and the ticks count updelay from there.
        host.SetCarrier("eth1", true);
        bond.OnLinkEvent(eth1, true, 640);
        Assert.Equal(LinkState.Up, eth1.Link);
        Assert.Equal(740, bond.NextDueMs);
    }

    [Fact]
    public void A_carrier_event_fails_over_at_once_whatever_miimon_is()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=1000", "eth0", "eth1");
        host.Run(bond, 1050);
        Member eth0 = bond.Find("eth0")!;
        Assert.Equal(eth0, bond.Active);
        // Between two polls, a second apart: the event alone takes the link down and the other member up.
        host.SetCarrier("eth0", false);
        bond.OnLinkEvent(eth0, false, host.Now);
        Assert.Equal(LinkState.Down, eth0.Link);
        Assert.Equal("eth1", bond.Active!.Name);
        Assert.False(host.Plan!.CanTransmit[0]);
    }

    [Fact]
    public void After_a_carrier_event_downdelay_counts_miimon_intervals_from_the_event()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 downdelay=200", "eth0", "eth1");
        host.Run(bond, 50);
        host.Run(bond, 70);    // the last poll was at 100; the next would be at 200
        Member eth0 = bond.Find("eth0")!;
        host.SetCarrier("eth0", false);
        bond.OnLinkEvent(eth0, false, host.Now);    // at 120: going down
        Assert.Equal(LinkState.Fail, eth0.Link);
        host.Run(bond, 199);   // polls at 220 and (due) 320 would be counted from the event: not yet at 319
        Assert.Equal(LinkState.Fail, eth0.Link);
        Assert.Equal(eth0, bond.Active);
        host.Run(bond, 2);     // 320: definitely down, 200 ms after the event
        Assert.Equal(LinkState.Down, eth0.Link);
        Assert.Equal("eth1", bond.Active!.Name);
    }

    [Fact]
    public void A_flap_shorter_than_downdelay_is_not_a_failure()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 downdelay=300", "eth0", "eth1");
        host.Run(bond, 50);
        host.SetCarrier("eth0", false);
        host.Run(bond, 150);
        host.SetCarrier("eth0", true);
        host.Run(bond, 100);
        Member eth0 = bond.Find("eth0")!;
        Assert.Equal(LinkState.Up, eth0.Link);
        Assert.Equal(0, eth0.LinkFailureCount);
        Assert.Equal(eth0, bond.Active);
    }

    [Fact]
    public void A_returning_link_waits_updelay_and_stays_backup()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 updelay=200", "eth0", "eth1");
        host.Run(bond, 350);
        Member eth0 = bond.Find("eth0")!;
        host.SetCarrier("eth0", false);
        host.Run(bond, 100);
        Assert.Equal(LinkState.Down, eth0.Link);
        host.SetCarrier("eth0", true);
        host.Run(bond, 100);
        Assert.Equal(LinkState.Back, eth0.Link);
        host.Run(bond, 200);
        Assert.Equal(LinkState.Up, eth0.Link);
        Assert.Equal("eth1", bond.Active!.Name);
        Assert.False(eth0.IsActive);
    }

    [Theory]
    [InlineData("mode=1")]
    [InlineData("mode=2")]
    public void Updelay_is_ignored_when_no_member_is_usable(string mode)
    {
        (Bond bond, VirtualHost host) = TestBonds.Make(mode + " miimon=100 updelay=5000", "eth0", "eth1");
        host.Run(bond, 5500);
        host.SetCarrier("eth0", false);
        host.SetCarrier("eth1", false);
        host.Run(bond, 200);
        Assert.False(bond.Carrier);
        host.SetCarrier("eth1", true);
        host.Run(bond, 100);
        Assert.Equal(LinkState.Up, bond.Find("eth1")!.Link);
        Assert.True(bond.Carrier);
        Assert.True(host.Plan!.Usable.Length == 1);
    }

    /// <summary>bond_miimon_inspect(): only active-backup and the modes with a usable-slaves array skip updelay.</summary>
    [Theory]
    [InlineData("mode=0")]
    [InlineData("mode=3")]
    public void Round_robin_and_broadcast_wait_out_updelay_even_with_no_usable_member(string mode)
    {
        (Bond bond, VirtualHost host) = TestBonds.Make(mode + " miimon=100 updelay=500", "eth0", "eth1");
        host.Run(bond, 1000);
        host.SetCarrier("eth0", false);
        host.SetCarrier("eth1", false);
        host.Run(bond, 200);
        Assert.False(bond.Carrier);
        host.SetCarrier("eth1", true);
        host.Run(bond, 300);
        Assert.Equal(LinkState.Back, bond.Find("eth1")!.Link);
        Assert.False(bond.Carrier);
        host.Run(bond, 400);
        Assert.Equal(LinkState.Up, bond.Find("eth1")!.Link);
        Assert.True(bond.Carrier);
    }

    [Fact]
    public void A_member_going_back_that_loses_carrier_again_counts_a_link_failure()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 updelay=1000", "eth0", "eth1");
        host.Run(bond, 1200);
        host.SetCarrier("eth1", false);
        host.Run(bond, 200);
        Assert.Equal(1, bond.Find("eth1")!.LinkFailureCount);
        host.SetCarrier("eth1", true);
        host.Run(bond, 300);
        Assert.Equal(LinkState.Back, bond.Find("eth1")!.Link);
        host.SetCarrier("eth1", false);
        host.Run(bond, 200);
        Assert.Equal(LinkState.Down, bond.Find("eth1")!.Link);
        Assert.Equal(2, bond.Find("eth1")!.LinkFailureCount);
    }

    [Fact]
    public void With_arp_interval_a_new_members_link_follows_its_carrier()
    {
        VirtualHost host = new();
        host.SetCarrier("eth1", false);
        Bond bond = new("bond0", new BondOptions(), new MacAddress(0x02_00_00_00_00_99), host, new Random(1));
        Assert.Null(bond.SetOptions(TestBonds.Parse("mode=1 arp_interval=100 arp_ip_target=198.18.0.1"), []));
        bond.Enslave(new Member("eth0", 11, new MacAddress(0x020000000001)), carrier: true, host.Now);
        bond.Enslave(new Member("eth1", 12, new MacAddress(0x020000000002)), carrier: false, host.Now);
        Assert.Equal(LinkState.Up, bond.Find("eth0")!.Link);
        Assert.Equal(LinkState.Down, bond.Find("eth1")!.Link);
    }

    [Fact]
    public void Miimon_zero_never_changes_link_state()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1", "eth0", "eth1");
        host.SetCarrier("eth0", false);
        host.Run(bond, 1000);
        Assert.Equal(LinkState.Up, bond.Find("eth0")!.Link);
        Assert.Equal("eth0", bond.Active!.Name);
        Assert.False(host.Plan!.CanTransmit[0]);
    }

    [Fact]
    public void Enslaving_with_updelay_starts_going_back_and_the_first_is_taken_at_once()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 updelay=300", "eth0", "eth1");
        Assert.Null(bond.Active);
        host.Run(bond, 1);
        Assert.Equal("eth0", bond.Active!.Name);
        Assert.Equal(LinkState.Up, bond.Find("eth0")!.Link);
        Assert.Equal(LinkState.Back, bond.Find("eth1")!.Link);
        host.Run(bond, 400);
        Assert.Equal(LinkState.Up, bond.Find("eth1")!.Link);
    }

    [Fact]
    public void Bond_carrier_follows_members()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=0 miimon=10", "eth0", "eth1");
        Assert.True(host.BondCarrier);
        host.SetCarrier("eth0", false);
        host.SetCarrier("eth1", false);
        host.Run(bond, 20);
        Assert.False(host.BondCarrier);
    }
}
