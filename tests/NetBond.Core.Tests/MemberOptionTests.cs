using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>The per-member options queue_id and prio, in the member form and the sysfs form.</summary>
public class MemberOptionTests
{
    [Fact]
    public void Prio_takes_part_in_active_selection_at_once()
    {
        (Bond bond, _) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        Assert.Equal("eth0", bond.Active!.Name);
        Assert.Null(bond.SetMemberOptions(bond.Find("eth1")!, TestBonds.Parse("prio=10"), []));
        Assert.Equal(10, bond.Find("eth1")!.Prio);
        Assert.Equal("eth1", bond.Active!.Name);
    }

    [Fact]
    public void Prio_does_not_move_the_active_member_past_a_primary()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 primary=eth0", "eth0", "eth1");
        Assert.Null(bond.SetOptions(TestBonds.Parse("prio=eth1:10"), []));
        Assert.Equal("eth0", bond.Active!.Name);
        Assert.Contains(host.Logs, l => l.Contains("will not affect failover re-selection"));
    }

    [Fact]
    public void Prio_is_an_active_backup_tlb_alb_option()
    {
        (Bond bond, _) = TestBonds.Make("mode=0 miimon=100", "eth0", "eth1");
        Assert.Equal("option prio: mode dependency failed, not supported in mode balance-rr(0)",
            bond.SetMemberOptions(bond.Find("eth1")!, TestBonds.Parse("prio=10"), []));
    }

    [Fact]
    public void Queue_id_takes_both_forms_and_refuses_duplicates_and_ids_past_tx_queues()
    {
        (Bond bond, _) = TestBonds.Make("mode=0 miimon=100", "eth0", "eth1");
        Assert.Null(bond.SetOptions(TestBonds.Parse("queue_id=eth0:2"), []));
        Assert.Null(bond.SetMemberOptions(bond.Find("eth1")!, TestBonds.Parse("queue_id=3"), []));
        Assert.Equal((2, 3), (bond.Find("eth0")!.QueueId, bond.Find("eth1")!.QueueId));
        Assert.Equal("option queue_id: invalid input for queue_id set", bond.SetOptions(TestBonds.Parse("queue_id=eth1:2"), []));
        Assert.Equal("option queue_id: invalid input for queue_id set", bond.SetOptions(TestBonds.Parse("queue_id=eth1:17"), []));
        Assert.Equal("option queue_id: invalid input for queue_id set", bond.SetOptions(TestBonds.Parse("queue_id=eth7:1"), []));
        Assert.Null(bond.SetOptions(TestBonds.Parse("queue_id=eth1:16"), []));
        Assert.Null(bond.SetOptions(TestBonds.Parse("queue_id=eth0:0 queue_id=eth1:0"), []));
        Assert.Equal(0, bond.Find("eth1")!.QueueId);
    }

    [Fact]
    public void A_member_takes_only_member_options_and_a_refusal_changes_nothing()
    {
        (Bond bond, _) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        Assert.Contains("not of a member", bond.SetMemberOptions(bond.Find("eth1")!, TestBonds.Parse("prio=5 miimon=200"), []));
        Assert.Contains("invalid input", bond.SetMemberOptions(bond.Find("eth1")!, TestBonds.Parse("queue_id=99 prio=5"), []));
        Assert.Equal(0, bond.Find("eth1")!.Prio);
        Assert.Equal(100, bond.Options.Miimon);
    }

    [Fact]
    public void Member_options_show_in_the_status_snapshot()
    {
        (Bond bond, _) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        Assert.Null(bond.SetMemberOptions(bond.Find("eth1")!, TestBonds.Parse("queue_id=2 prio=-4"), []));
        MemberSnapshot eth1 = TestBonds.Snapshot(bond).Members[1];
        Assert.Equal((2, -4), (eth1.QueueId, eth1.Prio));
        Assert.Contains("Slave Interface: eth1\nMII Status: up\nSpeed: Unknown\nDuplex: Unknown\nLink Failure Count: 0\nPermanent HW addr: 02:00:00:00:00:02\nSlave queue ID: 2\n",
            ProcStatus.Render(TestBonds.Snapshot(bond)));
    }
}
