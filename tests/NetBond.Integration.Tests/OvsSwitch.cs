namespace NetBond.Integration.Tests;

/// <summary>
/// Open vSwitch's userspace (netdev) datapath as the switch of a <see cref="Topology"/>, in place of its Linux
/// bridge: the kernel here has no openvswitch module. ovsdb-server and ovs-vswitchd run inside the switch's
/// namespace with private run, log and database directories, and are stopped through their control sockets
/// and then by the PIDs in their pidfiles.
/// </summary>
internal sealed class OvsSwitch : IDisposable
{
    private readonly Topology _t;
    private readonly string _dir;

    /// <param name="bonds">Each LACP bond of the switch: its name and its ports (switch-side veth names).</param>
    public OvsSwitch(Topology t, string lacpTime, params (string Name, string[] Ports)[] bonds)
    {
        _t = t;
        _dir = Path.Combine(Path.GetTempPath(), $"netbond-ovs-{t.Switch}");
        Directory.CreateDirectory(_dir);
        try
        {
            _t.Sh($"ip -n {t.Switch} link del br0");
            string env = $"OVS_RUNDIR={_dir} OVS_LOGDIR={_dir} OVS_DBDIR={_dir}";
            string ns = $"ip netns exec {t.Switch} env {env}";
            _t.Sh($"{ns} ovsdb-tool create {_dir}/conf.db /usr/share/openvswitch/vswitch.ovsschema");
            _t.Sh($"{ns} ovsdb-server {_dir}/conf.db --remote=punix:{_dir}/db.sock --pidfile={_dir}/ovsdb-server.pid --detach --log-file={_dir}/ovsdb-server.log --unixctl={_dir}/ovsdb-server.ctl");
            Vsctl("--no-wait init");
            // Without userspace TSO an OVS netdev port drops the bond's 64 KiB TCP frames.
            Vsctl("--no-wait set Open_vSwitch . other_config:userspace-tso-enable=true");
            _t.Sh($"{ns} ovs-vswitchd unix:{_dir}/db.sock --pidfile={_dir}/ovs-vswitchd.pid --detach --log-file={_dir}/ovs-vswitchd.log --unixctl={_dir}/ovs-vswitchd.ctl");
            Vsctl("add-br br0 -- set bridge br0 datapath_type=netdev");
            foreach ((string name, string[] ports) in bonds)
            {
                // A one-port LACP "bond" is a port with LACP on, named after its interface.
                string add = ports.Length == 1
                    ? $"add-port br0 {ports[0]} -- set port {ports[0]} lacp=active other_config:lacp-time={lacpTime}"
                    : $"add-bond br0 {name} {string.Join(' ', ports)} lacp=active bond_mode=balance-tcp other_config:lacp-time={lacpTime}";
                Vsctl(add);
            }
            Vsctl("add-port br0 swp");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Vsctl(string args) => _t.Sh($"ip netns exec {_t.Switch} ovs-vsctl --db=unix:{_dir}/db.sock --timeout=10 {args}");

    public string Appctl(string args) => _t.Sh($"ip netns exec {_t.Switch} ovs-appctl -t {_dir}/ovs-vswitchd.ctl {args}");

    /// <summary>`ovs-appctl lacp/show`, member by member: what OVS sees of its partner (NetBond) on each port.</summary>
    public string LacpShow() => Appctl("lacp/show");

    public void Dispose()
    {
        _t.Sh($"ip netns exec {_t.Switch} ovs-appctl -t {_dir}/ovs-vswitchd.ctl exit --cleanup 2>/dev/null; ip netns exec {_t.Switch} ovs-appctl -t {_dir}/ovsdb-server.ctl exit 2>/dev/null; true");
        foreach (string daemon in new[] { "ovs-vswitchd", "ovsdb-server" })
        {
            string pidFile = Path.Combine(_dir, daemon + ".pid");
            // Only the process this switch started: the pidfile's PID, if it still runs that program.
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid)
                && File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/comm").Trim() == daemon)
            {
                _t.Sh($"kill {pid} 2>/dev/null; true");
            }
        }
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }
}
