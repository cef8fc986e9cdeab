using System.Net.Sockets;
using NetBond.Config;

namespace NetBond.Tests;

/// <summary>nmstate's desired state as `netbond apply` reads it: what becomes of each field, what is noted, what is refused where.</summary>
public class NmstateReaderTests
{
    private static NetworkConfiguration Read(string yaml) => NetworkConfiguration.ReadNmstate("state.yml", yaml);

    [Fact]
    public void A_bond_with_options_ports_their_config_and_addresses()
    {
        NetworkConfiguration c = Read("""
            interfaces:
            - name: bond0
              type: bond
              state: up
              mtu: 9000
              mac-address: 02:00:00:00:00:10
              description: uplink
              ipv6:
                enabled: true
                address:
                - ip: 2001:db8::1
                  prefix-length: 64
              link-aggregation:
                mode: 802.3ad
                options:
                  lacp_rate: fast
                  miimon: 100
                  arp_ip_target: [198.18.0.1, 198.18.0.2]
                ports: [eth1, eth2]
                ports-config:
                - name: eth1
                  priority: 10
                  queue-id: 1
            - name: eth1
              type: ethernet
            - name: bond9
              type: bond
              state: absent
            """);
        Assert.Empty(c.Problems);
        BondDefinition b = Assert.Single(c.Bonds);
        Assert.Equal(
            ["mode=802.3ad", "lacp_rate=fast", "miimon=100", "arp_ip_target=198.18.0.1,198.18.0.2", "prio=eth1:10", "queue_id=eth1:1"],
            b.InterfaceOptions.Select(o => $"{o.Name}={o.Value}"));
        Assert.Equal(["eth1", "eth2"], b.Members.Select(m => m.Name));
        Assert.Equal(9000, b.Mtu!.Value.Value);
        Assert.Equal("02:00:00:00:00:10", b.Mac!.Value.Value.ToString());
        Assert.Equal("2001:db8::1/64", Assert.Single(b.Addresses) is { } a ? $"{a.Address}/{a.PrefixLength}" : "");
        // Only IPv6 is described: the bond's IPv4 addresses are left as they are.
        Assert.Equal([AddressFamily.InterNetworkV6], b.AddressFamilies!);
        Assert.Equal(["bond9"], c.Absent.Select(x => x.Name));
        Assert.Equal(["state.yml:7: note: bond0: description: nmstate's own; ignored", "state.yml:24: note: eth1: type 'ethernet' is not a bond; left to others"],
            c.Notes.Select(n => $"{n.Where}: note: {n.Message}"));
    }

    [Theory]
    [InlineData("bonds: []", "state.yml:1: an nmstate state has a list of interfaces")]
    [InlineData("interfaces: [{name: bond0, type: bond, mtu: 9, link-aggregation: {mode: balance-rr}}]", "bond0: mtu '9' is not a number from 68 to 65535")]
    [InlineData("interfaces: [{name: bond0, type: bond, link-aggregation: {port: [eth0]}}]", "bond0: link-aggregation: mode is missing")]
    [InlineData("interfaces: [{name: bond0, type: bond, link-aggregation: {mode: 9}}]", "bond0: option mode: invalid value (9)")]
    [InlineData("interfaces: [{name: bond0, type: bond, link-aggregation: {mode: balance-rr, options: {speed: 1}}}]", "unknown bonding option 'speed'")]
    [InlineData("interfaces: [{name: bond0, type: bond, link-aggregation: {mode: balance-rr, members: [eth0]}}]", "'members' is not mode, options, port or ports-config")]
    [InlineData("interfaces: [{name: bond0, type: bond, bridge: {}, link-aggregation: {mode: balance-rr}}]", "bond0: 'bridge' is not a setting of a bond")]
    [InlineData("interfaces: [{name: bond0, type: bond, ipv4: {address: [{ip: 2001:db8::1, prefix-length: 64}]}, link-aggregation: {mode: balance-rr}}]", "an address is ip (of IPv4)")]
    [InlineData("interfaces: [{name: bond0, type: bond, state: sleeping, link-aggregation: {mode: balance-rr}}]", "state 'sleeping' is not up, down or absent")]
    [InlineData("interfaces: [{name: bond0, type: bond, link-aggregation: {mode: balance-rr}}, {name: bond0, type: bond, state: absent}]", "bond0 is both up and absent")]
    [InlineData("interfaces: [{name: bond0, type: bond, link-aggregation: {mode: balance-rr, port: [eth0]}}, {name: bond1, type: bond, link-aggregation: {mode: balance-rr, port: [eth0]}}]", "eth0 is claimed by bond1 and by bond0")]
    [InlineData("interfaces: [{name: 'a/b', type: bond}]", "an interface needs a valid name, not 'a/b'")]
    [InlineData("interfaces: [ {name: bond0", "not valid YAML")]
    public void Problems_are_reported_at_their_line_and_nothing_is_applied(string yaml, string problem)
    {
        NetworkConfiguration c = Read(yaml);
        Assert.Contains(c.Problems, p => p.ToString().Contains(problem, StringComparison.Ordinal));
        Assert.All(c.Problems, p => Assert.StartsWith("state.yml:", p.ToString(), StringComparison.Ordinal));
    }
}
