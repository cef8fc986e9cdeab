using System.Text.Json;

namespace NetBond.Integration.Tests;

/// <summary>What reaches the control plane and what the control plane sets: control frames, member options, MAC rules.</summary>
public class ControlPlaneTests
{
    private static JsonElement BondJson(Topology t)
    {
        using JsonDocument doc = JsonDocument.Parse(t.NetBond("status bond0 --json").ShouldSucceed().Out);
        return doc.RootElement.GetProperty("bonds")[0].Clone();
    }

    [IntegrationFact]
    public void With_arp_monitoring_on_arp_frames_from_every_member_reach_the_control_plane()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond($"mode=active-backup arp_interval=1000 arp_ip_target={Topology.PeerAddress}");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(t.Ping());
        // The peer's ARP request for the bond floods to both members: the backup's copy reaches the control
        // plane too, though never the bond.
        t.Sh($"ip -n {t.Peer} neigh flush all && ip -n {t.Host} neigh flush all");
        Assert.True(t.Ping());
        Assert.True(Topology.Eventually(() => BondJson(t).GetProperty("counters").GetProperty("control_frames").GetInt64() >= 2));
        Assert.Equal(0, BondJson(t).GetProperty("counters").GetProperty("control_frames_dropped").GetInt64());
        Assert.Equal(Topology.DefaultDataPath, BondJson(t).GetProperty("features").GetProperty("datapath").GetString());
    }

    [IntegrationFact]
    public void Without_a_monitor_nothing_is_copied_to_the_control_plane()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.Sh($"ip -n {t.Peer} neigh flush all && ip -n {t.Host} neigh flush all");
        Assert.True(t.Ping());
        Assert.Equal(0, BondJson(t).GetProperty("counters").GetProperty("control_frames").GetInt64());
    }

    /// <summary>
    /// A member's speed changed with its carrier up is read again on the RTM_NEWLINK that the kernel's NETDEV_CHANGE
    /// comes with (netdev_state_change; here `ip link set … alias`, after `ethtool -s` on a TAP member, whose speed
    /// can be set): 802.3ad gives the port the key of its new speed.
    /// </summary>
    [IntegrationFact]
    public void A_speed_change_without_a_carrier_change_is_read_on_the_next_link_event()
    {
        using Topology t = new(members: 1);
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=802.3ad miimon=100");
        // A TAP with its carrier on: a process holds it open as its reader.
        t.Sh($"ip -n {t.Host} tuntap add mode tap name tap0");
        System.Diagnostics.Process reader = t.Start($"ip netns exec {t.Host} python3 -c \"import fcntl, struct, time; "
            + "f = open('/dev/net/tun', 'rb'); fcntl.ioctl(f, 0x400454ca, struct.pack('16sH', b'tap0', 0x1002)); time.sleep(60)\"");
        Assert.True(Topology.Eventually(() => t.In(t.Host, "cat /sys/class/net/tap0/carrier").Out.Trim() == "1" || t.In(t.Host, "ip link set tap0 up").Exit != 0),
            t.In(t.Host, "ip link show tap0").Out);
        t.NetBond("enslave bond0 tap0").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Status().Contains("Slave Interface: tap0\nMII Status: up\nSpeed: 10000 Mbps", StringComparison.Ordinal)), t.Status());
        int KeyOf() => BondJson(t).GetProperty("slaves")[0].GetProperty("ad").GetProperty("actor").GetProperty("key").GetInt32();
        int before = KeyOf();

        t.Sh($"ip netns exec {t.Host} ethtool -s tap0 speed 1000 duplex full");
        t.Sh($"ip -n {t.Host} link set tap0 alias member");
        Assert.True(Topology.Eventually(() => t.Status().Contains("Slave Interface: tap0\nMII Status: up\nSpeed: 1000 Mbps", StringComparison.Ordinal)), t.Status());
        Assert.NotEqual(before, KeyOf());
        t.Signal(reader, "TERM");
        Topology.Finish(reader);
    }

    /// <summary>
    /// A bond made a bridge port (the bridge makes its ports promiscuous) makes its active member promiscuous, as the
    /// kernel's bond_change_rx_flags does: frames for the bridge's other hosts reach it past a real NIC's MAC filter.
    /// The mode follows the active member, and a released member is left as it was.
    /// </summary>
    [IntegrationFact]
    public void A_bond_in_a_bridge_makes_its_active_member_promiscuous()
    {
        using Topology t = new(members: 2);
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100 primary=eth0");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        int Promiscuity(string member) => int.Parse(System.Text.RegularExpressions.Regex.Match(
            t.In(t.Host, $"ip -d link show {member}").Out, "promiscuity (\\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, Promiscuity("eth0"));

        t.Sh($"ip -n {t.Host} link add br0 type bridge && ip -n {t.Host} link set bond0 master br0");
        Assert.True(Topology.Eventually(() => Promiscuity("eth0") == 1), t.In(t.Host, "ip -d link show eth0").Out);
        Assert.Equal(0, Promiscuity("eth1"));
        t.NetBond("active bond0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => Promiscuity("eth1") == 1 && Promiscuity("eth0") == 0), t.Status());
        t.NetBond("release bond0 eth1").ShouldSucceed();
        Assert.Equal(0, Promiscuity("eth1"));
        Assert.True(Topology.Eventually(() => Promiscuity("eth0") == 1));
        t.Sh($"ip -n {t.Host} link set bond0 nomaster");
        Assert.True(Topology.Eventually(() => Promiscuity("eth0") == 0), t.In(t.Host, "ip -d link show eth0").Out);
    }

    /// <summary>
    /// A macvlan on the bond moved into another namespace (a container's) joins groups there, which change the bond
    /// device's lists without an event in the bond's namespace: the bond reads its lists each second while a device
    /// sits on it, and its active member gets the group (a real NIC would otherwise filter the container's neighbour
    /// solicitations away).
    /// </summary>
    [IntegrationFact]
    public void A_macvlan_given_to_another_namespace_gets_its_groups_onto_the_active_member()
    {
        using Topology t = new(members: 2);
        t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond("add bond0 mode=active-backup miimon=100").ShouldSucceed();
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        // No IPv6 on the bond itself: its own address events would have its lists read anyway.
        t.Sh($"ip netns exec {t.Host} sysctl -qw net.ipv6.conf.bond0.disable_ipv6=1 && ip -n {t.Host} link set bond0 up");
        string container = t.AddNamespace();
        t.Sh($"ip -n {t.Host} link add link bond0 name macvlan0 type macvlan mode bridge && ip -n {t.Host} link set macvlan0 netns {container}");
        Thread.Sleep(1500);
        t.Sh($"ip -n {container} link set macvlan0 up && ip -n {container} addr add 2001:db8::11/64 dev macvlan0 nodad");
        Assert.True(Topology.Eventually(() => t.In(t.Host, "bridge fdb show dev eth0").Out.Contains("33:33:ff:00:00:11", StringComparison.Ordinal), 3000),
            t.In(t.Host, "bridge fdb show dev bond0").Out + t.In(t.Host, "bridge fdb show dev eth0").Out);
    }

    [IntegrationFact]
    public void A_members_prio_set_on_the_member_moves_the_active_member()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.Contains("Currently Active Slave: eth0", t.Status());
        t.NetBond("set eth1 prio=10 queue_id=2").ShouldSucceed();
        Assert.Contains("Currently Active Slave: eth1", t.Status());
        Assert.Contains("Slave Interface: eth1\nMII Status: up", t.Status());
        JsonElement eth1 = BondJson(t).GetProperty("slaves")[1];
        Assert.Equal(10, eth1.GetProperty("prio").GetInt32());
        // The member just carried the pings: the data path's last-receive and last-transmit times say so.
        Assert.True(Topology.Eventually(() => t.Ping(1) && BondJson(t).GetProperty("slaves")[1].GetProperty("counters") is var c
            && c.GetProperty("last_rx_ms_ago").GetInt64() < 2000 && c.GetProperty("last_tx_ms_ago").GetInt64() < 2000));
        Assert.Equal(2, eth1.GetProperty("queue_id").GetInt32());
        t.NetBond("set bond0 queue_id=eth0:3").ShouldSucceed();
        Assert.Contains("Slave queue ID: 3", t.Status());
        Assert.Contains("invalid input for queue_id set", t.NetBond("set bond0 queue_id=eth0:2").Err);
        Assert.True(t.Ping());
    }

    [IntegrationFact]
    public void With_fail_over_mac_setting_the_bond_address_leaves_it_as_it_was()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100 fail_over_mac=active");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        string before = t.In(t.Host, "cat /sys/class/net/bond0/address").Out.Trim();
        t.Sh($"ip -n {t.Host} link set bond0 address 02:00:00:aa:bb:cc");
        Assert.True(Topology.Eventually(() => t.In(t.Host, "cat /sys/class/net/bond0/address").Out.Trim() == before));
        Thread.Sleep(300);
        Assert.Equal(before, t.In(t.Host, "cat /sys/class/net/bond0/address").Out.Trim());
        Assert.True(t.Ping());
    }
}
