using System.Globalization;
using System.Text.RegularExpressions;

namespace NetBond.Integration.Tests;

/// <summary>`netbond daemon --metrics`: the exposition checked by Prometheus's own promtool, and what it says through a failover.</summary>
[Trait(DataPaths.Trait, DataPaths.Both)]
public class MetricsTests
{
    private const string Endpoint = "127.0.0.1:9103";

    private static string Scrape(Topology t, string path = "/metrics") =>
        t.In(t.Host, $"python3 -c \"import urllib.request; print(urllib.request.urlopen(\\\"http://{Endpoint}{path}\\\", timeout=5).read().decode(), end=str())\"").ShouldSucceed().Out;

    private static double Value(string metrics, string sample)
    {
        Match m = Regex.Match(metrics, "^" + Regex.Escape(sample) + @" (\S+)$", RegexOptions.Multiline);
        Assert.True(m.Success, $"no sample {sample} in\n{metrics}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [IntegrationFact]
    public void Metrics_pass_promtool_with_node_exporters_names_and_count_a_failover_with_its_outage()
    {
        using Topology t = new(members: 3);
        t.StartDaemon(options: $"--metrics {Endpoint}");
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        // The switch (a Linux bridge) speaks no LACP: after a second, lacp_fallback runs bond1 as active-backup.
        t.NetBond("add bond1 mode=802.3ad lacp_rate=fast lacp_fallback=on lacp_fallback_timeout=1").ShouldSucceed();
        t.NetBond("enslave bond1 eth2").ShouldSucceed();
        t.In(t.Host, "ip link set bond1 up").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1), 5000), t.Status());
        // A bond of the same name in another namespace is another series, told apart by its netns label.
        t.NetBond("add bond0 mode=balance-rr", t.Peer).ShouldSucceed();

        string metrics = Scrape(t);
        Assert.Equal(0, Value(metrics, $"netbond_bond_up{{bond=\"bond0\",netns=\"{t.Peer}\"}}"));
        Assert.Equal(1, Value(metrics, $"netbond_bond_info{{bond=\"bond0\",mode=\"balance-rr\",datapath=\"{Topology.DefaultDataPath}\",netns=\"{t.Peer}\"}}"));
        Assert.True(Topology.Eventually(() => Value(Scrape(t), "netbond_lacp_fallback{bond=\"bond1\"}") == 1, 5000), Scrape(t));
        string lacp = Scrape(t);
        Assert.Equal(0, Value(lacp, "netbond_lacp_pdu_gap_seconds_count{bond=\"bond1\",member=\"eth2\"}"));
        Assert.Equal(0, Value(lacp, "netbond_lacp_pdu_gap_seconds_bucket{bond=\"bond1\",member=\"eth2\",le=\"+Inf\"}"));
        Assert.Equal(1, Value(lacp, "netbond_lacp_rx_transitions_total{bond=\"bond1\",member=\"eth2\",to=\"expired\"}"));
        string file = Path.Combine(Path.GetTempPath(), $"netbond-metrics-{Environment.ProcessId}.txt");
        File.WriteAllText(file, lacp);
        using Cleanup remove = new(() => File.Delete(file));
        Result check = t.In(t.Host, $"promtool check metrics < {file}");
        Assert.True(check.Exit == 0, $"promtool: {check.Out}{check.Err}\n{lacp}");
        Assert.Equal(2, Value(metrics, "node_bonding_slaves{master=\"bond0\"}"));
        Assert.Equal(2, Value(metrics, "node_bonding_active{master=\"bond0\"}"));
        Assert.Equal(1, Value(metrics, "netbond_member_active{bond=\"bond0\",member=\"eth0\"}"));
        Assert.True(Value(metrics, "netbond_member_rx_packets_total{bond=\"bond0\",member=\"eth0\"}") > 0);
        Assert.Equal(1, Value(metrics, $"netbond_bond_info{{bond=\"bond1\",mode=\"802.3ad\",datapath=\"{Topology.DefaultDataPath}\"}}"));
        Assert.Contains("netbond_lacp_pdus_total{bond=\"bond1\",member=\"eth2\",kind=\"lacpdu\",direction=\"tx\"}", metrics, StringComparison.Ordinal);

        t.Sh($"ip -n {t.Switch} link set sw0 down");
        Assert.True(Topology.Eventually(() => Value(Scrape(t), "netbond_failovers_total{bond=\"bond0\"}") == 1, 3000));
        metrics = Scrape(t);
        Assert.Equal(1, Value(metrics, "node_bonding_active{master=\"bond0\"}"));
        Assert.Equal(1, Value(metrics, "netbond_member_link_failures_total{bond=\"bond0\",member=\"eth0\"}"));
        Assert.Equal(1, Value(metrics, "netbond_member_active{bond=\"bond0\",member=\"eth1\"}"));
        // From eth0 last known good to eth1 active: on the link event, within the millisecond the loss is heard (0 is a
        // real value then), at most a poll later otherwise.
        Assert.InRange(Value(metrics, "netbond_failover_last_outage_seconds{bond=\"bond0\"}"), 0, 0.3);
    }

    [IntegrationFact]
    public void A_client_that_sends_garbage_or_nothing_holds_up_no_scrape()
    {
        using Topology t = new();
        t.StartDaemon(options: $"--metrics {Endpoint}");
        t.WaitForDaemon();
        // One connection that never speaks, one with 6 KB of junk, one with a wrong method and one with a wrong path.
        string probe = """
            import socket, sys
            host, port = sys.argv[1].split(':')
            def ask(data, read=True):
                s = socket.create_connection((host, int(port)), timeout=5)
                s.sendall(data)
                return s.recv(200).decode(errors='replace').split('\r\n')[0] if read else s
            silent = ask(b'', read=False)
            print(ask(b'x' * 6000 + b'\r\n\r\n'))
            print(ask(b'POST /metrics HTTP/1.1\r\n\r\n'))
            print(ask(b'GET /other HTTP/1.1\r\n\r\n'))
            print(ask(b'GET /metrics HTTP/1.0\r\n\r\n'))
            """;
        string script = Path.Combine(Path.GetTempPath(), $"netbond-metrics-probe-{Environment.ProcessId}.py");
        File.WriteAllText(script, probe);
        using Cleanup remove = new(() => File.Delete(script));
        string[] answers = t.In(t.Host, $"python3 {script} {Endpoint}").ShouldSucceed().Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["HTTP/1.1 400 Bad Request", "HTTP/1.1 405 Method Not Allowed", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"], answers);
        Result refused = t.In(t.Peer, $"{Topology.NetBondExe} daemon --metrics nowhere");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("--metrics nowhere: expected ADDRESS:PORT", refused.Err, StringComparison.Ordinal);
    }

    /// <summary>
    /// Clients that trickle their request a byte every 1.5 s (within the time any one read may take) hold up no scrape,
    /// though they come from the scraper's own address: its scrapes one after another each find a slot (the last
    /// one's answer out is no longer counted against the address).
    /// </summary>
    [IntegrationFact]
    public void Clients_that_trickle_their_requests_hold_up_no_scrape()
    {
        using Topology t = new();
        t.StartDaemon(options: $"--metrics {Endpoint}");
        t.WaitForDaemon();
        string probe = """
            import socket, sys, threading, time
            host, port = sys.argv[1].split(':')
            def trickle():
                s = socket.create_connection((host, int(port)))
                try:
                    for _ in range(40):
                        s.send(b'G')
                        time.sleep(1.5)
                except OSError:
                    pass
            for _ in range(3):
                threading.Thread(target=trickle, daemon=True).start()
            time.sleep(0.5)
            for _ in range(20):
                s = socket.create_connection((host, int(port)), timeout=10)
                s.sendall(b'GET /metrics HTTP/1.0\r\n\r\n')
                print(s.recv(200).decode(errors='replace').split('\r\n')[0], flush=True)
            """;
        string script = Path.Combine(Path.GetTempPath(), $"netbond-metrics-trickle-{Environment.ProcessId}.py");
        File.WriteAllText(script, probe);
        using Cleanup remove = new(() => File.Delete(script));
        Result r = t.In(t.Host, $"python3 {script} {Endpoint}");
        Assert.Equal(Enumerable.Repeat("HTTP/1.1 200 OK", 20), r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
