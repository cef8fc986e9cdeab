using System.Text.Json;

namespace NetBond.Integration.Tests;

[Trait(DataPaths.Trait, DataPaths.Both)]
public class DataPathAllocationTests
{
    private static (long DataPath, int Gen2, long Frames) Sample(Topology t)
    {
        using JsonDocument doc = JsonDocument.Parse(t.NetBond("status bond0 --json").ShouldSucceed().Out);
        JsonElement counters = doc.RootElement.GetProperty("bonds")[0].GetProperty("counters");
        return (counters.GetProperty("datapath_allocated_bytes").GetInt64(),
            doc.RootElement.GetProperty("daemon").GetProperty("gc_gen2").GetInt32(),
            counters.GetProperty("tx_packets").GetInt64() + counters.GetProperty("rx_packets").GetInt64());
    }

    private static void Transfer(Topology t, int seconds)
    {
        t.StartIperfServer(t.Peer);
        Assert.True(Topology.Finish(t.Start($"ip netns exec {t.Host} iperf3 -c {Topology.PeerAddress} -t {seconds} --bidir")));
    }

    [IntegrationFact]
    public void A_transfer_allocates_nothing_per_frame()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=balance-rr miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(t.Ping());
        // A first transfer warms the data path up (type initialisers, first calls); what that allocates is not per frame.
        Transfer(t, 1);
        (long before, int gen2Before, long f0) = Sample(t);
        // Enough frames that one allocation each would show; a busy machine carries fewer a second, so transfer until then.
        long frames = 0;
        (long after, int gen2After, long f1) = (0, 0, 0);
        for (int round = 0; round < 10 && frames <= 50_000; round++)
        {
            Transfer(t, 3);
            // The data-path thread records what it allocated each time it goes idle, which it does as the transfer ends.
            Thread.Sleep(200);
            (after, gen2After, f1) = Sample(t);
            frames = f1 - f0;
        }
        Assert.True(frames > 50_000, $"{frames} frames crossed the bond");
        // Measured on the data-path thread alone, so the control thread's own work cannot blur it: one allocation
        // per frame would be at least 24 bytes a frame.
        Assert.True(after - before < frames / 10, $"the data path allocated {after - before} bytes over {frames} frames");
        Assert.Equal(gen2Before, gen2After);
    }
}
