using NetBond.Core;

namespace NetBond.Core.Tests;

public class ProcStatusTests
{
    private static string Body(string text) => text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..];

    [Fact]
    public void Active_backup_matches_the_kernels_sample_line_for_line()
    {
        // reference/linux-bonding.md §4.2, RHEL 9 active-backup sample, with our members' names and MACs.
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100", "ens224", "ens256");
        bond.Find("ens224")!.Speed = 10000;
        bond.Find("ens224")!.Duplex = 1;
        bond.Find("ens256")!.Speed = 10000;
        bond.Find("ens256")!.Duplex = 1;
        string expected = """

Bonding Mode: fault-tolerance (active-backup)
Primary Slave: None
Currently Active Slave: ens224
MII Status: up
MII Polling Interval (ms): 100
Up Delay (ms): 0
Down Delay (ms): 0
Peer Notification Delay (ms): 0

Slave Interface: ens224
MII Status: up
Speed: 10000 Mbps
Duplex: full
Link Failure Count: 0
Permanent HW addr: 02:00:00:00:00:01
Slave queue ID: 0

Slave Interface: ens256
MII Status: up
Speed: 10000 Mbps
Duplex: full
Link Failure Count: 0
Permanent HW addr: 02:00:00:00:00:02
Slave queue ID: 0

""";
        string text = ProcStatus.Render(TestBonds.Snapshot(bond));
        Assert.StartsWith("Ethernet Channel Bonding Driver: v", text);
        Assert.Equal(expected, Body(text));
    }

    [Fact]
    public void Balance_rr_without_miimon_matches_the_kernels_sample()
    {
        (Bond bond, _) = TestBonds.Make("mode=0", "ixgbe-x520-1");
        bond.Find("ixgbe-x520-1")!.Speed = 10000;
        bond.Find("ixgbe-x520-1")!.Duplex = 1;
        string expected = """

Bonding Mode: load balancing (round-robin)
MII Status: up
MII Polling Interval (ms): 0
Up Delay (ms): 0
Down Delay (ms): 0
Peer Notification Delay (ms): 0

Slave Interface: ixgbe-x520-1
MII Status: up
Speed: 10000 Mbps
Duplex: full
Link Failure Count: 0
Permanent HW addr: 02:00:00:00:00:01
Slave queue ID: 0

""";
        Assert.Equal(expected, Body(ProcStatus.Render(TestBonds.Snapshot(bond))));
    }

    [Fact]
    public void Primary_failover_mac_hash_policy_and_failure_counts_are_shown()
    {
        (Bond bond, VirtualHost host) = TestBonds.Make("mode=1 miimon=100 updelay=200 primary=eth1 fail_over_mac=active", "eth0", "eth1");
        host.Run(bond, 300);
        host.SetCarrier("eth1", false);
        host.Run(bond, 100);
        string text = ProcStatus.Render(TestBonds.Snapshot(bond));
        Assert.Contains("Bonding Mode: fault-tolerance (active-backup) (fail_over_mac active)\n", text);
        Assert.Contains("Primary Slave: eth1 (primary_reselect always)\n", text);
        Assert.Contains("Up Delay (ms): 200\n", text);
        Assert.Contains("Slave Interface: eth1\nMII Status: down\nSpeed: Unknown\nDuplex: Unknown\nLink Failure Count: 1\n", text);

        (Bond xor, _) = TestBonds.Make("mode=2 xmit_hash_policy=layer3+4", "eth0");
        Assert.Contains("Transmit Hash Policy: layer3+4 (1)\n", ProcStatus.Render(TestBonds.Snapshot(xor)));
    }
}
