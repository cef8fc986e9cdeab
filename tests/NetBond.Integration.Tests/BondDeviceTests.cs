namespace NetBond.Integration.Tests;

public class BondDeviceTests
{
    [IntegrationFact]
    public void The_bond_carrier_follows_its_mii_status()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=1 miimon=50");
        Assert.Contains("NO-CARRIER", t.In(t.Host, "ip -o link show bond0").Out);
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.In(t.Host, "ip -o link show bond0").Out.Contains("LOWER_UP")));
        t.Sh($"ip -n {t.Switch} link set sw0 down && ip -n {t.Switch} link set sw1 down");
        Assert.True(Topology.Eventually(() => t.In(t.Host, "ip -o link show bond0").Out.Contains("NO-CARRIER")));
        Assert.Contains("MII Status: down", t.Status());
        t.Sh($"ip -n {t.Switch} link set sw1 up");
        Assert.True(Topology.Eventually(() => t.In(t.Host, "ip -o link show bond0").Out.Contains("LOWER_UP")));
        Assert.True(t.Ping());
    }

    [IntegrationFact]
    public void Vlan_tags_stripped_by_the_kernel_are_put_back_on_received_frames()
    {
        // This kernel has no 8021q module, so the peer writes a tagged frame itself; the member's driver path
        // moves the tag out of the frame before packet sockets see it, and NetBond must put it back.
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=1 miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        string mac = t.In(t.Host, "cat /sys/class/net/bond0/address").Out.Trim().Replace(":", "", StringComparison.Ordinal);
        System.Diagnostics.Process capture = t.Start($"ip netns exec {t.Host} tcpdump -e -n -l -i bond0 vlan 10");
        Thread.Sleep(1000);
        string inject = "import socket,sys; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((\"eth0\", 0)); "
            + $"f=bytes.fromhex(\"{mac}\" + \"02000000beef\" + \"8100600a\" + \"88b5\" + \"6e6574626f6e64\" * 8); "
            + "[s.send(f) for _ in range(3)]";
        t.Sh($"ip netns exec {t.Peer} /usr/bin/python3 -c '{inject}'");
        Assert.True(Topology.Eventually(() => t.OutputOf(capture).Contains("vlan 10, p 3, ethertype Unknown (0x88b5)")), t.OutputOf(capture));
    }

    [IntegrationFact]
    public void Several_bonds_in_one_daemon_each_with_its_own_options()
    {
        using Topology t = new(members: 4);
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.NetBond("add bond1 mode=balance-rr miimon=50").ShouldSucceed();
        t.Sh($"ip -n {t.Host} addr add 198.18.1.1/24 dev bond1 && ip -n {t.Host} link set bond1 up");
        t.NetBond("enslave bond1 eth2 eth3").ShouldSucceed();
        t.Sh($"ip -n {t.Peer} addr add 198.18.1.2/24 dev eth0");
        Assert.True(t.Ping());
        Assert.Equal(0, t.In(t.Host, "ping -c 3 -i 0.2 -W 1 198.18.1.2").Exit);
        Assert.Contains("Bonding Mode: fault-tolerance (active-backup)", t.Status());
        string bond1 = t.NetBond("status bond1").ShouldSucceed().Out;
        Assert.Contains("Bonding Mode: load balancing (round-robin)", bond1);
        Assert.Contains("MII Polling Interval (ms): 50", bond1);
        Assert.Contains("Slave Interface: eth3", bond1);
    }

    [IntegrationFact]
    public void Balance_rr_bonds_send_smaller_gso_frames()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond("add bond0 mode=balance-rr").ShouldSucceed();
        Assert.Contains("gso_max_segs 16 ", t.In(t.Host, "ip -d link show bond0").Out);
        t.NetBond("set bond0 mode=active-backup").ShouldSucceed();
        Assert.Contains("gso_max_segs 65535 ", t.In(t.Host, "ip -d link show bond0").Out);
    }

    [IntegrationFact]
    public void The_data_plane_thread_runs_on_the_cpu_status_names()
    {
        using Topology t = new();
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=1 miimon=100 datapath=user");
        t.NetBond("enslave bond0 eth0").ShouldSucceed();
        using System.Text.Json.JsonDocument doc = System.Text.Json.JsonDocument.Parse(t.NetBond("status --json").ShouldSucceed().Out);
        System.Text.Json.JsonElement cpu = doc.RootElement.GetProperty("bonds")[0].GetProperty("features").GetProperty("dataplane_cpu");
        string task = Assert.Single(Directory.GetDirectories($"/proc/{daemon.Id}/task"),
            dir => File.ReadAllText(Path.Combine(dir, "comm")).StartsWith("netbond/bond0", StringComparison.Ordinal));
        string expected = cpu.ValueKind == System.Text.Json.JsonValueKind.Null ? $"0-{Environment.ProcessorCount - 1}" : cpu.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string allowed = File.ReadAllLines(Path.Combine(task, "status")).Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split('\t')[1];
        Assert.Equal(expected, allowed);
    }
}
