using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace NetBond.Integration.Tests;

/// <summary>
/// An 802.3ad bond on the kernel data path outlives its daemon without its partner noticing: the next daemon takes
/// the LACP machines over from bonds.json, so no LACPDU says anything new, the partner's timers never expire and
/// the members that were distributing never stop. Against Open vSwitch at fast and slow rate, and NetBond against
/// NetBond (both ends restarted at once).
/// </summary>
public class LacpRestartTests
{
    private static JsonElement BondJson(Topology t, string? ns = null)
    {
        using JsonDocument doc = JsonDocument.Parse(t.NetBond("status --json", ns).ShouldSucceed().Out);
        return doc.RootElement.GetProperty("bonds")[0].Clone();
    }

    private static JsonElement[] Ports(Topology t, string? ns = null) =>
        [.. BondJson(t, ns).GetProperty("slaves").EnumerateArray().Select(s => s.GetProperty("ad"))];

    private static bool AllDistributing(Topology t, string? ns = null) =>
        Ports(t, ns).All(p => (p.GetProperty("actor").GetProperty("port_state").GetInt32() & 0x38) == 0x38);

    /// <summary>Per member of the bond in <paramref name="ns"/>: mux state and how often its partner expired, defaulted or churned.</summary>
    private static string PartnerView(Topology t, string ns) => string.Join("; ", Ports(t, ns).Select(p =>
        $"{p.GetProperty("mux_machine").GetString()} expired {p.GetProperty("expired_count").GetInt32()} defaulted {p.GetProperty("defaulted_count").GetInt32()} churned {p.GetProperty("partner_churned_count").GetInt32()}"));

    private static string Lines(string text, string pattern) => string.Join('\n', text.Split('\n').Where(l => Regex.IsMatch(l, pattern)));

    [IntegrationTheory]
    [InlineData("KILL", "fast", "ovs")]
    [InlineData("USR2", "fast", "ovs")]
    [InlineData("KILL", "slow", "ovs")]
    [InlineData("KILL", "fast", "netbond")]
    public void An_802_3ad_bond_is_adopted_without_its_partner_seeing_a_change(string signal, string rate, string partner)
    {
        using Topology t = new(members: 2);
        string options = $"mode=802.3ad lacp_rate={rate} miimon=100 xmit_hash_policy=layer3+4 datapath=kernel";
        using OvsSwitch? ovs = partner == "ovs" ? new(t, rate, ("bond0", ["sw0", "sw1"])) : null;
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        if (ovs == null)
        {
            // The switch namespace is the other host, its bond a NetBond too, of the same daemon (one serves every
            // namespace): the restart is both ends' at once.
            t.Sh($"ip -n {t.Switch} link del br0");
            t.NetBond($"add bond0 {options}", t.Switch).ShouldSucceed();
            t.NetBond("enslave bond0 sw0 sw1", t.Switch).ShouldSucceed();
            t.Sh($"ip -n {t.Switch} addr add {Topology.PeerAddress}/24 dev bond0 && ip -n {t.Switch} link set bond0 up");
        }
        t.NetBond($"add bond0 {options}").ShouldSucceed();
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        t.RaiseBond();
        Assert.True(Topology.Eventually(() => AllDistributing(t) && (ovs != null || AllDistributing(t, t.Switch)), 20_000), t.Status());
        Assert.True(Topology.Eventually(() => t.Ping(1), 5000), t.Status());
        // Settled: at slow rate the partner's first LACPDUs came fast; wait until both sides send at the asked rate.
        Thread.Sleep(rate == "slow" ? 4000 : 2000);
        string ovsBefore = ovs?.Appctl("lacp/show") ?? "";
        string statsBefore = ovs?.Appctl("lacp/show-stats") ?? "";
        string viewBefore = ovs == null ? PartnerView(t, t.Switch) : "";

        // At slow rate a window of 8 s holds the LACPDU the next daemon sends at once (and the previous one's, if due).
        // bench/lacp-timing.py's capture: a line per LACPDU the host sends into the switch port (time, actor and
        // partner state), from a tap that sees a frame before tc ingress could redirect it.
        const int seconds = 8;
        string tool = Path.Combine(Topology.RepositoryRoot, "bench", "lacp-timing.py");
        System.Diagnostics.Process capture = t.Start($"ip netns exec {t.Switch} python3 {tool} capture sw0 {seconds}");
        System.Diagnostics.Process ping = t.Start($"ip netns exec {t.Host} ping -i 0.01 -c {(seconds - 2) * 100} -W 1 {Topology.PeerAddress}");
        Thread.Sleep(1500);
        System.Diagnostics.Process next = t.RestartDaemon(daemon, signal);

        Assert.True(Topology.Finish(ping, 120_000), t.OutputOf(ping));
        Assert.True(Topology.Finish(capture, 120_000), t.OutputOf(capture));
        string pings = t.OutputOf(ping), log = t.OutputOf(next);
        Assert.DoesNotContain("start over", log, StringComparison.Ordinal);
        Assert.True(pings.Contains(" 0% packet loss", StringComparison.Ordinal),
            "lost " + string.Join(",", Enumerable.Range(1, (seconds - 2) * 100).Where(i => !pings.Contains($"icmp_seq={i} ", StringComparison.Ordinal))));
        // Every LACPDU before, across and after the restart says the same of us and of the partner.
        (double At, int Actor, int Partner)[] pdus = [.. t.OutputOf(capture).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).Select(f => (double.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture)))];
        Assert.True(pdus.Length >= (rate == "fast" ? 7 : 1), t.OutputOf(capture));
        Assert.All(pdus, p => Assert.Equal((pdus[0].Actor, pdus[0].Partner), (p.Actor, p.Partner)));
        Assert.Equal(rate == "fast" ? 0x3F : 0x3D, pdus[0].Actor);
        double longest = pdus.Zip(pdus.Skip(1), (a, b) => b.At - a.At).DefaultIfEmpty(0).Max();
        Console.WriteLine($"802.3ad {rate} restart by SIG{signal} against {partner}: {pdus.Length} LACPDUs, longest gap {longest:F3} s, 0 of {(seconds - 2) * 100} pings lost");
        // The partner's timeout is three periods: the gap stays within a period and the restart.
        Assert.True(longest < (rate == "fast" ? 2.0 : 30.0), $"longest gap between LACPDUs {longest:F3} s");
        Assert.True(AllDistributing(t), t.Status());
        if (ovs != null)
        {
            Assert.Equal(Lines(statsBefore, "(?i)expired|defaulted|carrier"), Lines(ovs.Appctl("lacp/show-stats"), "(?i)expired|defaulted|carrier"));
            Assert.Equal(Lines(ovsBefore, "state|status"), Lines(ovs.LacpShow(), "state|status"));
        }
        else
        {
            Assert.Equal(viewBefore, PartnerView(t, t.Switch));
        }
    }
}
