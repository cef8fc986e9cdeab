using NetBond.Core;
using NetBond.Linux.Interop;

namespace NetBond.Linux.Bpf;

/// <summary>
/// The maps of one bond's eBPF programs as the control plane sees them: a <see cref="DataPlan"/> written in the
/// layout of <see cref="BpfContract"/>, members' entries, the tlb placement, the counters read back. Attaching
/// anything to a device is <see cref="KernelDataPath"/>'s; tests drive this class on programs loaded detached, to
/// run them over frames and compare what they decide with Core.
/// </summary>
public sealed unsafe class PlanMaps
{
    private readonly BondMapSet _bpf;
    private readonly int _bondIndex;
    private readonly int _cpus = PossibleCpus();
    private readonly HashSet<ulong> _memberMacKeys = [];
    private readonly long[] _bucketBytes = new long[BpfContract.TlbBuckets + 1];
    private TlbLoad[]? _bucketLoad;

    public PlanMaps(BondMapSet bpf, int bondIndex)
    {
        _bpf = bpf;
        _bondIndex = bondIndex;
    }

    /// <summary>A plan with no member: every frame from the bond is dropped until the first plan.</summary>
    public void WriteEmpty()
    {
        PlanConfig config = default;
        config.BondIfindex = (uint)_bondIndex;
        config.Active = -1;
        WriteConfig(config);
    }

    /// <summary>
    /// Writes a whole plan: one update of the config map carries it (a failover is that one syscall), after the
    /// members' entries it refers to. <paramref name="slotOf"/> gives a member's counters slot, 0 for one not attached.
    /// </summary>
    public void Write(DataPlan plan, Func<Member, uint> slotOf, bool tlbReset)
    {
        PlanConfig c = default;
        c.Mode = plan.Mode;
        c.HashPolicy = plan.XmitHashPolicy;
        c.BondIfindex = (uint)_bondIndex;
        c.Flags = (plan.BroadcastNeighbor ? PlanFlags.BroadcastNeighbor : 0)
            | ((plan.Control & ControlFrameKinds.SlowProtocols) != 0 ? PlanFlags.ConsumeSlow : 0)
            | (plan.Tlb != null ? PlanFlags.TlbTable : 0);
        plan.BondMac.CopyTo(new Span<byte>(c.BondMac, 6));
        c.Active = plan.ActiveIndex;
        c.PacketsPerSlave = (uint)plan.PacketsPerSlave;
        c.MemberCount = (uint)plan.Members.Length;
        c.UsableCount = (uint)plan.Usable.Length;
        for (int i = 0; i < plan.Members.Length; i++)
        {
            c.Ifindex[i] = (uint)plan.Members[i].IfIndex;
            c.CanTransmit |= plan.CanTransmit[i] ? 1u << i : 0;
            plan.MemberMacs[i].CopyTo(new Span<byte>(c.Mac + (i * 8), 6));
            c.Slot[i] = slotOf(plan.Members[i]);
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
            if (c.Slot[i] != 0)
            {
                SetMember(plan.Members[i].IfIndex, new MemberEntry { Slot = c.Slot[i], Delivers = plan.Delivers[i] ? 1u : 0u });
            }
        }
        for (int i = 0; i < plan.Usable.Length; i++)
        {
            c.Usable[i] = (uint)plan.Usable[i];
        }
        if (tlbReset)
        {
            // A new plan re-places every bucket (TlbTable does on its next use): until the next tick, the active member.
            WriteTlb(null);
        }
        WriteMemberMacs(ModeTraits.Of(plan.Mode).ReceiveBalancing ? plan.MemberMacs : []);
        WriteConfig(c);
    }

    public void SetMember(int ifIndex, MemberEntry entry)
    {
        uint key = (uint)ifIndex;
        Update("members", &key, &entry, $"update member {ifIndex} in the members map");
    }

    public bool TryGetMember(int ifIndex, out MemberEntry entry)
    {
        uint key = (uint)ifIndex;
        MemberEntry found;
        bool ok = Lookup("members", &key, &found);
        entry = found;
        return ok;
    }

    public void RemoveMember(int ifIndex)
    {
        uint key = (uint)ifIndex;
        Delete("members", &key);
    }

    /// <summary>The ifindexes in the members map, which may hold a previous daemon's members.</summary>
    public List<uint> MemberIndexes() => Keys("members");

    /// <summary>
    /// balance-tlb/alb with tlb_dynamic_lb=1: the bytes each bucket sent since the last call go through Core's
    /// <see cref="TlbTable"/> as if they were one frame, which places the buckets not placed yet
    /// (tlb_choose_channel) and rebalances when asked; the placement goes into the map.
    /// </summary>
    public void PlaceBuckets(DataPlan plan, TlbTable table)
    {
        const int Counters = BpfContract.TlbBuckets + 1;
        // One value per possible CPU: on a large machine too big for the stack.
        _bucketLoad ??= new TlbLoad[_cpus];
        uint zero = 0;
        fixed (TlbLoad* perCpu = _bucketLoad)
        {
            if (!Lookup("tlb_load", &zero, perCpu))
            {
                return;
            }
            for (int b = 0; b < Counters; b++)
            {
                long total = 0;
                for (int cpu = 0; cpu < _cpus; cpu++)
                {
                    total += (long)perCpu[cpu].Bytes[b];
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
                    table.Choose(plan, b, (int)Math.Min(delta, int.MaxValue));
                }
            }
        }
        WriteTlb(table);
    }

    public void WriteTlb(TlbTable? table)
    {
        TlbPositions positions = default;
        for (int b = 0; b < BpfContract.TlbBuckets; b++)
        {
            positions.Pos[b] = table?.Assigned(b) ?? -1;
        }
        uint zero = 0;
        Update("tlb", &zero, &positions, "write the tlb map");
    }

    /// <summary>The members' MACs as the ingress program looks them up: the six bytes in the low end of a little-endian u64.</summary>
    private void WriteMemberMacs(MacAddress[] macs)
    {
        HashSet<ulong> keys = [.. macs.Select(MacKey)];
        foreach (ulong stale in _memberMacKeys.Where(k => !keys.Contains(k)).ToArray())
        {
            ulong key = stale;
            Delete("member_macs", &key);
            _memberMacKeys.Remove(stale);
        }
        foreach (ulong k in keys)
        {
            ulong key = k;
            uint one = 1;
            Update("member_macs", &key, &one, "write the member_macs map");
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

    private void WriteConfig(PlanConfig config)
    {
        uint zero = 0;
        Update("config", &zero, &config, "write the data plan into the config map");
    }

    /// <summary>A slot's counters summed over the CPUs (a per-CPU map's value is one copy per possible CPU).</summary>
    public PortCounters ReadCounters(uint slot)
    {
        BpfCounters* perCpu = stackalloc BpfCounters[_cpus];
        if (!Lookup("counters", &slot, perCpu))
        {
            return default;
        }
        BpfCounters sum = default;
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
        return new PortCounters((long)sum.RxPackets, (long)sum.RxBytes, 0, (long)sum.RxDropped,
            (long)sum.TxPackets, (long)sum.TxBytes, 0, (long)sum.TxDropped, (long)(sum.LastRxNs / 1_000_000), (long)(sum.LastTxNs / 1_000_000),
            (long)(LastRxIpv6Ns(slot) / 1_000_000));
    }

    private ulong LastRxIpv6Ns(uint slot)
    {
        ulong* perCpu = stackalloc ulong[_cpus];
        ulong last = 0;
        if (Lookup("rx_ipv6", &slot, perCpu))
        {
            for (int i = 0; i < _cpus; i++)
            {
                last = Math.Max(last, perCpu[i]);
            }
        }
        return last;
    }

    public void ClearCounters(uint slot)
    {
        BpfCounters* zeros = stackalloc BpfCounters[_cpus];
        new Span<byte>(zeros, sizeof(BpfCounters) * _cpus).Clear();
        Update("counters", &slot, zeros, "clear a member's counters");
        Update("rx_ipv6", &slot, zeros, "clear a member's last IPv6 receive time");
    }

    /// <summary>Sets the round-robin counter of every CPU, so a test knows which value the next frame's CPU starts from.</summary>
    public void SetRoundRobinCounter(uint value)
    {
        uint* perCpu = stackalloc uint[_cpus * 2];
        for (int i = 0; i < _cpus; i++)
        {
            perCpu[i * 2] = value; // per-CPU values are 8-byte aligned
            perCpu[(i * 2) + 1] = 0;
        }
        uint zero = 0;
        Update("rr_counter", &zero, perCpu, "write the round-robin counter");
    }

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

    // A bond's maps are opened by id for each use: the daemon holds no descriptor per bond that the kernel does not need.
    private void Update(string map, void* key, void* value, string what)
    {
        using BpfHandle m = _bpf.Open(map);
        Interop.Bpf.Update(m, key, value, what);
    }

    private bool Lookup(string map, void* key, void* value)
    {
        using BpfHandle m = _bpf.Open(map);
        return Interop.Bpf.Lookup(m, key, value);
    }

    private void Delete(string map, void* key)
    {
        using BpfHandle m = _bpf.Open(map);
        Interop.Bpf.Delete(m, key);
    }

    private List<uint> Keys(string map)
    {
        using BpfHandle m = _bpf.Open(map);
        return Interop.Bpf.Keys(m);
    }
}
