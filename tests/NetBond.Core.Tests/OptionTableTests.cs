using NetBond.Core;

namespace NetBond.Core.Tests;

public class OptionTableTests
{
    private static (BondOptions? Options, string? Error, List<string> Warnings) Apply(string text, bool hasMembers = false, bool isUp = false, BondOptions? start = null)
    {
        List<string> warnings = [];
        BondOptions? o = OptionTable.Apply(start ?? new BondOptions(), TestBonds.Parse(text), new OptionContext(hasMembers, isUp), warnings, out string? error);
        return (o, error, warnings);
    }

    [Fact]
    public void Defaults_are_the_kernels()
    {
        BondOptions o = new();
        Assert.Equal(BondMode.BalanceRr, o.Mode);
        Assert.Equal(0, o.Miimon);
        Assert.Equal(1, o.NumPeerNotif);
        Assert.Equal(1, o.PacketsPerSlave);
        Assert.Equal(2, o.ArpMissedMax);
        Assert.Equal(65535, o.AdActorSysPrio);
        Assert.Equal(16, o.TxQueues);
    }

    [Theory]
    [InlineData("mode=1", BondMode.ActiveBackup)]
    [InlineData("mode=active-backup", BondMode.ActiveBackup)]
    [InlineData("mode=0", BondMode.BalanceRr)]
    [InlineData("mode=balance-xor", BondMode.BalanceXor)]
    [InlineData("mode=3", BondMode.Broadcast)]
    public void Mode_by_name_or_number(string text, BondMode expected) => Assert.Equal(expected, Apply(text).Options!.Mode);

    [Theory]
    [InlineData("mode=7", "mode")]
    [InlineData("mode=fast", "mode")]
    [InlineData("miimon=-1", "miimon")]
    [InlineData("miimon=abc", "miimon")]
    [InlineData("num_grat_arp=256", "num_grat_arp")]
    [InlineData("xmit_hash_policy=layer5", "xmit_hash_policy")]
    [InlineData("primary_reselect=sometimes", "primary_reselect")]
    [InlineData("arp_ip_target=255.255.255.255", "arp_ip_target")]
    [InlineData("arp_ip_target=0.1.2.3", "arp_ip_target")]
    [InlineData("use_carrier=0", "use_carrier")]
    public void Bad_values_are_refused_with_the_option_named(string text, string name)
    {
        (BondOptions? o, string? error, _) = Apply(text);
        Assert.Null(o);
        Assert.Contains(name, error);
    }

    [Fact]
    public void Updelay_needs_miimon()
    {
        (BondOptions? o, string? error, _) = Apply("updelay=200");
        Assert.Null(o);
        Assert.Contains("MII monitoring is disabled", error);
    }

    [Fact]
    public void Options_apply_in_netlink_order_whatever_order_they_are_given()
    {
        BondOptions o = Apply("updelay=200 downdelay=100 miimon=100 mode=active-backup").Options!;
        Assert.Equal(200, o.UpdelayMs);
        Assert.Equal(2, o.UpdelayTicks);
        Assert.Equal(100, o.DowndelayMs);
    }

    [Fact]
    public void Delays_are_rounded_down_to_a_multiple_of_miimon_with_a_warning()
    {
        (BondOptions? o, _, List<string> warnings) = Apply("miimon=100 updelay=250");
        Assert.Equal(200, o!.UpdelayMs);
        Assert.Contains(warnings, w => w.Contains("rounded to 200"));
    }

    [Fact]
    public void Delays_follow_miimon_as_the_kernel_keeps_them_in_ticks()
    {
        BondOptions o = Apply("miimon=100 updelay=200").Options!;
        o = Apply("miimon=50", start: o).Options!;
        Assert.Equal(100, o.UpdelayMs);
    }

    [Fact]
    public void Mode_only_without_members_and_while_down()
    {
        Assert.Contains("has slaves", Apply("mode=1", hasMembers: true).Error);
        Assert.Contains("bond device is up", Apply("mode=1", isUp: true).Error);
        Assert.Contains("has slaves", Apply("fail_over_mac=active", hasMembers: true).Error);
        Assert.NotNull(Apply("fail_over_mac=active", isUp: true).Options);
    }

    [Fact]
    public void Mode_restricted_options_say_which_mode_refused_them()
    {
        Assert.Contains("not supported in mode balance-rr(0)", Apply("primary=eth0").Error);
        Assert.Contains("not supported in mode active-backup(1)", Apply("mode=1 packets_per_slave=3").Error);
        Assert.Contains("not supported in mode balance-rr(0)", Apply("lacp_rate=fast").Error);
        Assert.Equal("eth0", Apply("mode=1 primary=eth0").Options!.Primary);
    }

    [Fact]
    public void Miimon_and_arp_interval_exclude_each_other()
    {
        BondOptions o = Apply("miimon=100").Options!;
        o = Apply("arp_interval=200", start: o).Options!;
        Assert.Equal(0, o.Miimon);
        o = Apply("miimon=100", start: o).Options!;
        Assert.Equal(0, o.ArpInterval);
    }

    [Fact]
    public void Alb_forces_tlb_dynamic_lb_and_the_load_balancing_modes_need_mii_monitoring()
    {
        BondOptions o = Apply("mode=balance-tlb tlb_dynamic_lb=0").Options!;
        Assert.False(o.TlbDynamicLb);
        Assert.Equal(100, o.Miimon);
        o = Apply("mode=6", start: o).Options!;
        Assert.True(o.TlbDynamicLb);
        Assert.NotNull(Apply("mode=balance-alb arp_interval=100").Error);
    }

    /// <summary>bond_opts: arp_interval, arp_validate and arp_missed_max are unsupported in 802.3ad, tlb and alb.</summary>
    [Theory]
    [InlineData("mode=802.3ad arp_interval=100", "option arp_interval: mode dependency failed, not supported in mode 802.3ad(4)")]
    [InlineData("mode=4 arp_validate=all", "option arp_validate: mode dependency failed, not supported in mode 802.3ad(4)")]
    [InlineData("mode=4 arp_missed_max=3", "option arp_missed_max: mode dependency failed, not supported in mode 802.3ad(4)")]
    [InlineData("mode=balance-tlb arp_interval=100", "option arp_interval: mode dependency failed, not supported in mode balance-tlb(5)")]
    public void The_arp_monitor_is_refused_where_the_kernel_refuses_it(string text, string error) => Assert.Equal(error, Apply(text).Error);

    [Fact]
    public void Ad_actor_system_refuses_only_multicast()
    {
        Assert.Null(Apply("mode=4 ad_actor_system=00:00:00:00:00:00").Error);
        Assert.Null(Apply("mode=4 ad_actor_system=02:00:00:00:00:01").Error);
        Assert.Equal("option ad_actor_system: Invalid ad_actor_system MAC address.", Apply("mode=4 ad_actor_system=01:00:5e:00:00:01").Error);
    }

    /// <summary>The mode's own default for miimon is no news (the kernel logs it at debug level), least of all when miimon is given.</summary>
    [Theory]
    [InlineData("mode=802.3ad miimon=100", 100)]
    [InlineData("mode=802.3ad", 100)]
    [InlineData("mode=balance-alb miimon=50", 50)]
    public void Load_balancing_modes_take_miimon_quietly(string text, int miimon)
    {
        (BondOptions? o, string? error, List<string> warnings) = Apply(text);
        Assert.Null(error);
        Assert.Equal(miimon, o!.Miimon);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Arp_targets_take_the_sysfs_and_module_forms()
    {
        BondOptions o = Apply("arp_ip_target=198.18.0.1,198.18.0.2").Options!;
        Assert.Equal(2, o.ArpIpTargets.Count);
        o = Apply("arp_ip_target=+198.18.0.3", start: o).Options!;
        o = Apply("arp_ip_target=-198.18.0.1", start: o).Options!;
        Assert.Equal(["198.18.0.2", "198.18.0.3"], o.ArpIpTargets.Select(a => a.ToString()));
        Assert.Contains("already", Apply("arp_ip_target=+198.18.0.2", start: o).Error);
        Assert.Contains("full", Apply("arp_ip_target=" + string.Join(",", Enumerable.Range(1, 17).Select(i => $"198.18.1.{i}"))).Error);
    }

    [Fact]
    public void Failure_changes_nothing()
    {
        BondOptions start = Apply("mode=1 miimon=100").Options!;
        Assert.Null(Apply("miimon=200 mode=9", start: start).Options);
        Assert.Equal(100, start.Miimon);
    }

    [Fact]
    public void Every_option_the_kernel_has_is_known()
    {
        string[] kernel = ["mode", "miimon", "updelay", "downdelay", "peer_notif_delay", "use_carrier", "arp_interval",
            "arp_ip_target", "ns_ip6_target", "arp_validate", "arp_all_targets", "arp_missed_max", "primary", "primary_reselect",
            "active_slave", "fail_over_mac", "xmit_hash_policy", "lacp_rate", "lacp_active", "ad_select", "ad_actor_sys_prio",
            "ad_actor_system", "ad_user_port_key", "min_links", "num_grat_arp", "num_unsol_na", "resend_igmp",
            "all_slaves_active", "packets_per_slave", "tlb_dynamic_lb", "lp_interval", "max_bonds", "tx_queues",
            "coupled_control", "broadcast_neighbor", "lacp_strict", "peer_notify_delay"];
        Assert.All(kernel, k => Assert.True(OptionTable.IsKnown(k), k));
        Assert.False(OptionTable.IsKnown("frobnicate"));
    }

    [Fact]
    public void Default_keyword_selects_the_default()
    {
        BondOptions o = Apply("xmit_hash_policy=layer3+4").Options!;
        Assert.Equal(XmitHashPolicy.Layer2, Apply("xmit_hash_policy=default", start: o).Options!.XmitHashPolicy);
    }

    [Fact]
    public void Tx_queues_is_taken_when_the_bond_is_made_and_refused_after()
    {
        Assert.Equal(4, Apply("tx_queues=4").Options!.TxQueues);
        (Bond bond, _) = TestBonds.Make("mode=1 miimon=100", "eth0");
        Assert.Contains("fixed when the bond is made", bond.SetOptions(TestBonds.Parse("tx_queues=4"), []));
        Assert.Contains("module parameter", bond.SetOptions(TestBonds.Parse("max_bonds=4"), []));
    }
}

public class OptionValueTableTests
{
    private static (BondOptions? Options, string? Error) Apply(string text, bool oneRequest = true, BondOptions? start = null)
    {
        BondOptions? o = OptionTable.Apply(start ?? new BondOptions(), TestBonds.Parse(text), new OptionContext(false, false, oneRequest), [], out string? error);
        return (o, error);
    }

    [Theory]
    [InlineData("miimon=off", "miimon", "0")]
    [InlineData("miimon=maxval", "miimon", "2147483647")]
    [InlineData("num_grat_arp=maxval", "num_grat_arp", "255")]
    [InlineData("num_unsol_na=off", "num_unsol_na", "0")]
    [InlineData("resend_igmp=default", "resend_igmp", "1")]
    [InlineData("mode=default", "mode", "balance-rr")]
    [InlineData("lp_interval=minval", "lp_interval", "1")]
    [InlineData("all_slaves_active=on", "all_slaves_active", "1")]
    [InlineData("packets_per_slave=maxval", "packets_per_slave", "65535")]
    public void Value_names_come_from_the_kernels_tables(string text, string option, string shown) =>
        Assert.Equal(shown, OptionTable.Show(Apply(text).Options!, option));

    [Fact]
    public void Blanks_around_a_number_and_words_after_a_name_are_ignored_as_sscanf_ignores_them()
    {
        List<string> warnings = [];
        BondOptions o = OptionTable.Apply(new BondOptions(),
            [OptionTable.Assign("miimon", " 100 \n"), OptionTable.Assign("xmit_hash_policy", "layer3+4 trailing")], new OptionContext(false, false), warnings, out _)!;
        Assert.Equal(100, o.Miimon);
        Assert.Equal(XmitHashPolicy.Layer34, o.XmitHashPolicy);
    }

    [Theory]
    [InlineData("peer_notif_delay=default")]
    [InlineData("miimon=default9")]
    [InlineData("lp_interval=0")]
    [InlineData("arp_missed_max=0")]
    [InlineData("miimon=")]
    [InlineData("miimon=99999999999999999999")]
    [InlineData("xmit_hash_policy=LAYER2")]
    public void Values_the_tables_do_not_have_are_refused(string text) =>
        Assert.Contains("invalid value", Apply(text).Error);

    [Fact]
    public void The_range_is_named_as_the_kernel_logs_it()
    {
        Assert.Equal("option num_grat_arp: invalid value (300); allowed values 0 - 255", Apply("num_grat_arp=300").Error);
        Assert.Equal("option lp_interval: invalid value (0); allowed values 1 - 2147483647", Apply("lp_interval=0").Error);
    }

    [Fact]
    public void The_mode_dependency_is_checked_before_the_value()
    {
        Assert.Equal("option packets_per_slave: mode dependency failed, not supported in mode active-backup(1)",
            Apply("mode=1 packets_per_slave=nonsense").Error);
        Assert.Equal("option fail_over_mac: unable to set because the bond device has slaves",
            OptionTable.Apply(new BondOptions(), TestBonds.Parse("fail_over_mac=bogus"), new OptionContext(true, false), [], out string? error) == null ? error : null);
    }

    [Fact]
    public void Miimon_with_arp_interval_in_one_request_is_refused_but_later_wins_one_write_at_a_time()
    {
        Assert.Equal("option arp_interval: ARP monitoring cannot be used with MII monitoring", Apply("arp_interval=200 miimon=100").Error);
        Assert.Equal("option arp_validate: ARP validating cannot be used with MII monitoring", Apply("miimon=100 arp_validate=active").Error);
        Assert.NotNull(Apply("miimon=0 arp_interval=200").Options);
        BondOptions o = Apply("miimon=100 arp_interval=200", oneRequest: false).Options!;
        Assert.Equal((0, 200), (o.Miimon, o.ArpInterval));
    }

    [Fact]
    public void Arp_and_ns_targets_are_not_mode_restricted_and_the_actor_system_must_be_valid()
    {
        Assert.NotNull(Apply("mode=1 ns_ip6_target=2001:db8::1 arp_ip_target=198.18.0.1").Options);
        Assert.Contains("NS target 2001:db8::1 is already present", Apply("ns_ip6_target=2001:db8::1,2001:db8::1").Error);
    }

    [Fact]
    public void Every_option_id_is_at_its_place_in_the_table()
    {
        foreach (BondOption option in Enum.GetValues<BondOption>())
        {
            Assert.True(OptionTable.TryFind(OptionTable.NameOf(option), out BondOption found));
            Assert.Equal(option, found);
        }
    }
}

public class DataPathOptionTests
{
    private static BondOptions? Apply(string text) =>
        OptionTable.Apply(new BondOptions(), TestBonds.Parse(text), new OptionContext(false, false), [], out _);

    [Fact]
    public void Datapath_takes_auto_kernel_and_user_when_the_bond_is_made_and_nothing_after()
    {
        Assert.Equal(DataPathChoice.Auto, new BondOptions().DataPath);
        Assert.Equal(DataPathChoice.Kernel, Apply("datapath=kernel")!.DataPath);
        Assert.Equal(DataPathChoice.User, Apply("datapath=2")!.DataPath);
        Assert.Null(Apply("datapath=bpf"));
        (Bond bond, _) = TestBonds.Make("mode=1 miimon=100", "eth0");
        Assert.Contains("fixed when the bond is made", bond.SetOptions(TestBonds.Parse("datapath=user"), []));
        Assert.Equal("kernel", OptionTable.Show(Apply("datapath=kernel")!, "datapath"));
    }
}
