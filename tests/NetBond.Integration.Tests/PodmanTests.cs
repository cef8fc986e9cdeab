using System.Text;

namespace NetBond.Integration.Tests;

/// <summary>
/// A real container engine drives the plugin end to end: Debian's podman with its CNI backend, runc and a busybox
/// root filesystem (no image registry), run in the test's host namespace (nsenter keeps the host's /sys, where
/// runc finds the cgroups). Its containers.conf names this repository as a CNI plugin folder and gives podman —
/// and the cleanup processes it leaves behind after a container — this test's NetBond state folder.
/// </summary>
public sealed class PodmanTests
{
    private sealed class Podman : IDisposable
    {
        private readonly Topology _t;
        private readonly string _dir;

        public Podman(Topology t)
        {
            _t = t;
            _dir = Path.Combine(t.StateRoot, "podman");
            Directory.CreateDirectory(Path.Combine(_dir, "net"));
            string rootfs = Path.Combine(_dir, "rootfs");
            t.Sh($"mkdir -p {rootfs}/bin {rootfs}/proc {rootfs}/sys {rootfs}/dev {rootfs}/etc {rootfs}/tmp && cp /bin/busybox {rootfs}/bin/"
                + $" && for c in sh ping ip sleep; do ln -s busybox {rootfs}/bin/$c; done");
            File.WriteAllText(Path.Combine(_dir, "containers.conf"), $"""
                [network]
                network_backend = "cni"
                cni_plugin_dirs = ["{Topology.RepositoryRoot}", "/usr/lib/cni"]
                network_config_dir = "{_dir}/net"
                [engine]
                runtime = "runc"
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                tmp_dir = "{_dir}/tmp"
                env = ["NETBOND_STATE_DIR={t.StateRoot}"]
                """);
        }

        /// <summary>A network whose bond takes the host links <paramref name="links"/>, and one address from host-local.</summary>
        public void AddNetwork(string name, string[] links, string address, string mode = "active-backup")
        {
            string members = string.Join(", ", links.Select(l => $"{{\"name\": \"{l}\"}}"));
            File.WriteAllText(Path.Combine(_dir, "net", name + ".conflist"),
                "{\"cniVersion\": \"1.0.0\", \"name\": \"" + name + "\", \"plugins\": [{\"type\": \"netbond\", \"mode\": \"" + mode + "\", \"miimon\": \"100\", "
                + "\"links\": [" + members + "], \"ipam\": {\"type\": \"host-local\", \"subnet\": \"198.18.0.0/24\", \"rangeStart\": \"" + address
                + "\", \"rangeEnd\": \"" + address + "\", \"dataDir\": \"" + _dir + "/ipam\"}}]}");
        }

        public Result Run(string args) => _t.Run(
            $"nsenter --net=/run/netns/{_t.Host} podman --root {_dir}/storage --runroot {_dir}/run {args}",
            environment: new Dictionary<string, string> { ["CONTAINERS_CONF"] = Path.Combine(_dir, "containers.conf") });

        /// <summary>A container on <paramref name="network"/> that sleeps; its ID.</summary>
        public string Start(string network) =>
            Run($"run -d --ulimit nofile=10000:10000 --ulimit nproc=1000:1000 --network {network} --rootfs {_dir}/rootfs /bin/sleep 600").ShouldSucceed().Out.Trim();

        public bool Pings(string container) =>
            Topology.Eventually(() => Run($"exec {container} ping -c 1 -W 1 {Topology.PeerAddress}").Exit == 0, 10_000);

        /// <summary>The container's network namespace, as netbond -n takes it.</summary>
        public string Netns(string container) => $"/proc/{Run($"inspect -f '{{{{.State.Pid}}}}' {container}").ShouldSucceed().Out.Trim()}/ns/net";

        public void Dispose() => Run("rm -a -f -t 0");
    }

    /// <summary>The test's host links renamed nblN: podman names the container's interface eth0, which the bond becomes.</summary>
    private static string[] HostLinks(Topology t)
    {
        t.Sh($"for i in $(seq 0 {t.Members.Length - 1}); do ip -n {t.Host} link set eth$i name nbl$i; done");
        return [.. t.Members.Select((_, i) => $"nbl{i}")];
    }

    private static string LinksOnHost(Topology t) => t.Sh($"ip -n {t.Host} -o link show | grep -c ' nbl' || true").Trim();

    [IntegrationFact]
    public void A_container_gets_a_bond_that_survives_its_active_port_going_down_and_podman_rm_gives_the_links_back()
    {
        using Topology t = new();
        t.StartDaemon();
        t.WaitForDaemon();
        string[] links = HostLinks(t);
        t.Sh($"ip -n {t.Host} link set nbl1 up");
        string before = t.Sh($"ip -n {t.Host} -o link show | grep ' nbl' | sed -E 's/^[0-9]+: //; s/ link-netns.*//'");
        using Podman podman = new(t);
        podman.AddNetwork("bondnet", links, "198.18.0.10");

        string id = podman.Start("bondnet");
        Assert.Equal("0", LinksOnHost(t));
        Assert.True(podman.Pings(id));
        string netns = podman.Netns(id);
        string status = t.NetBond($"-n {netns} status eth0").ShouldSucceed().Out;
        Assert.Contains("Currently Active Slave: nbl0", status);
        Assert.Contains("Slave Interface: nbl1", status);

        t.Sh($"ip -n {t.Switch} link set sw0 down");
        Assert.True(Topology.Eventually(() => t.NetBond($"-n {netns} status eth0").Out.Contains("Currently Active Slave: nbl1"), 5000));
        Assert.True(podman.Pings(id));

        podman.Run($"rm -f -t 0 {id}").ShouldSucceed();
        Assert.Equal(before, t.Sh($"ip -n {t.Host} -o link show | grep ' nbl' | sed -E 's/^[0-9]+: //; s/ link-netns.*//'"));
        Assert.Empty(Directory.GetFiles(Path.Combine(t.StateRoot, "cni", "bondnet")));
    }

    [IntegrationFact]
    public void Twenty_containers_run_with_a_bond_each_on_one_daemon()
    {
        const int Containers = 20;
        using Topology t = new(members: 2 * Containers);
        System.Diagnostics.Process daemon = t.StartDaemon();
        t.WaitForDaemon();
        string[] links = HostLinks(t);
        using Podman podman = new(t);
        List<string> ids = [];
        for (int i = 0; i < Containers; i++)
        {
            podman.AddNetwork($"bondnet{i}", [links[2 * i], links[2 * i + 1]], $"198.18.0.{10 + i}", i % 2 == 0 ? "active-backup" : "balance-xor");
            ids.Add(podman.Start($"bondnet{i}"));
        }
        StringBuilder failures = new();
        foreach (string id in ids.Where(id => !podman.Pings(id)))
        {
            failures.Append(id).Append(' ');
        }
        Assert.True(failures.Length == 0, $"no ping from {failures}");
        // Every bond lives in the one daemon this test started, each in its container's namespace (its state folder there).
        List<string> folders = [.. ids.Select(id => Path.Combine(t.StateRoot, "netns-" + t.Sh($"stat -L -c %i {podman.Netns(id)}").Trim()))];
        Assert.All(folders, f => Assert.NotEmpty(Directory.GetFiles(f)));
        Assert.Contains("Bonding Mode: load balancing (xor)", t.NetBond($"-n {podman.Netns(ids[1])} status eth0").ShouldSucceed().Out);
        Assert.False(daemon.HasExited);

        podman.Run("rm -a -f -t 0").ShouldSucceed();
        Assert.Equal($"{2 * Containers}", LinksOnHost(t));
        Assert.True(Topology.Eventually(() => folders.All(f => !Directory.Exists(f) || Directory.GetFiles(f).Length == 0), 10_000));
    }
}
