using System.Net;
using System.Text;
using NetBond.Config;
using NetBond.Core;

namespace NetBond.Fuzz;

/// <summary>
/// Every parser that takes outside input, as a fuzz target: each takes arbitrary bytes and must return without
/// throwing (a crash is any exception) and without hanging. The same targets run under AFL (bench/fuzz) and,
/// over the kept corpora with random mutations, in CI (NetBond.Tests).
/// </summary>
public static class FuzzTargets
{
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>
    {
        ["frames"] = Frames,
        ["lacp"] = Lacp,
        ["arp"] = Arp,
        ["control"] = Control,
        ["config-debian"] = data => Config("etc/network/interfaces", data),
        ["config-ifcfg"] = data => Config("etc/sysconfig/network-scripts/ifcfg-bond0", data),
        ["config-modprobe"] = data => Config("etc/modprobe.d/bonding.conf", data),
        ["config-netplan"] = data => Config("etc/netplan/01-bond.yaml", data),
        ["config-networkd"] = data => Config("etc/systemd/network/10-bond0.netdev", data),
        ["config-nm"] = data => Config("etc/NetworkManager/system-connections/bond0.nmconnection", data),
    };

    // Made on first use: under AFL no instrumented code may run before the fuzzer has mapped its coverage map.
    private static DataPlan[]? s_plans;

    /// <summary>Frame classification, every transmit policy with its hash and the flow dissector.</summary>
    private static void Frames(byte[] frame)
    {
        foreach (DataPlan plan in s_plans ??= [.. Plans()])
        {
            TxState state = default;
            TxPolicy.Select(plan, frame, ref state);
            for (int m = -1; m <= plan.Members.Length; m++)
            {
                ReceiveClassifier.Classify(plan, m, frame);
            }
        }
        foreach (XmitHashPolicy policy in Enum.GetValues<XmitHashPolicy>())
        {
            XmitHash.Compute(frame, policy);
        }
    }

    /// <summary>LACPDUs and Markers into an 802.3ad bond's port, then its machines run on.</summary>
    private static void Lacp(byte[] frame)
    {
        (Bond bond, Member member) = OneMemberBond("mode=802.3ad lacp_rate=fast");
        bond.OnControlFrame(member, frame, 1);
        bond.Tick(100);
        LacpPdu.Classify(frame);
    }

    /// <summary>ARP and NS/NA into a bond whose ARP/NS monitor validates them.</summary>
    private static void Arp(byte[] frame)
    {
        (Bond bond, Member member) = OneMemberBond("mode=active-backup arp_interval=100 arp_ip_target=198.18.0.254 ns_ip6_target=2001:db8::fe arp_validate=all");
        bond.OnControlFrame(member, frame, 1);
        bond.Tick(100);
        ProbeFrames.TryReadArp(frame, out _, out _, out _);
        ProbeFrames.TryReadNeighborDiscovery(frame, out _, out _);
    }

    /// <summary>The control socket's request and the `up` request a client sends.</summary>
    private static void Control(byte[] payload)
    {
        ControlProtocol.DecodeRequest(payload);
        ControlProtocol.DecodeResult(payload);
        UpRequest.FromJson(Encoding.UTF8.GetString(payload));
    }

    /// <summary>A configuration file with these bytes, read with every reader as `up --root` reads a tree.</summary>
    private static void Config(string path, byte[] data)
    {
        string root = Path.Combine(Path.GetTempPath(), $"netbond-fuzz-{Environment.ProcessId}");
        string file = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, data);
        try
        {
            NetworkConfiguration.Read(root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static (Bond, Member) OneMemberBond(string options)
    {
        Bond bond = new("bond0", new BondOptions(), new MacAddress(0x02_00_00_00_00_99), NoHost.Instance, new Random(1));
        bond.SetOptions([.. options.Split(' ').Select(o => o.Split('=')).Select(kv => OptionTable.Assign(kv[0], kv[1]))], []);
        bond.OnAddresses([IPAddress.Parse("198.18.0.1"), IPAddress.Parse("2001:db8::1")]);
        bond.IsUp = true;
        Member member = new("eth0", 2, new MacAddress(0x02_00_00_00_00_01)) { Speed = 10000, Duplex = 1 };
        bond.Enslave(member, true, nowMs: 0);
        bond.Tick(0);
        return (bond, member);
    }

    private static IEnumerable<DataPlan> Plans()
    {
        Member[] members = [new("eth0", 2, new MacAddress(2)), new("eth1", 3, new MacAddress(3))];
        foreach (BondMode mode in new[] { BondMode.BalanceRr, BondMode.ActiveBackup, BondMode.BalanceXor, BondMode.Broadcast, BondMode.Ieee8023ad })
        {
            foreach (XmitHashPolicy policy in Enum.GetValues<XmitHashPolicy>())
            {
                yield return new DataPlan(mode, members, 0, 1, policy, allSlavesActive: false,
                    ControlFrameKinds.SlowProtocols | ControlFrameKinds.Arp | ControlFrameKinds.NeighborDiscovery, broadcastNeighbor: true);
            }
        }
    }

    private sealed class NoHost : IBondHost
    {
        public static readonly NoHost Instance = new();

        public void SetMemberMac(Member member, MacAddress mac) { }

        public void SetBondMac(MacAddress mac) { }

        public void SetBondCarrier(bool up) { }

        public void SendFrame(Member member, ReadOnlySpan<byte> frame) { }

        public void RejoinMulticastGroups(Member member) { }

        public void SetMemberAddresses(Member member, IReadOnlyList<MacAddress> leave, IReadOnlyList<MacAddress> join) { }

        public void SetMemberRxModes(Member member, bool promisc, bool allmulti) { }

        public void DataPlanChanged(DataPlan plan) { }

        public void Log(string message) { }
    }
}
