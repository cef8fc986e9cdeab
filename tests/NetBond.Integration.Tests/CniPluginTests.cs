using System.Text.Json.Nodes;

namespace NetBond.Integration.Tests;

/// <summary>
/// netbond as a CNI plugin, driven as a runtime drives it: CNI_* variables, the network configuration on stdin,
/// the result or error JSON on stdout. The plugin runs in the test's host namespace (whose eth0 and eth1 lead to
/// the switch); the container is a namespace the test made; addresses come from the standard host-local plugin.
/// </summary>
public class CniPluginTests
{
    /// <summary>The plugin as a runtime calls it, from the host namespace; CNI_PATH names the repository and the standard plugins.</summary>
    private static Result Plugin(Topology t, string command, string config, string containerId = "c1", string? netns = null, string ifName = "net1") =>
        t.Run($"ip netns exec {t.Host} {Topology.RepositoryRoot}/netbond", config, new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = containerId,
            ["CNI_NETNS"] = netns ?? "",
            ["CNI_IFNAME"] = ifName,
            ["CNI_PATH"] = $"{Topology.RepositoryRoot}:/usr/lib/cni",
        });

    private static string Config(Topology t, string fields = "", string version = "1.1.0", string links = "\"eth0\", \"eth1\"", string ipam = "") =>
        "{\"cniVersion\": \"" + version + "\", \"name\": \"bondnet\", \"type\": \"netbond\", \"mode\": \"active-backup\", \"miimon\": \"100\", "
        + "\"links\": [" + string.Join(", ", links.Split(", ").Select(l => $"{{\"name\": {l}}}")) + "]" + fields + ", "
        + "\"ipam\": {\"type\": \"host-local\", \"subnet\": \"198.18.0.0/24\", \"rangeStart\": \"198.18.0.10\", \"rangeEnd\": \"198.18.0.20\", "
        + "\"gateway\": \"198.18.0.2\", \"dataDir\": \"" + t.StateRoot + "/ipam\"" + ipam + "}}";

    private static JsonObject Json(Result r) => JsonNode.Parse(r.Out)!.AsObject();

    /// <summary>The host links as `ip` shows them (state, MAC, MTU) and where they are: what a failed or undone ADD must leave as it was.</summary>
    private static string HostLinks(Topology t) => t.Sh($"ip -n {t.Host} -o link show | grep -E ' eth[0-9]+' | sed -E 's/^[0-9]+: //; s/ link-netns.*//'");

    [IntegrationFact]
    public void Add_builds_a_bond_in_the_container_check_verifies_it_and_del_puts_the_links_back_as_they_were()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        string container = t.AddNamespace();
        string netns = $"/run/netns/{container}";
        t.Sh($"ip -n {t.Host} link set eth0 up && ip -n {t.Host} link set eth1 mtu 1450");
        string before = HostLinks(t);
        string config = Config(t, fields: """, "mtu": 1400, "options": {"primary": "eth1", "updelay": 200, "arp_ip_target": ["198.18.0.2"], "arp_interval": 0}""",
            ipam: """, "routes": [{"dst": "198.19.0.0/16"}]""");

        Result add = Plugin(t, "ADD", config, netns: netns).ShouldSucceed();
        JsonObject result = Json(add);
        Assert.Equal("1.1.0", (string?)result["cniVersion"]);
        Assert.Equal(["net1", "eth0", "eth1"], result["interfaces"]!.AsArray().Select(i => (string?)i!["sandbox"] == netns ? (string?)i["name"] : null));
        Assert.Equal(1400, (int)result["interfaces"]![0]!["mtu"]!);
        Assert.Equal("198.18.0.10/24", (string?)result["ips"]![0]!["address"]);
        Assert.Equal(0, (int)result["ips"]![0]!["interface"]!);
        Assert.Null(result["ips"]![0]!["version"]);
        Assert.Equal("", HostLinks(t).Trim());
        Assert.Contains("198.19.0.0/16 via 198.18.0.2 dev net1", t.Sh($"ip -n {container} route"));
        string status = t.NetBond($"-n {netns} status net1").ShouldSucceed().Out;
        Assert.Contains("Bonding Mode: fault-tolerance (active-backup)", status);
        Assert.Contains("Primary Slave: eth1", status);
        Assert.Contains("Up Delay (ms): 200", status);
        Assert.True(Topology.Eventually(() => t.In(container, $"ping -c 1 -W 1 {Topology.PeerAddress}").Exit == 0, 10_000));
        // The primary's switch port goes down: the bond carries on through eth0.
        t.Sh($"ip -n {t.Switch} link set sw1 down");
        Assert.True(Topology.Eventually(() => t.NetBond($"-n {netns} status net1").Out.Contains("Currently Active Slave: eth0"), 5000));
        Assert.True(Topology.Eventually(() => t.In(container, $"ping -c 1 -W 1 {Topology.PeerAddress}").Exit == 0, 10_000));

        // CHECK with ADD's result: as configured; then a changed option is a difference, with CNI's error JSON.
        JsonObject check = JsonNode.Parse(config)!.AsObject();
        check["prevResult"] = result.DeepClone();
        Plugin(t, "CHECK", check.ToJsonString(), netns: netns).ShouldSucceed();
        t.NetBond($"-n {netns} set net1 miimon=50").ShouldSucceed();
        Result differs = Plugin(t, "CHECK", check.ToJsonString(), netns: netns);
        Assert.True(differs.Exit != 0 && (int)Json(differs)["code"]! == 100, differs.Out + differs.Err);
        Assert.Contains("miimon is '50', configured '100'", (string?)Json(differs)["msg"]);

        Plugin(t, "DEL", config, netns: netns).ShouldSucceed();
        Assert.Equal(before, HostLinks(t));
        Assert.DoesNotContain("eth", t.Sh($"ip -n {container} -o link"));
        Assert.Empty(Directory.GetFiles($"{t.StateRoot}/ipam/bondnet", "198.*"));
        Assert.Empty(Directory.GetFiles($"{t.StateRoot}/cni/bondnet"));
        // DEL again (runtimes retry): nothing left to do, no error.
        Assert.Equal("", Plugin(t, "DEL", config, netns: netns).ShouldSucceed().Out);
    }

    [IntegrationFact]
    public void Bad_input_is_a_CNI_error_with_its_code_and_leaves_nothing_behind()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        string container = t.AddNamespace();
        string netns = $"/run/netns/{container}";
        string before = HostLinks(t);
        File.WriteAllText($"{t.StateRoot}/not-a-namespace", "");
        (string Config, string? Netns, int Code, string Message)[] cases =
        [
            ("{\"cniVersion\": ", netns, 6, "not valid JSON"),
            (Config(t, version: "9.9.9"), netns, 1, "cniVersion 9.9.9 is not supported"),
            (Config(t, fields: """, "options": {"lacp_speed": "fast"}"""), netns, 7, "unknown bonding option 'lacp_speed'"),
            (Config(t, fields: ", \"xmitHashPolicy\": \"layer9\""), netns, 7, "layer9"),
            (Config(t, links: "\"eth0\", \"eth7\""), netns, 7, "link eth7 does not exist on the host"),
            (Config(t, fields: """, "mtu": 40"""), netns, 7, "mtu 40 is not a number from 68 to 65535"),
            (Config(t), $"{t.StateRoot}/not-a-namespace", 4, "is not a network namespace"),
            (Config(t), "/run/netns/nbi-no-such-namespace", 3, "does not exist"),
            (Config(t).Replace("host-local", "no-such-ipam", StringComparison.Ordinal), netns, 7, "IPAM plugin 'no-such-ipam' not found"),
            // IPAM succeeded and the bond was built, then a route cannot be added: all of it is undone.
            (Config(t, ipam: """, "routes": [{"dst": "198.19.0.0/16", "gw": "198.19.255.1"}]"""), netns, 5, "198.19.0.0/16"),
        ];
        foreach ((string config, string? path, int code, string message) in cases)
        {
            Result r = Plugin(t, "ADD", config, netns: path);
            Assert.True(r.Exit != 0, $"{config}: {r.Out}");
            JsonObject error = Json(r);
            Assert.True(code == (int)error["code"]! && ((string?)error["msg"])!.Contains(message, StringComparison.Ordinal), $"{config}: {r.Out}");
            Assert.Equal(before, HostLinks(t));
            Assert.Equal("no bonds\n", t.NetBond($"-n {netns} status").ShouldSucceed().Out);
            Assert.False(Directory.Exists($"{t.StateRoot}/ipam/bondnet") && Directory.GetFiles($"{t.StateRoot}/ipam/bondnet", "198.*").Length > 0, config);
        }
        Result noId = t.Run($"ip netns exec {t.Host} {Topology.RepositoryRoot}/netbond", Config(t), new Dictionary<string, string> { ["CNI_COMMAND"] = "ADD" });
        Assert.Equal(4, (int)Json(noId)["code"]!);

        // A link that is a member of a NetBond bond on the host is not taken from it.
        t.NetBond("add bond0 mode=active-backup miimon=100").ShouldSucceed();
        t.NetBond("enslave bond0 eth1").ShouldSucceed();
        Result taken = Plugin(t, "ADD", Config(t), netns: netns);
        Assert.Equal(7, (int)Json(taken)["code"]!);
        Assert.Contains("link eth1 is already in the NetBond bond bond0", (string?)Json(taken)["msg"]);
        Assert.Contains("Slave Interface: eth1", t.Status());
        t.NetBond("del bond0").ShouldSucceed();

        // ADD twice: the second is refused and the first stays as it was.
        Plugin(t, "ADD", Config(t), netns: netns).ShouldSucceed();
        Result twice = Plugin(t, "ADD", Config(t), netns: netns);
        Assert.Equal(7, (int)Json(twice)["code"]!);
        Assert.Contains("Slave Interface: eth1", t.NetBond($"-n {netns} status net1").ShouldSucceed().Out);
        Plugin(t, "DEL", Config(t), netns: netns).ShouldSucceed();
        // DEL of what was never added succeeds and changes nothing.
        Plugin(t, "DEL", Config(t), containerId: "never", netns: netns).ShouldSucceed();
        Assert.Equal(before, HostLinks(t));
    }

    [IntegrationFact]
    public void Del_without_the_namespace_gc_status_version_and_older_versions()
    {
        using Topology t = new(members: 4);
        t.StartDaemon();
        t.WaitForDaemon();
        string first = t.AddNamespace();
        string second = t.AddNamespace();
        string gone = t.AddNamespace();

        // 0.4.0: the result speaks 0.4.0 (each address says its IP version).
        JsonObject old = Json(Plugin(t, "ADD", Config(t, version: "0.4.0"), containerId: "a", netns: $"/run/netns/{first}").ShouldSucceed());
        Assert.Equal("0.4.0", (string?)old["cniVersion"]);
        Assert.Equal("4", (string?)old["ips"]![0]!["version"]);
        Plugin(t, "ADD", Config(t, links: "\"eth2\""), containerId: "b", netns: $"/run/netns/{second}").ShouldSucceed();
        Plugin(t, "ADD", Config(t, links: "\"eth3\""), containerId: "c", netns: $"/run/netns/{gone}").ShouldSucceed();

        // The container's namespace is gone (its links with it): DEL still succeeds, and forgets the attachment.
        t.Sh($"ip netns del {gone}");
        Plugin(t, "DEL", Config(t, links: "\"eth3\""), containerId: "c", netns: $"/run/netns/{gone}").ShouldSucceed();
        Assert.Equal(2, Directory.GetFiles($"{t.StateRoot}/cni/bondnet").Length);

        // GC keeps what the runtime lists and deletes the rest: a's links come back, b's bond stays.
        JsonObject gc = JsonNode.Parse(Config(t))!.AsObject();
        gc["cni.dev/valid-attachments"] = new JsonArray(new JsonObject { ["containerID"] = "b", ["ifname"] = "net1" });
        Plugin(t, "GC", gc.ToJsonString()).ShouldSucceed();
        Assert.Contains("eth0", HostLinks(t));
        Assert.Contains("eth1", HostLinks(t));
        Assert.DoesNotContain("eth2", HostLinks(t));
        Assert.Equal("no bonds\n", t.NetBond($"-n /run/netns/{first} status").ShouldSucceed().Out);
        Assert.Contains("Slave Interface: eth2", t.NetBond($"-n /run/netns/{second} status net1").ShouldSucceed().Out);
        Assert.Equal(["198.18.0.11"], Directory.GetFiles($"{t.StateRoot}/ipam/bondnet", "198.*").Select(Path.GetFileName));

        Assert.Equal("", Plugin(t, "STATUS", Config(t)).ShouldSucceed().Out);
        Assert.Equal(1, (int)Json(Plugin(t, "STATUS", Config(t, version: "1.0.0")))["code"]!);
        JsonObject version = Json(Plugin(t, "VERSION", "{\"cniVersion\": \"1.1.0\"}").ShouldSucceed());
        Assert.Equal(["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"], version["supportedVersions"]!.AsArray().Select(v => (string?)v));
        Plugin(t, "DEL", Config(t, links: "\"eth2\""), containerId: "b", netns: $"/run/netns/{second}").ShouldSucceed();
        Assert.Contains("eth2", HostLinks(t));
    }

    /// <summary>linksInContainer: the links are already in the container (put there by earlier plugins); DEL leaves them there, free.</summary>
    [IntegrationFact]
    public void Links_already_in_the_container_are_bonded_there_and_stay()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        string container = t.AddNamespace();
        string netns = $"/run/netns/{container}";
        for (int i = 0; i < 2; i++)
        {
            t.Sh($"ip link add vf{i} netns {container} type veth peer name swv{i} netns {t.Switch}");
            t.Sh($"ip -n {t.Switch} link set swv{i} master br0 && ip -n {t.Switch} link set swv{i} up");
        }
        string before = HostLinks(t);
        string config = Config(t, links: "\"vf0\", \"vf1\"", fields: """, "linksInContainer": true, "failOverMac": 1""");
        JsonObject chained = JsonNode.Parse(config)!.AsObject();
        chained["prevResult"] = JsonNode.Parse($$"""{"cniVersion": "1.1.0", "interfaces": [{"name": "vf0", "sandbox": "{{netns}}"}, {"name": "vf1", "sandbox": "{{netns}}"}]}""");
        JsonObject result = Json(Plugin(t, "ADD", chained.ToJsonString(), netns: netns, ifName: "bond0").ShouldSucceed());
        // The chain's interfaces first, then the bond; the addresses on the bond (index 2).
        Assert.Equal(["vf0", "vf1", "bond0"], result["interfaces"]!.AsArray().Select(i => (string?)i!["name"]));
        Assert.Equal(2, (int)result["ips"]![0]!["interface"]!);
        Assert.Contains("(fail_over_mac active)", t.NetBond($"-n {netns} status bond0").ShouldSucceed().Out);
        Assert.True(Topology.Eventually(() => t.In(container, $"ping -c 1 -W 1 {Topology.PeerAddress}").Exit == 0, 10_000));
        Plugin(t, "DEL", config, netns: netns, ifName: "bond0").ShouldSucceed();
        Assert.Equal(2, t.Sh($"ip -n {container} -o link").Split('\n').Count(l => l.Contains(": vf", StringComparison.Ordinal)));
        Assert.Equal(before, HostLinks(t));
    }
}
