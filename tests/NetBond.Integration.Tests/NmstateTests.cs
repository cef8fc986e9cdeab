namespace NetBond.Integration.Tests;

/// <summary>`netbond apply` of nmstate's desired state and `show --nmstate`, on the test's host namespace.</summary>
public class NmstateTests
{
    private static string State(string miimon, string priority, string state = "up") => $"""
        interfaces:
        - name: bond0
          type: bond
          state: {state}
          mtu: 1400
          ipv4:
            enabled: true
            address:
            - ip: {Topology.BondAddress}
              prefix-length: 24
          link-aggregation:
            mode: active-backup
            options:
              miimon: {miimon}
              primary: eth1
            port: [eth0, eth1]
            ports-config:
            - name: eth0
              priority: {priority}
        """;

    [IntegrationFact]
    public void Apply_builds_show_nmstate_gives_it_back_unchanged_changes_are_live_and_absent_takes_it_down()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        // eth0 as it is, but for its qdisc (which says only whether the link was ever up).
        string before = t.Sh($"ip -n {t.Host} -o link show eth0 | sed 's/qdisc [a-z]* //'");
        Assert.Equal("bond0 is up\n", t.Run($"ip netns exec {t.Host} {Topology.NetBondExe} apply -", State("100", "5")).ShouldSucceed().Out);
        Assert.True(Topology.Eventually(() => t.Ping(1), 10_000));
        Assert.Contains("Currently Active Slave: eth1", t.Status());
        Assert.Contains("mtu 1400", t.Sh($"ip -n {t.Host} link show bond0"));

        // What show --nmstate prints, applied, changes nothing.
        string shown = t.NetBond("show --nmstate").ShouldSucceed().Out;
        Assert.Contains("      primary: \"eth1\"", shown);
        Assert.Contains("    - name: \"eth0\"\n      priority: 5", shown);
        Assert.Equal("bond0: unchanged\n", t.Run($"ip netns exec {t.Host} {Topology.NetBondExe} apply -", shown).ShouldSucceed().Out);

        // A changed option and a port's priority are set on the running bond: no rebuild, the same link; the state names
        // only IPv4, so an IPv6 address added meanwhile stays.
        t.Sh($"ip -n {t.Host} addr add 2001:db8::1/64 dev bond0 nodad");
        string index = t.Sh($"ip netns exec {t.Host} cat /sys/class/net/bond0/ifindex");
        Assert.Equal("bond0: miimon 50\nbond0: prio eth0:7\n", t.Run($"ip netns exec {t.Host} {Topology.NetBondExe} apply -", State("50", "7")).ShouldSucceed().Out);
        Assert.Equal(index, t.Sh($"ip netns exec {t.Host} cat /sys/class/net/bond0/ifindex"));
        Assert.Contains("MII Polling Interval (ms): 50", t.Status());
        Assert.Contains("2001:db8::1/64", t.Sh($"ip -n {t.Host} addr show bond0"));

        // A state with a problem changes nothing.
        Result bad = t.Run($"ip netns exec {t.Host} {Topology.NetBondExe} apply -", State("fast", "7"));
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("nothing was applied", bad.Err);
        Assert.Contains("MII Polling Interval (ms): 50", t.Status());

        Assert.Equal("bond0 is down\n", t.Run($"ip netns exec {t.Host} {Topology.NetBondExe} apply -", State("50", "7", "absent")).ShouldSucceed().Out);
        Assert.Equal("no bonds\n", t.NetBond("status").ShouldSucceed().Out);
        Assert.Equal(before, t.Sh($"ip -n {t.Host} -o link show eth0 | sed 's/qdisc [a-z]* //'"));
    }
}
