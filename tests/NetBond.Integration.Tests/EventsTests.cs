using System.Text.Json;

namespace NetBond.Integration.Tests;

/// <summary>`netbond events`: what a link flap, a failover and an option change look like as they happen.</summary>
public class EventsTests
{
    [IntegrationFact]
    public void A_link_flap_a_failover_and_an_option_change_stream_as_text_and_json()
    {
        using Topology t = new(members: 2);
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1), 5000), t.Status());
        System.Diagnostics.Process text = t.Start($"ip netns exec {t.Host} {Topology.NetBondExe} events bond0");
        System.Diagnostics.Process json = t.Start($"ip netns exec {t.Host} {Topology.NetBondExe} events --json");
        // Both listeners have subscribed once they see an option change made after they started.
        Assert.True(Topology.Eventually(() =>
        {
            t.NetBond($"set bond0 num_grat_arp={Environment.TickCount % 200 + 2}").ShouldSucceed();
            return t.OutputOf(text).Contains("num_grat_arp", StringComparison.Ordinal) && t.OutputOf(json).Contains("num_grat_arp", StringComparison.Ordinal);
        }, 20_000));

        t.Sh($"ip -n {t.Switch} link set sw0 down");
        Assert.True(Topology.Eventually(() => t.Status().Contains("Currently Active Slave: eth1", StringComparison.Ordinal), 3000));
        t.Sh($"ip -n {t.Switch} link set sw0 up");
        Assert.True(Topology.Eventually(() => t.OutputOf(text).Contains("eth0 link down -> up", StringComparison.Ordinal), 3000), t.OutputOf(text));
        t.NetBond("set bond0 miimon=200").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.OutputOf(json).Contains("\"option\":\"miimon\"", StringComparison.Ordinal), 3000), t.OutputOf(json));
        t.NetBond("del bond0").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.OutputOf(text).Contains("bond0: deleted", StringComparison.Ordinal), 3000), t.OutputOf(text));

        string lines = t.OutputOf(text);
        foreach (string expected in new[] { "bond0: eth0 link up -> down", "bond0: active eth0 -> eth1", "bond0: eth0 link down -> up", "bond0: option miimon 100 -> 200", "bond0: eth1 released" })
        {
            Assert.Contains(expected, lines, StringComparison.Ordinal);
        }
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d bond0: ", lines.Split('\n')[0]);
        List<JsonElement> events = [.. t.OutputOf(json).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
        Assert.Contains(events, e => e.GetProperty("event").GetString() == "active" && e.GetProperty("from").GetString() == "eth0" && e.GetProperty("to").GetString() == "eth1");
        Assert.Contains(events, e => e.GetProperty("event").GetString() == "carrier" || e.GetProperty("event").GetString() == "link");
        Assert.All(events, e => Assert.True(DateTimeOffset.TryParse(e.GetProperty("time").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _)));

        // A bond that does not exist is refused, and the stream ends with the daemon.
        Result refused = t.NetBond("events bond9");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("bond9: no such bond", refused.Err, StringComparison.Ordinal);
    }
}
