using System.Buffers.Binary;
using System.Net;
using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>balance-tlb and balance-alb (bond_alb.c) on a virtual clock: MAC rules, transmit placement, the client table.</summary>
public class AlbTests
{
    private static readonly MacAddress Eth0 = new(0x02_00_00_00_00_01);
    private static readonly MacAddress Eth1 = new(0x02_00_00_00_00_02);
    private static readonly MacAddress Eth2 = new(0x02_00_00_00_00_03);
    private static readonly IPAddress BondIp = IPAddress.Parse("198.18.0.1");

    private static MacAddress ClientMac(int i) => new(0x0A_00_00_00_00_00UL + (ulong)i);

    private static IPAddress ClientIp(int i) => IPAddress.Parse($"198.18.{i / 250}.{(i % 250) + 2}");

    /// <summary>A unicast IPv4 UDP frame from the bond to <paramref name="dst"/>.</summary>
    private static byte[] Ipv4(MacAddress src, IPAddress dst, int length = 100, byte proto = 17, MacAddress? dstMac = null)
    {
        byte[] f = new byte[length];
        (dstMac ?? new MacAddress(0x0A_00_00_00_00_01)).CopyTo(f);
        src.CopyTo(f.AsSpan(6));
        f[12] = 0x08;
        f[14] = 0x45;
        f[23] = proto;
        BondIp.TryWriteBytes(f.AsSpan(26), out _);
        dst.TryWriteBytes(f.AsSpan(30), out _);
        return f;
    }

    private static MacAddress Source(byte[] frame) => MacAddress.FromBytes(frame.AsSpan(6));

    private static List<(string Member, byte[] Frame)> LearningPackets(VirtualHost host) =>
        [.. host.Frames.Where(f => BinaryPrimitives.ReadUInt16BigEndian(f.Frame.AsSpan(12)) == 0x9000)];

    private static List<(string Member, ArpMessage Arp)> ArpReplies(VirtualHost host) =>
        [.. host.Frames.Select(f => (f.Member, Ok: ArpMessage.TryRead(f.Frame, out ArpMessage a), Arp: a))
            .Where(x => x.Ok && x.Arp.Op == ArpMessage.Reply).Select(x => (x.Member, x.Arp))];

    /// <summary>The bond's stack answering a client's ARP request, as it reaches the bond device.</summary>
    private static byte[] ReplyTo(int client) =>
        ProbeFrames.Arp(ArpMessage.Reply, ClientMac(client), Eth0, BondIp, ClientMac(client), ClientIp(client));

    [Theory]
    [InlineData("balance-tlb")]
    [InlineData("balance-alb")]
    public void Members_keep_distinct_macs_and_the_active_one_holds_the_bonds(string mode)
    {
        (Bond bond, VirtualHost host) = TestBonds.Make($"mode={mode} miimon=100", "eth0", "eth1", "eth2");
        Assert.Equal("eth0", bond.Active?.Name);
        Assert.Equal(Eth0, bond.Mac);
        Assert.Equal([Eth0, Eth1, Eth2], bond.Members.Select(m => m.CurrentMac));
        // Only the active member delivers broadcast: in tlb nothing else, in alb the others deliver unicast.
        Assert.Equal([true, false, false], host.Plan!.Delivers);
    }

    [Theory]
    [InlineData("balance-tlb")]
    [InlineData("balance-alb")]
    public void Failover_swaps_the_bond_mac_onto_the_new_active_member_and_teaches_the_switch(string mode)
    {
        (Bond bond, VirtualHost host) = TestBonds.Make($"mode={mode} miimon=100", "eth0", "eth1");
        host.Frames.Clear();
        host.Fail(bond, "eth0");
        Assert.Equal("eth1", bond.Active?.Name);
        Assert.Equal(Eth0, bond.Find("eth1")!.CurrentMac);
        Assert.Equal(Eth1, bond.Find("eth0")!.CurrentMac);
        Assert.Equal(Eth0, host.MemberMacs["eth1"]);
        Assert.Contains(LearningPackets(host), p => p.Member == "eth1" && MacAddress.FromBytes(p.Frame) == Eth0 && Source(p.Frame) == Eth0);
        Assert.Contains(host.Logs, l => l.Contains("making interface eth1 the new active one", StringComparison.Ordinal));
        Assert.Equal([Eth1, Eth0], host.Plan!.MemberMacs);

        host.Recover(bond, "eth0");
        Assert.Equal("eth1", bond.Active?.Name);
        Assert.Equal([Eth1, Eth0], bond.Members.Select(m => m.CurrentMac));
    }

    [Fact]
    public void A_member_joining_with_a_mac_in_use_gets_a_permanent_mac_nobody_uses()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-alb miimon=100", "eth0", "eth1");
        host.Fail(bond, "eth0");
        bond.Release(bond.Find("eth0")!);
        // eth1 holds the bond's MAC (Eth0); its own, Eth1, is free. A newcomer carrying the bond's MAC takes it.
        bond.Enslave(new Member("eth2", 30, Eth0), true, host.Now);
        Assert.Equal(Eth1, bond.Find("eth2")!.CurrentMac);
        Assert.Contains(host.Logs, l => l.Contains("eth2: the slave hw address is in use by the bond; giving it the hw address of eth1", StringComparison.Ordinal));
        // No permanent MAC free at all: still a MAC of its own.
        bond.Enslave(new Member("eth3", 31, Eth1), true, host.Now);
        Assert.Equal(3, bond.Members.Select(m => m.CurrentMac).Distinct().Count());
    }

    [Fact]
    public void Release_gives_back_a_permanent_mac_another_member_holds()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-tlb miimon=100", "eth0", "eth1", "eth2");
        host.Fail(bond, "eth0");
        Assert.Equal(Eth1, bond.Find("eth0")!.CurrentMac);
        // eth1 holds the bond's MAC (Eth0) and its own is on eth0: released, it takes Eth1 back and eth0 gets Eth0;
        // eth2, the one member up, becomes active and swaps the bond's MAC off eth0.
        bond.Release(bond.Find("eth1")!);
        Assert.Equal(Eth1, host.MemberMacs["eth1"]);
        Assert.Equal("eth2", bond.Active?.Name);
        Assert.Equal([Eth2, Eth0], bond.Members.Select(m => m.CurrentMac));
    }

    /// <summary>
    /// A documented difference in balance-tlb: the kernel's bond_set_mac_address gives the new MAC to every tlb
    /// member (only alb goes through bond_alb_set_mac_address), so they share one MAC the switch sees move between
    /// ports; NetBond moves it to the active member in both modes.
    /// </summary>
    [Theory]
    [InlineData("mode=balance-alb miimon=100")]
    [InlineData("mode=balance-tlb miimon=100")]
    public void Setting_the_bond_mac_moves_it_to_the_active_member(string options)
    {
        (Bond bond, VirtualHost host) = TestBonds.Make(options, "eth0", "eth1");
        MacAddress next = new(0x02_00_00_00_00_77);
        Assert.True(bond.OnBondMacSet(next));
        Assert.Equal([next, Eth1], bond.Members.Select(m => m.CurrentMac));
        // Setting the MAC eth1 holds swaps the two.
        Assert.True(bond.OnBondMacSet(Eth1));
        Assert.Equal([Eth1, next], bond.Members.Select(m => m.CurrentMac));
        Assert.Equal(Eth1, host.Plan!.BondMac);
    }

    [Fact]
    public void Tlb_places_flows_by_load_after_a_rebalance_and_sends_from_the_members_own_mac()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-tlb miimon=100 xmit_hash_policy=layer2+3", "eth0", "eth1");
        TxState s = default;
        byte[] a = Ipv4(Eth0, ClientIp(1), dstMac: ClientMac(1));
        byte[] b = Ipv4(Eth0, ClientIp(2), dstMac: ClientMac(2));
        Assert.NotEqual(XmitHash.Compute(a, XmitHashPolicy.Layer23) & 0xFF, XmitHash.Compute(b, XmitHashPolicy.Layer23) & 0xFF);
        // No load history yet: every bucket goes to the member with the largest gap, the first.
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(0, TxPolicy.Select(host.Plan!, a, ref s));
            Assert.Equal(0, TxPolicy.Select(host.Plan!, b, ref s));
        }
        host.Run(bond, 10_100);
        Assert.Equal(0, TxPolicy.Select(host.Plan!, a, ref s));
        Assert.Equal(1, TxPolicy.Select(host.Plan!, b, ref s));
        Assert.Equal(Eth1, Source(b));
        Assert.Equal(Eth0, Source(a));
        // Broadcast is not balanced: the active member, from the bond's MAC.
        byte[] broadcast = Ipv4(Eth0, IPAddress.Broadcast, dstMac: MacAddress.Broadcast);
        Assert.Equal(0, TxPolicy.Select(host.Plan!, broadcast, ref s));
        // The member of b lost: a new plan, b re-placed on what is left.
        host.Fail(bond, "eth1");
        Assert.Equal(0, TxPolicy.Select(host.Plan!, b, ref s));
    }

    [Fact]
    public void Tlb_with_tlb_dynamic_lb_0_hashes_over_the_usable_members()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-tlb miimon=100 tlb_dynamic_lb=0 xmit_hash_policy=layer3+4", "eth0", "eth1");
        Assert.Null(host.Plan!.Tlb);
        TxState s = default;
        HashSet<int> used = [];
        for (int i = 0; i < 16; i++)
        {
            byte[] f = Ipv4(Eth0, ClientIp(i));
            int expected = (int)(XmitHash.Compute(f, XmitHashPolicy.Layer34) % 2);
            int picked = TxPolicy.Select(host.Plan!, f, ref s);
            Assert.Equal(expected, picked);
            used.Add(picked);
        }
        Assert.Equal(2, used.Count);
        Assert.Contains("Transmit Hash Policy: layer3+4 (1)", ProcStatus.Render(TestBonds.Snapshot(bond)), StringComparison.Ordinal);
    }

    [Fact]
    public void Alb_balances_by_the_destination_address_and_sends_arp_igmp_and_broadcast_as_the_kernel()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-alb miimon=100", "eth0", "eth1");
        TxState s = default;
        byte[] arp = ProbeFrames.ArpRequest(Eth0, BondIp, ClientIp(1));
        Assert.Equal(TxPolicy.ToControl, TxPolicy.Select(host.Plan!, arp, ref s));
        Assert.Equal(0, TxPolicy.Select(host.Plan!, Ipv4(Eth0, IPAddress.Parse("224.0.0.22"), proto: 2), ref s));
        Assert.Equal(0, TxPolicy.Select(host.Plan!, Ipv4(Eth0, IPAddress.Broadcast), ref s));
        // Two destinations whose bytes XOR differently land in different buckets, placed by load after a rebalance.
        byte[] a = Ipv4(Eth0, ClientIp(1));
        byte[] b = Ipv4(Eth0, ClientIp(2));
        TxPolicy.Select(host.Plan!, a, ref s);
        TxPolicy.Select(host.Plan!, b, ref s);
        host.Run(bond, 10_100);
        Assert.Equal(0, TxPolicy.Select(host.Plan!, a, ref s));
        Assert.Equal(1, TxPolicy.Select(host.Plan!, b, ref s));
        Assert.Equal(Eth1, Source(b));
    }

    [Fact]
    public void Alb_replies_place_clients_on_members_in_turn_with_the_members_mac()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-alb miimon=100", "eth0", "eth1");
        host.Frames.Clear();
        for (int i = 1; i <= 4; i++)
        {
            bond.OnBondArp(ReplyTo(i), host.Now);
        }
        List<(string Member, ArpMessage Arp)> replies = ArpReplies(host);
        Assert.Equal(["eth0", "eth1", "eth0", "eth1"], replies.Select(r => r.Member));
        Assert.All(replies, r => Assert.Equal(r.Member == "eth0" ? Eth0 : Eth1, r.Arp.SenderMac));
        Assert.Equal(Eth1, Source(host.Frames[1].Frame));
        Assert.Equal(4, bond.AlbClients.Count);
        // The same client asking again keeps its member.
        bond.OnBondArp(ReplyTo(2), host.Now);
        Assert.Equal("eth1", ArpReplies(host)[^1].Member);
        AlbClientSnapshot[] table = TestBonds.Snapshot(bond).AlbClients!.ToArray();
        Assert.Contains(table, c => c.DestinationIp.Equals(ClientIp(2)) && c.Dev == "eth1" && c.DestinationMac == ClientMac(2));
    }

    [Fact]
    public void Alb_request_then_client_reply_tells_the_client_its_member_after_the_update_delay()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-alb miimon=100", "eth0", "eth1");
        host.Run(bond, 100);
        bond.OnBondArp(ProbeFrames.ArpRequest(Eth0, BondIp, ClientIp(6)), host.Now);
        Assert.Equal("eth0", host.Frames[^1].Member);
        bond.OnBondArp(ProbeFrames.ArpRequest(Eth0, BondIp, ClientIp(7)), host.Now);
        Assert.Equal("eth1", host.Frames[^1].Member);
        // The request itself still says the bond's MAC: every host learns the active member.
        Assert.True(ArpMessage.TryRead(host.Frames[^1].Frame, out ArpMessage request));
        Assert.Equal(Eth0, request.SenderMac);
        Assert.Equal(Eth1, Source(host.Frames[^1].Frame));
        host.Frames.Clear();
        // The client answers: its MAC is recorded and it is told eth1's MAC, once the 2 s delay has passed.
        byte[] answer = ProbeFrames.Arp(ArpMessage.Reply, Eth0, ClientMac(7), ClientIp(7), Eth0, BondIp);
        bond.OnControlFrame(bond.Members[1], answer, host.Now);
        host.Run(bond, 1_000);
        Assert.Empty(ArpReplies(host));
        host.Run(bond, 2_000);
        List<(string Member, ArpMessage Arp)> updates = ArpReplies(host);
        Assert.Equal(2, updates.Count);
        Assert.All(updates, u =>
        {
            Assert.Equal("eth1", u.Member);
            Assert.Equal(Eth1, u.Arp.SenderMac);
            Assert.Equal(ClientMac(7), u.Arp.TargetMac);
            Assert.Equal(ArpMessage.Value(BondIp), u.Arp.SenderIp);
        });
        host.Run(bond, 10_000);
        Assert.Equal(2, ArpReplies(host).Count);
    }

    [Fact]
    public void Alb_member_lost_moves_its_clients_and_tells_them_with_retries()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-alb miimon=100", "eth0", "eth1", "eth2");
        for (int i = 1; i <= 6; i++)
        {
            bond.OnBondArp(ReplyTo(i), host.Now);
        }
        host.Run(bond, 3_000);
        host.Frames.Clear();
        host.Fail(bond, "eth1");
        Assert.DoesNotContain(bond.AlbClients.Used, c => c.Member?.Name == "eth1");
        Assert.Equal(6, bond.AlbClients.Count);
        host.Run(bond, 10_000);
        List<(string Member, ArpMessage Arp)> updates = ArpReplies(host);
        Assert.NotEmpty(updates);
        Assert.DoesNotContain(updates, u => u.Member == "eth1");
        // The moved clients (two were on eth1) are told at least twice: once, then RLB_UPDATE_RETRY more rounds.
        int moved = updates.Select(u => u.Arp.TargetIp).Distinct().Count();
        Assert.Equal(2, moved);
        Assert.True(updates.Count >= moved * 2 * 2);
    }

    [Fact]
    public void Alb_link_back_rebalances_clients_over_every_member()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-alb miimon=100", "eth0", "eth1");
        foreach (Member m in bond.Members)
        {
            (m.Speed, m.Duplex) = (1000, 1); // or eth1's link would not come back (bond_needs_speed_duplex)
        }
        host.Fail(bond, "eth1");
        for (int i = 1; i <= 4; i++)
        {
            bond.OnBondArp(ReplyTo(i), host.Now);
        }
        Assert.All(bond.AlbClients.Used, c => Assert.Equal("eth0", c.Member?.Name));
        host.Recover(bond, "eth1");
        host.Run(bond, 200);
        Assert.Equal(2, bond.AlbClients.Used.Count(c => c.Member?.Name == "eth1"));
    }

    [Fact]
    public void Learning_packets_go_out_every_lp_interval_on_every_member()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-tlb miimon=100 lp_interval=2", "eth0", "eth1");
        host.Run(bond, 100);
        host.Frames.Clear();
        host.Run(bond, 6_000);
        List<(string Member, byte[] Frame)> lp = LearningPackets(host);
        Assert.Equal(3, lp.Count(p => p.Member == "eth0"));
        Assert.Equal(3, lp.Count(p => p.Member == "eth1"));
        Assert.All(lp, p =>
        {
            Assert.Equal(60, p.Frame.Length);
            Assert.Equal(MacAddress.FromBytes(p.Frame), Source(p.Frame));
            Assert.Equal(bond.Find(p.Member)!.CurrentMac, Source(p.Frame));
        });
    }

    [Fact]
    public void Tlb_receives_on_the_active_member_only_and_alb_takes_unicast_on_every_member_readdressed_to_the_bond()
    {
        (_, VirtualHost tlb) = TestBonds.Make("mode=balance-tlb miimon=100", "eth0", "eth1");
        byte[] toEth1 = Ipv4(ClientMac(1), BondIp, dstMac: Eth1);
        Assert.Equal(RxVerdict.Drop, ReceiveClassifier.Classify(tlb.Plan!, 1, toEth1));
        Assert.Equal(RxVerdict.Deliver, ReceiveClassifier.Classify(tlb.Plan!, 0, Ipv4(ClientMac(1), BondIp, dstMac: Eth0)));

        (_, VirtualHost alb) = TestBonds.Make("mode=balance-alb miimon=100", "eth0", "eth1");
        Assert.Equal(RxVerdict.Deliver, ReceiveClassifier.Classify(alb.Plan!, 1, toEth1));
        Assert.Equal(Eth0, MacAddress.FromBytes(toEth1));
        Assert.Equal(RxVerdict.Drop, ReceiveClassifier.Classify(alb.Plan!, 1, Ipv4(ClientMac(1), BondIp, dstMac: MacAddress.Broadcast)));
        byte[] arp = ProbeFrames.ArpRequest(ClientMac(1), ClientIp(1), BondIp);
        Assert.Equal(RxVerdict.ToControl | RxVerdict.Deliver, ReceiveClassifier.Classify(alb.Plan!, 0, arp));
        Assert.Equal(RxVerdict.ToControl, ReceiveClassifier.Classify(alb.Plan!, 1, arp));
        // Another host's unicast stays addressed to it.
        byte[] other = Ipv4(ClientMac(1), BondIp, dstMac: ClientMac(9));
        ReceiveClassifier.Classify(alb.Plan!, 1, other);
        Assert.Equal(ClientMac(9), MacAddress.FromBytes(other));
    }

    [Fact]
    public void Alb_table_stays_bounded_under_a_flood_of_new_clients_and_hostile_arp()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-alb miimon=100", "eth0", "eth1");
        Random random = new(5);
        for (int i = 0; i < 20_000; i++)
        {
            IPAddress client = new(BitConverter.GetBytes(random.Next()));
            MacAddress mac = new((ulong)random.NextInt64() & 0xFEFF_FFFF_FFFFUL);
            bond.OnControlFrame(bond.Members[i & 1], ProbeFrames.ArpRequest(mac, client, BondIp), host.Now);
            bond.OnBondArp(ProbeFrames.Arp(ArpMessage.Reply, mac, Eth0, BondIp, mac, client), host.Now);
            byte[] junk = new byte[random.Next(0, 80)];
            random.NextBytes(junk);
            bond.OnControlFrame(bond.Members[i & 1], junk, host.Now);
            bond.OnBondArp(junk, host.Now);
        }
        Assert.InRange(bond.AlbClients.Count, 1, RlbTable.Size);
        // A reply from outside claiming the bond's address with another MAC purges the entries made for it.
        bond.OnControlFrame(bond.Members[0], ProbeFrames.Arp(ArpMessage.Reply, Eth0, ClientMac(66), BondIp, Eth0, ClientIp(3)), host.Now);
        Assert.Equal(0, bond.AlbClients.Count);
        Assert.Equal("eth0", bond.Active?.Name);
        Assert.True(bond.Carrier);
    }
}
