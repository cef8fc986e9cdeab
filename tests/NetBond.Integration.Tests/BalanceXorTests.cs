using System.Globalization;

namespace NetBond.Integration.Tests;

[Trait(DataPaths.Trait, DataPaths.Both)]
public class BalanceXorTests
{
    /// <summary>
    /// bond_xmit_hash() for layer3+4 on a UDP flow 198.18.0.1:sport -> 198.18.0.2:dport, written out here from the
    /// kernel's formula (ports and addresses as little-endian words, folded, the lowest bit dropped), and the
    /// member it picks among <paramref name="members"/> usable ones.
    /// </summary>
    private static int KernelMember(int sport, int dport, int members)
    {
        uint ports = (uint)((sport >> 8) | (sport & 0xFF) << 8 | (dport >> 8) << 16 | (dport & 0xFF) << 24);
        uint src = 198u | 18u << 8 | 0u << 16 | 1u << 24;
        uint dst = 198u | 18u << 8 | 0u << 16 | 2u << 24;
        uint h = ports ^ dst ^ src;
        h ^= h >> 16;
        h ^= h >> 8;
        return (int)((h >> 1) % (uint)members);
    }

    [IntegrationFact]
    public void Over_three_members_every_flow_leaves_on_the_member_the_kernel_would_pick()
    {
        using Topology t = new(members: 3);
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=balance-xor miimon=100 xmit_hash_policy=layer3+4");
        t.NetBond("enslave bond0 eth0 eth1 eth2").ShouldSucceed();
        Assert.True(t.Ping());
        const int Frames = 30;
        string sender = Path.Combine(Path.GetTempPath(), $"netbond-xor-{Environment.ProcessId}.py");
        File.WriteAllText(sender, """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((sys.argv[1], int(sys.argv[2])))
            for _ in range(int(sys.argv[5])):
                s.sendto(b"x", (sys.argv[3], int(sys.argv[4])))
            """);
        using Cleanup removeSender = new(() => File.Delete(sender));
        HashSet<int> used = [];
        for (int flow = 0; flow < 18; flow++)
        {
            int sport = 40000 + (flow * 7919 % 20000);
            int dport = 1000 + (flow * 104729 % 50000);
            long[] before = [.. t.Members.Select((_, i) => t.SwitchCounter($"sw{i}", "rx_packets"))];
            t.Sh(string.Create(CultureInfo.InvariantCulture,
                $"ip netns exec {t.Host} python3 {sender} {Topology.BondAddress} {sport} {Topology.PeerAddress} {dport} {Frames}"));
            long[] delta = [.. t.Members.Select((_, i) => t.SwitchCounter($"sw{i}", "rx_packets") - before[i])];
            int expected = KernelMember(sport, dport, 3);
            used.Add(expected);
            Assert.True(delta[expected] >= Frames, $"flow {sport}->{dport}: eth{expected} expected, switch ports saw {string.Join(" ", delta)}");
            Assert.True(delta.Where((_, i) => i != expected).All(d => d < Frames), $"flow {sport}->{dport}: eth{expected} expected, switch ports saw {string.Join(" ", delta)}");
        }
        Assert.Equal(3, used.Count);
    }
}

/// <summary>Runs an action when disposed: removes what a test made, also when it fails.</summary>
internal sealed class Cleanup(Action action) : IDisposable
{
    public void Dispose() => action();
}
