namespace NetBond.Integration.Tests;

[Trait(DataPaths.Trait, DataPaths.Both)]
public class BalanceRrTests
{
    [IntegrationFact]
    public void Both_members_carry_a_tcp_transfer()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=balance-rr miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(t.Ping());
        long sw0 = t.SwitchCounter("sw0", "rx_packets");
        long sw1 = t.SwitchCounter("sw1", "rx_packets");
        t.StartIperfServer(t.Peer);
        System.Diagnostics.Process client = t.Start($"ip netns exec {t.Host} iperf3 -c {Topology.PeerAddress} -t 3");
        Assert.True(Topology.Finish(client));
        Assert.Equal(0, client.ExitCode);
        long d0 = t.SwitchCounter("sw0", "rx_packets") - sw0;
        long d1 = t.SwitchCounter("sw1", "rx_packets") - sw1;
        Assert.True(d0 > 1000 && d1 > 1000, $"switch ports received {d0} and {d1} packets");
        Assert.InRange((double)d0 / (d0 + d1), 0.3, 0.7);
    }

    [IntegrationFact]
    public void A_dead_member_is_skipped()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=0 miimon=20");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.Sh($"ip -n {t.Switch} link set sw1 down");
        Assert.True(Topology.Eventually(() => t.Status().Contains("Slave Interface: eth1\nMII Status: down")));
        Assert.Contains(" 0% packet loss", t.In(t.Host, $"ping -c 20 -i 0.05 -W 1 {Topology.PeerAddress}").Out);
    }
}
