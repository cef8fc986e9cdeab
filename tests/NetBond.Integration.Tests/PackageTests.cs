namespace NetBond.Integration.Tests;

/// <summary>The Debian package (packaging/build-deb): installed into a clean root, then used from there.</summary>
[Collection(Alone.Name)]
public class PackageTests
{
    [IntegrationFact]
    public void The_package_installs_into_a_clean_root_and_its_netbond_runs_a_bond()
    {
        using Topology t = new(members: 2);
        string work = Directory.CreateTempSubdirectory("netbond-deb-").FullName;
        using Cleanup remove = new(() => Directory.Delete(work, true));
        string deb = t.Sh($"{Topology.RepositoryRoot}/packaging/build-deb {work}/out").Trim().Split('\n')[^1];
        string root = Path.Combine(work, "root");
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/updates"));
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "");
        t.Sh($"dpkg --root={root} --force-script-chrootless -i {deb}");

        string netbond = Path.Combine(root, "usr/sbin/netbond");
        Assert.Equal("netbond v0.1.0", t.Sh($"{netbond} --version").Trim());
        Assert.Equal("/usr/lib/netbond/ifenslave", t.Sh($"readlink {root}/etc/alternatives/ifenslave").Trim());
        Assert.Equal("/etc/alternatives/ifenslave", t.Sh($"readlink {root}/usr/sbin/ifenslave").Trim());
        // The CNI plugin, where Debian's CNI plugins are: the same executable, answering as one.
        Assert.Contains("\"supportedVersions\":[\"0.3.0\"", t.Sh($"CNI_COMMAND=VERSION {root}/usr/lib/cni/netbond < /dev/null"), StringComparison.Ordinal);
        Assert.Contains("ExecStart=/usr/sbin/netbond daemon --up-all", File.ReadAllText(Path.Combine(root, "usr/lib/systemd/system/netbond.service")), StringComparison.Ordinal);
        // The man page renders without a warning; the completion knows the commands and the modes.
        Assert.Equal("", t.Sh($"zcat {root}/usr/share/man/man8/netbond.8.gz | groff -man -Tutf8 -ww -z 2>&1"));
        string completion = Path.Combine(root, "usr/share/bash-completion/completions/netbond");
        Assert.Equal("status", t.Sh($"bash -c 'source {completion}; COMP_WORDS=(netbond sta); COMP_CWORD=1; _netbond; echo ${{COMPREPLY[*]}}'").Trim());
        Assert.Equal("mode=balance-tlb mode=balance-alb", t.Sh($"bash -c 'source {completion}; COMP_WORDS=(netbond add bond0 mode=balance-); COMP_CWORD=3; _netbond; echo ${{COMPREPLY[*]}}'").Trim().Replace("mode=balance-rr mode=balance-xor ", "", StringComparison.Ordinal));

        // A bond run by the installed binary.
        t.Start($"ip netns exec {t.Host} {netbond} daemon");
        Assert.True(Topology.Eventually(() => t.In(t.Host, $"{netbond} status").Exit == 0, 20_000));
        t.In(t.Host, $"{netbond} add bond0 mode=active-backup miimon=100 && {netbond} enslave bond0 eth0 eth1").ShouldSucceed();
        t.Sh($"ip -n {t.Host} addr add {Topology.BondAddress}/24 dev bond0 && ip -n {t.Host} link set bond0 up");
        Assert.True(Topology.Eventually(() => t.Ping(1), 5000));
        Assert.Contains("Currently Active Slave: eth0", t.In(t.Host, $"{netbond} status bond0").Out, StringComparison.Ordinal);
        t.In(t.Host, $"{netbond} del bond0").ShouldSucceed();

        t.Sh($"dpkg --root={root} --force-script-chrootless -r netbond");
        Assert.False(File.Exists(netbond));
        Assert.False(File.Exists(Path.Combine(root, "etc/alternatives/ifenslave")));
        // Purged, the state a daemon left goes too.
        Directory.CreateDirectory(Path.Combine(root, "run/netbond"));
        File.WriteAllText(Path.Combine(root, "run/netbond/daemon.log"), "left\n");
        t.Sh($"dpkg --root={root} --force-script-chrootless --purge netbond");
        Assert.False(Directory.Exists(Path.Combine(root, "run/netbond")));
    }
}
