using NetBond.Core;
using NetBond.Linux;
using NetBond.Linux.Bpf;
using NetBond.Linux.Interop;

namespace NetBond.Integration.Tests;

/// <summary>The kernel data path's hash, run by the kernel (BPF_PROG_TEST_RUN), against Core's XmitHash.</summary>
public class KernelHashTests
{
    /// <summary>
    /// The policies the eBPF program hashes itself; encap2+3 and encap3+4 need the whole flow dissector, and their
    /// frames are left to the userspace transmit beside it (TC_ACT_OK), which uses Core's XmitHash.
    /// </summary>
    public static TheoryData<XmitHashPolicy> Policies =>
        [XmitHashPolicy.Layer2, XmitHashPolicy.Layer23, XmitHashPolicy.Layer34, XmitHashPolicy.VlanSrcMac];

    [IntegrationTheory]
    [MemberData(nameof(Policies))]
    public void The_bpf_hash_is_cores_xmit_hash_on_every_frame_of_the_table(XmitHashPolicy policy)
    {
        using BpfLoader bpf = KernelDataPath.LoadDetached();
        BondMapSet bond = bpf.CreateBond(0);
        new PlanMaps(bond, bondIndex: 1).Write(new DataPlan(BondMode.BalanceXor, [], -1, 1, policy, false), _ => 0, tlbReset: false);
        List<string> wrong = [];
        int compared = 0, refused = 0;
        foreach ((string name, byte[] frame) in HashTestFrames.Frames())
        {
            if (frame.Length < 14)
            {
                continue; // BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet header
            }
            uint expected = XmitHash.Compute(frame, policy);
            uint actual;
            try
            {
                actual = bpf.TestRun("hash_probe", frame);
            }
            catch (NativeException e) when (e.Errno == 22 && frame.Length < 14 + 40)
            {
                // The test harness refuses an IPv4/IPv6 frame shorter than its network header (EINVAL); the
                // userspace hash of such frames is covered by the Core tests.
                refused++;
                continue;
            }
            compared++;
            if (actual != expected)
            {
                wrong.Add($"{name}: bpf {actual:x8}, core {expected:x8}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.True(compared > 300 && refused < 100, $"{compared} frames compared, {refused} refused by BPF_PROG_TEST_RUN");
    }
}
