using System.Runtime.InteropServices;
using NetBond.Core;
using NetBond.Linux.Bpf;
using NetBond.Linux.Interop;
using NetBond.Linux.Netlink;

namespace NetBond.Linux;

/// <summary>
/// The kernel data path of one bond: eBPF programs (bpf/netbond.bpf.c) carry every data frame inside the kernel —
/// the bond TAP's clsact egress redirects a frame to the member the mode picks, each member's clsact ingress
/// redirects what the bond accepts into the bond — and this class only writes the plan into their maps and reads
/// their counters. A <see cref="UserDataPath"/> in control-frames-only mode beside it takes LACPDUs, ARP and
/// neighbour discovery off the members (a socket filter keeps everything else out), sends the control plane's
/// frames and transmits whatever the egress program leaves to userspace (TC_ACT_OK: a mode or hash policy it
/// does not carry itself).
/// </summary>
public sealed unsafe class KernelDataPath : IDataPath
{
    public const int MaxMembers = 32;
    private const string EgressProgram = "bond_egress";
    private const string IngressProgram = "member_ingress";
    private const uint FlagBroadcastNeighbor = 1;
    private const uint FlagConsumeSlow = 2;
    private const uint FlagTlbTable = 4;
    private const string MapPrefix = "nb_";

    private static readonly Lazy<BpfObject> s_object = new(() =>
    {
        using Stream s = typeof(KernelDataPath).Assembly.GetManifestResourceStream("netbond.bpf.o")
            ?? throw new InvalidDataException("netbond.bpf.o is not embedded");
        using MemoryStream m = new();
        s.CopyTo(m);
        return BpfObject.Parse(m.ToArray());
    });

    private readonly RtNetlink _rt;
    private readonly int _bondIndex;
    private readonly BpfLoader _bpf;
    private readonly UserDataPath _control;
    private readonly Dictionary<Member, uint> _slots = [];
    private readonly int _cpus = PossibleCpus();
    private bool _adopting;
    private DataPlan? _held;
    private DataPlan _plan = DataPlan.Empty;
    private readonly HashSet<ulong> _memberMacKeys = [];
    private readonly long[] _bucketBytes = new long[TlbTable.Size + 1];
    private ulong[]? _bucketLoad;
    private bool _disposed;

    /// <summary>The map values, laid out as bpf/netbond.bpf.c declares them.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Config
    {
        public uint Mode;
        public uint HashPolicy;
        public uint BondIfIndex;
        public uint Flags;
        public int Active;
        public uint PacketsPerSlave;
        public uint MemberCount;
        public uint UsableCount;
        public fixed uint IfIndex[MaxMembers];
        public fixed uint Slot[MaxMembers];
        public fixed int NextCan[MaxMembers];
        public fixed uint Usable[MaxMembers];
        public uint CanTransmit;
        public fixed byte BondMac[8];
        public fixed byte Mac[MaxMembers * 8];
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MemberEntry
    {
        public uint Slot;
        public uint Delivers;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Counters
    {
        public ulong RxPackets;
        public ulong RxBytes;
        public ulong TxPackets;
        public ulong TxBytes;
        public ulong RxDropped;
        public ulong TxDropped;
        public ulong LastRxNs;
        public ulong LastTxNs;
    }

    private KernelDataPath(TapDevice tap, int bondIndex, RtNetlink rt, BpfLoader bpf, bool adopting)
    {
        _rt = rt;
        _bondIndex = bondIndex;
        _bpf = bpf;
        _adopting = adopting;
        try
        {
            if (!adopting)
            {
                Config config = default;
                config.BondIfIndex = (uint)bondIndex;
                config.Active = -1;
                WriteConfig(config);
            }
            _bpf.Program(IngressProgram);
            rt.AddClsact(bondIndex);
            // On adoption this replaces the previous daemon's program in one step: frames never miss a program.
            rt.AddBpfFilter(bondIndex, egress: true, RtNetlink.KernelPathPref, _bpf.Program(EgressProgram).Fd, EgressProgram);
            _control = new UserDataPath(tap, controlFramesOnly: true);
        }
        catch
        {
            if (!adopting)
            {
                // Under auto the bond goes on with the userspace path: no program of ours may stay in its way.
                rt.DeleteBpfFilter(bondIndex, egress: true, RtNetlink.KernelPathPref);
            }
            _bpf.Dispose();
            throw;
        }
    }

    /// <summary>Loads the programs and attaches the egress one to the bond's TAP, which should still be down.</summary>
    public static KernelDataPath Create(TapDevice tap, int bondIndex, RtNetlink rt) =>
        new(tap, bondIndex, rt, new BpfLoader(s_object.Value, MapPrefix), adopting: false);

    /// <summary>
    /// Takes over the data path a previous daemon left running on the bond (found through the program on its TAP's
    /// egress): the same maps, so the plan, the members' slots and the counters carry on, and programs of this
    /// daemon's object swapped in. Until <see cref="EndAdoption"/> the maps keep the previous daemon's plan, whatever
    /// the bond goes through while its members are enslaved again.
    /// </summary>
    /// <param name="memberIndexes">The members the previous daemon had: their ingress programs use the maps the egress one does not.</param>
    /// <exception cref="InvalidDataException">No NetBond data path is attached to the bond.</exception>
    public static KernelDataPath Adopt(TapDevice tap, int bondIndex, RtNetlink rt, IEnumerable<int> memberIndexes)
    {
        uint egress = rt.GetBpfFilterProgramId(bondIndex, egress: true, RtNetlink.KernelPathPref)
            ?? throw new InvalidDataException($"{tap.Name} runs no NetBond program on its egress");
        List<uint> ids = [egress, .. memberIndexes.Select(i => rt.GetBpfFilterProgramId(i, egress: false, RtNetlink.KernelPathPref)).OfType<uint>()];
        return new(tap, bondIndex, rt, BpfLoader.Adopt(s_object.Value, MapPrefix, ids), adopting: true);
    }

    /// <summary>The bond is whole again: the latest plan goes into the maps, and members no longer there leave them.</summary>
    public void EndAdoption()
    {
        _adopting = false;
        if (_held != null)
        {
            Publish(_held);
            _held = null;
        }
        foreach (uint ifIndex in Interop.Bpf.Keys(_bpf.Map("members")))
        {
            if (!_slots.Keys.Any(m => m.IfIndex == ifIndex))
            {
                uint key = ifIndex;
                Interop.Bpf.Delete(_bpf.Map("members"), &key);
            }
        }
    }

    /// <summary>The embedded object, read: its programs and map definitions.</summary>
    public static BpfObject EmbeddedObject => s_object.Value;

    /// <summary>Loads the programs of the embedded object without attaching anything: for tests that run them.</summary>
    public static BpfLoader LoadDetached() => new(s_object.Value, MapPrefix);

    /// <summary>Sets only the hash policy in a detached object's config map, for running hash_probe.</summary>
    public static void WriteHashPolicy(BpfLoader bpf, XmitHashPolicy policy)
    {
        Config c = default;
        c.HashPolicy = (uint)policy;
        uint zero = 0;
        Interop.Bpf.Update(bpf.Map("config"), &zero, &c, "write the config map");
    }

    public string Name => "kernel";

    public ControlFrameQueue ControlFrames => _control.ControlFrames;

    public long AllocatedBytes => _control.AllocatedBytes;

    public IReadOnlyList<KeyValuePair<string, string>> Features =>
    [
        KeyValuePair.Create("bpf_programs", $"{EgressProgram} on the bond's clsact egress, {IngressProgram} on each member's clsact ingress"),
        KeyValuePair.Create("member_socket_filter", "slow protocols, ARP, neighbour discovery"),
        KeyValuePair.Create("ingress_drop", "cls_bpf direct-action, behind member_ingress"),
    ];

    public void Attach(Member member)
    {
        if (_slots.Count >= MaxMembers)
        {
            throw new NativeException($"{member.Name}: the kernel data path carries at most {MaxMembers} members");
        }
        uint ifIndex = (uint)member.IfIndex;
        MemberEntry entry;
        if (!_adopting || !Interop.Bpf.Lookup(_bpf.Map("members"), &ifIndex, &entry))
        {
            // A new member: a free slot, counted from zero, delivering nothing before the next plan.
            uint free = 1;
            while (_slots.ContainsValue(free))
            {
                free++;
            }
            ClearCounters(free);
            entry = new() { Slot = free, Delivers = 0 };
            Interop.Bpf.Update(_bpf.Map("members"), &ifIndex, &entry, $"add {member.Name} to the members map");
        }
        uint slot = entry.Slot;
        _slots.Add(member, slot);
        try
        {
            _control.Attach(member);
            _rt.AddBpfFilter(member.IfIndex, egress: false, RtNetlink.KernelPathPref, _bpf.Program(IngressProgram).Fd, IngressProgram);
        }
        catch
        {
            Detach(member);
            throw;
        }
    }

    public void Detach(Member member)
    {
        if (!_slots.Remove(member))
        {
            return;
        }
        _rt.DeleteBpfFilter(member.IfIndex, egress: false, RtNetlink.KernelPathPref);
        uint ifIndex = (uint)member.IfIndex;
        Interop.Bpf.Delete(_bpf.Map("members"), &ifIndex);
        _control.Detach(member);
    }

    /// <summary>One map update carries the whole plan: a failover is this one syscall (then the peer notification).</summary>
    public void Publish(DataPlan plan)
    {
        _control.Publish(plan);
        if (_adopting)
        {
            _held = plan;
            return;
        }
        Config c = default;
        c.Mode = (uint)plan.Mode;
        c.HashPolicy = (uint)plan.XmitHashPolicy;
        c.BondIfIndex = (uint)_bondIndex;
        c.Flags = (plan.BroadcastNeighbor ? FlagBroadcastNeighbor : 0)
            | ((plan.Control & ControlFrameKinds.SlowProtocols) != 0 ? FlagConsumeSlow : 0)
            | (plan.Tlb != null ? FlagTlbTable : 0);
        WriteMac(c.BondMac, plan.BondMac);
        c.Active = plan.ActiveIndex;
        c.PacketsPerSlave = (uint)plan.PacketsPerSlave;
        c.MemberCount = (uint)plan.Members.Length;
        c.UsableCount = (uint)plan.Usable.Length;
        for (int i = 0; i < plan.Members.Length; i++)
        {
            c.IfIndex[i] = (uint)plan.Members[i].IfIndex;
            c.CanTransmit |= plan.CanTransmit[i] ? 1u << i : 0;
            WriteMac(c.Mac + (i * 8), plan.MemberMacs[i]);
            c.Slot[i] = _slots.GetValueOrDefault(plan.Members[i]);
            c.NextCan[i] = -1;
            for (int k = 0; k < plan.Members.Length; k++)
            {
                int p = (i + k) % plan.Members.Length;
                if (plan.CanTransmit[p])
                {
                    c.NextCan[i] = p;
                    break;
                }
            }
        }
        for (int i = 0; i < plan.Usable.Length; i++)
        {
            c.Usable[i] = (uint)plan.Usable[i];
        }
        for (int i = 0; i < plan.Members.Length; i++)
        {
            if (_slots.TryGetValue(plan.Members[i], out uint slot))
            {
                uint ifIndex = (uint)plan.Members[i].IfIndex;
                MemberEntry entry = new() { Slot = slot, Delivers = plan.Delivers[i] ? 1u : 0u };
                Interop.Bpf.Update(_bpf.Map("members"), &ifIndex, &entry, $"update {plan.Members[i].Name} in the members map");
            }
        }
        if (plan.Tlb != null || _plan.Tlb != null)
        {
            // A new plan re-places every bucket (TlbTable does on its next use): until the next tick, the active member.
            WriteTlb(null);
        }
        WriteMemberMacs(plan.Mode == BondMode.BalanceAlb ? plan.MemberMacs : []);
        _plan = plan;
        WriteConfig(c);
    }

    /// <summary>
    /// balance-tlb/alb with tlb_dynamic_lb=1, on the control thread at each of the bond's ticks: the bytes each
    /// bucket sent since the last go through Core's <see cref="TlbTable"/> as if they were one frame, which places
    /// the buckets not placed yet (tlb_choose_channel) and rebalances when asked; the placement goes into the map.
    /// A new flow leaves by the active member until the next tick (at most 100 ms), where the kernel places it at once.
    /// </summary>
    public void PlaceBuckets()
    {
        if (_plan.Tlb is not { } table || _adopting)
        {
            return;
        }
        // One value per possible CPU, each the 257 counters: on a large machine too big for the stack.
        const int Counters = TlbTable.Size + 1;
        _bucketLoad ??= new ulong[Counters * _cpus];
        uint zero = 0;
        fixed (ulong* perCpu = _bucketLoad)
        {
            if (!Interop.Bpf.Lookup(_bpf.Map("tlb_load"), &zero, perCpu))
            {
                return;
            }
        }
        for (int b = 0; b < Counters; b++)
        {
            long total = 0;
            for (int cpu = 0; cpu < _cpus; cpu++)
            {
                total += (long)_bucketLoad[(cpu * Counters) + b];
            }
            long delta = total - _bucketBytes[b];
            _bucketBytes[b] = total;
            if (delta <= 0)
            {
                continue;
            }
            if (b == TlbTable.Size)
            {
                table.CountUnbalanced((int)Math.Min(delta, int.MaxValue));
            }
            else
            {
                table.Choose(_plan, b, (int)Math.Min(delta, int.MaxValue));
            }
        }
        WriteTlb(table);
    }

    private void WriteTlb(TlbTable? table)
    {
        int* positions = stackalloc int[TlbTable.Size];
        for (int b = 0; b < TlbTable.Size; b++)
        {
            positions[b] = table?.Assigned(b) ?? -1;
        }
        uint zero = 0;
        Interop.Bpf.Update(_bpf.Map("tlb"), &zero, positions, "write the tlb map");
    }

    /// <summary>The members' MACs as the ingress program looks them up: the six bytes in the low end of a little-endian u64.</summary>
    private void WriteMemberMacs(MacAddress[] macs)
    {
        HashSet<ulong> keys = [.. macs.Select(MacKey)];
        foreach (ulong stale in _memberMacKeys.Where(k => !keys.Contains(k)).ToArray())
        {
            ulong key = stale;
            Interop.Bpf.Delete(_bpf.Map("member_macs"), &key);
            _memberMacKeys.Remove(stale);
        }
        foreach (ulong k in keys)
        {
            ulong key = k;
            uint one = 1;
            Interop.Bpf.Update(_bpf.Map("member_macs"), &key, &one, "write the member_macs map");
            _memberMacKeys.Add(k);
        }
    }

    private static ulong MacKey(MacAddress mac)
    {
        Span<byte> b = stackalloc byte[8];
        b.Clear();
        mac.CopyTo(b);
        return BitConverter.ToUInt64(b);
    }

    private static void WriteMac(byte* to, MacAddress mac) => mac.CopyTo(new Span<byte>(to, 6));

    public bool SendControlFrame(Member member, ReadOnlySpan<byte> frame) => _control.SendControlFrame(member, frame);

    /// <summary>The programs' counters for the bond (slot 0) plus what the control-frames path sent from the TAP itself.</summary>
    public PortCounters BondCounters => Add(ReadCounters(0), _control.BondCounters);

    public PortCounters MemberCounters(Member member) =>
        _slots.TryGetValue(member, out uint slot) ? Add(ReadCounters(slot), _control.MemberCounters(member)) : default;

    private void WriteConfig(Config config)
    {
        uint zero = 0;
        Interop.Bpf.Update(_bpf.Map("config"), &zero, &config, "write the data plan into the config map");
    }

    /// <summary>A per-CPU map's value is one 8-byte aligned copy per possible CPU.</summary>
    private PortCounters ReadCounters(uint slot)
    {
        Counters* perCpu = stackalloc Counters[_cpus];
        if (!Interop.Bpf.Lookup(_bpf.Map("counters"), &slot, perCpu))
        {
            return default;
        }
        Counters sum = default;
        for (int i = 0; i < _cpus; i++)
        {
            sum.RxPackets += perCpu[i].RxPackets;
            sum.RxBytes += perCpu[i].RxBytes;
            sum.TxPackets += perCpu[i].TxPackets;
            sum.TxBytes += perCpu[i].TxBytes;
            sum.RxDropped += perCpu[i].RxDropped;
            sum.TxDropped += perCpu[i].TxDropped;
            sum.LastRxNs = Math.Max(sum.LastRxNs, perCpu[i].LastRxNs);
            sum.LastTxNs = Math.Max(sum.LastTxNs, perCpu[i].LastTxNs);
        }
        // bpf_ktime_get_ns is CLOCK_MONOTONIC, the clock Environment.TickCount64 reads.
        return new PortCounters((long)sum.RxPackets, (long)sum.RxBytes, 0, (long)sum.RxDropped,
            (long)sum.TxPackets, (long)sum.TxBytes, 0, (long)sum.TxDropped, (long)(sum.LastRxNs / 1_000_000), (long)(sum.LastTxNs / 1_000_000));
    }

    private void ClearCounters(uint slot)
    {
        Counters* zeros = stackalloc Counters[_cpus];
        new Span<byte>(zeros, sizeof(Counters) * _cpus).Clear();
        Interop.Bpf.Update(_bpf.Map("counters"), &slot, zeros, "clear a member's counters");
    }

    private static PortCounters Add(PortCounters a, PortCounters b) =>
        new(a.RxPackets + b.RxPackets, a.RxBytes + b.RxBytes, a.RxErrors + b.RxErrors, a.RxDropped + b.RxDropped,
            a.TxPackets + b.TxPackets, a.TxBytes + b.TxBytes, a.TxErrors + b.TxErrors, a.TxDropped + b.TxDropped,
            Math.Max(a.LastRxMs, b.LastRxMs), Math.Max(a.LastTxMs, b.LastTxMs));

    /// <summary>The CPUs a per-CPU map holds a value for: /sys/devices/system/cpu/possible, e.g. "0-1".</summary>
    private static int PossibleCpus()
    {
        string text = File.ReadAllText("/sys/devices/system/cpu/possible").Trim();
        int max = 0;
        foreach (string part in text.Split(','))
        {
            string last = part.Split('-')[^1];
            max = Math.Max(max, int.Parse(last, System.Globalization.CultureInfo.InvariantCulture));
        }
        return max + 1;
    }

    /// <summary>Closes this daemon's descriptors and leaves the programs, maps and filters running for the next one.</summary>
    public void LeaveRunning()
    {
        _disposed = true;
        _control.Dispose();
        _bpf.Dispose();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (Member m in _slots.Keys.ToArray())
        {
            Detach(m);
        }
        _rt.DeleteBpfFilter(_bondIndex, egress: true, RtNetlink.KernelPathPref);
        _control.Dispose();
        _bpf.Dispose();
    }
}
