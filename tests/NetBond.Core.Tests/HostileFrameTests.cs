using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>
/// Property tests over the per-frame parsers: frames made by mutating valid ones and by pure noise, every
/// length from 0 to past a jumbo frame. Nothing may throw, and the same frame always gives the same answer.
/// The seed is fixed, so a failure names the frame that broke it.
/// </summary>
public class HostileFrameTests
{
    private static IEnumerable<byte[]> Seeds()
    {
        byte[] Eth(ushort type, params byte[] payload) =>
            [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, (byte)(type >> 8), (byte)type, .. payload];
        byte[] ip4 = [0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2, 0x9c, 0x40, 0, 80, .. new byte[16]];
        byte[] ip6 = [0x60, 0, 0, 0, 0, 8, 17, 64, .. new byte[32], 0x30, 0x39, 0, 53, 0, 8, 0, 0];
        yield return Eth(0x0800, ip4);
        yield return Eth(0x86DD, ip6);
        yield return Eth(0x8100, [0, 10, 0x08, 0x00, .. ip4]);
        yield return Eth(0x88A8, [0, 10, 0x81, 0x00, 0, 20, 0x86, 0xDD, .. ip6]);
        yield return Eth(0x0800, [0x45, 0, 0, 60, 0, 0, 0, 0, 64, 47, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x20, 0, 0x65, 0x58, 0, 0, 0, 1, .. Eth(0x0800, ip4)]);
        yield return Eth(0x8864, [0x11, 0, 0, 1, 0, 42, 0, 0x21, .. ip4]);
        yield return Eth(0x0806, new byte[28]);
        yield return Eth(0x8809, [1, 1, 1, 20, .. new byte[106]]);
        yield return Eth(0x0800, [0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 3, 3, 0, 0, 0, 0, 0, 0, .. ip4]);
    }

    [Fact]
    public void Mutated_and_random_frames_never_throw_and_always_give_the_same_answer()
    {
        Random random = new(20261126);
        byte[][] seeds = [.. Seeds()];
        (Bond _, VirtualHost host) = TestBonds.Make("mode=1 arp_interval=100 arp_ip_target=198.18.0.1", "eth0", "eth1");
        DataPlan plan = host.Plan!;
        for (int i = 0; i < 200_000; i++)
        {
            byte[] frame;
            if (i % 4 == 0)
            {
                frame = new byte[random.Next(0, 9100)];
                random.NextBytes(frame);
            }
            else
            {
                byte[] seed = seeds[random.Next(seeds.Length)];
                frame = seed[..random.Next(0, seed.Length + 1)];
                for (int flips = random.Next(1, 6); flips > 0 && frame.Length > 0; flips--)
                {
                    frame[random.Next(frame.Length)] = (byte)random.Next(256);
                }
            }
            foreach (XmitHashPolicy policy in Enum.GetValues<XmitHashPolicy>())
            {
                Assert.Equal(XmitHash.Compute(frame, policy), XmitHash.Compute(frame, policy));
            }
            Assert.Equal(ReceiveClassifier.Classify(plan, i & 1, frame), ReceiveClassifier.Classify(plan, i & 1, frame));
        }
    }
}
