using System.Text.Json;

namespace NetBond.Integration.Tests;

public class DataPathAllocationTests
{
    private static (long Allocated, int Gen2, long TxPackets) Sample(Topology t)
    {
        using JsonDocument doc = JsonDocument.Parse(t.NetBond("status bond0 --json").ShouldSucceed().Out);
        JsonElement daemon = doc.RootElement.GetProperty("daemon");
        JsonElement bond = doc.RootElement.GetProperty("bonds")[0];
        return (daemon.GetProperty("allocated_bytes").GetInt64(), daemon.GetProperty("gc_gen2").GetInt32(),
            bond.GetProperty("counters").GetProperty("tx_packets").GetInt64() + bond.GetProperty("counters").GetProperty("rx_packets").GetInt64());
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
        // A first transfer warms the data path up: tiered JIT recompiles its methods once they are hot, and
        // what it allocates then is not per frame.
        t.Start($"ip netns exec {t.Peer} iperf3 -s -1");
        Thread.Sleep(300);
        Assert.True(Topology.Finish(t.Start($"ip netns exec {t.Host} iperf3 -c {Topology.PeerAddress} -t 1 --bidir")));
        (long a0, int gen2Before, long f0) = Sample(t);
        t.Start($"ip netns exec {t.Peer} iperf3 -s -1");
        Thread.Sleep(300);
        System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
        System.Diagnostics.Process client = t.Start($"ip netns exec {t.Host} iperf3 -c {Topology.PeerAddress} -t 3 --bidir");
        Assert.True(Topology.Finish(client));
        (long a1, _, long f1) = Sample(t);
        Thread.Sleep(clock.Elapsed);
        (long a2, int gen2After, long f2) = Sample(t);
        long frames = f1 - f0;
        long busy = a1 - a0;
        long idle = a2 - a1;
        Assert.True(frames > 50_000, $"{frames} frames crossed the bond");
        Assert.True(f2 - f1 < 1000, "the bond was idle for the baseline");
        // The control thread allocates a little on every tick, busy or idle; one allocation per frame would
        // add at least 24 bytes a frame to the busy interval.
        Assert.True(busy - idle < frames, $"busy {busy} bytes, idle {idle} bytes, {frames} frames");
        Assert.Equal(gen2Before, gen2After);
    }
}
