using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>Places where bond_main.c / bond_options.c behave in a way a careful user would check, one test each.</summary>
public class KernelFidelityTests
{
    [Fact]
    public void Setting_primary_to_its_current_value_forces_the_primary_active_again()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 primary=eth0 primary_reselect=failure", "eth0", "eth1");
        Assert.Null(bond.ForceActive("eth1"));
        Assert.Equal("eth1", bond.Active!.Name);
        Assert.Null(bond.SetOptions(TestBonds.Parse("primary=eth0"), []));
        Assert.Equal("eth0", bond.Active!.Name);
    }

    /// <summary>/proc for an 802.3ad bond never enslaved shows the zeroed ad_info: priority 0, MAC 00:…; setting an ad_actor_* option or a first member fills it, a release keeps it (issue 25, item 22).</summary>
    [Fact]
    public void An_802_3ad_bond_never_enslaved_shows_a_zero_system_until_one_is_recorded()
    {
        (Bond bond, _) = TestBonds.Make("mode=802.3ad");
        Assert.Contains("\nSystem priority: 0\nSystem MAC address: 00:00:00:00:00:00\n", ProcStatus.Render(TestBonds.Snapshot(bond)), StringComparison.Ordinal);

        Assert.Null(bond.SetOptions(TestBonds.Parse("ad_actor_sys_prio=100"), []));
        Assert.Contains("\nSystem priority: 100\nSystem MAC address: 02:00:00:00:00:99\n", ProcStatus.Render(TestBonds.Snapshot(bond)), StringComparison.Ordinal);

        (Bond enslaved, _) = TestBonds.Make("mode=802.3ad", "eth0");
        enslaved.Release(enslaved.Find("eth0")!);
        Assert.Contains("\nSystem priority: 65535\nSystem MAC address: 02:00:00:00:00:01\n", ProcStatus.Render(TestBonds.Snapshot(enslaved)), StringComparison.Ordinal);
    }

    /// <summary>The kernel's words where an unusable target is refused, for addition or for removal (issue 25, item 23).</summary>
    [Fact]
    public void An_unusable_target_is_refused_for_addition_or_for_removal()
    {
        (Bond bond, _) = TestBonds.Make("mode=active-backup arp_interval=100 arp_ip_target=198.18.0.2", "eth0");
        Assert.Equal("option arp_ip_target: invalid ARP target 255.255.255.255 specified for addition", bond.SetOptions(TestBonds.Parse("arp_ip_target=+255.255.255.255"), []));
        Assert.Equal("option arp_ip_target: invalid ARP target 0.0.0.1 specified for removal", bond.SetOptions(TestBonds.Parse("arp_ip_target=-0.0.0.1"), []));
        Assert.Equal("option arp_ip_target: invalid ARP target 255.255.255.255 specified for addition", bond.SetOptions(TestBonds.Parse("arp_ip_target=198.18.0.3,255.255.255.255"), []));
        Assert.Equal("option ns_ip6_target: invalid NS target ff02::1 specified for addition", bond.SetOptions(TestBonds.Parse("ns_ip6_target=ff02::1"), []));
    }

    /// <summary>bond_miimon_commit() says an unknown speed is 0 Mbps and an unknown duplex full (issue 25, item 23).</summary>
    [Fact]
    public void A_link_of_unknown_speed_and_duplex_comes_up_as_0_mbps_full_duplex_in_the_log()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=balance-rr miimon=100", "eth0");
        Member eth0 = bond.Find("eth0")!;
        eth0.Speed = -1;
        eth0.Duplex = -1;
        host.Fail(bond, "eth0");
        host.Recover(bond, "eth0");
        Assert.Contains("bond0: link status definitely up for interface eth0, 0 Mbps full duplex", host.Logs);
    }

    /// <summary>
    /// A member whose link is coming back made active before its updelay ran out: bond_change_active_slave() says so
    /// ("… ms earlier") only where the mode uses a primary (issue 25, item 23), though it does it in every mode.
    /// </summary>
    [Theory]
    [InlineData("balance-rr", false)]
    [InlineData("active-backup", true)]
    public void A_member_made_active_early_is_announced_only_in_the_primary_modes(string mode, bool announced)
    {
        (Bond bond, VirtualHost host) = TestBonds.Make($"mode={mode} miimon=100 updelay=1000", "eth0", "eth1");
        host.Run(bond, 1500);
        host.Fail(bond, "eth0");
        Assert.Equal("eth1", bond.Active?.Name);
        host.Recover(bond, "eth0");
        Assert.Equal(LinkState.Back, bond.Find("eth0")!.Link);

        host.Fail(bond, "eth1");

        Assert.Equal("eth0", bond.Active?.Name);
        Assert.Equal(LinkState.Up, bond.Find("eth0")!.Link);
        Assert.Equal(announced, host.Logs.Exists(l => l.Contains("the new active one", StringComparison.Ordinal) && l.Contains("ms earlier", StringComparison.Ordinal)));
    }

    /// <summary>
    /// bond_slave_ns_maddrs_add/del: in active-backup with arp_validate, a backup listens to the solicited-node groups
    /// of the NS targets; the active member does not, and a member released or made active leaves them (the kernel's
    /// bond_options.sh "join mcast group").
    /// </summary>
    [Fact]
    public void Backups_join_the_solicited_node_groups_of_the_ns_targets_under_arp_validate()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=active-backup arp_interval=100 ns_ip6_target=2001:db8::fe,2001:db8::1:2:3 arp_validate=all", "eth0", "eth1");
        HashSet<MacAddress> groups = [new MacAddress(0x33_33_ff_00_00_feUL), new MacAddress(0x33_33_ff_02_00_03UL)];
        Assert.Equal("eth0", bond.Active?.Name);
        Assert.Equal(groups, host.AddressLists["eth1"]);
        Assert.Empty(host.AddressLists.GetValueOrDefault("eth0") ?? []);

        Assert.Null(bond.ForceActive("eth1"));
        Assert.Equal(groups, host.AddressLists["eth0"]);
        Assert.Empty(host.AddressLists["eth1"]);

        Assert.Null(bond.SetOptions(TestBonds.Parse("ns_ip6_target=2001:db8::fe"), []));
        Assert.Equal([new MacAddress(0x33_33_ff_00_00_feUL)], host.AddressLists["eth0"]);
        bond.Release(bond.Find("eth0")!);
        Assert.Empty(host.AddressLists["eth0"]);

        (Bond none, VirtualHost noneHost) = TestBonds.Make("mode=active-backup arp_interval=100 ns_ip6_target=2001:db8::fe", "eth0", "eth1");
        Assert.Empty(noneHost.AddressLists);
    }

    /// <summary>
    /// An 802.3ad member listens to the LACPDU address while the bond is up (bond_open; bond_close flushes it), and
    /// leaves it when released (dev_addr_lists.sh's bond_listen_lacpdu_multicast).
    /// </summary>
    [Fact]
    public void An_802_3ad_member_listens_to_the_lacpdu_address_while_the_bond_is_up_until_it_is_released()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=802.3ad", "eth0", "eth1");
        Assert.Equal([LacpPdu.Multicast], host.AddressLists["eth0"]);
        Assert.Equal([LacpPdu.Multicast], host.AddressLists["eth1"]);
        bond.IsUp = false;
        Assert.Empty(host.AddressLists["eth0"]);
        bond.IsUp = true;
        Assert.Equal([LacpPdu.Multicast], host.AddressLists["eth0"]);
        bond.Release(bond.Find("eth0")!);
        Assert.Empty(host.AddressLists["eth0"]);
        Assert.Equal([LacpPdu.Multicast], host.AddressLists["eth1"]);
    }

    /// <summary>
    /// bond_change_rx_flags / bond_hw_addr_swap: the bond device promiscuous or all-multicast (a bridge port, tcpdump)
    /// makes the active member so in the modes that have one, following it on failover, and every member in the
    /// others; a released member is left as it was.
    /// </summary>
    [Fact]
    public void The_bond_devices_promiscuous_and_allmulti_modes_reach_the_members_that_receive_for_it()
    {
        (Bond ab, VirtualHost abHost) = TestBonds.Make("mode=active-backup miimon=100", "eth0", "eth1");
        ab.OnRxModes(promisc: true, allmulti: false);
        Assert.Equal((true, false), abHost.RxModes["eth0"]);
        Assert.Equal((false, false), abHost.RxModes.GetValueOrDefault("eth1"));
        Assert.Null(ab.ForceActive("eth1"));
        Assert.Equal((false, false), abHost.RxModes["eth0"]);
        Assert.Equal((true, false), abHost.RxModes["eth1"]);
        ab.OnRxModes(promisc: true, allmulti: true);
        Assert.Equal((true, true), abHost.RxModes["eth1"]);
        ab.Release(ab.Find("eth1")!);
        Assert.Equal((false, false), abHost.RxModes["eth1"]);
        Assert.Equal((true, true), abHost.RxModes["eth0"]);
        ab.OnRxModes(promisc: false, allmulti: false);
        Assert.Equal((false, false), abHost.RxModes["eth0"]);

        (Bond lacp, VirtualHost lacpHost) = TestBonds.Make("mode=802.3ad miimon=100", "eth0", "eth1");
        lacp.OnRxModes(promisc: true, allmulti: false);
        Assert.Equal((true, false), lacpHost.RxModes["eth0"]);
        Assert.Equal((true, false), lacpHost.RxModes["eth1"]);
    }

    /// <summary>
    /// bond_set_rx_mode / bond_hw_addr_swap / bond_hw_addr_flush: the bond device's own address lists (a macvlan's
    /// unicast address, its multicast groups) go to the active member in the modes that have one, following it on
    /// failover, and to every member in the others; none while the bond is down, and none left on a released member.
    /// </summary>
    [Fact]
    public void The_bond_devices_address_lists_reach_the_members_that_receive_for_it()
    {
        MacAddress macvlan = new(0x02_00_00_12_34_56UL), group = new(0x33_33_ff_78_9a_bcUL);
        (Bond ab, VirtualHost abHost) = TestBonds.Make("mode=active-backup miimon=100", "eth0", "eth1");
        ab.OnAddressLists([macvlan, group]);
        Assert.Equal([macvlan, group], abHost.AddressLists["eth0"]);
        Assert.Empty(abHost.AddressLists.GetValueOrDefault("eth1") ?? []);
        Assert.Null(ab.ForceActive("eth1"));
        Assert.Empty(abHost.AddressLists["eth0"]);
        Assert.Equal([macvlan, group], abHost.AddressLists["eth1"]);
        ab.OnAddressLists([group]);
        Assert.Equal([group], abHost.AddressLists["eth1"]);
        ab.IsUp = false;
        Assert.Empty(abHost.AddressLists["eth1"]);
        ab.IsUp = true;
        ab.Release(ab.Find("eth1")!);
        Assert.Empty(abHost.AddressLists["eth1"]);
        Assert.Equal([group], abHost.AddressLists["eth0"]);

        (Bond xor, VirtualHost xorHost) = TestBonds.Make("mode=balance-xor miimon=100", "eth0", "eth1");
        xor.OnAddressLists([macvlan]);
        Assert.Equal([macvlan], xorHost.AddressLists["eth0"]);
        Assert.Equal([macvlan], xorHost.AddressLists["eth1"]);
    }

    /// <summary>
    /// all_slaves_active set at run time applies at once to every member but the active one, in balance-alb too — a
    /// documented difference: bond_option_all_slaves_active_set() skips tlb/alb members, which are all in the active
    /// state, so the kernel's toggle reaches them only at their next failover (issue 25, item 14).
    /// </summary>
    [Theory]
    [InlineData("active-backup")]
    [InlineData("balance-alb")]
    public void All_slaves_active_set_at_run_time_reaches_every_member_but_the_active_one_at_once(string mode)
    {
        (Bond bond, VirtualHost host) = TestBonds.Make($"mode={mode} miimon=100", "eth0", "eth1");
        Assert.Equal([true, false], bond.Plan.Delivers);
        Assert.Null(bond.SetOptions(TestBonds.Parse("all_slaves_active=1"), []));
        Assert.Equal([true, true], bond.Plan.Delivers);
        Assert.Null(bond.SetOptions(TestBonds.Parse("all_slaves_active=0"), []));
        Assert.Equal([true, false], bond.Plan.Delivers);
    }

    [Fact]
    public void A_primary_name_longer_than_ifnamsiz_is_cut_not_refused()
    {
        (Bond bond, _) = TestBonds.Make("mode=1 miimon=100", "eth0");
        Assert.Null(bond.SetOptions(TestBonds.Parse("primary=abcdefghijklmnopqrst"), []));
        Assert.Equal("abcdefghijklmno", bond.Options.Primary);
    }

    [Fact]
    public void Better_treats_an_unknown_speed_as_the_largest_u32()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 primary=eth1 primary_reselect=better", "eth0", "eth1");
        bond.Find("eth0")!.Speed = 100000;
        bond.Find("eth1")!.Speed = -1;
        host.Fail(bond, "eth1");
        Assert.Equal("eth0", bond.Active!.Name);
        host.SetCarrier("eth1", true);
        host.Run(bond, 200);
        Assert.Equal("eth1", bond.Active!.Name);
    }

    /// <summary>
    /// bond_miimon_commit: in 802.3ad, tlb and alb (bond_needs_speed_duplex) a link that comes back without a speed
    /// and duplex stays down — and is tried again while its carrier is up, so it comes up once they can be read.
    /// active-backup takes it up regardless.
    /// </summary>
    [Theory]
    [InlineData("mode=balance-tlb miimon=100", true)]
    [InlineData("mode=balance-alb miimon=100", true)]
    [InlineData("mode=802.3ad miimon=100", true)]
    [InlineData("mode=active-backup miimon=100", false)]
    public void A_link_without_speed_and_duplex_stays_down_where_the_mode_needs_them(string options, bool needs)
    {
        (Bond bond, VirtualHost host) = TestBonds.Make(options, "eth0", "eth1");
        Member eth1 = bond.Find("eth1")!;
        host.Fail(bond, "eth1");
        (eth1.Speed, eth1.Duplex) = (1000, -1); // a duplex the driver does not know: the speed counts as unknown too
        host.SetCarrier("eth1", true);
        host.Run(bond, 500);
        Assert.Equal(needs ? LinkState.Down : LinkState.Up, eth1.Link);
        Assert.Equal(needs ? 1 : 0, host.Logs.Count(l => l.Contains("failed to get link speed/duplex for eth1", StringComparison.Ordinal)));
        eth1.Duplex = 1;
        host.Run(bond, 200);
        Assert.Equal(LinkState.Up, eth1.Link);
    }

    [Fact]
    public void Follow_after_a_time_without_an_active_member_swaps_with_the_holder_of_the_bond_mac()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 fail_over_mac=follow", "eth0", "eth1");
        MacAddress bondMac = bond.Mac;
        host.Fail(bond, "eth0");
        host.Fail(bond, "eth1");
        Assert.Null(bond.Active);
        Assert.Equal(bondMac, bond.Find("eth1")!.CurrentMac);
        MacAddress eth0Mac = bond.Find("eth0")!.CurrentMac;
        host.SetCarrier("eth0", true);
        host.Run(bond, 200);
        Assert.Equal("eth0", bond.Active!.Name);
        Assert.Equal(bondMac, bond.Find("eth0")!.CurrentMac);
        Assert.Equal(eth0Mac, bond.Find("eth1")!.CurrentMac);
        Assert.Single(bond.Members, m => m.CurrentMac == bondMac);
    }

    [Fact]
    public void Follow_gives_a_member_enslaved_with_the_bonds_mac_a_random_one()
    {
        VirtualHost host = new();
        Bond bond = new("bond0", new BondOptions(), default, host, new Random(1));
        Assert.Null(bond.SetOptions(TestBonds.Parse("mode=1 miimon=100 fail_over_mac=follow"), []));
        MacAddress mac = new(0x020000000001);
        bond.Enslave(new Member("eth0", 11, mac), carrier: true, host.Now);
        bond.Enslave(new Member("eth1", 12, mac), carrier: true, host.Now);
        Assert.Equal(mac, bond.Find("eth0")!.CurrentMac);
        Assert.NotEqual(mac, bond.Find("eth1")!.CurrentMac);
        Assert.False(bond.Find("eth1")!.CurrentMac.IsMulticast);
    }

    [Fact]
    public void Setting_the_bond_mac_with_fail_over_mac_changes_nothing()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 fail_over_mac=active", "eth0", "eth1");
        MacAddress before = bond.Mac;
        Assert.False(bond.OnBondMacSet(new MacAddress(0x02AABBCCDDEE)));
        Assert.Equal(before, bond.Mac);
        (Bond plain, _) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        Assert.True(plain.OnBondMacSet(new MacAddress(0x02AABBCCDDEE)));
        Assert.All(plain.Members, m => Assert.Equal(new MacAddress(0x02AABBCCDDEE), m.CurrentMac));
    }

    [Fact]
    public void Active_slave_is_judged_in_netlink_order_after_mode()
    {
        (Bond bond, _) = TestBonds.Make("mode=1 miimon=100", "eth0", "eth1");
        Assert.Null(bond.SetOptions(TestBonds.Parse("miimon=200 active_slave=eth1"), []));
        Assert.Equal("eth1", bond.Active!.Name);
        Assert.Contains("eth9 is not enslaved", bond.SetOptions(TestBonds.Parse("miimon=300 active_slave=eth9"), []));
        Assert.Equal(200, bond.Options.Miimon);
    }

    [Fact]
    public void A_renamed_member_takes_or_gives_up_the_primary_role_by_its_new_name()
    {
        (Bond bond, _) = TestBonds.Make("mode=1 miimon=100 primary=lan1 primary_reselect=always", "eth0", "eth1");
        Assert.Null(bond.PrimaryMember);
        Assert.Equal("eth0", bond.Active!.Name);
        bond.OnMemberRenamed(bond.Find("eth1")!, "lan1");
        Assert.Equal("lan1", bond.PrimaryMember!.Name);
        Assert.Equal("lan1", bond.Active!.Name);
        bond.OnMemberRenamed(bond.Find("lan1")!, "eth1");
        Assert.Null(bond.PrimaryMember);
        Assert.NotNull(bond.Find("eth1"));
    }
}
