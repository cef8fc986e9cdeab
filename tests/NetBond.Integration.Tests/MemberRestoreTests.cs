namespace NetBond.Integration.Tests;

/// <summary>Members carry the bond MAC while enslaved and get their own MAC, MTU and state back whenever NetBond lets go.</summary>
[Trait(DataPaths.Trait, DataPaths.Both)]
public class MemberRestoreTests
{
    private const string Eth0Mac = "02:42:c6:12:00:10";
    private const string Eth1Mac = "02:42:c6:12:00:11";

    private static Topology Prepared()
    {
        Topology t = new();
        t.Sh($"ip -n {t.Host} link set eth0 address {Eth0Mac} mtu 1400");
        t.Sh($"ip -n {t.Host} link set eth1 address {Eth1Mac} mtu 1450 up");
        return t;
    }

    private static string Link(Topology t, string dev) => t.In(t.Host, $"ip -o link show {dev}").Out;

    private static void AssertOriginal(Topology t)
    {
        string eth0 = Link(t, "eth0");
        string eth1 = Link(t, "eth1");
        Assert.Contains($"link/ether {Eth0Mac}", eth0);
        Assert.Contains("mtu 1400", eth0);
        Assert.DoesNotContain(",UP", eth0);
        Assert.Contains($"link/ether {Eth1Mac}", eth1);
        Assert.Contains("mtu 1450", eth1);
        Assert.Contains(",UP", eth1);
        Assert.DoesNotContain("clsact", t.In(t.Host, "tc qdisc show dev eth0; tc qdisc show dev eth1").Out);
        Assert.Equal("0\n0\n", t.In(t.Host, "cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6 /proc/sys/net/ipv6/conf/eth1/disable_ipv6").Out);
        Assert.DoesNotContain("01:80:c2:00:00:02", t.In(t.Host, "ip maddr show dev eth0; ip maddr show dev eth1").Out);
    }

    private static void AssertEnslaved(Topology t)
    {
        Assert.Contains($"link/ether {Eth0Mac}", Link(t, "eth1"));
        Assert.Contains("mtu 1500", Link(t, "eth0"));
        Assert.Contains("mtu 1500", Link(t, "eth1"));
        Assert.Contains("clsact", t.In(t.Host, "tc qdisc show dev eth1").Out);
    }

    [IntegrationFact]
    public void Release_puts_mac_mtu_and_state_back()
    {
        using Topology t = Prepared();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=1 miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        AssertEnslaved(t);
        Assert.True(t.Ping());
        t.NetBond("release bond0 eth0 eth1").ShouldSucceed();
        AssertOriginal(t);
    }

    [IntegrationFact]
    public void Sigterm_puts_members_back()
    {
        using Topology t = Prepared();
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=1 miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        AssertEnslaved(t);
        t.Signal(daemon, "TERM");
        Assert.True(daemon.WaitForExit(10_000));
        Assert.Equal(0, daemon.ExitCode);
        AssertOriginal(t);
        Assert.DoesNotContain("bond0", t.In(t.Host, "ip -o link").Out);
    }

    [IntegrationFact]
    public void After_sigkill_the_next_daemon_puts_members_back()
    {
        using Topology t = Prepared();
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        // On the userspace path a bond dies with its daemon; the kernel path's adoption is KernelDataPathTests'.
        // 802.3ad: the members listen to the LACPDU address, which the next daemon takes away with the rest.
        t.AddBond("mode=802.3ad miimon=100 datapath=user");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        AssertEnslaved(t);
        Assert.Contains("01:80:c2:00:00:02", t.In(t.Host, "ip maddr show dev eth1").Out);
        daemon.Kill();
        Assert.True(daemon.WaitForExit(10_000));
        AssertEnslaved(t);
        t.StartDaemon();
        t.WaitForDaemon();
        AssertOriginal(t);
    }

    [IntegrationFact]
    public void Members_follow_the_bond_mac_and_mtu_set_with_ip_link()
    {
        using Topology t = Prepared();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=0 miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set bond0 address 02:42:c6:12:00:99 mtu 1300");
        Assert.True(Topology.Eventually(() => Link(t, "eth0").Contains("02:42:c6:12:00:99") && Link(t, "eth1").Contains("02:42:c6:12:00:99")));
        Assert.True(Topology.Eventually(() => Link(t, "eth0").Contains("mtu 1300") && Link(t, "eth1").Contains("mtu 1300")));
        Assert.True(t.Ping());
        t.NetBond("del bond0").ShouldSucceed();
        AssertOriginal(t);
    }

    [IntegrationFact]
    public void A_cli_command_starts_a_daemon_when_none_runs()
    {
        using Topology t = Prepared();
        t.NetBond("add bond0 mode=1").ShouldSucceed();
        Assert.Matches("^[0-9]+$", t.DaemonPid());
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.StopAutostartedDaemon();
        AssertOriginal(t);
    }

    /// <summary>A member renamed while enslaved stays the member under its new name, and release by that name puts it back.</summary>
    [IntegrationFact]
    public void A_renamed_member_is_followed_and_released_by_its_new_name()
    {
        using Topology t = Prepared();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100 primary=lan1");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.Contains("Currently Active Slave: eth0", t.Status());
        t.Sh($"ip -n {t.Host} link set eth1 down && ip -n {t.Host} link set eth1 name lan1 && ip -n {t.Host} link set lan1 up");
        Assert.True(Topology.Eventually(() => t.Status().Contains("Slave Interface: lan1")), t.Status());
        // The primary option named lan1 before any member had that name: the renamed member becomes primary.
        Assert.True(Topology.Eventually(() => t.Status().Contains("Currently Active Slave: lan1")), t.Status());
        Assert.Contains("eth1 is not a member", t.NetBond("release bond0 eth1").Err);
        t.NetBond("release bond0 lan1").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set lan1 name eth1");
        t.NetBond("release bond0 eth0").ShouldSucceed();
        AssertOriginal(t);
    }

    /// <summary>A member deleted while enslaved leaves the bond; a new interface with its name is a stranger, free to enslave.</summary>
    [IntegrationFact]
    public void A_deleted_member_leaves_the_bond_and_its_name_is_free_again()
    {
        using Topology t = Prepared();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link del eth0");
        Assert.True(Topology.Eventually(() => !t.Status().Contains("Slave Interface: eth0")), t.Status());
        Assert.Contains("Currently Active Slave: eth1", t.Status());
        Assert.True(t.Ping());
        t.Sh($"ip link add eth0 netns {t.Host} type veth peer name sw0 netns {t.Switch}");
        t.Sh($"ip -n {t.Switch} link set sw0 master br0 && ip -n {t.Switch} link set sw0 up");
        Assert.DoesNotContain("clsact", t.In(t.Host, "tc qdisc show dev eth0").Out);
        t.NetBond("enslave bond0 eth0").ShouldSucceed();
        Assert.Contains("Slave Interface: eth0", t.Status());
    }

    /// <summary>
    /// A namespace that reuses a deleted one's inode finds that one's journal in its state folder: naming eth0 with
    /// this very ifindex, it must still not be applied, since it was written in another namespace.
    /// </summary>
    [IntegrationFact]
    public void A_journal_from_another_namespace_is_never_applied()
    {
        using Topology t = Prepared();
        string dir = t.StateDirOf(t.Host);
        Directory.CreateDirectory(dir);
        int eth0 = int.Parse(t.In(t.Host, "cat /sys/class/net/eth0/ifindex").Out.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(dir, "members.json"), $$"""
            {"Namespace": "00000000-0000-0000-0000-000000000000/1", "Members": [
              {"Bond": "bond0", "Name": "eth0", "IfIndex": {{eth0}}, "Mac": "02:00:00:00:00:99", "Mtu": 1280, "Up": true,
               "DisableIpv6": 1, "ClsactCreated": true, "DropFilterAdded": true}]}
            """);
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        Assert.True(Topology.Eventually(() => t.OutputOf(daemon).Contains("was written in another network namespace")), t.OutputOf(daemon));
        AssertOriginal(t);
    }

    [IntegrationFact]
    public void An_unreadable_journal_is_reported_and_kept()
    {
        using Topology t = Prepared();
        string dir = t.StateDirOf(t.Host);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "members.json"), "{\"Namespace\": \"x\", \"Members\": [{\"Bond\": \"bo");
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        Assert.True(Topology.Eventually(() => t.OutputOf(daemon).Contains("members.json is unreadable")), t.OutputOf(daemon));
        Assert.True(File.Exists(Path.Combine(dir, "members.json.broken")));
        AssertOriginal(t);
    }

    /// <summary>Enslaving disables IPv6 on a member, which drops its addresses: release puts the configured ones back.</summary>
    [IntegrationFact]
    public void A_members_ipv6_addresses_come_back_on_release()
    {
        using Topology t = Prepared();
        t.Sh($"ip -n {t.Host} addr add 2001:db8:5::10/64 dev eth1 nodad");
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.DoesNotContain("2001:db8:5::10", t.In(t.Host, "ip -6 addr show dev eth1").Out);
        t.NetBond("release bond0 eth0 eth1").ShouldSucceed();
        Assert.Contains("inet6 2001:db8:5::10/64", t.In(t.Host, "ip -6 addr show dev eth1").Out);
        AssertOriginal(t);
    }
}
