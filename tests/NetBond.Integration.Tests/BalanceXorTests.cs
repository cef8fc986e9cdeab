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

    /// <summary>
    /// vlan+srcmac hashes the VLAN tag the bond is handed, which a VLAN device (or a VLAN-aware bridge) gives it out
    /// of band: at the TAP's egress, where the kernel data path runs, the tag is in the skb's metadata, not in the
    /// frame (bond_vlan_srcmac_hash's skb_vlan_tag_get). Here the tag comes out of band as a received tagged frame's
    /// does (the receive path takes it off) and mirred hands that skb to the bond; no 8021q, and no bridge VLAN
    /// filtering, on this kernel. Sources whose MAC words XOR to an even number go to eth0 untagged and, with VID 11
    /// (odd), to eth1.
    /// </summary>
    [IntegrationFact]
    public void Vlan_srcmac_hashes_the_out_of_band_tag_the_bond_is_handed()
    {
        using Topology t = new(members: 2);
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=balance-xor miimon=100 xmit_hash_policy=vlan+srcmac");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        string sender = t.AddNamespace();
        t.Sh($"ip link add src netns {sender} type veth peer name vsrc netns {t.Host} && ip -n {t.Host} link set vsrc up && ip -n {sender} link set src up");
        t.Sh($"tc -n {t.Host} qdisc add dev vsrc clsact && tc -n {t.Host} filter add dev vsrc ingress protocol all u32 match u32 0 0 "
            + "action mirred egress redirect dev bond0");
        Assert.True(Topology.Eventually(() => t.Status().Contains("MII Status: up\nMII Polling", StringComparison.Ordinal)), t.Status());

        long[] before = [t.SwitchCounter("sw0", "rx_packets"), t.SwitchCounter("sw1", "rx_packets")];
        // 50 frames from each of 4 sources, tagged VID 11.
        t.Sh($"ip netns exec {sender} python3 -c \"import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('src', 0)); "
            + "[s.send(bytes.fromhex('0200000000fe02000000000' + str(m) + '8100000b88b5') + bytes(46)) for m in (2, 4, 6, 8) for _ in range(50)]\"");
        Assert.True(Topology.Eventually(() => t.SwitchCounter("sw0", "rx_packets") - before[0] + t.SwitchCounter("sw1", "rx_packets") - before[1] >= 200, 2000));
        long[] sent = [t.SwitchCounter("sw0", "rx_packets") - before[0], t.SwitchCounter("sw1", "rx_packets") - before[1]];
        Assert.True(sent[1] >= 200 && sent[0] < 50, $"eth0 sent {sent[0]} frames, eth1 {sent[1]}: the tag was {(sent[0] >= 200 ? "not " : "")}hashed");
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
