using NetBond.Config;
using NetBond.Core;

namespace NetBond.Tests;

public class ConfigReaderTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    private static NetworkConfiguration Read(string fixture)
    {
        NetworkConfiguration c = NetworkConfiguration.Read(Fixture(fixture));
        Assert.True(c.Problems.Count == 0, string.Join("\n", c.Problems));
        return c;
    }

    private static Dictionary<string, string> Options(NetworkConfiguration c, string bond) =>
        c.Find(bond)!.EffectiveOptions(c.ModuleDefaults).ToDictionary(o => OptionTable.Canonical(o.Name), o => o.Value);

    [Fact]
    public void The_guides_red_hat_example()
    {
        NetworkConfiguration c = Read("guide-redhat");
        BondDefinition bond0 = Assert.Single(c.Bonds);
        Assert.Equal("bond0", bond0.Name);
        Assert.Equal(["eth0", "eth1"], bond0.Members.Select(m => m.Name));
        AddressSetting a = Assert.Single(bond0.Addresses);
        Assert.Equal("192.168.1.1", a.Address.ToString());
        Assert.Equal(24, a.PrefixLength);
        Assert.Equal("192.168.1.255", a.Broadcast!.ToString());
        Assert.True(bond0.OnBoot);
        Assert.False(bond0.Dhcp);
        Assert.Equal(new Dictionary<string, string> { ["miimon"] = "100", ["mode"] = "1" }, Options(c, "bond0"));
    }

    [Fact]
    public void The_guides_second_bond_with_dash_o()
    {
        NetworkConfiguration c = Read("guide-multiple-bonds");
        Assert.Equal(["bond0", "bond1"], c.Bonds.Select(b => b.Name));
        Assert.Equal("100", Options(c, "bond1")["miimon"]);
        Assert.False(c.Find("bond1")!.HasInterfaceFile);
    }

    [Fact]
    public void The_install_form_and_max_bonds()
    {
        NetworkConfiguration c = Read("modprobe-install");
        Assert.Equal(["bond0", "bond1"], c.Bonds.Select(b => b.Name));
        Dictionary<string, string> bond1 = Options(c, "bond1");
        Assert.Equal("balance-xor", bond1["mode"]);
        Assert.Equal("50", bond1["miimon"]);
        Assert.Equal("0", bond1["downdelay"]);
        Assert.DoesNotContain("InterruptThrottleRate", bond1.Keys);
    }

    [Fact]
    public void A_realistic_rhel_file_set_with_shell_quoting()
    {
        NetworkConfiguration c = Read("rhel9");
        BondDefinition bond0 = c.Find("bond0")!;
        Assert.Equal(["ens3", "ens4"], bond0.Members.Select(m => m.Name));
        Assert.Equal("198.18.5.1", bond0.Gateway!.Value.Address.ToString());
        Assert.Equal(9000, bond0.Mtu!.Value.Value);
        Assert.Equal("02:00:5e:10:00:01", bond0.Mac!.Value.Value.ToString());
        Assert.Equal(24, bond0.Addresses[0].PrefixLength);
        Dictionary<string, string> o = Options(c, "bond0");
        Assert.Equal("active-backup", o["mode"]);
        Assert.Equal("100", o["miimon"]);       // the interface file wins over `options bonding miimon=200`
        Assert.Equal("3", o["num_grat_arp"]);    // a module default nobody overrode
        Assert.Equal("ens3", o["primary"]);
        BondDefinition bond1 = c.Find("bond1")!;
        Assert.True(bond1.Dhcp);
        Assert.False(bond1.OnBoot);
    }

    [Fact]
    public void Debian_interfaces_with_includes_both_member_forms_and_both_spellings()
    {
        NetworkConfiguration c = Read("debian");
        BondDefinition bond0 = c.Find("bond0")!;
        Assert.True(bond0.OnBoot);
        Assert.Equal(["eth0", "eth1"], bond0.Members.Select(m => m.Name));
        Assert.Equal(["192.0.2.10/24", "2001:db8::10/64"], bond0.Addresses.Select(a => $"{a.Address}/{a.PrefixLength}"));
        Assert.Equal("192.0.2.1", bond0.Gateway!.Value.Address.ToString());
        Dictionary<string, string> o = Options(c, "bond0");
        Assert.Equal("200", o["updelay"]);
        Assert.Equal("100", o["downdelay"]);
        Assert.Equal("eth1", o["primary"]);
        Assert.Equal("192.0.2.1,192.0.2.2", o["arp_ip_target"]);
        BondDefinition bond1 = c.Find("bond1")!;
        Assert.False(bond1.OnBoot);
        Assert.Equal(["eth3", "eth2"], bond1.Members.Select(m => m.Name).Order().Reverse());
        Assert.Equal("layer3+4", Options(c, "bond1")["xmit_hash_policy"]);
        Assert.Equal(9000, bond1.Mtu!.Value.Value);
        Assert.EndsWith("interfaces.d/bond1:3", bond1.Mtu!.Value.Where.ToString());
    }

    [Fact]
    public void Precedence_module_defaults_then_module_options_then_interface_file()
    {
        NetworkConfiguration c = Read("two-bonds");
        Dictionary<string, string> bond0 = Options(c, "bond0");
        Assert.Equal("100", bond0["miimon"]);
        Assert.Equal("active-backup", bond0["mode"]);
        Assert.Equal("200", bond0["updelay"]);
        Assert.Equal("50", Options(c, "bond1")["miimon"]);
    }

    [Fact]
    public void NetworkManager_keyfiles_as_nmcli_writes_them_with_both_port_spellings()
    {
        NetworkConfiguration c = Read("networkmanager");
        Assert.Equal(["bond0", "bond1"], c.Bonds.Select(b => b.Name).Order(StringComparer.Ordinal));
        BondDefinition bond0 = c.Find("bond0")!;
        Assert.Equal(["eth0", "eth1"], bond0.Members.Select(m => m.Name).Order(StringComparer.Ordinal));
        AddressSetting a = Assert.Single(bond0.Addresses);
        Assert.Equal("198.18.0.1/24", $"{a.Address}/{a.PrefixLength}");
        Assert.Equal("198.18.0.254", bond0.Gateway!.Value.Address.ToString());
        Assert.Equal(1500, bond0.Mtu!.Value.Value);
        Assert.True(bond0.OnBoot);
        Assert.False(bond0.Dhcp);
        Assert.Equal(new Dictionary<string, string> { ["miimon"] = "100", ["mode"] = "active-backup", ["updelay"] = "200" }, Options(c, "bond0"));
        BondDefinition bond1 = c.Find("bond1")!;
        Assert.False(bond1.OnBoot);
        Assert.True(bond1.Dhcp);
        Assert.Equal(["eth2"], bond1.Members.Select(m => m.Name));
        Assert.Equal("fast", Options(c, "bond1")["lacp_rate"]);
        Assert.Equal("NetworkManager", bond1.Description!.Value.Format);
    }

    [Fact]
    public void Systemd_networkd_netdev_with_drop_in_and_network_files_first_match_wins()
    {
        NetworkConfiguration c = Read("networkd");
        Assert.Equal(["bond0", "bond1"], c.Bonds.Select(b => b.Name).Order(StringComparer.Ordinal));
        BondDefinition bond0 = c.Find("bond0")!;
        Assert.Equal(["eth0", "eth1"], bond0.Members.Select(m => m.Name));
        Assert.Equal("198.18.0.1/24", $"{bond0.Addresses[0].Address}/{bond0.Addresses[0].PrefixLength}");
        Assert.Equal("198.18.0.254", bond0.Gateway!.Value.Address.ToString());
        Assert.Equal(1500, bond0.Mtu!.Value.Value);
        Assert.True(bond0.OnBoot);
        Dictionary<string, string> o = Options(c, "bond0");
        Assert.Equal("100", o["miimon"]);
        Assert.Equal("200", o["updelay"]);
        Assert.Equal("layer3+4", o["xmit_hash_policy"]);
        Assert.Equal("198.18.0.2,198.18.0.3", o["arp_ip_target"]);
        Assert.DoesNotContain("primary", o.Keys);
        Dictionary<string, string> o1 = Options(c, "bond1");
        Assert.Equal("50", o1["miimon"]);
        Assert.Equal("1", o1["all_slaves_active"]);
        Assert.Equal("2", o1["lp_interval"]);
        Assert.Equal("eth2", o1["primary"]);
        Assert.True(c.Find("bond1")!.Dhcp);
    }

    [Fact]
    public void Netplan_bonds_with_matched_member_names_and_a_later_file_overriding()
    {
        NetworkConfiguration c = Read("netplan");
        Assert.Equal(["bond0", "bond1"], c.Bonds.Select(b => b.Name).Order(StringComparer.Ordinal));
        BondDefinition bond0 = c.Find("bond0")!;
        Assert.Equal(["eth0", "eth1"], bond0.Members.Select(m => m.Name));
        Assert.Equal(["198.18.0.1/24", "198.18.0.5/24"], bond0.Addresses.Select(a => $"{a.Address}/{a.PrefixLength}"));
        Assert.Equal("198.18.0.254", bond0.Gateway!.Value.Address.ToString());
        Dictionary<string, string> o = Options(c, "bond0");
        Assert.Equal("active-backup", o["mode"]);
        Assert.Equal("100", o["miimon"]);
        Assert.Equal("300", o["updelay"]);
        Assert.Equal("eth0", o["primary"]);
        Assert.Contains(c.Notes, n => n.Message.Contains("nameservers", StringComparison.Ordinal) && n.Where.Line == 17);
        Dictionary<string, string> o1 = Options(c, "bond1");
        Assert.Equal("1000", o1["miimon"]);
        Assert.Equal("2", o1["lp_interval"]);
        Assert.Equal("1", o1["all_slaves_active"]);
        Assert.True(c.Find("bond1")!.Dhcp);
    }
}
