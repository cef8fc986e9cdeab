namespace NetBond.Integration.Tests;

[Trait(DataPaths.Trait, DataPaths.Both)]
public class ConfigUpDownTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    /// <summary>Name, flags, MTU, state and MAC of each member; the default qdisc a first `up` attaches (noop → noqueue) is the kernel's doing.</summary>
    private static string Links(Topology t) =>
        string.Join('\n', t.Members.Select(m => System.Text.RegularExpressions.Regex.Replace(
            t.In(t.Host, $"ip -o link show {m}").Out.Trim(), @"qdisc \S+ ", "")));

    [IntegrationFact]
    public void Two_bonds_come_up_from_files_reach_the_peer_and_go_down_leaving_members_as_before()
    {
        using Topology t = new(members: 4);
        t.Sh($"ip -n {t.Peer} addr add 198.18.1.2/24 dev eth0");
        t.Sh($"ip -n {t.Host} link set eth3 mtu 1400 up");
        string before = Links(t);
        t.StartDaemon();
        t.WaitForDaemon();

        Result up = t.NetBond($"up --all --root {Fixture("two-bonds")}").ShouldSucceed();
        Assert.Contains("bond0 is up", up.Out);
        Assert.Contains("bond1 is up", up.Out);
        Assert.True(t.Ping());
        Assert.Equal(0, t.In(t.Host, "ping -c 3 -i 0.2 -W 1 198.18.1.2").Exit);
        string bond0 = t.Status();
        Assert.Contains("Bonding Mode: fault-tolerance (active-backup)", bond0);
        Assert.Contains("MII Polling Interval (ms): 100", bond0);
        Assert.Contains("Up Delay (ms): 200", bond0);
        string bond1 = t.NetBond("status bond1").ShouldSucceed().Out;
        Assert.Contains("Bonding Mode: load balancing (round-robin)", bond1);
        Assert.Contains("MII Polling Interval (ms): 50", bond1);
        Assert.Contains("brd 198.18.0.255", t.In(t.Host, "ip -4 addr show bond0").Out);

        Assert.Contains("bond0 is already up", t.NetBond($"up bond0 --root {Fixture("two-bonds")}").ShouldSucceed().Out);

        Result down = t.NetBond($"down --all --root {Fixture("two-bonds")}").ShouldSucceed();
        Assert.Contains("bond1 is down", down.Out);
        Assert.Equal(before, Links(t));
        Assert.DoesNotContain("bond", t.In(t.Host, "ip -o link").Out);
        Assert.Contains("bond0 is not up", t.NetBond($"down bond0 --root {Fixture("two-bonds")}").ShouldSucceed().Out);
    }

    [IntegrationTheory]
    [InlineData("networkmanager", "bond0", 200)]
    [InlineData("networkd", "bond0 bond1", 200)]
    [InlineData("netplan", "bond0 bond1", 300)]
    public void Bonds_come_up_from_networkmanager_networkd_and_netplan_files_and_go_down_leaving_members_as_before(string fixture, string bonds, int updelay)
    {
        using Topology t = new(members: 3);
        string before = Links(t);
        t.StartDaemon();
        t.WaitForDaemon();
        Result up = t.NetBond($"up --all --root {Fixture(fixture)}").ShouldSucceed();
        Assert.Equal(bonds, string.Join(" ", System.Text.RegularExpressions.Regex.Matches(up.Out, @"(bond\d) is up").Select(m => m.Groups[1].Value)));
        Assert.True(t.Ping());
        string bond0 = t.Status();
        Assert.Contains("Bonding Mode: fault-tolerance (active-backup)", bond0);
        Assert.Contains("MII Polling Interval (ms): 100", bond0);
        Assert.Contains($"Up Delay (ms): {updelay}", bond0);
        Assert.Contains("default via 198.18.0.254 dev bond0", t.In(t.Host, "ip route").Out);
        if (bonds.Contains("bond1", StringComparison.Ordinal))
        {
            string bond1 = t.NetBond("status bond1").ShouldSucceed().Out;
            Assert.Contains("Bonding Mode: adaptive load balancing", bond1);
            Assert.Contains("Primary Slave: eth2", bond1);
        }
        t.NetBond($"down --all --root {Fixture(fixture)}").ShouldSucceed();
        Assert.Equal(before, Links(t));
    }

    [IntegrationFact]
    public void A_broken_file_makes_up_fail_with_its_name_and_applies_nothing()
    {
        using Topology t = new();
        string root = Directory.CreateTempSubdirectory("netbond-broken-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "etc/network"));
            string file = Path.Combine(root, "etc/network/interfaces");
            File.WriteAllText(file, "auto bond0\niface bond0 inet static\n  address 198.18.0.1/24\n  bond-slaves eth0 eth1\n  bond-mode active-backup\n  bond-miimon sometimes\n");
            string before = Links(t);
            t.StartDaemon();
            t.WaitForDaemon();
            Result r = t.NetBond($"up --all --root {root}");
            Assert.NotEqual(0, r.Exit);
            Assert.Contains($"{file}:6: bond0: option miimon: invalid value (sometimes)", r.Err);
            Assert.DoesNotContain("bond0", t.In(t.Host, "ip -o link").Out);
            Assert.Equal(before, Links(t));

            // A member that does not exist is only known to the live host: still named by its line.
            File.WriteAllText(file, "auto bond0\niface bond0 inet static\n  address 198.18.0.1/24\n  bond-slaves eth0 eth7\n");
            r = t.NetBond($"up bond0 --root {root}");
            Assert.NotEqual(0, r.Exit);
            Assert.Contains($"{file}:4: bond0: cannot enslave eth7: no such interface", r.Err);
            Assert.DoesNotContain("bond0", t.In(t.Host, "ip -o link").Out);
            Assert.Equal(before, Links(t));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
