using System.Text.Json;

namespace NetBond.Integration.Tests;

[Trait(DataPaths.Trait, DataPaths.Both)]
public class FullMemberQueueTests
{
    [IntegrationFact]
    public void A_member_whose_queue_is_full_drops_frames_and_the_bond_carries_on()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        // The userspace path's own send loop meets the full queue (ENOBUFS) and counts the drops; under the kernel
        // path the member's qdisc drops the redirected frames itself, out of NetBond's sight.
        t.AddBond("mode=active-backup miimon=100 primary=eth0 datapath=user");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(t.Ping());
        // A tiny queue on the active member: the data plane's sends meet ENOBUFS, as on a NIC whose ring is full.
        t.Sh($"ip netns exec {t.Host} tc qdisc add dev eth0 root tbf rate 1mbit burst 2kb limit 3000");
        t.StartIperfServer(t.Peer);
        System.Diagnostics.Process client = t.Start($"ip netns exec {t.Host} iperf3 -c {Topology.PeerAddress} -u -b 100M -l 1200 -t 2");
        Assert.True(Topology.Finish(client));
        using JsonDocument doc = JsonDocument.Parse(t.NetBond("status --json").ShouldSucceed().Out);
        JsonElement eth0 = doc.RootElement.GetProperty("bonds")[0].GetProperty("slaves").EnumerateArray()
            .Single(m => m.GetProperty("name").GetString() == "eth0").GetProperty("counters");
        Assert.True(eth0.GetProperty("tx_dropped").GetInt64() > 0, eth0.ToString());
        Assert.Equal(0, eth0.GetProperty("tx_errors").GetInt64());
        t.Sh($"ip netns exec {t.Host} tc qdisc del dev eth0 root");
        Assert.True(t.Ping());
    }
}
