using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>
/// The kernel's selftest bond_options.sh, its "prio" matrix (and option_prio.sh's, the same test), on the virtual
/// clock: every mode that has an active member (active-backup, balance-tlb, balance-alb) with miimon, and
/// active-backup under the ARP and the NS monitor, each with primary_reselect 0, 1 and 2, stepping through the script's failovers and checking the
/// active member it checks at each step. (Its integration counterpart, on real links, is in KernelSelftestTests.)
/// </summary>
public class BondOptionsSelftestTests
{
    /// <summary>The world a prio_test runs in: three members, a way to take one's link down and back, a clock.</summary>
    private interface IPrioWorld
    {
        Bond Bond { get; }

        void Down(string member);

        void Up(string member);

        void Run(long ms);
    }

    private sealed class MiiWorld : IPrioWorld
    {
        private readonly VirtualHost _host = new();

        public MiiWorld(string options)
        {
            Bond = new Bond("bond0", new BondOptions(), new MacAddress(0x02_00_00_00_00_99), _host, new Random(1));
            Assert.Null(Bond.SetOptions(TestBonds.Parse(options), []));
            Bond.IsUp = true;
            for (int i = 0; i < 3; i++)
            {
                // A known speed: balance-tlb/alb keep a member whose speed is unknown down.
                Bond.Enslave(new Member($"eth{i}", i + 10, new MacAddress(0x02_00_00_00_00_01UL + (ulong)i)) { Speed = 1000, Duplex = 1 }, true, _host.Now);
            }
        }

        public Bond Bond { get; }

        public void Down(string member) => _host.SetCarrier(member, false);

        public void Up(string member) => _host.SetCarrier(member, true);

        public void Run(long ms) => _host.Run(Bond, ms);
    }

    /// <summary>Under the ARP/NS monitor, a member's link set down neither sends nor receives: a blackholed path.</summary>
    private sealed class ProbeWorld(string options) : IPrioWorld
    {
        private readonly ArpWorld _world = new(options, "eth0", "eth1", "eth2");

        public Bond Bond => _world.Bond;

        public void Down(string member) => _world.Blackholed.Add(member);

        public void Up(string member) => _world.Blackholed.Remove(member);

        public void Run(long ms) => _world.Run(ms);
    }

    public static TheoryData<string, string, int> Matrix()
    {
        TheoryData<string, string, int> data = [];
        for (int reselect = 0; reselect < 3; reselect++)
        {
            foreach (string mode in new[] { "active-backup", "balance-tlb", "balance-alb" })
            {
                data.Add(mode, "miimon=100", reselect);
            }
            data.Add("active-backup", "arp_interval=100 arp_ip_target=198.18.0.254", reselect);
            data.Add("active-backup", "arp_interval=100 ns_ip6_target=2001:db8::254", reselect);
            // option_prio.sh, the same test before bond_options.sh took it over, probes once a second.
            data.Add("active-backup", "arp_interval=1000 arp_ip_target=198.18.0.254", reselect);
        }
        return data;
    }

    /// <summary>bond_options.sh's prio_test, for one mode, monitor and primary_reselect.</summary>
    [Theory]
    [MemberData(nameof(Matrix))]
    public void Prio(string mode, string monitor, int reselect)
    {
        string options = $"mode={mode} {monitor} primary=eth1 primary_reselect={reselect}";
        IPrioWorld w = monitor.StartsWith("miimon", StringComparison.Ordinal) ? new MiiWorld(options) : new ProbeWorld(options);
        Bond b = w.Bond;
        Member M(string name) => b.Find(name)!;
        void Prio(string member, int prio) => Assert.Null(b.SetMemberOptions(M(member), TestBonds.Parse($"prio={prio}"), []));
        string active = "";
        // check_active_slave: waits (up to 5 s) for the active member to change from the last one seen, then checks it.
        void Check(string expected, string step)
        {
            for (int waited = 0; waited < 5000 && (b.Active == null || b.Active.Name == active); waited += 10)
            {
                w.Run(10);
            }
            active = b.Active?.Name ?? "null";
            Assert.True(expected == active, $"{options}, {step}: Current active slave is {active} but not {expected}");
        }

        w.Run(1000);
        Assert.Null(b.ForceActive("eth1"));
        Prio("eth0", 0);
        Prio("eth1", 10);
        Prio("eth2", 11);
        Check("eth1", "setup");

        w.Down(active);
        Check("eth2", "fail over");
        w.Down(active);
        Check("eth0", "only 1 slave up");

        w.Up("eth2");
        Check(reselect == 0 ? "eth2" : "eth0", "higher prio slave up");
        string preActive = active;

        w.Up("eth1");
        Check(reselect == 0 ? "eth1" : preActive, "primary slave up");
        if (reselect == 2)
        {
            w.Down(active);
            Check("eth1", "pre_active slave down");
        }

        if (reselect == 0)
        {
            Prio("eth0", 1_000_000);
            Prio("eth1", 0);
            Prio("eth2", -50);
            Check("eth1", "changed prios");
            w.Down(active);
            Check("eth0", "change slave prio");
        }
    }

    public static TheoryData<int, bool> ArpValidateMatrix()
    {
        TheoryData<int, bool> data = [];
        for (int val = 0; val <= 6; val++)
        {
            data.Add(val, false);
            data.Add(val, true);
        }
        return data;
    }

    /// <summary>
    /// bond_options.sh's arp_validate test: active-backup under the ARP monitor (one target) or the NS monitor (two),
    /// arp_validate 0 to 6: every member's MII status up and staying up; under the NS monitor ("join mcast group"),
    /// with arp_validate the backups listen to both targets' solicited-node groups and the active member to neither,
    /// also after a failover.
    /// </summary>
    [Theory]
    [MemberData(nameof(ArpValidateMatrix))]
    public void Arp_validate(int val, bool ns)
    {
        string targets = ns ? "ns_ip6_target=2001:db8::254,2001:db8::10" : "arp_ip_target=198.18.0.254";
        ArpWorld w = new($"mode=active-backup arp_interval=100 {targets} arp_validate={val}", "eth0", "eth1", "eth2");
        w.Run(5000);
        Assert.All(w.Bond.Members, m => Assert.True(m.Link == LinkState.Up && m.LinkFailureCount == 0, $"arp_validate {val}: {m.Name} {m.Link}"));
        if (!ns)
        {
            return;
        }
        MacAddress[] groups = [new(0x33_33_ff_00_02_54UL), new(0x33_33_ff_00_00_10UL)];
        void CheckGroups(string when)
        {
            foreach (Member m in w.Bond.Members)
            {
                bool backup = m != w.Bond.Active && val != 0;
                Assert.True(backup ? groups.All(m.AddressList.Contains) : !groups.Any(m.AddressList.Contains),
                    $"arp_validate {val}, {when}: active {w.Bond.Active?.Name}, {m.Name} listens to {string.Join(", ", m.AddressList)}");
            }
        }
        CheckGroups("set up");
        string old = w.Bond.Active!.Name;
        w.Blackholed.Add(old);
        w.RunUntil(() => w.Bond.Active is { } a && a.Name != old, 2000);
        CheckGroups("after failover");
    }
}
