namespace NetBond.Integration.Tests;

/// <summary>
/// A bond as a member of another, as the kernel's bonds nest (two LACP bundles to two switches, active-backup
/// between them; bond-eth-type-change.sh builds one): the outer bond drives the inner bond's device as any member.
/// </summary>
[Trait(DataPaths.Trait, DataPaths.Both)]
public class NestedBondTests
{
    [IntegrationFact]
    public void An_active_backup_bond_over_a_bond_and_a_link_fails_over_inside_and_between_and_refuses_a_loop()
    {
        using Topology t = new(members: 3);
        t.StartDaemon();
        t.WaitForDaemon();
        t.NetBond("add bond1 mode=active-backup miimon=100").ShouldSucceed();
        t.NetBond("enslave bond1 eth0 eth1").ShouldSucceed();
        t.AddBond("mode=active-backup miimon=100 primary=bond1");
        t.NetBond("enslave bond0 bond1 eth2").ShouldSucceed();
        Assert.True(t.Ping(), t.Status());
        Assert.Contains("Currently Active Slave: bond1", t.Status(), StringComparison.Ordinal);

        // A loop of bonds is refused, and changes nothing.
        Result loop = t.NetBond("enslave bond1 bond0");
        Assert.True(loop.Exit != 0);
        Assert.Contains("bond1: cannot enslave bond0: bond1 is a member of it", loop.Err, StringComparison.Ordinal);

        // The inner bond fails over within itself: the outer one keeps it.
        t.Sh($"ip -n {t.Switch} link set sw0 down");
        Assert.True(t.Ping(), t.Status());
        Assert.Contains("Currently Active Slave: bond1", t.Status(), StringComparison.Ordinal);
        // The inner bond loses its last link, and with it its carrier: the outer one moves to eth2.
        t.Sh($"ip -n {t.Switch} link set sw1 down");
        Assert.True(Topology.Eventually(() => t.Status().Contains("Currently Active Slave: eth2", StringComparison.Ordinal)), t.Status());
        Assert.True(t.Ping(), t.Status());
        t.Sh($"ip -n {t.Switch} link set sw1 up");
        Assert.True(Topology.Eventually(() => t.Status().Contains("Currently Active Slave: bond1", StringComparison.Ordinal)), t.Status());
        Assert.True(t.Ping(), t.Status());

        // Released, the inner bond is a bond of its own again, with its own MAC.
        t.NetBond("release bond0 bond1").ShouldSucceed();
        Assert.DoesNotContain("bond1", t.NetBond("status bond0").Out, StringComparison.Ordinal);
        Assert.Contains("Slave Interface: eth1", t.NetBond("status bond1").ShouldSucceed().Out, StringComparison.Ordinal);
    }

    /// <summary>The same nesting from /etc/network/interfaces: the inner bond comes up first, whatever the file's order.</summary>
    [IntegrationFact]
    public void Nested_bonds_come_up_from_a_file_and_go_down()
    {
        using Topology t = new(members: 3);
        string root = Path.Combine(t.StateRoot, "root");
        Directory.CreateDirectory(Path.Combine(root, "etc/network"));
        File.WriteAllText(Path.Combine(root, "etc/network/interfaces"),
            $"auto bond0\niface bond0 inet static\n    address {Topology.BondAddress}/24\n    bond-slaves bond1 eth2\n    bond-mode active-backup\n"
            + "    bond-miimon 100\n    bond-primary bond1\n\nauto bond1\niface bond1 inet manual\n    bond-slaves eth0 eth1\n    bond-mode active-backup\n    bond-miimon 100\n");
        t.StartDaemon();
        t.WaitForDaemon();
        Result up = t.NetBond($"up --all --root {root}").ShouldSucceed();
        Assert.True(up.Out.IndexOf("bond1 is up", StringComparison.Ordinal) < up.Out.IndexOf("bond0 is up", StringComparison.Ordinal), up.Out);
        Assert.True(t.Ping(), t.Status());
        Assert.Contains("Currently Active Slave: bond1", t.Status(), StringComparison.Ordinal);
        t.NetBond($"down --all --root {root}").ShouldSucceed();
        Assert.DoesNotContain("bond", t.In(t.Host, "ip -o link").Out, StringComparison.Ordinal);
    }
}
