using System.Text;
using System.Text.Json.Nodes;
using NetBond.Cni;

namespace NetBond.Tests;

/// <summary>The CNI plugin's configuration and results, without a host: what bond-cni's fields mean, what is refused, how each version prints.</summary>
public class CniConfigTests
{
    private static CniConfig Parse(string json) => CniConfig.Parse(Encoding.UTF8.GetBytes(json));

    private static int Refused(string json) => Assert.Throws<CniException>(() => Parse(json)).Code;

    [Fact]
    public void Bond_cni_fields_become_kernel_options_and_options_come_last()
    {
        CniConfig c = Parse("""
            {"cniVersion": "0.3.1", "name": "n", "type": "netbond", "mode": "802.3ad", "miimon": 100, "failOverMac": 1,
             "allSlavesActive": 1, "xmitHashPolicy": "layer3+4", "mtu": 9000, "linksInContainer": true,
             "links": [{"name": "net1"}, {"name": "net2"}],
             "options": {"lacp_rate": "fast", "arp_ip_target": ["198.18.0.1", "198.18.0.2"], "use_carrier": true, "miimon": "50"}}
            """);
        Assert.Equal(
            ["mode=802.3ad", "miimon=100", "fail_over_mac=1", "all_slaves_active=1", "xmit_hash_policy=layer3+4",
             "lacp_rate=fast", "arp_ip_target=198.18.0.1,198.18.0.2", "use_carrier=1", "miimon=50"],
            c.Options.Select(o => $"{o.Name}={o.Value}"));
        Assert.Equal(["net1", "net2"], c.Links);
        Assert.True(c.LinksInContainer);
        Assert.Equal(9000, c.Mtu);
        Assert.Null(c.IpamType);
        // Checked as the kernel checks them: tlb_dynamic_lb belongs to balance-tlb and balance-alb.
        Assert.Equal("tlb_dynamic_lb=0", Parse("""{"cniVersion": "1.0.0", "name": "n", "type": "netbond", "mode": "balance-tlb", "tlbDynamicLb": 0, "links": [{"name": "a"}]}""")
            .Options.Select(o => $"{o.Name}={o.Value}").Last());
        Assert.Equal(CniException.InvalidConfig, Refused("""{"cniVersion": "1.0.0", "name": "n", "type": "netbond", "mode": "802.3ad", "tlbDynamicLb": 0, "links": [{"name": "a"}]}"""));
    }

    [Theory]
    [InlineData("[1]", CniException.DecodeFailure)]
    [InlineData("{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"bond\", \"links\": [{\"name\": \"a\"}]}", CniException.InvalidConfig)]
    [InlineData("{\"cniVersion\": \"2.0.0\", \"name\": \"n\", \"type\": \"netbond\", \"links\": [{\"name\": \"a\"}]}", CniException.IncompatibleVersion)]
    [InlineData("{\"cniVersion\": \"1.1.0\", \"type\": \"netbond\", \"links\": [{\"name\": \"a\"}]}", CniException.InvalidConfig)]
    [InlineData("{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"netbond\", \"links\": []}", CniException.InvalidConfig)]
    [InlineData("{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"netbond\", \"links\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}", CniException.InvalidConfig)]
    [InlineData("{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"netbond\", \"links\": [{\"name\": \"a/b\"}]}", CniException.InvalidConfig)]
    [InlineData("{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"netbond\", \"mode\": \"fastest\", \"links\": [{\"name\": \"a\"}]}", CniException.InvalidConfig)]
    [InlineData("{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"netbond\", \"miimon\": [1], \"links\": [{\"name\": \"a\"}]}", CniException.InvalidConfig)]
    [InlineData("{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"netbond\", \"options\": {\"lacp_speed\": 1}, \"links\": [{\"name\": \"a\"}]}", CniException.InvalidConfig)]
    [InlineData("{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"netbond\", \"options\": [\"miimon=1\"], \"links\": [{\"name\": \"a\"}]}", CniException.InvalidConfig)]
    [InlineData("{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"netbond\", \"linksInContainer\": \"yes\", \"links\": [{\"name\": \"a\"}]}", CniException.InvalidConfig)]
    [InlineData("{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"netbond\", \"ipam\": {\"type\": \"../x\"}, \"links\": [{\"name\": \"a\"}]}", CniException.InvalidConfig)]
    public void Bad_configurations_are_refused_with_their_code(string json, int code) => Assert.Equal(code, Refused(json));

    [Fact]
    public void A_result_prints_in_the_version_asked_for()
    {
        CniResult r = CniResult.Parse(JsonNode.Parse("""
            {"cniVersion": "0.4.0", "interfaces": [{"name": "bond0", "mac": "02:00:00:00:00:01", "sandbox": "/run/netns/x"}],
             "ips": [{"version": "4", "address": "198.18.0.10/24", "gateway": "198.18.0.1", "interface": 0},
                     {"version": "6", "address": "2001:db8::10/64"}],
             "routes": [{"dst": "0.0.0.0/0"}], "dns": {"nameservers": ["198.18.0.53"]}}
            """)!.AsObject(), "test");
        r.Interfaces[0] = r.Interfaces[0] with { Mtu = 1500 };
        Assert.Equal(
            """{"cniVersion":"1.1.0","interfaces":[{"name":"bond0","mac":"02:00:00:00:00:01","mtu":1500,"sandbox":"/run/netns/x"}],"ips":[{"address":"198.18.0.10/24","gateway":"198.18.0.1","interface":0},{"address":"2001:db8::10/64"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["198.18.0.53"]}}""",
            r.Render("1.1.0"));
        Assert.Equal(
            """{"cniVersion":"0.4.0","interfaces":[{"name":"bond0","mac":"02:00:00:00:00:01","sandbox":"/run/netns/x"}],"ips":[{"version":"4","address":"198.18.0.10/24","gateway":"198.18.0.1","interface":0},{"version":"6","address":"2001:db8::10/64"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["198.18.0.53"]}}""",
            r.Render("0.4.0"));
        Assert.Equal(CniException.DecodeFailure,
            Assert.Throws<CniException>(() => CniResult.Parse(JsonNode.Parse("""{"ips": [{"address": "198.18.0.10"}]}""")!.AsObject(), "test")).Code);
    }
}
