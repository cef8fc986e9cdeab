using NetBond.Core;
using NetBond.Linux;
using NetBond.Linux.Bpf;
using NetBond.Linux.Interop;

namespace NetBond.Integration.Tests;

/// <summary>
/// The kernel data path decides as Core does. Core's bond makes the plan (a mode, members up and down, a failover);
/// the plan is written into the programs' maps as the daemon writes it; then every frame of a table runs through
/// bond_egress and member_ingress in the kernel (BPF_PROG_TEST_RUN) and through Core's TxPolicy and
/// ReceiveClassifier, and the two must agree: the member chosen (read from the programs' per-member counters),
/// every member of a broadcast, the source MAC rewritten in tlb/alb, the receive verdict and alb's readdressing.
/// The members are veths in a namespace the test made, so a broadcast's clones have real devices to go to.
/// </summary>
public class KernelDecisionTests
{
    private const uint TcActOk = 0, TcActShot = 2, TcActRedirect = 7;
    private static int s_counter;

    public static TheoryData<string> Plans =>
    [
        "mode=active-backup miimon=100",
        "mode=active-backup miimon=100 all_slaves_active=1",
        "mode=balance-rr miimon=100",
        "mode=balance-rr miimon=100 packets_per_slave=3",
        "mode=balance-xor miimon=100 xmit_hash_policy=layer2",
        "mode=balance-xor miimon=100 xmit_hash_policy=layer2+3",
        "mode=balance-xor miimon=100 xmit_hash_policy=layer3+4",
        "mode=balance-xor miimon=100 xmit_hash_policy=vlan+srcmac",
        "mode=broadcast miimon=100",
        "mode=802.3ad miimon=100 xmit_hash_policy=layer3+4",
        "mode=802.3ad miimon=100 broadcast_neighbor=1",
        "mode=balance-tlb miimon=100 tlb_dynamic_lb=1",
        "mode=balance-tlb miimon=100 tlb_dynamic_lb=0 xmit_hash_policy=layer3+4",
        "mode=balance-alb miimon=100",
        "mode=balance-alb miimon=100 tlb_dynamic_lb=0",
    ];

    [IntegrationTheory]
    [MemberData(nameof(Plans))]
    public void The_programs_decide_every_frame_as_core_does(string options)
    {
        string ns = $"nbk-{Environment.ProcessId % 100000}-{Interlocked.Increment(ref s_counter)}";
        Run($"ip netns add {ns}");
        try
        {
            int[] indexes = new int[3];
            for (int i = 0; i < indexes.Length; i++)
            {
                Run($"ip -n {ns} link add m{i} type veth peer name p{i} && ip -n {ns} link set m{i} up && ip -n {ns} link set p{i} up");
                indexes[i] = int.Parse(Run($"ip netns exec {ns} cat /sys/class/net/m{i}/ifindex").Trim(),
                    System.Globalization.CultureInfo.InvariantCulture);
            }
            using BpfLoader bpf = KernelDataPath.LoadDetached();
            // A test run carries no classid: the programs serve bond 0.
            BondMapSet bond = bpf.CreateBond(0);
            List<string> wrong = [];
            int compared = 0;
            NetworkNamespace.Run($"/run/netns/{ns}", () =>
            {
                foreach ((string state, DataPlan plan) in PlansOf(options, indexes))
                {
                    compared += Compare(bpf, bond, plan, state, wrong);
                }
            });
            Assert.True(wrong.Count == 0, $"{wrong.Count} decisions differ, of {compared}:\n" + string.Join("\n", wrong.Take(40)));
            Assert.True(compared > 1000, $"only {compared} decisions compared");
        }
        finally
        {
            Run($"ip netns del {ns}");
        }
    }

    /// <summary>The plans Core publishes for <paramref name="options"/>: all three members up, then the first one down.</summary>
    private static IEnumerable<(string State, DataPlan Plan)> PlansOf(string options, int[] indexes)
    {
        PlanRecorder host = new();
        Bond bond = new("bond0", new BondOptions(), new MacAddress(0x02_00_00_00_00_99), host, new Random(1));
        List<string> warnings = [];
        List<OptionAssignment> assignments = [.. options.Split(' ').Select(p => p.Split('=', 2)).Select(kv => OptionTable.Assign(kv[0], kv[1]))];
        Assert.Null(bond.SetOptions(assignments, warnings));
        bond.IsUp = true;
        bond.OnAddresses([System.Net.IPAddress.Parse("198.18.0.1")]);
        for (int i = 0; i < indexes.Length; i++)
        {
            bond.Enslave(new Member($"m{i}", indexes[i], new MacAddress(0x02_00_00_00_00_01UL + (ulong)i)) { Speed = 1000, Duplex = 1 }, carrier: true, nowMs: 0);
        }
        long now = 1000;
        for (int t = 0; t < 40; t++)
        {
            bond.Tick(now += 100);
        }
        yield return ("all members up", host.Plan!);
        bond.OnCarrier(bond.Members[0], false);
        for (int t = 0; t < 5; t++)
        {
            bond.Tick(now += 100);
        }
        yield return ("m0 down", host.Plan!);
    }

    private static int Compare(BpfLoader bpf, BondMapSet bond, DataPlan plan, string state, List<string> wrong)
    {
        PlanMaps maps = new(bond, bondIndex: 1);
        uint SlotOf(Member m) => (uint)Array.IndexOf(plan.Members, m) + 1;
        maps.Write(plan, SlotOf, tlbReset: true);
        List<(string Name, byte[] Frame)> frames = [.. Frames(plan)];
        if (plan.Tlb is { } table)
        {
            // Core places a bucket on its first frame; the daemon writes the placement into the map at its tick.
            TxState placing = default;
            foreach ((_, byte[] frame) in frames)
            {
                TxPolicy.Select(plan, frame.ToArray(), ref placing);
            }
            maps.WriteTlb(table);
        }
        int compared = 0;
        TxState tx = new() { Counter = 7 };
        foreach ((string name, byte[] frame) in frames)
        {
            string where = $"{plan.Mode} {plan.XmitHashPolicy}, {state}, {name}";
            if (TryEgress(bpf, maps, plan, frame, tx.Counter, out string? kernel, out byte[] kernelFrame))
            {
                byte[] coreFrame = frame.ToArray();
                string core = Describe(plan, TxPolicy.Select(plan, coreFrame, ref tx));
                if (kernel != core)
                {
                    wrong.Add($"{where}: sent to {kernel} by the kernel, {core} by Core");
                }
                else if (kernel.StartsWith('m') && !coreFrame.AsSpan().SequenceEqual(kernelFrame))
                {
                    wrong.Add($"{where}: left {Convert.ToHexString(kernelFrame[..14])} by the kernel, {Convert.ToHexString(coreFrame[..14])} by Core");
                }
                compared++;
            }
            for (int i = 0; i < plan.Members.Length; i++)
            {
                byte[] kernelIn = new byte[frame.Length];
                uint verdict;
                maps.ClearCounters((uint)i + 1);
                try
                {
                    verdict = bpf.TestRun("member_ingress", frame, kernelIn, plan.Members[i].IfIndex);
                }
                catch (NativeException e) when (e.Errno == 22)
                {
                    continue; // a frame shorter than its network header, which BPF_PROG_TEST_RUN refuses
                }
                // arp_validate's filter bit counts an IPv6 frame as heard whatever becomes of it (skb->protocol,
                // which the test run sets from the frame as a member's receive path does).
                bool ipv6 = frame.Length >= 14 && frame[12] == 0x86 && frame[13] == 0xDD;
                if ((maps.ReadCounters((uint)i + 1).LastRxIpv6Ms > 0) != ipv6)
                {
                    wrong.Add($"{where}, received on m{i}: IPv6 receive time {(ipv6 ? "not " : "")}recorded");
                }
                byte[] coreIn = frame.ToArray();
                bool delivers = (ReceiveClassifier.Classify(plan, i, coreIn) & RxVerdict.Deliver) != 0;
                if ((verdict == TcActRedirect) != delivers || verdict is not (TcActRedirect or TcActShot))
                {
                    wrong.Add($"{where}, received on m{i}: kernel {verdict}, Core {(delivers ? "deliver" : "no delivery")}");
                }
                else if (delivers && !coreIn.AsSpan().SequenceEqual(kernelIn))
                {
                    wrong.Add($"{where}, received on m{i}: delivered as {Convert.ToHexString(kernelIn[..14])} by the kernel, {Convert.ToHexString(coreIn[..14])} by Core");
                }
                compared++;
            }
        }
        return compared;
    }

    /// <summary>Runs bond_egress once; false for a frame the kernel's test harness refuses.</summary>
    private static bool TryEgress(BpfLoader bpf, PlanMaps maps, DataPlan plan, byte[] frame, uint rrCounter, out string? kernel, out byte[] output)
    {
        for (uint slot = 0; slot <= plan.Members.Length; slot++)
        {
            maps.ClearCounters(slot);
        }
        maps.SetRoundRobinCounter(rrCounter);
        output = new byte[frame.Length];
        uint verdict;
        try
        {
            verdict = bpf.TestRun("bond_egress", frame, output);
        }
        catch (NativeException e) when (e.Errno == 22)
        {
            kernel = null;
            return false;
        }
        List<string> sentOn = [.. plan.Members.Where((m, i) => maps.ReadCounters((uint)i + 1).TxPackets > 0).Select(m => m.Name)];
        kernel = verdict switch
        {
            TcActShot when sentOn.Count == 0 => "nobody (dropped)",
            TcActOk when sentOn.Count == 0 => "the daemon",
            TcActRedirect => string.Join('+', sentOn),
            _ => $"verdict {verdict} with {string.Join('+', sentOn)} counted",
        };
        return true;
    }

    /// <summary>Core's choice in the kernel program's terms (the bond's own ARP in alb is the daemon's to place).</summary>
    private static string Describe(DataPlan plan, int selected)
    {
        return selected switch
        {
            TxPolicy.ToControl => "the daemon",
            TxPolicy.AllMembers => string.Join('+', plan.Usable.Select(i => plan.Members[i].Name)),
            < 0 => "nobody (dropped)",
            _ => plan.Members[selected].Name,
        };
    }

    /// <summary>The hash table's frames, and what receive rules turn on: broadcast, multicast, LACPDUs, IGMP, frames to each member's MAC.</summary>
    private static IEnumerable<(string Name, byte[] Frame)> Frames(DataPlan plan)
    {
        foreach ((string name, byte[] frame) in HashTestFrames.Frames().Where(f => f.Frame.Length >= 14))
        {
            yield return (name, frame);
        }
        yield return ("broadcast ARP", ProbeFrames.Arp(ArpMessage.Request, MacAddress.Broadcast, new MacAddress(0x0A_00_00_00_00_05),
            System.Net.IPAddress.Parse("198.18.0.5"), default, System.Net.IPAddress.Parse("198.18.0.1")));
        byte[] lacpdu = new byte[124];
        new byte[] { 0x01, 0x80, 0xC2, 0, 0, 0x02, 0x0A, 0, 0, 0, 0, 0x05, 0x88, 0x09, 0x01, 0x01 }.CopyTo(lacpdu, 0);
        yield return ("LACPDU", lacpdu);
        // Consumed only as a LACPDU or Marker: other subtypes, short ones and other destinations go on to the bond.
        byte[] marker = lacpdu.ToArray();
        marker[14] = 2;
        yield return ("Marker", marker);
        byte[] ossp = lacpdu.ToArray();
        ossp[14] = 10;
        yield return ("slow protocols subtype 10 (OSSP)", ossp);
        yield return ("LACPDU cut to 60 bytes", lacpdu[..60]);
        byte[] elsewhere = lacpdu.ToArray();
        elsewhere[5] = 0x03;
        yield return ("LACPDU to 01:80:c2:00:00:03", elsewhere);
        byte[] igmp = new byte[60];
        new byte[] { 0x01, 0x00, 0x5E, 0, 0, 0x16, 0x0A, 0, 0, 0, 0, 0x05, 0x08, 0x00, 0x46, 0, 0, 40, 0, 0, 0, 0, 1, 2 }.CopyTo(igmp, 0);
        yield return ("IGMP report", igmp);
        for (int i = 0; i < plan.Members.Length; i++)
        {
            foreach ((string name, byte[] frame) in HashTestFrames.Frames().Where(f => f.Frame.Length >= 60).Take(3))
            {
                byte[] f = frame.ToArray();
                plan.MemberMacs[i].CopyTo(f);
                yield return ($"{name}, to m{i}'s MAC", f);
            }
        }
    }

    private static string Run(string command)
    {
        using System.Diagnostics.Process p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"'{command}' failed: {error}");
    }

    private sealed class PlanRecorder : IBondHost
    {
        public DataPlan? Plan { get; private set; }

        public void DataPlanChanged(DataPlan plan) => Plan = plan;

        public void SetMemberMac(Member member, MacAddress mac)
        {
        }

        public void SetBondMac(MacAddress mac)
        {
        }

        public void SetBondCarrier(bool up)
        {
        }

        public void SendFrame(Member member, ReadOnlySpan<byte> frame)
        {
        }

        public void RejoinMulticastGroups(Member member)
        {
        }

        public void SetMemberAddresses(Member member, IReadOnlyList<MacAddress> leave, IReadOnlyList<MacAddress> join)
        {
        }

        public void SetMemberRxModes(Member member, bool promisc, bool allmulti)
        {
        }

        public void Log(string message)
        {
        }
    }
}
