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

    /// <summary>Listeners that hung up give their places back at once, not when an event would have failed on them.</summary>
    [IntegrationFact]
    public void Listeners_that_hung_up_leave_their_places_free()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond("add bond0 mode=1").ShouldSucceed();
        string script = Path.Combine(Path.GetTempPath(), $"netbond-listeners-{Environment.ProcessId}.py");
        File.WriteAllText(script, """
            import os, socket, struct
            held = []
            for _ in range(16):
                s = socket.socket(socket.AF_UNIX)
                s.connect(os.environ["NETBOND_STATE_DIR"] + "/control")
                request = b'["events"]'
                s.sendall(struct.pack(">i", len(request)) + request)
                n = struct.unpack(">i", s.recv(4))[0]
                assert b'"exit":0' in s.recv(n)
                held.append(s)
            for s in held:
                s.close()
            """);
        using Cleanup remove = new(() => File.Delete(script));
        t.In(t.Host, $"/usr/bin/python3 {script}").ShouldSucceed();
        // Subscribed, the 17th listens until the timeout ends it (124); refused, it ends at once (1).
        Result r = t.In(t.Host, $"timeout 2 {Topology.NetBondExe} events");
        Assert.True(r.Exit == 124, $"{r.Exit}: {r.Err}");
    }
}
