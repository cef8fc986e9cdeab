using System.Text.Json;

namespace NetBond.Integration.Tests;

/// <summary>balance-tlb and balance-alb on veth links to a Linux bridge, with clients in namespaces of their own.</summary>
[Trait(DataPaths.Trait, DataPaths.Both)]
[Collection(Alone.Name)]
public class LoadBalancingTests
{
    private const string Client1 = "198.18.0.11";
    private const string Client2 = "198.18.0.12";

    private static string MacOf(Topology t, string ns, string dev) => t.In(ns, $"cat /sys/class/net/{dev}/address").Out.Trim();

    /// <summary>The switch port the bridge has learned <paramref name="mac"/> on, or "".</summary>
    private static string SwitchPortOf(Topology t, string mac) =>
        t.Sh($"bridge -n {t.Switch} fdb show br br0").Split('\n').Where(l => l.StartsWith(mac + " dev ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[2]).FirstOrDefault() ?? "";

    private static long[] SwitchTx(Topology t) => [.. t.Members.Select((_, i) => t.SwitchCounter($"sw{i}", "tx_packets"))];

    /// <summary>What each switch port toward the host carried while <paramref name="client"/> pinged the bond 100 times.</summary>
    private static long[] ArrivalsFrom(Topology t, string client)
    {
        long[] before = SwitchTx(t);
        t.In(client, $"ping -c 100 -i 0.01 -q {Topology.BondAddress}").ShouldSucceed();
        return [.. SwitchTx(t).Select((c, i) => c - before[i])];
    }

    /// <summary>The member balance-alb's client table placed <paramref name="client"/> on, from status --json.</summary>
    private static string? MemberOf(Topology t, string client)
    {
        using JsonDocument doc = JsonDocument.Parse(t.NetBond("status --json").ShouldSucceed().Out);
        return doc.RootElement.GetProperty("bonds")[0].GetProperty("alb_clients").EnumerateArray()
            .Where(c => c.GetProperty("destination_ip").GetString() == client)
            .Select(c => c.GetProperty("dev").GetString()).FirstOrDefault();
    }

    [IntegrationFact]
    public void Alb_receives_two_clients_on_different_members_and_both_keep_reaching_the_bond_when_one_is_lost()
    {
        using Topology t = new(members: 2);
        string c1 = t.AddClient(Client1);
        string c2 = t.AddClient(Client2);
        string[] original = [MacOf(t, t.Host, "eth0"), MacOf(t, t.Host, "eth1")];
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=balance-alb miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.NotEqual(MacOf(t, t.Host, "eth0"), MacOf(t, t.Host, "eth1"));
        Assert.Equal(MacOf(t, t.Host, "bond0"), MacOf(t, t.Host, "eth0"));
        Assert.True(Topology.Eventually(() => t.Status().Split("MII Status: up").Length == 4, 5000), t.Status());
        Assert.True(Topology.Eventually(() => t.In(c1, $"ping -c 1 -W 1 {Topology.BondAddress}").Exit == 0, 5000), t.Status());
        Assert.True(Topology.Eventually(() => t.In(c2, $"ping -c 1 -W 1 {Topology.BondAddress}").Exit == 0, 5000), t.Status());

        // Each client was told the MAC of its own member: its traffic reaches the host through that member's switch port.
        // Both members are up before a client speaks; a member coming up rebalances the table, as the kernel's
        // rx_rebalance does, so the clients settle on a member each (the other one's is the member c2's is not).
        string? m1 = null, m2 = null;
        Assert.True(Topology.Eventually(() => (m1 = MemberOf(t, Client1)) != null && (m2 = MemberOf(t, Client2)) != null && m1 != m2, 10_000),
            $"{Client1} on {m1}, {Client2} on {m2}");
        // The client hears of its member in an ARP update the bond sends after rlb's update delay: wait for it.
        string Neighbour() => t.In(c2, $"ip neigh show {Topology.BondAddress}").Out.Split(' ') is { Length: > 4 } w ? w[4] : "";
        Assert.True(Topology.Eventually(() => Neighbour() == MacOf(t, t.Host, m2 = MemberOf(t, Client2)!), 10_000), $"{Client2} has {Neighbour()} for the bond, not {m2}'s MAC");
        m1 = m2 == "eth0" ? "eth1" : "eth0";
        int p1 = m1 == "eth0" ? 0 : 1;
        // The switch learns each member's MAC on its port from the learning packets the members send every lp_interval
        // (1 s); one taught through the active member while its own member was not yet up waits for the next round.
        Assert.True(Topology.Eventually(() => SwitchPortOf(t, MacOf(t, t.Host, m1!)) == $"sw{p1}" && SwitchPortOf(t, MacOf(t, t.Host, m2!)) == $"sw{1 - p1}", 5000),
            t.Sh($"bridge -n {t.Switch} fdb show br br0"));
        // The bond's own ARP requests (its neighbour probes) carry its MAC and point every client at the active member
        // until rlb tells the others again 2 s later (rlb_req_update_subnet_clients), as in the kernel: each client's
        // hundred pings must arrive through its member's port in one of a few windows.
        long[] from = [];
        bool Through(string client, int port)
        {
            from = ArrivalsFrom(t, client);
            return from[port] >= 100 && from[1 - port] < 20;
        }
        Assert.True(Topology.Eventually(() => Through(c1, p1), 8000), $"{Client1}: switch ports toward the host carried {string.Join(" ", from)}");
        Assert.True(Topology.Eventually(() => Through(c2, 1 - p1), 8000), $"{Client2}: switch ports toward the host carried {string.Join(" ", from)}");

        // The second client's member lost: within a second its traffic reaches the bond through the other one.
        int port2 = m2 == "eth0" ? 0 : 1;
        int lost = t.LostDuring(c2, Topology.BondAddress, 4, () => t.Sh($"ip -n {t.Switch} link set sw{port2} down"));
        Assert.InRange(lost, 0, 50);
        Assert.Equal(0, t.In(c1, $"ping -c 3 -i 0.2 -W 1 {Topology.BondAddress}").Exit);

        // Released, the members get their own MACs back, whatever the swaps gave them.
        t.NetBond("release bond0 eth0 eth1").ShouldSucceed();
        Assert.Equal(string.Join(" ", original), $"{MacOf(t, t.Host, "eth0")} {MacOf(t, t.Host, "eth1")}");
    }

    [IntegrationFact]
    public void Tlb_transmits_toward_two_clients_on_both_members_from_their_own_macs()
    {
        using Topology t = new(members: 2);
        string c1 = t.AddClient(Client1);
        string c2 = t.AddClient(Client2);
        // layer2 hashes the last bytes of the two MACs: these put the clients in different buckets of the table.
        t.In(c1, "ip link set eth0 address 02:00:00:00:01:11").ShouldSucceed();
        t.In(c2, "ip link set eth0 address 02:00:00:00:01:12").ShouldSucceed();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=balance-tlb miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.In(t.Host, $"ping -c 1 -W 1 {Client1} && ping -c 1 -W 1 {Client2}").Exit == 0, 5000), t.Status());
        // The table places flows by the load they carried in the last 10 s: after one rebalance the two streams part.
        long[] before = [.. t.Members.Select((_, i) => t.SwitchCounter($"sw{i}", "rx_packets"))];
        t.In(t.Host, $"(ping -c 700 -i 0.02 -s 1000 -q {Client1} & ping -c 700 -i 0.02 -s 1000 -q {Client2} & wait)");
        long[] sent = [.. t.Members.Select((_, i) => t.SwitchCounter($"sw{i}", "rx_packets") - before[i])];
        Assert.True(sent.All(s => s >= 100), $"switch ports from the host received {string.Join(" ", sent)}");
        // Frames from eth1 carry eth1's own MAC: the switch keeps the bond's MAC on the active member's port.
        string fdb = t.In(t.Switch, "bridge fdb show br br0").Out;
        Assert.Contains($"{MacOf(t, t.Host, "bond0")} dev sw0 ", fdb, StringComparison.Ordinal);
        Assert.Contains($"{MacOf(t, t.Host, "eth1")} dev sw1 ", fdb, StringComparison.Ordinal);
        // Everything toward the host arrives on the active member.
        long[] from = ArrivalsFrom(t, c2);
        Assert.True(from[0] >= 100 && from[1] < 20, $"switch ports toward the host carried {string.Join(" ", from)}");
        Assert.Equal(0, t.In(c1, $"ping -c 2 -i 0.2 -W 1 {Topology.BondAddress}").Exit);
    }

    [IntegrationFact]
    public void Alb_client_table_stays_bounded_and_the_daemon_responsive_under_an_arp_flood()
    {
        using Topology t = new(members: 2);
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=balance-alb miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1), 5000), t.Status());
        using ArpFlood injector = new();
        System.Diagnostics.Process flood = injector.Start(t, t.Peer, "eth0", 10000, 4);
        Thread.Sleep(1500);
        System.Diagnostics.Stopwatch answer = System.Diagnostics.Stopwatch.StartNew();
        string during = t.NetBond("status --json").ShouldSucceed().Out;
        answer.Stop();
        Assert.True(Topology.Finish(flood) && flood.ExitCode == 0, t.OutputOf(flood));
        Assert.True(answer.ElapsedMilliseconds < 3000, $"status took {answer.ElapsedMilliseconds} ms during the flood");
        using (JsonDocument doc = JsonDocument.Parse(during))
        {
            int clients = doc.RootElement.GetProperty("bonds")[0].GetProperty("alb_clients").GetArrayLength();
            Assert.InRange(clients, 0, 256);
        }
        Assert.True(t.Ping());
        Assert.Contains("Currently Active Slave: eth0", t.Status(), StringComparison.Ordinal);
        injector.AssertMemorySettles(t, daemon, t.Peer, "eth0", 10000, 4);
    }
}
