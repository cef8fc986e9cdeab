using NetBond.Core;

namespace NetBond.Core.Tests;

public class ReceiveClassifierTests
{
    private static byte[] Frame(ushort type, int length = 60)
    {
        byte[] f = new byte[length];
        f[12] = (byte)(type >> 8);
        f[13] = (byte)type;
        return f;
    }

    private static byte[] NeighborAdvertisement()
    {
        byte[] f = Frame(0x86DD, 86);
        f[14 + 6] = 58;
        f[14 + 40] = 136;
        return f;
    }

    [Fact]
    public void Arp_monitoring_copies_arp_and_neighbour_discovery_to_the_control_plane_from_every_member()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 arp_interval=100 arp_ip_target=198.18.0.1", "eth0", "eth1");
        DataPlan plan = host.Plan!;
        int active = plan.ActiveIndex;
        int backup = 1 - active;
        Assert.Equal(RxVerdict.Deliver | RxVerdict.ToControl, ReceiveClassifier.Classify(plan, active, Frame(0x0806)));
        Assert.Equal(RxVerdict.ToControl, ReceiveClassifier.Classify(plan, backup, Frame(0x0806)));
        Assert.Equal(RxVerdict.ToControl, ReceiveClassifier.Classify(plan, backup, NeighborAdvertisement()));
        Assert.Equal(RxVerdict.Deliver, ReceiveClassifier.Classify(plan, active, Frame(0x0800)));
        Assert.Equal(RxVerdict.Drop, ReceiveClassifier.Classify(plan, backup, Frame(0x0800)));
    }

    /// <summary>
    /// Under arp_validate an ARP that is no exchange with a target is of no use to the monitor (bond_validate_arp):
    /// it stays off the control queue, so a flood of them cannot crowd out the replies; without validation, any ARP counts.
    /// </summary>
    [Theory]
    [InlineData("all", false, false)]
    [InlineData("active", false, true)]
    [InlineData("none", true, true)]
    public void Validated_members_pass_only_arp_with_a_target_to_the_control_plane(string validate, bool activeTakesAny, bool backupTakesAny)
    {
        (_, VirtualHost host) = TestBonds.Make($"mode=1 arp_interval=100 arp_ip_target=198.18.0.2 arp_validate={validate}", "eth0", "eth1");
        DataPlan plan = host.Plan!;
        int active = plan.ActiveIndex;
        MacAddress mac = new(0x020000000099);
        byte[] reply = ProbeFrames.ArpRequest(mac, System.Net.IPAddress.Parse("198.18.0.2"), System.Net.IPAddress.Parse("198.18.0.1"));
        byte[] stranger = ProbeFrames.ArpRequest(mac, System.Net.IPAddress.Parse("198.18.7.7"), System.Net.IPAddress.Parse("198.18.0.1"));
        byte[] ours = ProbeFrames.ArpRequest(mac, System.Net.IPAddress.Parse("198.18.0.1"), System.Net.IPAddress.Parse("198.18.0.2"));
        Assert.Equal(RxVerdict.Deliver | RxVerdict.ToControl, ReceiveClassifier.Classify(plan, active, reply));
        Assert.Equal(RxVerdict.ToControl, ReceiveClassifier.Classify(plan, 1 - active, ours));
        Assert.Equal(activeTakesAny ? RxVerdict.Deliver | RxVerdict.ToControl : RxVerdict.Deliver, ReceiveClassifier.Classify(plan, active, stranger));
        Assert.Equal(backupTakesAny ? RxVerdict.ToControl : RxVerdict.Drop, ReceiveClassifier.Classify(plan, 1 - active, stranger));
    }

    [Fact]
    public void Without_a_monitor_that_asks_nothing_goes_to_the_control_plane()
    {
        (_, VirtualHost host) = TestBonds.Make("mode=0 miimon=100", "eth0", "eth1");
        Assert.Equal(RxVerdict.Deliver, ReceiveClassifier.Classify(host.Plan!, 1, Frame(0x0806)));
        Assert.Equal(RxVerdict.Deliver, ReceiveClassifier.Classify(host.Plan!, 1, Frame(0x8809)));
    }

    [Fact]
    public void Slow_protocol_frames_asked_for_are_consumed_not_delivered()
    {
        Member[] members = [new("eth0", 2, new MacAddress(0x020000000001))];
        members[0].Link = LinkState.Up;
        members[0].Carrier = true;
        members[0].IsActive = true;
        DataPlan plan = new(BondMode.BalanceXor, members, 0, 1, XmitHashPolicy.Layer2, false, ControlFrameKinds.SlowProtocols);
        byte[] lacpdu = Frame(0x8809, 124);
        new byte[] { 0x01, 0x80, 0xC2, 0x00, 0x00, 0x02 }.CopyTo(lacpdu, 0);
        lacpdu[14] = 1;
        Assert.Equal(RxVerdict.ToControl, ReceiveClassifier.Classify(plan, 0, lacpdu));
        lacpdu[14] = 2;
        Assert.Equal(RxVerdict.ToControl, ReceiveClassifier.Classify(plan, 0, lacpdu));
        Assert.Equal(RxVerdict.Deliver, ReceiveClassifier.Classify(plan, 0, Frame(0x0806)));

        // bond_3ad_lacpdu_recv returns RX_HANDLER_ANOTHER for the rest: the engine counts them, the bond gets them.
        lacpdu[14] = 10;
        Assert.Equal(RxVerdict.ToControl | RxVerdict.Deliver, ReceiveClassifier.Classify(plan, 0, lacpdu));
        lacpdu[14] = 1;
        Assert.Equal(RxVerdict.ToControl | RxVerdict.Deliver, ReceiveClassifier.Classify(plan, 0, lacpdu.AsSpan(0, 60)));
        lacpdu[5] = 0x03;
        Assert.Equal(RxVerdict.ToControl | RxVerdict.Deliver, ReceiveClassifier.Classify(plan, 0, lacpdu));
    }

    [Fact]
    public void Runts_and_unknown_members_are_dropped()
    {
        (_, VirtualHost host) = TestBonds.Make("mode=1 arp_interval=100 arp_ip_target=198.18.0.1", "eth0");
        Assert.Equal(RxVerdict.Drop, ReceiveClassifier.Classify(host.Plan!, 0, new byte[13]));
        Assert.Equal(RxVerdict.Drop, ReceiveClassifier.Classify(host.Plan!, -1, Frame(0x0806)));
        Assert.Equal(RxVerdict.Drop, ReceiveClassifier.Classify(host.Plan!, 5, Frame(0x0806)));
    }

    [Fact]
    public void A_flood_on_one_member_leaves_room_in_the_control_queue_for_the_others()
    {
        ControlFrameQueue q = new();
        Member flooded = new("eth0", 2, default), quiet = new("eth1", 3, default);
        for (int i = 0; i < 10_000; i++)
        {
            q.TryEnqueue(flooded, [1]);
        }
        Assert.Equal(10_000 - 96, q.Dropped);
        for (int i = 0; i < 32; i++)
        {
            Assert.True(q.TryEnqueue(quiet, [2]));
        }
        // Drained, the flooded member may fill its share again.
        byte[] buffer = new byte[ControlFrameQueue.SlotSize];
        while (q.TryDequeue(buffer, out _) >= 0)
        {
        }
        Assert.True(q.TryEnqueue(flooded, [1]));
    }

    [Fact]
    public void The_control_queue_keeps_order_counts_what_it_cannot_hold_and_never_grows()
    {
        ControlFrameQueue q = new(capacity: 2);
        Member eth0 = new("eth0", 2, default);
        Assert.True(q.TryEnqueue(eth0, [1, 2, 3]));
        Assert.True(q.TryEnqueue(eth0, [4]));
        Assert.False(q.TryEnqueue(eth0, [5]));
        Assert.False(q.TryEnqueue(eth0, new byte[ControlFrameQueue.SlotSize + 1]));
        Assert.Equal(2, q.Dropped);
        byte[] buffer = new byte[ControlFrameQueue.SlotSize];
        Assert.Equal(3, q.TryDequeue(buffer, out Member? sender));
        Assert.Same(eth0, sender);
        Assert.Equal([1, 2, 3], buffer[..3]);
        Assert.True(q.TryEnqueue(eth0, [6, 7]));
        Assert.Equal(1, q.TryDequeue(buffer, out _));
        Assert.Equal(4, buffer[0]);
        Assert.Equal(2, q.TryDequeue(buffer, out _));
        Assert.Equal(-1, q.TryDequeue(buffer, out _));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            q.TryEnqueue(eth0, buffer.AsSpan(0, 60));
            q.TryDequeue(buffer, out _);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_control_frame_reaches_the_bond_with_its_time()
    {
        (Bond bond, _) = TestBonds.Make("mode=1 miimon=100", "eth0");
        bond.OnControlFrame(bond.Members[0], Frame(0x0806), 1234);
        Assert.Equal(1, bond.ControlFrames);
        Assert.Equal(1234, bond.Members[0].LastControlRxMs);
        bond.OnTraffic(bond.Members[0], lastRxMs: 1200, lastTxMs: 1230);
        Assert.Equal((1200, 1230), (bond.Members[0].LastRxMs, bond.Members[0].LastTxMs));
    }

    [Fact]
    public void Timers_fire_once_when_due_and_name_the_next_due_time()
    {
        TimerTable t = new();
        Assert.Equal(long.MaxValue, t.NextDue);
        t.Arm(BondTimer.LinkMonitor, 100);
        Assert.Equal(100, t.NextDue);
        Assert.False(t.Fire(BondTimer.LinkMonitor, 99));
        Assert.True(t.Fire(BondTimer.LinkMonitor, 100));
        Assert.False(t.Fire(BondTimer.LinkMonitor, 200));
        Assert.False(t.IsArmed(BondTimer.LinkMonitor));
    }
}
