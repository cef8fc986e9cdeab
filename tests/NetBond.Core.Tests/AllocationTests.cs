using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>The per-frame decisions run for every frame on the data plane: they must not allocate.</summary>
public class AllocationTests
{
    [Theory]
    [InlineData("mode=0 miimon=100")]
    [InlineData("mode=1 miimon=100")]
    [InlineData("mode=2 miimon=100 xmit_hash_policy=layer3+4")]
    [InlineData("mode=3 miimon=100")]
    [InlineData("mode=5 miimon=100")]
    [InlineData("mode=6 miimon=100")]
    public void Per_frame_paths_allocate_nothing(string options)
    {
        (_, VirtualHost host) = TestBonds.Make(options, "eth0", "eth1");
        DataPlan plan = host.Plan!;
        byte[] frame = new byte[1514];
        frame[12] = 0x08;
        frame[14] = 0x45;
        frame[23] = 6;
        TxState state = default;
        int sink = 0;
        long Allocated()
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100_000; i++)
            {
                frame[26] = (byte)i;
                sink += TxPolicy.Select(plan, frame, ref state) + (int)ReceiveClassifier.Classify(plan, i & 1, frame);
                sink += (int)XmitHash.Compute(frame, (XmitHashPolicy)(i % 6));
            }
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        // The first pass may pay one-time costs (tiering, on-stack replacement of this very loop); a per-frame
        // allocation would show in every pass, 100 000 times over.
        Allocated();
        Assert.Equal(0, Allocated());
        Assert.NotEqual(int.MinValue, sink);
    }
}
