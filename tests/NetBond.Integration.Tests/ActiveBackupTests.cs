using System.Text.Json;

namespace NetBond.Integration.Tests;

[Trait(DataPaths.Trait, DataPaths.Both)]
public class ActiveBackupTests
{
    [IntegrationFact]
    public void A_transfer_survives_cutting_the_active_link_and_the_returning_link_stays_backup()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100 updelay=200");
        t.Sh($"ip -n {t.Host} addr add 2001:db8::1/64 dev bond0 nodad");
        t.NetBond("ifenslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(t.Ping(), "ping across the bond");
        Assert.Contains("Currently Active Slave: eth0", t.Status());

        // Gratuitous ARPs and unsolicited NAs for the bond's addresses must reach the switch on the new active link.
        System.Diagnostics.Process capture = t.Start($"ip netns exec {t.Switch} tcpdump -n -l -i sw1 \"(arp and arp[6:2] = 1) or (icmp6 and ip6[40] = 136)\"");
        t.StartIperfServer(t.Peer);
        System.Diagnostics.Process client = t.Start($"ip netns exec {t.Host} iperf3 -c {Topology.PeerAddress} -t 6 -J");
        Thread.Sleep(2000);
        t.Sh($"ip -n {t.Switch} link set sw0 down");
        Assert.True(Topology.Eventually(() => t.Status().Contains("Currently Active Slave: eth1")), t.Status());
        Assert.True(Topology.Finish(client), "iperf3 finished");
        Assert.Equal(0, client.ExitCode);
        using (JsonDocument report = JsonDocument.Parse(t.OutputOf(client)))
        {
            double bits = report.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
            Assert.True(bits > 100e6, $"transfer carried on: {bits / 1e6:F0} Mbit/s");
        }
        string status = t.Status();
        Assert.Contains("Slave Interface: eth0\nMII Status: down\n", status);
        Assert.Matches(@"Slave Interface: eth0\n(.*\n){3}Link Failure Count: 1\n", status);
        Assert.True(Topology.Eventually(() => t.OutputOf(capture).Contains($"Request who-has {Topology.BondAddress} tell {Topology.BondAddress}")),
            "gratuitous ARP on the new active link: " + t.OutputOf(capture));
        Assert.Contains("neighbor advertisement, tgt is 2001:db8::1", t.OutputOf(capture));

        t.Sh($"ip -n {t.Switch} link set sw0 up");
        Assert.True(Topology.Eventually(() => t.Status().Contains("Slave Interface: eth0\nMII Status: up\n"), 3000), t.Status());
        Assert.Contains("Currently Active Slave: eth1", t.Status());
        Assert.True(t.Ping());
    }

    [IntegrationFact]
    public void The_returning_link_passes_through_going_back_for_updelay()
    {
        using Topology t = new();
        // A minute of updelay, passed by moving the daemon's clock (time/warp): the MII monitor reads carriers, not
        // frames, so nothing else notices the warp, and no status call on a busy machine can miss the going-back state.
        t.StartDaemon(environment: "NETBOND_TIME_WARP=1");
        t.WaitForDaemon();
        t.AddBond("mode=1 miimon=100 updelay=60000");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.NetBond("time/warp 60000").ShouldSucceed();
        Assert.True(Topology.Eventually(() => !t.Status().Contains("going back")), t.Status());
        t.Sh($"ip -n {t.Switch} link set sw1 down");
        Assert.True(Topology.Eventually(() => t.Status().Contains("Slave Interface: eth1\nMII Status: down\n")));
        t.Sh($"ip -n {t.Switch} link set sw1 up");
        Assert.True(Topology.Eventually(() => t.Status().Contains("Slave Interface: eth1\nMII Status: going back\n")), t.Status());
        t.NetBond("time/warp 30000").ShouldSucceed();
        Assert.Contains("Slave Interface: eth1\nMII Status: going back\n", t.Status());
        t.NetBond("time/warp 30000").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Status().Contains("Slave Interface: eth1\nMII Status: up\n")), t.Status());
    }

    [IntegrationFact]
    public void A_lost_carrier_fails_over_on_the_link_event_long_before_the_next_poll()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        // A poll a minute apart: only the rtnetlink event can explain a failover within the test.
        t.AddBond("mode=active-backup miimon=60000");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(t.Ping());
        Assert.Contains("Currently Active Slave: eth0", t.Status());

        t.Sh($"ip -n {t.Switch} link set sw0 down");

        Assert.True(Topology.Eventually(() => t.Status().Contains("Currently Active Slave: eth1"), 10_000), t.Status());
        Assert.Contains("Slave Interface: eth0\nMII Status: down\n", t.Status());
        Assert.True(t.Ping());
    }

    [IntegrationFact]
    public void Backups_deliver_nothing_unless_all_slaves_active_and_active_can_be_forced()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=50");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.NetBond("active bond0 eth1").ShouldSucceed();
        Assert.Contains("Currently Active Slave: eth1", t.Status());
        Assert.True(t.Ping());
        t.Sh($"ip netns exec {t.Host} {Topology.NetBondExe} ifenslave -c bond0 eth0");
        Assert.Contains("Currently Active Slave: eth0", t.Status());
        Assert.True(t.Ping());
        string show = t.NetBond("show eth1").ShouldSucceed().Out;
        Assert.Contains("NOARP SLAVE", show);
    }

    [IntegrationFact]
    public void After_a_failover_the_bonds_multicast_memberships_are_reported_on_the_new_active_member()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100 resend_igmp=3");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.Sh($"ip -n {t.Host} addr add 239.1.2.3/32 dev bond0 autojoin");
        Assert.Contains("030201EF", t.In(t.Host, "cat /proc/net/igmp").Out, StringComparison.Ordinal);
        // The stack's own unsolicited reports for the join (robustness 2, 1 s apart) are over before the failover.
        Thread.Sleep(4000);
        System.Diagnostics.Process capture = t.Start($"ip netns exec {t.Switch} tcpdump -l -n -v -Q in -i sw1 igmp");
        Thread.Sleep(1000);

        t.Sh($"ip -n {t.Switch} link set sw0 down");
        Thread.Sleep(1500);
        t.Signal(capture, "INT");
        Assert.True(Topology.Finish(capture));

        string seen = t.OutputOf(capture);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(seen, "igmp v3 report"));
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(seen, "gaddr 239.1.2.3 to_ex"));
    }
}
