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
/// does not carry itself). The programs are the daemon's, loaded once (<see cref="SharedPrograms"/>); the bond has
/// its own maps and an id, which its filters carry as their classid so that the programs find its maps.
/// </summary>
public sealed class KernelDataPath : IDataPath
{
    public const int MaxMembers = BpfContract.MaxMembers;
    private const string EgressProgram = "bond_egress";
    private const string IngressProgram = "member_ingress";
    private const string MapPrefix = "nb_";
    private const string BondMapPrefix = "nbb_";

    private static readonly Lazy<BpfObject> s_object = new(() =>
    {
        using Stream s = typeof(KernelDataPath).Assembly.GetManifestResourceStream("netbond.bpf.o")
            ?? throw new InvalidDataException("netbond.bpf.o is not embedded");
        using MemoryStream m = new();
        s.CopyTo(m);
        return BpfObject.Parse(m.ToArray());
    });

    private readonly TapDevice _tap;
    private readonly RtNetlink _rt;
    private readonly int _bondIndex;
    private readonly SharedPrograms _programs;
    private readonly BondMapSet _bondMaps;
    private readonly PlanMaps _maps;
    private readonly UserDataPath _control;
    private readonly Dictionary<Member, uint> _slots = [];
    private bool _adopting;
    private DataPlan? _held;
    private DataPlan _plan = DataPlan.Empty;
    private bool _disposed;

    private KernelDataPath(TapDevice tap, int bondIndex, RtNetlink rt, SharedPrograms programs, BondMapSet bondMaps, bool adopting)
    {
        _tap = tap;
        _rt = rt;
        _bondIndex = bondIndex;
        _programs = programs;
        _bondMaps = bondMaps;
        _maps = new PlanMaps(bondMaps, bondIndex);
        _adopting = adopting;
        try
        {
            if (!adopting)
            {
                _maps.WriteEmpty();
            }
            _programs.Loader.Program(IngressProgram);
            rt.AddClsact(bondIndex);
            // On adoption this replaces the previous daemon's program in one step: frames never miss a program.
            rt.AddBpfFilter(bondIndex, egress: true, RtNetlink.KernelPathPref, _programs.Loader.Program(EgressProgram).Fd, EgressProgram, bondMaps.Bond);
            _control = new UserDataPath(tap, controlFramesOnly: true);
        }
        catch
        {
            if (!adopting)
            {
                // Under auto the bond goes on with the userspace path: no program of ours may stay in its way.
                rt.DeleteBpfFilter(bondIndex, egress: true, RtNetlink.KernelPathPref);
                bondMaps.Remove();
            }
            throw; // the caller lets go of the programs and the id
        }
    }

    /// <summary>The bond's maps made (the programs loaded, for the daemon's first bond) and the egress program attached to its TAP, which should still be down.</summary>
    public static KernelDataPath Create(TapDevice tap, int bondIndex, RtNetlink rt)
    {
        SharedPrograms programs = SharedPrograms.Acquire(() => new BpfLoader(s_object.Value, MapPrefix, BondMapPrefix));
        uint id = 0;
        try
        {
            id = programs.NewId();
            return new(tap, bondIndex, rt, programs, programs.Loader.CreateBond(id), adopting: false);
        }
        catch
        {
            programs.Free(id);
            programs.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes over the data path a previous daemon left running on the bond (found through the program on its TAP's
    /// egress): the same maps, so the plan, the members' slots and the counters carry on, and programs of this
    /// daemon's object swapped in. Until <see cref="EndAdoption"/> the maps keep the previous daemon's plan, whatever
    /// the bond goes through while its members are enslaved again.
    /// </summary>
    /// <param name="memberIndexes">The members the previous daemon had: their ingress programs use the maps the egress one does not.</param>
    /// <exception cref="InvalidDataException">No NetBond data path is attached to the bond.</exception>
    /// <remarks>
    /// A bond left by a NetBond that loaded programs per bond (its filter carries no classid) is taken over too: its
    /// maps become the bond's maps under a new id, and this daemon's programs take over from its own.
    /// </remarks>
    public static KernelDataPath Adopt(TapDevice tap, int bondIndex, RtNetlink rt, IEnumerable<int> memberIndexes)
    {
        (uint egress, uint classId) = rt.GetBpfFilter(bondIndex, egress: true, RtNetlink.KernelPathPref)
            ?? throw new InvalidDataException($"{tap.Name} runs no NetBond program on its egress");
        List<uint> ids = [egress, .. memberIndexes.Select(i => rt.GetBpfFilter(i, egress: false, RtNetlink.KernelPathPref)?.Program).OfType<uint>()];
        SharedPrograms programs = classId == 0
            ? SharedPrograms.Acquire(() => new BpfLoader(s_object.Value, MapPrefix, BondMapPrefix))
            : SharedPrograms.AcquireAdopted(() => BpfLoader.Adopt(s_object.Value, MapPrefix, BondMapPrefix, egress), MapIdsOf(egress));
        uint id = classId;
        try
        {
            if (classId == 0)
            {
                id = programs.NewId();
                return new(tap, bondIndex, rt, programs, programs.Loader.AdoptPerBondMaps(id, ids), adopting: true);
            }
            programs.Claim(classId);
            return new(tap, bondIndex, rt, programs, programs.Loader.AdoptBond(classId), adopting: true);
        }
        catch
        {
            programs.Free(id);
            programs.Dispose();
            throw;
        }
    }

    private static uint[] MapIdsOf(uint programId)
    {
        using BpfHandle program = Interop.Bpf.ProgramById(programId);
        return Interop.Bpf.ProgramMapIds(program);
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
        foreach (uint ifIndex in _maps.MemberIndexes())
        {
            if (!_slots.Keys.Any(m => m.IfIndex == ifIndex))
            {
                _maps.RemoveMember((int)ifIndex);
            }
        }
    }

    /// <summary>The embedded object, read: its programs and map definitions.</summary>
    public static BpfObject EmbeddedObject => s_object.Value;

    /// <summary>Loads the programs of the embedded object without attaching anything: for tests that run them (on bond 0).</summary>
    public static BpfLoader LoadDetached() => new(s_object.Value, MapPrefix, BondMapPrefix);

    public string Name => "kernel";

    /// <summary>The TAP is persistent and the programs and maps stay attached: a killed daemon's bond carries on.</summary>
    public bool OutlivesDaemon => true;

    /// <summary>A qdisc added on the bond device is bypassed: the egress program redirects before it.</summary>
    public string? Note() => _rt.GetAddedRootQdisc(_bondIndex) is { } qdisc
        ? $"the {qdisc} qdisc on {_tap.Name} is bypassed: the eBPF program sends before it; shape on the members"
        : null;

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
        if (!_adopting || !_maps.TryGetMember(member.IfIndex, out MemberEntry entry))
        {
            // A new member: a free slot, counted from zero, delivering nothing before the next plan.
            uint free = 1;
            while (_slots.ContainsValue(free))
            {
                free++;
            }
            _maps.ClearCounters(free);
            entry = new() { Slot = free, Delivers = 0 };
            _maps.SetMember(member.IfIndex, entry);
        }
        uint slot = entry.Slot;
        _slots.Add(member, slot);
        try
        {
            _control.Attach(member);
            _rt.AddBpfFilter(member.IfIndex, egress: false, RtNetlink.KernelPathPref, _programs.Loader.Program(IngressProgram).Fd, IngressProgram, _bondMaps.Bond);
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
        _maps.RemoveMember(member.IfIndex);
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
        _maps.Write(plan, m => _slots.GetValueOrDefault(m), tlbReset: plan.Tlb != null || _plan.Tlb != null);
        _plan = plan;
    }

    /// <summary>
    /// balance-tlb/alb with tlb_dynamic_lb=1, on the control thread at each of the bond's ticks: the buckets' load
    /// since the last tick placed by Core's <see cref="TlbTable"/> (<see cref="PlanMaps.PlaceBuckets"/>). A new flow
    /// leaves by the active member until the next tick (at most 100 ms), where the kernel places it at once.
    /// </summary>
    public void Tick()
    {
        if (_plan.Tlb is { } table && !_adopting)
        {
            _maps.PlaceBuckets(_plan, table);
        }
    }

    public bool SendControlFrame(Member member, ReadOnlySpan<byte> frame) => _control.SendControlFrame(member, frame);

    /// <summary>The programs' counters for the bond (slot 0) plus what the control-frames path sent from the TAP itself.</summary>
    public PortCounters BondCounters => Add(_maps.ReadCounters(0), _control.BondCounters);

    public PortCounters MemberCounters(Member member) =>
        _slots.TryGetValue(member, out uint slot) ? Add(_maps.ReadCounters(slot), _control.MemberCounters(member)) : default;

    private static PortCounters Add(PortCounters a, PortCounters b) =>
        new(a.RxPackets + b.RxPackets, a.RxBytes + b.RxBytes, a.RxErrors + b.RxErrors, a.RxDropped + b.RxDropped,
            a.TxPackets + b.TxPackets, a.TxBytes + b.TxBytes, a.TxErrors + b.TxErrors, a.TxDropped + b.TxDropped,
            Math.Max(a.LastRxMs, b.LastRxMs), Math.Max(a.LastTxMs, b.LastTxMs), Math.Max(a.LastRxIpv6Ms, b.LastRxIpv6Ms));

    /// <summary>Closes this daemon's descriptors and leaves the programs, maps and filters running for the next one.</summary>
    public void LeaveRunning()
    {
        _disposed = true;
        _control.Dispose();
        Release(remove: false);
    }

    /// <summary>Lets go of the bond's share of the programs, and of its maps (taken out of the programs' reach) when <paramref name="remove"/>.</summary>
    private void Release(bool remove)
    {
        if (remove)
        {
            _bondMaps.Remove();
        }
        _programs.Free(_bondMaps.Bond);
        _programs.Dispose();
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
        Release(remove: true);
    }
}
