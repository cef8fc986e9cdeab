namespace NetBond.Integration.Tests;

/// <summary>Bad input gets a clear error, a non-zero exit, and changes nothing.</summary>
public class BadInputTests
{
    private static string Snapshot(Topology t) =>
        t.NetBond("status").Out + t.In(t.Host, "ip -o link show eth0; ip -o link show eth1; ip -o link show eth2").Out;

    [IntegrationFact]
    public void Refused_commands_say_why_and_change_nothing()
    {
        using Topology t = new(members: 3);
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100");
        t.NetBond("enslave bond0 eth0").ShouldSucceed();
        t.NetBond("add bond1 mode=balance-rr").ShouldSucceed();
        string before = Snapshot(t);

        (string Args, string Message)[] cases =
        [
            ("add bond2 frobnicate=1", "unknown option 'frobnicate'"),
            ("add bond2 mode=7", "option mode: invalid value (7)"),
            ("add bond2 miimon=fast", "option miimon: invalid value (fast)"),
            ("add bond2 updelay=200", "MII monitoring is disabled"),
            ("add bond0", "bond0 already exists"),
            ("add eth2", "eth2 already exists"),
            ("set bond0 mode=0", "has slaves"),
            ("set bond0 miimon=-5", "option miimon: invalid value (-5)"),
            ("set bond0 packets_per_slave=2", "not supported in mode active-backup(1)"),
            ("set bond9 miimon=10", "bond9: no such bond"),
            ("set bond0 tx_queues=4", "fixed when the bond is made"),
            ("add bond2 max_bonds=2", "a module parameter"),
            ("enslave bond0 nosuch0", "nosuch0: no such interface"),
            ("enslave bond0 eth0", "eth0 is already a member of this bond"),
            ("enslave bond1 eth0", "eth0 is already a member of bond0"),
            ("enslave bond0 bond0", "cannot enslave a bond to itself"),
            ("enslave bond0 eth1 nosuch0", "nosuch0: no such interface"),
            ("release bond0 eth2", "eth2 is not a member"),
            ("active bond0 eth2", "eth2 is not enslaved"),
            ("active bond0 nosuch0", "option active_slave: interface nosuch0 does not exist!"),
            ("set bond0 active_slave=nosuch0", "option active_slave: interface nosuch0 does not exist!"),
            ("active bond1 eth2", "not supported in mode balance-rr"),
            ("status bond7", "bond7: no such bond"),
            ("status bond0 bond7", "bond7: no such bond"),
            ("status --jsn", "unknown option '--jsn'"),
            ("add bönd", "'bönd' is not a valid interface name"),
            ("set eth0 miimon=10", "an option of the bond, not of a member"),
            ("frobnicate", "unknown command"),
        ];
        foreach ((string args, string message) in cases)
        {
            Result r = t.NetBond(args);
            Assert.True(r.Exit != 0, $"'{args}' should fail");
            Assert.Contains(message, r.Err);
            Assert.Equal(before, Snapshot(t));
        }
        // The daemon is still there and still right.
        Assert.True(t.Ping());
    }

    [IntegrationFact]
    public void Ifenslave_classic_syntax_and_its_errors()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=1 miimon=100");
        t.NetBond("ifenslave bond0 eth0 eth1").ShouldSucceed();
        Assert.Contains("Slave Interface: eth1", t.Status());
        Assert.Equal(2, t.NetBond("ifenslave -c bond0").Exit);
        Assert.Equal(2, t.NetBond("ifenslave -x bond0 eth0").Exit);
        Assert.Contains("ifenslave {-d|--detach} bond0 eth0", t.NetBond("ifenslave -h").ShouldSucceed().Out);
        Assert.Contains("v0.", t.NetBond("ifenslave -V").ShouldSucceed().Out);
        Assert.Contains("bond0", t.NetBond("ifenslave bond0").ShouldSucceed().Out);
        t.NetBond("ifenslave -d bond0 eth1").ShouldSucceed();
        Assert.DoesNotContain("Slave Interface: eth1", t.Status());
    }

    [IntegrationFact]
    public void Status_shows_every_bond_it_is_given()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond("add bond0 mode=1").ShouldSucceed();
        t.NetBond("add bond1 mode=0").ShouldSucceed();
        t.NetBond("add bond2 mode=2").ShouldSucceed();
        string both = t.NetBond("status bond2 bond0").ShouldSucceed().Out;
        Assert.Contains("fault-tolerance (active-backup)", both);
        Assert.Contains("load balancing (xor)", both);
        Assert.DoesNotContain("round-robin", both);
    }

    /// <summary>
    /// The guide's first command on a host where no daemon runs: `ifenslave bond0 eth0 eth1` starts the daemon (which
    /// must not take the ifenslave personality), and for a bond that does not exist says how to make it.
    /// </summary>
    [IntegrationFact]
    public void Ifenslave_as_the_first_command_starts_the_daemon_and_says_how_to_make_the_bond()
    {
        using Topology t = new();
        string ifenslave = $"NETBOND_ARGV0=ifenslave {Topology.NetBondExe}";
        try
        {
            Result first = t.In(t.Host, $"{ifenslave} bond0 eth0 eth1");
            Assert.Equal(1, first.Exit);
            Assert.Contains("bond0: no such bond; make it first with `netbond add bond0", first.Err);
            t.NetBond("add bond0 mode=active-backup miimon=100").ShouldSucceed();
            t.In(t.Host, $"{ifenslave} bond0 eth0 eth1").ShouldSucceed();
            Assert.Contains("Slave Interface: eth1", t.Status());
        }
        finally
        {
            t.StopAutostartedDaemon();
        }
    }
}
