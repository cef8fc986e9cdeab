using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>802.3ad on a virtual clock: two NetBond bonds back to back, or one bond facing a silent or hostile partner.</summary>
public sealed class LacpTests
{
    private const LacpState Healthy = LacpState.Activity | LacpState.Aggregation | LacpState.Synchronization
        | LacpState.Collecting | LacpState.Distributing;

    private static (LacpWorld World, LacpSide A, LacpSide B) BackToBack(string options = "mode=802.3ad lacp_rate=fast", string? optionsB = null) =>
        LacpWorld.BackToBack(options, optionsB);

    private static bool Distributing(LacpSide s, string m) =>
        s.Port(m).MuxState == LacpMuxState.CollectingDistributing && s.Bond.Plan.CanTransmit[s.Bond.Members.ToList().FindIndex(x => x.Name == m)];

    [Fact]
    public void Two_bonds_converge_to_one_aggregator_of_two_ports_that_both_transmit()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack();
        long took = w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2") && Distributing(b, "b1") && Distributing(b, "b2"), 10_000);

        // The mux waits out wait_while (2 s) after selection; the aggregator choice comes one tick after the bond is up.
        Assert.InRange(took, 2000, 3500);
        Aggregator agg = a.Bond.Lacp.ActiveAggregator!;
        Assert.Equal(2, agg.Ports.Count);
        Assert.Equal(b.Bond.Mac, agg.PartnerSystem);
        Assert.Equal(15, agg.ActorKey);
        Assert.Equal(15, agg.PartnerKey);
        w.Run(1000);
        Assert.Equal(Healthy | LacpState.Timeout, a.Port("a1").ActorState);
        Assert.Equal(Healthy | LacpState.Timeout, a.Port("a1").Partner.State);
        Assert.True(a.Carrier);
        Assert.Equal([0, 1], a.Bond.Plan.Usable);
        Assert.All(a.Bond.Plan.Delivers, Assert.True);
        Assert.Equal(SlowFrameKind.Lacpdu, LacpPdu.Classify(a.Sent[^1].Frame));
        // LACPDUs leave from the member's permanent MAC.
        Assert.Equal(a.Bond.Find(a.Sent[^1].Member)!.PermanentMac, MacAddress.FromBytes(a.Sent[^1].Frame.AsSpan(6)));
    }

    [Fact]
    public void Each_side_sends_at_the_rate_the_other_asks_for()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack("mode=802.3ad lacp_rate=slow", "mode=802.3ad lacp_rate=fast");
        w.Run(10_000);
        long from = w.Now;
        w.Run(90_000);
        // B asks (fast) for a PDU a second from A; A asks (slow) for one every 30 s from B.
        Assert.InRange(a.LacpduTimes("a1").Count(t => t >= from), 88, 92);
        Assert.InRange(b.LacpduTimes("b1").Count(t => t >= from), 3, 4);
        Assert.True(Distributing(a, "a1") && Distributing(b, "b1"));
    }

    [Fact]
    public void A_lost_link_leaves_the_aggregator_with_one_port_and_traffic_on_the_other()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack("mode=802.3ad lacp_rate=fast miimon=100");
        w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2"), 10_000);

        w.SetLink(a, "a1", false);
        long took = w.RunUntil(() => a.Bond.Plan.Usable.SequenceEqual([1]), 1000);

        Assert.True(took <= 100, $"{took} ms");
        Assert.Equal(1, a.Bond.Lacp.ActiveAggregator!.EnabledPorts);
        Assert.True(a.Carrier);
        w.SetLink(a, "a1", true);
        w.RunUntil(() => Distributing(a, "a1") && a.Bond.Plan.Usable.Length == 2, 10_000);
        Assert.Equal(2, a.Bond.Lacp.ActiveAggregator!.EnabledPorts);
        Assert.Equal(1, a.Bond.Find("a1")!.LinkFailureCount);
    }

    /// <summary>
    /// A member whose link went down neither collects nor distributes in its actor state, with lacp_strict on or off
    /// (the upstream bond_lacp_strict.sh after 6.17; 802.1AX's receive machine takes the partner's sync away in
    /// PORT_DISABLED), and comes back to both when its link returns (issue 25).
    /// </summary>
    [Theory]
    [InlineData("off")]
    [InlineData("on")]
    public void A_member_whose_link_went_down_neither_collects_nor_distributes(string strict)
    {
        (LacpWorld w, LacpSide a, _) = BackToBack($"mode=802.3ad lacp_rate=fast miimon=100 lacp_strict={strict}");
        w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2"), 10_000);

        w.SetLink(a, "a1", false);
        w.Run(300);

        Assert.Equal(LacpState.None, a.Port("a1").ActorState & (LacpState.Collecting | LacpState.Distributing));
        Assert.NotEqual(LacpMuxState.CollectingDistributing, a.Port("a1").MuxState);
        Assert.Equal([1], a.Bond.Plan.Usable);
        w.SetLink(a, "a1", true);
        w.RunUntil(() => Distributing(a, "a1") && a.Bond.Plan.Usable.Length == 2, 10_000);
        Assert.Equal(LacpState.Collecting | LacpState.Distributing, a.Port("a1").ActorState & (LacpState.Collecting | LacpState.Distributing));
    }

    /// <summary>
    /// NETDEV_CHANGE with the carrier up (bond_3ad_adapter_speed_duplex_changed): a member whose speed changed gets
    /// the key of its new speed, so it can no longer aggregate with a member of the old one; the same speed again
    /// changes nothing.
    /// </summary>
    [Fact]
    public void A_speed_change_without_a_carrier_change_gives_the_port_its_new_key()
    {
        (LacpWorld w, LacpSide a, _) = BackToBack("mode=802.3ad lacp_rate=fast miimon=100");
        w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2"), 10_000);
        Member a1 = a.Bond.Find("a1")!;
        ushort key = a.Port("a1").OperKey;
        a.Bond.OnSpeedDuplex(a1, a1.Speed, a1.Duplex);
        Assert.Equal(key, a.Port("a1").OperKey);

        a.Bond.OnSpeedDuplex(a1, 1000, 1);
        Assert.Equal(LacpKey.SpeedCode(1000), (a.Port("a1").OperKey >> 1) & 0x1F);
        w.Run(3000);
        Assert.NotSame(a.Port("a1").Aggregator, a.Port("a2").Aggregator);
        Assert.Contains(a.Logs, l => l.Contains("a1: speed/duplex changed to 1000 Mbps, full duplex", StringComparison.Ordinal));
    }

    [Fact]
    public void Min_links_takes_the_carrier_away_when_too_few_ports_remain()
    {
        (LacpWorld w, LacpSide a, _) = BackToBack("mode=802.3ad lacp_rate=fast min_links=2");
        w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2"), 10_000);
        Assert.True(a.Carrier);

        w.SetLink(a, "a2", false);
        w.Run(200);

        Assert.False(a.Carrier);
        w.SetLink(a, "a2", true);
        w.RunUntil(() => a.Carrier, 10_000);
    }

    [Fact]
    public void A_partner_gone_silent_expires_after_three_periods_and_is_defaulted_three_seconds_later()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack();
        w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2"), 10_000);
        w.Run(500);

        w.Cut.Add("b1");
        long expired = w.RunUntil(() => a.Port("a1").RxState == LacpRxState.Expired, 10_000);
        long defaulted = w.RunUntil(() => a.Port("a1").RxState == LacpRxState.Defaulted, 10_000);

        Assert.InRange(expired, 2000, 3100);
        Assert.InRange(defaulted, 2900, 3100);
        // The expired port left the aggregator's traffic at once; the other port carries it.
        Assert.Equal([1], a.Bond.Plan.Usable);
        Assert.NotEqual(a.Port("a1").Aggregator, a.Port("a2").Aggregator);
        Assert.Equal(LacpState.Defaulted, a.Port("a1").ActorState & LacpState.Defaulted);
        Assert.True(a.Carrier);
    }

    [Fact]
    public void Without_any_partner_one_individual_link_carries_traffic_as_the_kernel_does()
    {
        LacpWorld w = new();
        LacpSide a = w.Side("bondA", 0x02_AA_00_00_00_01, "mode=802.3ad lacp_rate=fast");
        a.Add("a1", 1);
        a.Add("a2", 2);
        a.Bond.IsUp = true;

        w.Run(8000);

        Assert.All(a.Bond.Members, m => Assert.Equal(LacpRxState.Defaulted, m.Lacp!.RxState));
        Assert.NotEqual(a.Port("a1").Aggregator, a.Port("a2").Aggregator);
        Aggregator active = a.Bond.Lacp.ActiveAggregator!;
        Assert.False(active.HasPartner);
        Assert.Single(a.Bond.Plan.Usable);
        Assert.True(a.Carrier);
        Assert.All(a.Bond.Members, m => Assert.Equal(0x47, (int)(m.Lacp!.ActorState & ~LacpState.Synchronization)));
    }

    [Fact]
    public void A_partner_port_with_another_key_ends_in_a_separate_aggregator_that_carries_nothing()
    {
        LacpWorld w = new();
        LacpSide a = w.Side("bondA", 0x02_AA_00_00_00_01, "mode=802.3ad lacp_rate=fast");
        LacpSide b = w.Side("bondB", 0x02_BB_00_00_00_01, "mode=802.3ad lacp_rate=fast");
        LacpSide c = w.Side("bondC", 0x02_BB_00_00_00_01, "mode=802.3ad lacp_rate=fast ad_user_port_key=5");
        a.Add("a1", 1);
        a.Add("a2", 2);
        a.Add("a3", 3);
        b.Add("b1", 11);
        b.Add("b2", 12);
        c.Add("c1", 21);
        w.Wire(a, "a1", b, "b1");
        w.Wire(a, "a2", b, "b2");
        w.Wire(a, "a3", c, "c1");
        a.Bond.IsUp = b.Bond.IsUp = c.Bond.IsUp = true;

        w.Run(10_000);

        Assert.Same(a.Port("a1").Aggregator, a.Port("a2").Aggregator);
        Assert.NotSame(a.Port("a1").Aggregator, a.Port("a3").Aggregator);
        Assert.True(a.Port("a1").Aggregator!.IsActive);
        Assert.False(a.Port("a3").Aggregator!.IsActive);
        Assert.Equal([0, 1], a.Bond.Plan.Usable);
        Assert.False(a.Bond.Plan.Delivers[2]);
        Assert.Equal(LacpMuxState.Attached, a.Port("a3").MuxState);
    }

    [Fact]
    public void Ad_select_count_prefers_the_aggregator_with_more_ports_and_stable_keeps_the_first()
    {
        foreach ((string select, string expected) in new[] { ("count", "a2"), ("stable", "a1") })
        {
            LacpWorld w = new();
            LacpSide a = w.Side("bondA", 0x02_AA_00_00_00_01, $"mode=802.3ad lacp_rate=fast ad_select={select}");
            LacpSide b = w.Side("bondB", 0x02_BB_00_00_00_01, "mode=802.3ad lacp_rate=fast");
            LacpSide c = w.Side("bondC", 0x02_CC_00_00_00_01, "mode=802.3ad lacp_rate=fast");
            a.Add("a1", 1);
            b.Add("b1", 11);
            w.Wire(a, "a1", b, "b1");
            a.Bond.IsUp = b.Bond.IsUp = c.Bond.IsUp = true;
            w.RunUntil(() => Distributing(a, "a1"), 12_000);

            // Two more ports to another switch: an aggregator with more ports appears.
            a.Add("a2", 2);
            a.Add("a3", 3);
            c.Add("c1", 21);
            c.Add("c2", 22);
            w.Wire(a, "a2", c, "c1");
            w.Wire(a, "a3", c, "c2");
            w.Run(15_000);

            Assert.True(a.Port(expected).Aggregator!.IsActive, select);
        }
    }

    [Fact]
    public void Coupled_control_off_collects_before_it_distributes()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack("mode=802.3ad lacp_rate=fast coupled_control=0");
        w.RunUntil(() => a.Port("a1").MuxState == LacpMuxState.Collecting, 10_000);
        // A documented difference: the kernel's collecting port is still inactive (exact-match frames only).
        Assert.True(a.Bond.Plan.Delivers[0]);
        Assert.False(a.Bond.Plan.CanTransmit[0]);
        w.RunUntil(() => a.Port("a1").MuxState == LacpMuxState.Distributing && b.Port("b1").MuxState == LacpMuxState.Distributing, 5000);
        Assert.True(a.Bond.Plan.CanTransmit[0]);
    }

    [Fact]
    public void A_port_that_never_syncs_is_counted_as_churned_after_sixty_seconds()
    {
        LacpWorld w = new();
        LacpSide a = w.Side("bondA", 0x02_AA_00_00_00_01, "mode=802.3ad lacp_rate=fast");
        a.Add("a1", 1);
        a.Bond.IsUp = true;
        w.Run(59_000);
        Assert.Equal(LacpChurnState.Monitoring, a.Port("a1").PartnerChurn);
        w.Run(2000);
        Assert.Equal(LacpChurnState.Churned, a.Port("a1").PartnerChurn);
        Assert.Equal(1, a.Port("a1").PartnerChurnCount);
        // Our side did sync (the lone aggregator is active), so the actor did not churn.
        Assert.Equal(LacpChurnState.None, a.Port("a1").ActorChurn);
    }

    [Fact]
    public void Release_sends_a_last_lacpdu_that_leaves_the_aggregation_and_the_partner_follows()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack();
        w.RunUntil(() => Distributing(b, "b1") && Distributing(b, "b2"), 10_000);

        a.Bond.Release(a.Bond.Find("a1")!);

        byte[] last = a.Sent[^1].Frame;
        Assert.Equal(LacpState.Activity | LacpState.Timeout, LacpPdu.ReadActor(last).State & ~(LacpState.Defaulted | LacpState.Expired));
        w.Run(300);
        Assert.Equal([1], b.Bond.Plan.Usable);
        Assert.Single(a.Bond.Lacp.ActiveAggregator!.Ports);
    }

    [Fact]
    public void Marker_information_is_answered_and_counted()
    {
        (LacpWorld w, LacpSide a, _) = BackToBack();
        w.Run(3000);
        byte[] marker = new byte[LacpPdu.FrameLength];
        LacpPdu.Multicast.CopyTo(marker);
        marker[12] = 0x88;
        marker[13] = 0x09;
        marker[14] = 2;
        marker[15] = 1;
        marker[16] = 1;
        marker[17] = 16;
        marker[30] = 0x42;
        Member a1 = a.Bond.Find("a1")!;

        a.Bond.OnControlFrame(a1, marker, w.Now);

        byte[] response = a.Sent[^1].Frame;
        Assert.Equal(2, response[16]);
        Assert.Equal(0x42, response[30]);
        Assert.Equal(a1.PermanentMac, MacAddress.FromBytes(response.AsSpan(6)));
        Assert.Equal(1, a1.Lacp!.Counters.MarkerRx);
        Assert.Equal(1, a1.Lacp.Counters.MarkerResponseTx);
    }

    [Fact]
    public void Status_shows_the_kernels_802_3ad_sections_line_for_line()
    {
        (LacpWorld w, LacpSide a, _) = BackToBack("mode=802.3ad lacp_rate=fast xmit_hash_policy=layer2+3");
        w.Run(61_000);

        string text = ProcStatus.Render(TestBonds.Snapshot(a.Bond));

        string expected = """
            Bonding Mode: IEEE 802.3ad Dynamic link aggregation
            Transmit Hash Policy: layer2+3 (2)
            MII Status: up
            MII Polling Interval (ms): 100
            Up Delay (ms): 0
            Down Delay (ms): 0
            Peer Notification Delay (ms): 0

            802.3ad info
            LACP active: on
            LACP rate: fast
            Min links: 0
            Aggregator selection policy (ad_select): stable
            System priority: 65535
            System MAC address: 02:00:00:00:10:01
            Active Aggregator Info:
            	Aggregator ID: 1
            	Number of ports: 2
            	Actor Key: 15
            	Partner Key: 15
            	Partner Mac Address: 02:00:00:00:10:0b

            Slave Interface: a1
            MII Status: up
            Speed: 10000 Mbps
            Duplex: full
            Link Failure Count: 0
            Permanent HW addr: 02:00:00:00:10:01
            Slave queue ID: 0
            Aggregator ID: 1
            Actor Churn State: none
            Partner Churn State: none
            Actor Churned Count: 0
            Partner Churned Count: 0
            details actor lacp pdu:
                system priority: 65535
                system mac address: 02:00:00:00:10:01
                port key: 15
                port priority: 255
                port number: 1
                port state: 63
            details partner lacp pdu:
                system priority: 65535
                system mac address: 02:00:00:00:10:0b
                oper key: 15
                port priority: 255
                port number: 1
                port state: 63

            Slave Interface: a2
            """;
        Assert.Contains(expected.ReplaceLineEndings("\n"), text, StringComparison.Ordinal);
    }

    /// <summary>The last LACPDU <paramref name="side"/> sent on <paramref name="member"/>, as its partner would receive it.</summary>
    private static byte[] LastPdu(LacpSide side, string member) =>
        (byte[])side.Sent.Last(f => f.Member == member && LacpPdu.Classify(f.Frame) == SlowFrameKind.Lacpdu).Frame.Clone();

    /// <summary>
    /// bond_3ad_initialize copies the bond's MAC into the system id at the first enslave, and only ad_actor_system or
    /// ad_actor_sys_prio sets copy it again (a zero ad_actor_system is the bond's MAC as it then is): a new bond MAC
    /// alone changes nothing the partner sees.
    /// </summary>
    [Fact]
    public void The_system_id_keeps_the_mac_of_the_first_enslave_until_ad_actor_settings_change()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack();
        w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2"), 10_000);
        MacAddress first = a.Bond.Mac;
        int sent = a.Sent.Count;
        Assert.True(MacAddress.TryParse("02:cc:00:00:00:07", out MacAddress set));
        Assert.True(a.Bond.OnBondMacSet(set));
        w.Run(2000);
        Assert.Equal(first, a.Bond.Lacp.LacpSystem);
        Assert.Equal(first, b.Port("b1").Partner.System);
        Assert.True(Distributing(b, "b1") && Distributing(b, "b2"));
        Assert.InRange(a.LacpduTimes("a1").Count(t => t > w.Now - 2000), 1, 3); // periodic (1 s at fast rate) only

        Assert.Null(a.Bond.SetOptions(TestBonds.Parse("ad_actor_system=00:00:00:00:00:00"), []));
        Assert.Equal(first, a.Bond.Lacp.LacpSystem); // no change of the option: nothing to copy
        Assert.Null(a.Bond.SetOptions(TestBonds.Parse("ad_actor_sys_prio=100"), []));
        w.Run(1000);
        Assert.Equal(set, a.Bond.Lacp.LacpSystem);
        Assert.Equal(set, b.Port("b1").Partner.System);
        Assert.True(a.Sent.Count > sent);
    }

    /// <summary>bond_close() clears recv_probe: LACPDUs reaching a closed (admin-down) bond change nothing.</summary>
    [Fact]
    public void A_closed_bond_hears_no_lacpdu()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack();
        a.Bond.IsUp = false;
        w.Run(3000);
        Assert.Equal(LacpPortInfo.AdminDefault.System, a.Port("a1").Partner.System);
        Assert.Equal(0, a.Port("a1").Counters.LacpduRx);
        a.Bond.IsUp = true;
        w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2"), 10_000);
        Assert.Equal(b.Bond.Mac, a.Port("a1").Partner.System);
    }

    [Fact]
    public void Malformed_lacpdus_are_counted_and_change_nothing()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack();
        w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2"), 10_000);
        w.Run(1000);
        Member a1 = a.Bond.Find("a1")!;
        Aggregator before = a.Bond.Lacp.ActiveAggregator!;
        LacpPortInfo partner = a1.Lacp!.Partner;
        byte[] good = LastPdu(b, "b1");

        byte[] subtype = (byte[])good.Clone();
        subtype[14] = 9;
        byte[] actorLength = (byte[])good.Clone();
        actorLength[17] = 200;
        byte[] partnerType = (byte[])good.Clone();
        partnerType[36] = 7;
        byte[] ownSystem = (byte[])good.Clone();
        a.Bond.Lacp.LacpSystem.CopyTo(ownSystem.AsSpan(20));
        byte[] otherDestination = (byte[])good.Clone();
        otherDestination[5] = 3;
        foreach (byte[] f in new[] { subtype, actorLength, partnerType, good[..60], good[..123], ownSystem, otherDestination })
        {
            a.Bond.OnControlFrame(a1, f, w.Now);
        }
        w.Run(300);

        LacpCounters c = a1.Lacp.Counters;
        Assert.Equal(1, c.LacpduUnknownRx);
        Assert.Equal(4, c.LacpduIllegalRx);
        Assert.Contains(a.Logs, l => l.Contains("An illegal loopback occurred", StringComparison.Ordinal));
        Assert.Same(before, a.Bond.Lacp.ActiveAggregator);
        Assert.Equal(partner, a1.Lacp.Partner);
        Assert.Equal([0, 1], a.Bond.Plan.Usable);
    }

    [Fact]
    public void Lacpdus_of_other_versions_are_read_as_version_one()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack();
        w.RunUntil(() => Distributing(a, "a1"), 10_000);
        Member a1 = a.Bond.Find("a1")!;
        long rx = a1.Lacp!.Counters.LacpduRx;
        foreach (byte version in new byte[] { 0, 2, 255 })
        {
            byte[] pdu = LastPdu(b, "b1");
            pdu[15] = version;
            a.Bond.OnControlFrame(a1, pdu, w.Now);
        }
        Assert.Equal(rx + 3, a1.Lacp.Counters.LacpduRx);
        Assert.Equal(0, a1.Lacp.Counters.LacpduIllegalRx);
        Assert.True(Distributing(a, "a1"));
    }

    [Fact]
    public void A_partner_whose_key_churns_moves_its_port_and_the_other_ports_carry_on()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack();
        w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2"), 10_000);
        Member a1 = a.Bond.Find("a1")!;
        w.Cut.Add("b1");
        for (int i = 0; i < 50; i++)
        {
            byte[] pdu = LastPdu(b, "b1");
            pdu[26] = (byte)i;
            a.Bond.OnControlFrame(a1, pdu, w.Now);
            w.Run(100);
            Assert.True(a.Carrier);
            Assert.Contains(1, a.Bond.Plan.Usable);
        }
        Assert.NotSame(a.Port("a1").Aggregator, a.Port("a2").Aggregator);
        Assert.True(a.Port("a2").Aggregator!.IsActive);
    }

    [Fact]
    public void No_frame_crashes_the_machines_or_breaks_their_invariants()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = BackToBack();
        w.RunUntil(() => Distributing(a, "a1"), 10_000);
        int seed = Environment.TickCount;
        Random rng = new(seed);
        byte[] good = LastPdu(b, "b1");
        Member a1 = a.Bond.Find("a1")!;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] f = (byte[])good.Clone();
            for (int n = rng.Next(1, 6); n > 0; n--)
            {
                // Mutations after the header: the frame stays one the bond must read.
                f[rng.Next(14, f.Length)] = (byte)rng.Next(256);
            }
            a.Bond.OnControlFrame(a1, f.AsSpan(0, rng.Next(2) == 0 ? f.Length : rng.Next(f.Length)), w.Now);
            if (i % 100 == 0)
            {
                w.Run(100);
                Aggregator? active = a.Bond.Lacp.ActiveAggregator;
                Assert.True(active == null || active.Ports.All(p => p.Aggregator == active), $"seed {seed}");
                Assert.True(a.Bond.Plan.Usable.All(u => a.Bond.Members[u].Lacp!.Aggregator == active), $"seed {seed}");
            }
        }
        w.Cut.Clear();
        w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2"), 30_000);
    }

    [Fact]
    public void Actor_port_prio_is_sent_to_the_partner_and_ad_select_actor_port_prio_weighs_it()
    {
        LacpWorld w = new();
        LacpSide a = w.Side("bondA", 0x02_AA_00_00_00_01, "mode=802.3ad lacp_rate=fast ad_select=actor_port_prio");
        LacpSide b = w.Side("bondB", 0x02_BB_00_00_00_01, "mode=802.3ad lacp_rate=fast");
        LacpSide c = w.Side("bondC", 0x02_CC_00_00_00_01, "mode=802.3ad lacp_rate=fast");
        a.Add("a1", 1);
        a.Add("a2", 2);
        b.Add("b1", 11);
        c.Add("c1", 21);
        w.Wire(a, "a1", b, "b1");
        w.Wire(a, "a2", c, "c1");
        Assert.Null(a.Bond.SetMemberOptions(a.Bond.Find("a2")!, TestBonds.Parse("actor_port_prio=1000"), []));
        Assert.Contains("1 - 65535", a.Bond.SetMemberOptions(a.Bond.Find("a1")!, TestBonds.Parse("actor_port_prio=0"), []));
        a.Bond.IsUp = b.Bond.IsUp = c.Bond.IsUp = true;

        w.Run(10_000);

        Assert.True(a.Port("a2").Aggregator!.IsActive);
        Assert.False(a.Port("a1").Aggregator!.IsActive);
        Assert.Equal(1000, c.Port("c1").Partner.PortPriority);
        Assert.Equal(255, b.Port("b1").Partner.PortPriority);
        Assert.Contains("mode dependency failed", TestBonds.Make("mode=balance-xor", "eth0").Bond.SetOptions(TestBonds.Parse("actor_port_prio=eth0:5"), []));
    }

    [Fact]
    public void Broadcast_neighbor_sends_arp_on_every_distributing_member_and_tells_neighbours_when_ports_come_up()
    {
        foreach (bool on in new[] { true, false })
        {
            (LacpWorld w, LacpSide a, _) = BackToBack($"mode=802.3ad lacp_rate=fast broadcast_neighbor={(on ? 1 : 0)}", "mode=802.3ad lacp_rate=fast");
            a.Bond.OnAddresses([System.Net.IPAddress.Parse("198.18.0.1")]);
            w.RunUntil(() => Distributing(a, "a1") && Distributing(a, "a2"), 10_000);
            w.Run(500);

            List<string> arpOn = [.. a.Sent.Where(f => f.Frame[12] == 0x08 && f.Frame[13] == 0x06).Select(f => f.Member).Distinct().Order()];
            byte[] arp = PeerNotificationFrames.GratuitousArp(System.Net.IPAddress.Parse("198.18.0.1"), a.Bond.Mac);
            TxState state = default;
            int target = TxPolicy.Select(a.Bond.Plan, arp, ref state);

            if (on)
            {
                Assert.Equal(["a1", "a2"], arpOn);
                Assert.Equal(TxPolicy.AllMembers, target);
            }
            else
            {
                Assert.Empty(arpOn);
                Assert.True(target >= 0);
            }
        }
    }
}

public class LacpKeyTests
{
    /// <summary>__get_link_speed: the kernel's codes by speed; 1 Mbit/s has a code in the enum but none in the switch.</summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(10, 2)]
    [InlineData(1000, 4)]
    [InlineData(10000, 7)]
    [InlineData(800000, 17)]
    [InlineData(-1, 0)]
    [InlineData(3000, 0)]
    public void Speed_codes_are_the_kernels(int speed, int code) => Assert.Equal(code, LacpKey.SpeedCode(speed));
}
