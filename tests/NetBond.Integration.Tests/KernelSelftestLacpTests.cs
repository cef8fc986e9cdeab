namespace NetBond.Integration.Tests;

/// <summary>
/// The kernel's 802.3ad selftests, ported as <see cref="KernelSelftestTests"/> are. LACP is the control plane's: these
/// run on the default data path only (LacpTests carries LACP over both).
/// </summary>
public class KernelSelftestLacpTests
{
    /// <summary>
    /// bond-break-lacpdu-tx.sh: an 802.3ad bond given a MAC and then its ad_actor_sys_prio again, a port of a bridge of
    /// the same MAC, sends LACPDUs once members join (the far end of a member captures 2 within 15 s).
    /// </summary>
    [IntegrationFact]
    public void Bond_break_lacpdu_tx()
    {
        using Topology t = new(members: 2);
        t.StartDaemon();
        t.WaitForDaemon();
        t.Sh($"ip -n {t.Host} link add fab-br0 address 52:54:00:3B:7C:A6 mtu 1500 type bridge forward_delay 15");
        t.NetBond("add bond0 mode=802.3ad miimon=200 xmit_hash_policy=layer3+4 ad_actor_sys_prio=65535 lacp_rate=fast").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set bond0 address 52:54:00:3B:7C:A6");
        t.Sh($"ip -n {t.Host} link set bond0 up");
        t.NetBond("set bond0 ad_actor_sys_prio=65535").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set bond0 master fab-br0");
        // The far end listens before the members join: the first LACPDUs go out as they do.
        System.Diagnostics.Process capture = t.Start($"ip netns exec {t.Switch} timeout 15 tcpdump -n -i sw0 -c 2 ether proto 0x8809");
        Thread.Sleep(500);
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.Sh($"ip -n {t.Host} link set fab-br0 up && ip -n {t.Host} link set bond0 up && ip -n {t.Host} addr add 198.18.0.3/24 dev fab-br0");
        Assert.True(Topology.Finish(capture) && capture.ExitCode == 0, "no 2 LACPDUs captured: " + t.OutputOf(capture));
    }

    /// <summary>A member's 802.3ad actor state and LACPDUs sent, as the status JSON reports them.</summary>
    private static (int State, long Sent) Port(Topology t, string ns, string member)
    {
        using System.Text.Json.JsonDocument doc = System.Text.Json.JsonDocument.Parse(t.NetBond("status --json", ns).ShouldSucceed().Out);
        System.Text.Json.JsonElement ad = doc.RootElement.GetProperty("bonds")[0].GetProperty("slaves").EnumerateArray()
            .First(m => m.GetProperty("name").GetString() == member).GetProperty("ad");
        return (ad.GetProperty("actor").GetProperty("port_state").GetInt32(), ad.GetProperty("stats").GetProperty("lacpdu_tx").GetInt64());
    }

    /// <summary>
    /// bond_passive_lacp.sh: a bond with lacp_active off sends no LACPDU until its partner speaks, never sets its
    /// Activity bit, aggregates with an active partner without expiring, and once that partner is gone sends nothing
    /// while the active side keeps sending. Fast rate on both sides; the script's windows (65 s, for slow rate's
    /// 30 s period) are three fast periods here (and the last, see below).
    /// </summary>
    [IntegrationFact]
    public void Bond_passive_lacp()
    {
        const int Activity = 0x01, Distributing = 0x20, Expired = 0x80;
        using Topology t = new(members: 2);
        // c_ns is the host, s_ns the switch namespace with its bridge gone: its ends of the links are the other bond's.
        string c = t.Host, s = t.Switch;
        t.Sh($"ip -n {s} link del br0");
        t.StartDaemon();
        t.StartDaemon(s);
        t.WaitForDaemon();
        t.WaitForDaemon(s);
        t.NetBond("add bond0 mode=802.3ad lacp_active=on lacp_rate=fast", s).ShouldSucceed();
        t.Sh($"ip -n {s} link set bond0 down");
        t.NetBond("enslave bond0 sw0 sw1", s).ShouldSucceed();
        t.NetBond("add bond0 mode=802.3ad lacp_active=off lacp_rate=fast").ShouldSucceed();
        t.Sh($"ip -n {c} link set bond0 down");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();

        // The script's counts are increases from when it starts counting (lib.sh's wait_for_counter): the LACPDUs a
        // port sends as it starts (two, the script says) come before.
        t.Sh($"ip -n {c} link set bond0 up");
        Thread.Sleep(2000);
        long initSent = Port(t, c, "eth0").Sent;
        Thread.Sleep(3000);
        Assert.True(Port(t, c, "eth0").Sent - initSent < 2, "802.3ad lacp_active off, init port: the passive side sends LACPDUs");

        t.Sh($"ip -n {s} link set bond0 up");
        Assert.True(Topology.Eventually(() => (Port(t, s, "sw0").State & Activity) != 0, 2000), "802.3ad lacp_active on, port state active");
        Assert.True((Port(t, c, "eth0").State & Activity) == 0, "802.3ad lacp_active off, port state active");
        Assert.True(Topology.Eventually(() => (Port(t, s, "sw0").State & Distributing) != 0, 5000), "the active side does not distribute\n" + t.NetBond("status", s).Out);
        for (int i = 0; i < 6; i++)
        {
            Thread.Sleep(500);
            Assert.True((Port(t, s, "sw0").State & Expired) == 0 && (Port(t, c, "eth0").State & Activity) == 0, "bond 802.3ad lacp_active off, port connection");
        }

        // One port of each side leaves: the passive bond's eth0 and the active bond's sw1 have no partner any more.
        // Each keeps its partner's last word for 3 s, then 3 s expired (both at the short timeout), then defaults
        // (the script sleeps 5 s, then counts for 65 s: the active side's slow periodic LACPDUs). Counted here: the
        // active side's over those 7 s, the passive side's over the 3 s after them.
        long active = Port(t, s, "sw1").Sent;
        t.NetBond("release bond0 sw0", s).ShouldSucceed();
        t.Sh($"ip -n {s} link set sw0 up");
        t.NetBond("release bond0 eth1").ShouldSucceed();
        t.Sh($"ip -n {c} link set eth1 up");
        Thread.Sleep(7000);
        Assert.True(Port(t, s, "sw1").Sent - active >= 2, "bond 802.3ad lacp_active on, port pkt after disconnect");
        long passive = Port(t, c, "eth0").Sent;
        Thread.Sleep(3000);
        Assert.True(Port(t, c, "eth0").Sent - passive < 2, "bond 802.3ad lacp_active off, port pkt after disconnect");
    }

    /// <summary>
    /// bond_lacp_prio.sh: a client bond of four members with ad_select=actor_port_prio, two to one switch's bond and
    /// two to another's, takes the aggregator of its highest actor_port_prio member when a link change makes it
    /// reselect, and the other one once the priorities are swapped. (The script checks 0.5 s after the link comes
    /// back; this allows up to 3 s.)
    /// </summary>
    [IntegrationFact]
    public void Bond_lacp_prio()
    {
        using Topology t = new(members: 4);
        string c = t.Host, s = t.Switch, b = t.AddNamespace();
        t.Sh($"ip -n {s} link del br0 && ip -n {s} link set sw2 netns {b} && ip -n {s} link set sw3 netns {b}");
        t.StartDaemon();
        t.WaitForDaemon();
        foreach ((string ns, string options, string members) in new[]
        {
            (c, "ad_select=actor_port_prio", "eth0 eth1 eth2 eth3"), (s, "", "sw0 sw1"), (b, "", "sw2 sw3"),
        })
        {
            t.NetBond($"add bond0 mode=802.3ad miimon=100 lacp_rate=fast {options}", ns).ShouldSucceed();
            t.Sh($"ip -n {ns} link set bond0 down");
            t.NetBond($"enslave bond0 {members}", ns).ShouldSucceed();
        }
        foreach (string ns in new[] { c, s, b })
        {
            t.Sh($"ip -n {ns} link set bond0 up");
        }

        t.NetBond("set eth0 actor_port_prio=1000").ShouldSucceed();
        t.NetBond("set eth2 actor_port_prio=10").ShouldSucceed();
        Assert.Equal(1000, PortPriority(t, "eth0"));
        Assert.Equal(10, PortPriority(t, "eth2"));

        AggReselect(t, "eth0");
        t.NetBond("set eth0 actor_port_prio=10").ShouldSucceed();
        t.NetBond("set eth2 actor_port_prio=1000").ShouldSucceed();
        AggReselect(t, "eth2");
    }

    private static System.Text.Json.JsonElement BondJson(Topology t)
    {
        using System.Text.Json.JsonDocument doc = System.Text.Json.JsonDocument.Parse(t.NetBond("status --json").ShouldSucceed().Out);
        return doc.RootElement.GetProperty("bonds")[0].Clone();
    }

    private static System.Text.Json.JsonElement Member(Topology t, string name) =>
        BondJson(t).GetProperty("slaves").EnumerateArray().First(m => m.GetProperty("name").GetString() == name);

    private static int PortPriority(Topology t, string member) =>
        Member(t, member).GetProperty("ad").GetProperty("actor").GetProperty("port_priority").GetInt32();

    /// <summary>bond_lacp_prio.sh's test_agg_reselect: eth1's link down and up again, then the bond's aggregator is <paramref name="expect"/>'s.</summary>
    private static void AggReselect(Topology t, string expect)
    {
        t.Sh($"ip -n {t.Host} link set eth1 down");
        Thread.Sleep(500);
        t.Sh($"ip -n {t.Host} link set eth1 up");
        bool Selected() => BondJson(t).GetProperty("ad_info").GetProperty("active_aggregator") is { ValueKind: System.Text.Json.JsonValueKind.Object } a
            && Member(t, expect).GetProperty("ad").GetProperty("aggregator_id") is { ValueKind: System.Text.Json.JsonValueKind.Number } id
            && a.GetProperty("aggregator_id").GetInt32() == id.GetInt32();
        Assert.True(Topology.Eventually(Selected, 3000), $"the bond's aggregator is not {expect}'s\n{t.Status()}");
    }
}
