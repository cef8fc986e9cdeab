using NetBond.Config;

namespace NetBond.Tests;

/// <summary>Each broken file is reported at its file and line, and nothing else is made of it.</summary>
public sealed class MalformedConfigTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("netbond-config-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private string Write(string path, string text)
    {
        string full = Path.Join(_root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return full;
    }

    private void AssertProblem(string file, int line, string message)
    {
        NetworkConfiguration c = NetworkConfiguration.Read(_root);
        Assert.Contains(c.Problems, p => p.Where.File == file && p.Where.Line == line && p.Message.Contains(message, StringComparison.Ordinal));
        Assert.All(c.Problems, p => Assert.StartsWith(file, p.ToString(), StringComparison.Ordinal));
    }

    private const string Ifcfg = "/etc/sysconfig/network-scripts/ifcfg-bond0";
    private const string Interfaces = "/etc/network/interfaces";
    private const string Modprobe = "/etc/modprobe.d/bonding.conf";

    [Fact]
    public void Unknown_option_in_bonding_opts() =>
        AssertProblem(Write(Ifcfg, "DEVICE=bond0\nTYPE=Bond\nBONDING_OPTS=\"mode=1 frobnicate=3\"\n"), 3, "unknown bonding option 'frobnicate'");

    [Fact]
    public void Bad_value_in_bonding_opts() =>
        AssertProblem(Write(Ifcfg, "DEVICE=bond0\nTYPE=Bond\n\nBONDING_OPTS='mode=active-backup miimon=often'\n"), 4, "option miimon: invalid value (often)");

    [Fact]
    public void Updelay_without_miimon_is_refused_where_it_is_written() =>
        AssertProblem(Write(Interfaces, "auto bond0\niface bond0 inet manual\n  bond-slaves eth0\n  bond-updelay 200\n"), 4, "MII monitoring is disabled");

    [Fact]
    public void Bad_ipaddr() =>
        AssertProblem(Write(Ifcfg, "DEVICE=bond0\nTYPE=Bond\nIPADDR=198.18.0.300\n"), 3, "IPADDR '198.18.0.300' is not an IPv4 address");

    [Fact]
    public void Bad_netmask() =>
        AssertProblem(Write(Ifcfg, "DEVICE=bond0\nTYPE=Bond\nIPADDR=198.18.0.1\nNETMASK=255.0.255.0\n"), 4, "NETMASK '255.0.255.0' is not a netmask");

    [Fact]
    public void Network_that_does_not_match_the_address() =>
        AssertProblem(Write(Ifcfg, "DEVICE=bond0\nTYPE=Bond\nIPADDR=198.18.0.1\nNETMASK=255.255.255.0\nNETWORK=198.18.1.0\n"), 5, "does not match");

    [Fact]
    public void Unterminated_quote() =>
        AssertProblem(Write(Ifcfg, "DEVICE=bond0\nTYPE=Bond\nBONDING_OPTS=\"mode=1\n"), 3, "unterminated double quote");

    [Fact]
    public void Shell_expansion() =>
        AssertProblem(Write(Ifcfg, "DEVICE=bond0\nTYPE=Bond\nIPADDR=$ADDR\n"), 3, "expansions");

    [Fact]
    public void Not_an_assignment() =>
        AssertProblem(Write(Ifcfg, "DEVICE=bond0\nTYPE=Bond\nthis is not shell\n"), 3, "expected KEY=value");

    [Fact]
    public void Member_claimed_by_two_bonds()
    {
        string file = Write(Interfaces, "auto bond0\niface bond0 inet manual\n  bond-slaves eth0\n\nauto bond1\niface bond1 inet manual\n  bond-slaves eth0\n");
        AssertProblem(file, 7, "eth0 is claimed by bond1 and by bond0");
    }

    [Fact]
    public void Bad_debian_address() =>
        AssertProblem(Write(Interfaces, "iface bond0 inet static\n  address 198.18.0.1/40\n  bond-mode 1\n"), 2, "address '198.18.0.1/40'");

    [Fact]
    public void Option_outside_a_stanza() =>
        AssertProblem(Write(Interfaces, "auto bond0\n  address 198.18.0.1/24\n"), 2, "outside of an iface stanza");

    [Fact]
    public void Unknown_bond_option_in_debian_syntax() =>
        AssertProblem(Write(Interfaces, "iface bond0 inet manual\n  bond-slaves eth0\n  bond-frobnicate 1\n"), 3, "unknown bonding option 'frobnicate'");

    [Fact]
    public void Bad_module_option() =>
        AssertProblem(Write(Modprobe, "alias bond0 bonding\noptions bond0 mode=9\n"), 2, "option mode: invalid value (9)");

    [Fact]
    public void Module_option_without_value() =>
        AssertProblem(Write(Modprobe, "alias bond0 bonding\noptions bond0 miimon\n"), 2, "'miimon' is not an option=value pair");

    [Fact]
    public void Bonds_that_are_members_of_each_other() =>
        AssertProblem(Write(Interfaces, "iface bond0 inet manual\n  bond-slaves bond1\niface bond1 inet manual\n  bond-slaves bond0\n"), 2,
            "bond1 cannot be a member of bond0: bond0 is a member of it, directly or through another bond");

    /// <summary>Bonds nest: a bond that is a member of another is brought up first, wherever the files describe it.</summary>
    [Fact]
    public void A_bond_that_is_a_member_of_another_comes_first()
    {
        Write(Interfaces, "iface bond0 inet manual\n  bond-slaves bond1 eth2\n  bond-mode active-backup\niface bond1 inet manual\n  bond-slaves eth0 eth1\n");
        NetworkConfiguration config = NetworkConfiguration.Read(_root);
        Assert.Empty(config.Problems);
        Assert.Equal(["bond1", "bond0"], config.Bonds.Select(b => b.Name));
    }

    private NetworkConfiguration ReadWithin(int seconds = 10)
    {
        Task<NetworkConfiguration> read = Task.Run(() => NetworkConfiguration.Read(_root));
        Assert.True(read.Wait(TimeSpan.FromSeconds(seconds)), "reading the configuration hung");
        return read.Result;
    }

    [Fact]
    public void A_symlink_loop_and_a_dangling_link_in_a_source_directory_are_problems_not_crashes()
    {
        Write(Interfaces, "source-directory /etc/network/interfaces.d\n");
        string dir = Path.Join(_root, "/etc/network/interfaces.d");
        Directory.CreateDirectory(dir);
        File.CreateSymbolicLink(Path.Join(dir, "loop"), Path.Join(dir, "loop"));
        File.CreateSymbolicLink(Path.Join(dir, "dangling"), Path.Join(dir, "nothing-here"));
        NetworkConfiguration c = ReadWithin();
        Assert.Contains(c.Problems, p => p.Where.File.EndsWith("/loop", StringComparison.Ordinal) && p.Message.Contains("cannot follow the link", StringComparison.Ordinal));
        Assert.Contains(c.Problems, p => p.Where.File.EndsWith("/dangling", StringComparison.Ordinal) && p.Message.Contains("a link to nothing", StringComparison.Ordinal));
    }

    [Fact]
    public void A_fifo_is_not_read_and_nothing_hangs()
    {
        Write(Interfaces, "source /etc/network/pipe\n");
        System.Diagnostics.Process.Start("mkfifo", Path.Join(_root, "/etc/network/pipe"))!.WaitForExit();
        NetworkConfiguration c = ReadWithin();
        Assert.Contains(c.Problems, p => p.Message.Contains("not a regular file", StringComparison.Ordinal));
    }

    [Fact]
    public void Nothing_outside_the_root_is_read_by_source_or_by_a_link()
    {
        Write(Interfaces, "source ../../../../../../../../etc/hostname\nsource /etc/network/escape\n");
        File.CreateSymbolicLink(Path.Join(_root, "/etc/network/escape"), "/dev/zero");
        NetworkConfiguration c = ReadWithin();
        Assert.Equal(2, c.Problems.Count(p => p.Message.Contains("leads outside of", StringComparison.Ordinal)));
    }

    [Fact]
    public void Huge_binary_and_endless_input_is_bounded()
    {
        Write(Modprobe, "alias bond0 bonding\noptions bond0 miimon=" + new string('9', 300_000) + "x\n");
        NetworkConfiguration c = ReadWithin();
        Assert.NotEmpty(c.Problems);
        Assert.All(c.Problems, p => Assert.True(p.Message.Length <= 241, $"a {p.Message.Length}-character message"));
        Write(Modprobe, "options bond0\0\u0001\u0002 garbage\n");
        Assert.Contains(ReadWithin().Problems, p => p.Message == "a binary file, not a configuration file");
        Write(Modprobe, new string('#', 2 << 20));
        Assert.Contains(ReadWithin().Problems, p => p.Message.Contains("larger than any configuration file", StringComparison.Ordinal));
        Write(Modprobe, "alias bond0 bonding\n" + string.Concat(Enumerable.Range(0, 500).Select(i => $"options bond0 frob{i}=1\n")));
        c = ReadWithin();
        Assert.Equal(NetworkConfiguration.MaxProblems, c.Problems.Count);
        Assert.Equal(500 - NetworkConfiguration.MaxProblems, c.MoreProblems);
    }

    private const string Keyfile = "/etc/NetworkManager/system-connections/bond0.nmconnection";

    [Fact]
    public void Keyfile_line_that_is_no_key_value() =>
        AssertProblem(Write(Keyfile, "[connection]\ntype=bond\ninterface-name=bond0\n[bond]\nmode active-backup\n"), 5, "neither a [section] nor a key=value line");

    [Fact]
    public void Keyfile_unknown_option_and_bad_value()
    {
        string file = Write(Keyfile, "[connection]\ntype=bond\ninterface-name=bond0\n[bond]\nmode=1\nmiimon=often\nfrobnicate=1\n");
        AssertProblem(file, 7, "unknown bonding option 'frobnicate'");
        AssertProblem(file, 6, "option miimon: invalid value (often)");
    }

    [Fact]
    public void Keyfile_bad_address() =>
        AssertProblem(Write(Keyfile, "[connection]\ntype=bond\ninterface-name=bond0\n[ipv4]\nmethod=manual\naddress1=198.18.0.300/24\n"), 6, "is not an IPv4 ADDRESS/PREFIX");

    [Fact]
    public void Two_formats_describing_one_bond_differently_name_both_files()
    {
        string ifcfg = Write(Ifcfg, "DEVICE=bond0\nTYPE=Bond\nBONDING_OPTS=\"mode=1 miimon=100\"\n");
        string keyfile = Write(Keyfile, "[connection]\ntype=bond\ninterface-name=bond0\n[bond]\nmode=balance-rr\nmiimon=100\n");
        NetworkConfiguration c = NetworkConfiguration.Read(_root);
        ConfigProblem p = Assert.Single(c.Problems);
        Assert.Equal(keyfile, p.Where.File);
        Assert.Contains($"bond0 is described by Red Hat network-scripts ({ifcfg}:1) and differently by NetworkManager", p.Message, StringComparison.Ordinal);
        // The same bond said the same way in both is fine.
        Write(Keyfile, "[connection]\ntype=bond\ninterface-name=bond0\n[bond]\nmode=active-backup\nmiimon=100\n");
        Assert.Empty(NetworkConfiguration.Read(_root).Problems);
    }

    private const string Netdev = "/etc/systemd/network/10-bond0.netdev";

    [Fact]
    public void Netdev_unknown_setting_bad_time_and_bad_value()
    {
        string file = Write(Netdev, "[NetDev]\nName=bond0\nKind=bond\n[Bond]\nMode=active-backup\nMIIMonitorSec=soon\nFrobnicate=1\nUpDelaySec=1s\n");
        AssertProblem(file, 6, "MIIMonitorSec='soon' is not a time span");
        AssertProblem(file, 7, "unknown [Bond] setting 'Frobnicate'");
        AssertProblem(file, 8, "option updelay");
    }

    [Fact]
    public void Network_member_pattern_is_refused_with_its_line()
    {
        Write(Netdev, "[NetDev]\nName=bond0\nKind=bond\n");
        AssertProblem(Write("/etc/systemd/network/20-members.network", "[Match]\nName=en*\n[Network]\nBond=bond0\n"), 2, "Name=en* is a pattern");
    }

    private const string Netplan = "/etc/netplan/01-bond.yaml";

    [Fact]
    public void Netplan_broken_yaml_at_its_line_or_at_the_top_when_the_parser_gives_none()
    {
        AssertProblem(Write(Netplan, "network:\n  bonds:\n    bond0:\n      mode: a: b\n"), 4, "not valid YAML");
        AssertProblem(Write(Netplan, "network:\n  bonds:\n    bond0:\n      interfaces: [eth0, eth1\n      parameters: {mode: 1}\n"), 1, "not valid YAML");
    }

    /// <summary>A file nested 300 000 deep (the tree is built by recursion: it overflowed the stack) and a mapping key made of nested aliases (exponential to compare).</summary>
    [Fact]
    public void Netplan_nested_too_deep_or_keyed_by_aliases_is_refused_at_once()
    {
        AssertProblem(Write(Netplan, "network:\n  bonds: " + new string('[', 300_000) + new string(']', 300_000) + "\n"), 2, "nested deeper than 64 levels");
        string aliases = "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + string.Join("", Enumerable.Range(1, 9).Select(i => $"{(char)('a' + i)}: &{(char)('a' + i)} [{string.Join(", ", Enumerable.Repeat("*" + (char)('a' + i - 1), 9))}]\n"))
            + "network:\n  bonds:\n    ? *j\n    : 1\n";
        AssertProblem(Write(Netplan, aliases), 13, "a mapping key must be a plain value");
        // Anchors and aliases where values go are YAML as usual.
        Write(Netplan, "network:\n  bonds:\n    bond0:\n      interfaces: &ports [eth0, eth1]\n    bond1:\n      interfaces: [eth2]\n      parameters: {mode: active-backup}\n");
        Assert.Empty(NetworkConfiguration.Read(_root).Problems);
    }

    [Fact]
    public void Netplan_unknown_parameter_bad_time_and_bad_value()
    {
        string file = Write(Netplan, "network:\n  bonds:\n    bond0:\n      interfaces: [eth0]\n      parameters:\n        mode: active-backup\n        mii-monitor-interval: soon\n        frobnicate: 1\n        primary-reselect-policy: sometimes\n");
        AssertProblem(file, 7, "mii-monitor-interval: 'soon' is not a time");
        AssertProblem(file, 8, "unknown bond parameter 'frobnicate'");
        AssertProblem(file, 9, "option primary_reselect: invalid value (sometimes)");
    }

    [Fact]
    public void Netplan_member_matched_by_mac_only() =>
        AssertProblem(Write(Netplan, "network:\n  ethernets:\n    port1:\n      match:\n        macaddress: 02:00:00:00:00:01\n  bonds:\n    bond0:\n      interfaces: [port1]\n"), 8, "matched by MAC address only");
}
