using BenchmarkDotNet.Attributes;
using NetBond.Core;

namespace NetBond.Bench;

/// <summary>
/// The decisions NetBond makes for every frame on the data plane. Allocated must read "-" (zero bytes):
/// a per-frame allocation here would be garbage at millions of frames per second.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 8)]
public class PerFrameBenchmarks
{
    private readonly byte[] _frame = new byte[1514];
    private readonly byte[] _vlanBuffer = new byte[4 + 10 + 1514];
    private DataPlan _rr = DataPlan.Empty;
    private DataPlan _ab = DataPlan.Empty;
    private DataPlan _xor = DataPlan.Empty;
    private DataPlan _tlb = DataPlan.Empty;
    private DataPlan _alb = DataPlan.Empty;
    private TxState _state;

    [GlobalSetup]
    public void Setup()
    {
        // A TCP/IPv4 frame: 198.18.0.1:40000 -> 198.18.0.2:5201.
        _frame[12] = 0x08;
        _frame[14] = 0x45;
        _frame[23] = 6;
        byte[] addresses = [198, 18, 0, 1, 198, 18, 0, 2, 0x9c, 0x40, 0x14, 0x51];
        addresses.CopyTo(_frame, 26);
        _rr = Plan(BondMode.BalanceRr, XmitHashPolicy.Layer2);
        _ab = Plan(BondMode.ActiveBackup, XmitHashPolicy.Layer2);
        _xor = Plan(BondMode.BalanceXor, XmitHashPolicy.Layer34);
        _tlb = Plan(BondMode.BalanceTlb, XmitHashPolicy.Layer34);
        _alb = Plan(BondMode.BalanceAlb, XmitHashPolicy.Layer2);
    }

    private static DataPlan Plan(BondMode mode, XmitHashPolicy policy)
    {
        Member[] members = [new("eth0", 2, new MacAddress(0x020000000001)), new("eth1", 3, new MacAddress(0x020000000002))];
        foreach (Member m in members)
        {
            m.Link = LinkState.Up;
            m.Carrier = true;
            m.IsActive = mode != BondMode.ActiveBackup || m.Name == "eth0";
        }
        TlbTable? table = mode is BondMode.BalanceTlb or BondMode.BalanceAlb ? new TlbTable() : null;
        return new DataPlan(mode, members, 0, 1, policy, false, bondMac: members[0].CurrentMac, tlb: table);
    }

    [Benchmark]
    public int TxSelectRoundRobin() => TxPolicy.Select(_rr, _frame, ref _state);

    [Benchmark]
    public int TxSelectActiveBackup() => TxPolicy.Select(_ab, _frame, ref _state);

    [Benchmark]
    public int TxSelectXorLayer34() => TxPolicy.Select(_xor, _frame, ref _state);

    /// <summary>balance-tlb, tlb_dynamic_lb=1: the layer3+4 hash, then the load-placed table (and a source MAC rewrite on eth1).</summary>
    [Benchmark]
    public int TxSelectTlbLayer34() => TxPolicy.Select(_tlb, _frame, ref _state);

    /// <summary>balance-alb: the XOR of the destination address, then the table.</summary>
    [Benchmark]
    public int TxSelectAlb() => TxPolicy.Select(_alb, _frame, ref _state);

    [Benchmark]
    public RxVerdict RxClassify() => ReceiveClassifier.Classify(_ab, 1, _frame);

    /// <summary>balance-alb on a member that is not the active one: unicast taken, its destination checked against the members' MACs.</summary>
    [Benchmark]
    public RxVerdict RxClassifyAlb() => ReceiveClassifier.Classify(_alb, 1, _frame);

    [Benchmark]
    public void VlanRestore() => VnetFrame.InsertVlanTag(_vlanBuffer, 0x8100, 10);

    [Benchmark]
    public uint HashLayer2() => XmitHash.Compute(_frame, XmitHashPolicy.Layer2);

    [Benchmark]
    public uint HashLayer23() => XmitHash.Compute(_frame, XmitHashPolicy.Layer23);

    [Benchmark]
    public uint HashLayer34() => XmitHash.Compute(_frame, XmitHashPolicy.Layer34);
}
