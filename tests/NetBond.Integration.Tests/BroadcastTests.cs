namespace NetBond.Integration.Tests;

[Trait(DataPaths.Trait, DataPaths.Both)]
public class BroadcastTests
{
    [IntegrationFact]
    public void Every_frame_leaves_on_every_member()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=broadcast miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(t.Ping());
        long sw0 = t.SwitchCounter("sw0", "rx_packets");
        long sw1 = t.SwitchCounter("sw1", "rx_packets");
        // A burst, so the data plane reads several frames in one pass and sends each member its batch.
        string ping = t.In(t.Host, $"ping -c 200 -i 0.002 -l 16 -W 1 {Topology.PeerAddress}").Out;
        long d0 = t.SwitchCounter("sw0", "rx_packets") - sw0;
        long d1 = t.SwitchCounter("sw1", "rx_packets") - sw1;
        Assert.True(d0 >= 200 && d1 >= 200, $"switch ports received {d0} and {d1} packets");
        Assert.Contains("DUP!", ping);
        Assert.Contains(" 0% packet loss", ping);
    }
}
