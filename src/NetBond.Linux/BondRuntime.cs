using System.Net;
using NetBond.Core;
using NetBond.Linux.Interop;
using NetBond.Linux.Netlink;

namespace NetBond.Linux;

/// <summary>One request that set a bond's options; <paramref name="OneRequest"/> as <see cref="OptionContext.OneRequest"/>.</summary>
public sealed record OptionRequest(IReadOnlyList<OptionAssignment> Options, bool OneRequest);

/// <summary>
/// One bond on a real host: the Core <see cref="Core.Bond"/> wired to its TAP device, member sockets and data
/// plane. It carries out what the Core decides and never decides itself. Runs on the daemon's control thread.
/// </summary>
public sealed class BondRuntime : IBondHost, IDisposable
{
    private readonly RtNetlink _rt;
    private readonly Ethtool _ethtool;
    private readonly NetworkNamespace _namespace;
    private long _nextDrainMs;
    private readonly IMemberJournal _journal;
    private readonly Action<string> _log;
    private readonly Dictionary<Member, MemberOriginalState> _originals = [];
    private readonly byte[] _controlFrame = new byte[ControlFrameQueue.SlotSize];
    private int _mtu;

    /// <summary>
    /// While a killed daemon's bond is taken over, the bond passes through states it was not in (the first member
    /// enslaved again is made active for a moment): nothing of that may reach the wire or the maps.
    /// </summary>
    private bool _adopting;

    /// <param name="adoptMembers">To adopt a killed daemon's bond: the ifindexes of its members; null to make a new bond.</param>
    private BondRuntime(TapDevice tap, LinkInfo link, BondOptions options, RtNetlink rt, Ethtool ethtool, IMemberJournal journal, Action<string> log,
        IEnumerable<int>? adoptMembers = null)
    {
        Tap = tap;
        _namespace = NetworkNamespace.Current;
        IfIndex = link.Index;
        _mtu = link.Mtu;
        _rt = rt;
        _ethtool = ethtool;
        _journal = journal;
        _log = log;
        _adopting = adoptMembers != null;
        (DataPath, DataPathReason) = adoptMembers != null
            ? (DataPathChooser.Adopt(tap, link.Index, rt, adoptMembers), null)
            : DataPathChooser.Choose(options, tap, link.Index, rt);
        if (DataPath.OutlivesDaemon)
        {
            // Its TAP must outlive the daemon too, or a killed daemon's bond would vanish while the members'
            // programs still redirect into it.
            tap.SetPersistent(true);
            // That TAP loses its carrier whenever its daemon is gone (tun turns it off when its last reader detaches),
            // and the kernel would evict the bond's neighbours with it; balance-alb's own ARP, which the daemon
            // sends, would then be missing to resolve them again until the next daemon runs. Kept instead.
            InterfaceSysctl.Set("ipv4", tap.Name, "arp_evict_nocarrier", 0);
            InterfaceSysctl.Set("ipv6", tap.Name, "ndisc_evict_nocarrier", 0);
        }
        Bond = new Bond(tap.Name, options, link.Mac, this) { IsUp = link.IsUp };
        // An adopted bond has its addresses already, and no event will tell: the ARP/NS monitors probe from them;
        // and its address lists, which its members keep carrying.
        OnAddressesChanged();
        ReadRxMode();
    }

    public Bond Bond { get; }
    public TapDevice Tap { get; }
    public int IfIndex { get; }
    public IDataPath DataPath { get; }

    /// <summary>The options the bond was made with and every `set` since, in order: what a next daemon replays to adopt it.</summary>
    public List<OptionRequest> OptionHistory { get; } = [];

    /// <summary>What status says after the data path's name: why not the kernel one, or the path's own note; null when there is nothing to say.</summary>
    public string? DataPathNote() => DataPathReason ?? DataPath.Note();

    /// <summary>Why the bond runs on the userspace data path although its datapath option allowed the kernel one; null otherwise.</summary>
    public string? DataPathReason { get; }

    public Ethtool Ethtool => _ethtool;

    public RtNetlink Netlink => _rt;

    public static BondRuntime Create(string name, BondOptions options, RtNetlink rt, Ethtool ethtool, IMemberJournal journal, Action<string> log)
    {
        TapDevice tap = TapDevice.Create(name);
        try
        {
            LinkInfo link = rt.GetLink(name) ?? throw new NativeException($"{name}: the TAP device vanished after creation");
            return new BondRuntime(tap, link, options, rt, ethtool, journal, log);
        }
        catch
        {
            tap.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes over a bond a killed daemon left running on the kernel data path: its persistent TAP and the programs and
    /// maps still attached. Members follow with <see cref="AdoptMember"/>, then <see cref="EndAdoption"/>.
    /// </summary>
    public static BondRuntime Adopt(string name, int ifIndex, BondOptions options, IEnumerable<int> memberIndexes, RtNetlink rt, Ethtool ethtool,
        IMemberJournal journal, Action<string> log)
    {
        LinkInfo? before = rt.GetLink(name);
        if (before?.Kind != "tun")
        {
            throw new InvalidDataException($"{name}: no TAP device of that name is left to adopt");
        }
        if (before.Index != ifIndex)
        {
            throw new InvalidDataException($"{name}: the TAP device of that name is another one (ifindex {before.Index}, the bond's was {ifIndex})");
        }
        TapDevice tap = TapDevice.Create(name);
        try
        {
            return new BondRuntime(tap, before, options, rt, ethtool, journal, log, memberIndexes);
        }
        catch
        {
            tap.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The persistent TAPs of bonds a killed daemon left in this namespace that are not among <paramref name="held"/>
    /// (ifindexes): each a TAP carrying NetBond's egress program, which only a bond of NetBond's has. Another TAP,
    /// even one with a recorded bond's name, is not NetBond's to remove.
    /// </summary>
    public static List<LinkInfo> LeftoverTaps(RtNetlink rt, IReadOnlySet<int> held) =>
        [.. rt.GetLinks().Where(l => l.Kind == "tun" && !held.Contains(l.Index) && rt.GetBpfFilter(l.Index, egress: true, RtNetlink.KernelPathPref) != null)];

    /// <summary>Removes a leftover TAP (see <see cref="LeftoverTaps"/>), unless another link has taken its name meanwhile.</summary>
    public static void RemoveLeftoverTap(LinkInfo leftover, RtNetlink rt)
    {
        using TapDevice tap = TapDevice.Create(leftover.Name);
        if (rt.GetLink(leftover.Name)?.Index == leftover.Index)
        {
            tap.SetPersistent(false);
        }
    }

    /// <summary>A member of an adopted bond: already prepared by the previous daemon, whose record of it is kept.</summary>
    public void AdoptMember(LinkInfo link, MemberOriginalState original, long nowMs)
    {
        Member member = new(link.Name, link.Index, link.Mac);
        (member.Speed, member.Duplex) = _ethtool.GetSettings(link.Name);
        _journal.Record(original);
        DataPath.Attach(member);
        _originals.Add(member, original);
        // What the previous daemon put on its address lists is there still: only differences change it.
        Bond.Adopt(member, ReadCarrier(member), nowMs, [.. original.Listed()]);
    }

    /// <summary>Every member is back: the bond's plan, as this daemon made it, takes over from the previous one's.</summary>
    public void EndAdoption()
    {
        _adopting = false;
        DataPath.EndAdoption();
    }

    public void Enslave(LinkInfo link, long nowMs)
    {
        MemberOriginalState original = MemberSetup.Prepare(_rt, _journal, Bond.Name, link, _mtu);
        Member member = new(link.Name, link.Index, link.Mac);
        bool attached = false;
        try
        {
            (member.Speed, member.Duplex) = _ethtool.GetSettings(link.Name);
            DataPath.Attach(member);
            attached = true;
            _originals.Add(member, original);
            Bond.Enslave(member, ReadCarrier(member), nowMs);
        }
        catch
        {
            if (attached)
            {
                DataPath.Detach(member);
            }
            _originals.Remove(member);
            MemberSetup.Restore(_rt, original);
            _journal.Forget(link.Name);
            throw;
        }
    }

    /// <summary>The member's interface was renamed: the bond, its journal entry and what release restores follow it.</summary>
    public void OnMemberRenamed(Member member, string name)
    {
        if (_originals.Remove(member, out MemberOriginalState? original))
        {
            _journal.Forget(original.Name);
            MemberOriginalState renamed = original with { Name = name };
            _originals.Add(member, renamed);
            _journal.Record(renamed);
        }
        Bond.OnMemberRenamed(member, name);
    }

    /// <summary>The member's interface is gone (deleted, or moved to another namespace): it leaves the bond, nothing to restore.</summary>
    public void Forget(Member member)
    {
        _log($"{Bond.Name}: {member.Name} is gone; releasing it, with nothing to put back");
        Bond.Release(member);
        DataPath.Detach(member);
        if (_originals.Remove(member, out MemberOriginalState? original))
        {
            _journal.Forget(original.Name);
        }
    }

    /// <summary>Releases a member and puts it back as it was; returns what could not be restored.</summary>
    public List<string> Release(Member member)
    {
        Bond.Release(member);
        DataPath.Detach(member);
        List<string> problems = [];
        if (_originals.Remove(member, out MemberOriginalState? original))
        {
            problems = MemberSetup.Restore(_rt, original);
            _journal.Forget(member.Name);
        }
        return problems;
    }

    /// <summary>
    /// balance-rr stripes one TCP flow over the members frame by frame. Whole 64 KiB GSO frames sent side by side
    /// arrive interleaved 40 segments deep, which the receiver's TCP reads as loss: on two 1 Gbit/s links the flow
    /// then carries 0.8 of their sum with a retransmission every few frames. Frames of at most
    /// <see cref="RoundRobinGsoSegments"/> segments keep the reordering shallow (0.95 of the sum, measured in
    /// bench/). Other modes keep one flow on one member and get the TAP's full 64 KiB frames back.
    /// </summary>
    public const int RoundRobinGsoSegments = 16;

    private const int DefaultGsoSegments = 65535;

    /// <summary>Sets what the bond device needs for its mode; called when the bond is made and when its mode changes.</summary>
    public void ApplyModeDefaults()
    {
        _rt.SetGsoMaxSegs(IfIndex, ModeTraits.Of(Bond.Options.Mode).StripesFlows ? RoundRobinGsoSegments : DefaultGsoSegments);
    }

    /// <summary>Sets the bond's MTU now, so members enslaved next take it without waiting for the link event.</summary>
    public void SetMtu(int mtu)
    {
        _rt.SetMtu(IfIndex, mtu);
        OnBondLinkChanged(_rt.GetLink(IfIndex)!);
    }

    /// <summary>Sets the bond's MAC as `ip link set BOND address` would; members follow.</summary>
    public void SetMac(MacAddress mac)
    {
        _rt.SetMac(IfIndex, mac);
        if (!Bond.OnBondMacSet(mac))
        {
            SetBondMac(Bond.Mac);
        }
    }

    /// <summary>An RTM_NEWLINK for the bond device: follow MTU, MAC and up/down changes made with ip link.</summary>
    public void OnBondLinkChanged(LinkInfo link)
    {
        Bond.IsUp = link.IsUp;
        if (link.Mtu != _mtu)
        {
            _mtu = link.Mtu;
            foreach (Member m in Bond.Members)
            {
                try
                {
                    _rt.SetMtu(m.IfIndex, link.Mtu);
                }
                catch (NativeException e)
                {
                    _log($"{Bond.Name}: cannot set MTU {link.Mtu} on {m.Name}: {e.Message}");
                }
            }
        }
        if (!link.Mac.IsZero && link.Mac != Bond.Mac && !Bond.OnBondMacSet(link.Mac))
        {
            // fail_over_mac: the kernel leaves the bond's MAC as it was; the TAP took the new one, so put it back.
            SetBondMac(Bond.Mac);
        }
    }

    public List<string> ReleaseAll()
    {
        List<string> problems = [];
        foreach (Member m in Bond.Members.ToArray())
        {
            problems.AddRange(Release(m));
        }
        return problems;
    }

    /// <summary>
    /// Lets go of a bond whose data path <see cref="IDataPath.OutlivesDaemon"/> without taking it down: the TAP stays
    /// (persistent), members stay enslaved and journaled; only this daemon's descriptors close.
    /// </summary>
    public void LeaveRunning()
    {
        DataPath.LeaveRunning();
        Tap.Dispose();
    }

    public void Dispose()
    {
        ReleaseAll();
        _rxModes.Dispose();
        DataPath.Dispose();
        if (Tap.Persistent)
        {
            try
            {
                Tap.SetPersistent(false);
            }
            catch (NativeException e)
            {
                _log($"{Bond.Name}: {e.Message}");
            }
        }
        Tap.Dispose();
    }

    /// <summary>
    /// Runs the bond's due timers. Before that it hands the bond what it must know at that moment: the control
    /// frames the data path queued and the members' carriers the bond wants read from the driver (ETHTOOL_GLINK,
    /// which also flushes linkwatch so a lost carrier is seen at once rather than up to a second late).
    /// </summary>
    /// <param name="controlFrames">
    /// Whether to look for control frames: the queue says when it stops being empty (<see cref="ControlFrameQueue.Ready"/>),
    /// so a tick that heard nothing need not touch a thousand bonds' queues.
    /// </param>
    public void Tick(long nowMs, bool controlFrames = true)
    {
        // Also once a second whatever was said: a frame is never stranded by a signal that went astray.
        if (controlFrames || nowMs >= _nextDrainMs)
        {
            if (HasUpperDevices && nowMs >= _nextDrainMs)
            {
                // A device on the bond may have moved to a namespace whose events this one does not see (a macvlan
                // given to a container), where it still changes the bond's lists as it joins groups: read each second.
                ReadRxMode();
            }
            _nextDrainMs = nowMs + 1000;
            DrainControlFrames(nowMs);
        }
        if (nowMs < Bond.NextDueMs)
        {
            return;
        }
        foreach (Member m in Bond.Members)
        {
            // The counters are a map lookup each on the kernel path: read only for a monitor that judges by them.
            if (Bond.JudgesByTraffic)
            {
                PortCounters c = DataPath.MemberCounters(m);
                Bond.OnTraffic(m, c.LastRxMs, c.LastTxMs, c.LastRxIpv6Ms);
            }
            if (Bond.CarrierReadDue(m, nowMs))
            {
                Bond.OnCarrier(m, ReadCarrierAndSpeed(m));
            }
        }
        Bond.Tick(nowMs);
        DataPath.Tick();
    }

    /// <summary>
    /// An RTM_NEWLINK said a member's carrier changed: the bond inspects the link now rather than at its next poll
    /// (the carrier read again with ETHTOOL_GLINK, which also flushes linkwatch, in case the event is already old).
    /// </summary>
    public void OnMemberLinkEvent(Member member, long nowMs)
    {
        Bond.OnLinkEvent(member, ReadCarrierAndSpeed(member), nowMs);
    }

    /// <summary>
    /// An RTM_NEWLINK for a member that did not change its carrier — what the kernel's NETDEV_CHANGE comes with
    /// (netdev_state_change): its speed and duplex are read again.
    /// </summary>
    public void OnMemberChanged(Member member)
    {
        if (member.Carrier)
        {
            (int speed, int duplex) = _ethtool.GetSettings(member.Name);
            Bond.OnSpeedDuplex(member, speed, duplex);
        }
    }

    private void DrainControlFrames(long nowMs)
    {
        int length;
        while ((length = DataPath.ControlFrames.TryDequeue(_controlFrame, out Member? sender)) >= 0)
        {
            if (sender == null)
            {
                Bond.OnBondArp(_controlFrame.AsSpan(0, length), nowMs);
            }
            else if (Bond.Find(sender.Name) == sender)
            {
                Bond.OnControlFrame(sender, _controlFrame.AsSpan(0, length), nowMs);
            }
        }
    }

    /// <summary>The state of the bond and its counters at this moment, for status, JSON and show.</summary>
    public BondSnapshot Snapshot()
    {
        return BondSnapshot.Of(Bond, DataPath.BondCounters, DataPath.MemberCounters, DataPath.ControlFrames.Dropped);
    }

    /// <summary>
    /// The member's carrier now; a link that comes back may come back at another speed, which 802.3ad keys and
    /// ad_select go by. A link held down for want of a speed is read again until it has one (bond_miimon_commit).
    /// </summary>
    private bool ReadCarrierAndSpeed(Member member)
    {
        bool carrier = ReadCarrier(member);
        if (carrier && (!member.Carrier || (member.Link != LinkState.Up && member.Speed < 0)))
        {
            (member.Speed, member.Duplex) = _ethtool.GetSettings(member.Name);
        }
        return carrier;
    }

    private bool ReadCarrier(Member member) =>
        _ethtool.GetLink(member.Name) ?? _rt.GetLink(member.IfIndex)?.Carrier ?? false;

    public void SetMemberMac(Member member, MacAddress mac)
    {
        try
        {
            MemberSetup.SetMac(_rt, member, mac);
        }
        catch (NativeException e)
        {
            _log($"{Bond.Name}: cannot set MAC {mac} on {member.Name}: {e.Message}");
        }
    }

    public void SetBondMac(MacAddress mac)
    {
        try
        {
            _rt.SetMac(IfIndex, mac);
        }
        catch (NativeException e)
        {
            _log($"{Bond.Name}: cannot set its MAC to {mac}: {e.Message}");
        }
    }

    public void SetBondCarrier(bool up)
    {
        try
        {
            Tap.SetCarrier(up);
        }
        catch (NativeException e)
        {
            // The TAP deleted under us (ip link del): the bond is going away, and its members must still go back.
            _log($"{Bond.Name}: cannot set its carrier {(up ? "on" : "off")}: {e.Message}");
        }
    }

    public void SendFrame(Member member, ReadOnlySpan<byte> frame)
    {
        if (!_adopting)
        {
            DataPath.SendControlFrame(member, frame);
        }
    }

    public void SetMemberAddresses(Member member, IReadOnlyList<MacAddress> leave, IReadOnlyList<MacAddress> join)
    {
        foreach ((MacAddress mac, bool add) in leave.Select(m => (m, false)).Concat(join.Select(m => (m, true))))
        {
            try
            {
                MemberSetup.SetListed(_rt, _ethtool, member.Name, member.IfIndex, mac, add);
            }
            catch (NativeException e)
            {
                _log($"{Bond.Name}: {e.Message}");
            }
        }
        // Journaled, so that a member left behind by a killed daemon is put back without them too.
        if (_originals.TryGetValue(member, out MemberOriginalState? original))
        {
            MacAddress[] now = [.. member.AddressList.Except(leave).Concat(join)];
            _originals[member] = original with
            {
                Multicast = [.. now.Where(m => m.IsMulticast).Select(m => m.ToString())],
                Unicast = [.. now.Where(m => !m.IsMulticast).Select(m => m.ToString())],
            };
            _journal.Record(_originals[member]);
        }
    }

    public void SetMemberRxModes(Member member, bool promisc, bool allmulti)
    {
        try
        {
            _rxModes.Set(member.IfIndex, member.Name, promisc, allmulti);
        }
        catch (NativeException e)
        {
            _log($"{Bond.Name}: {e.Message}");
        }
    }

    private readonly MemberRxModes _rxModes = new();

    /// <summary>What NETDEV_RESEND_IGMP makes the kernel's IGMP do for a bond: report its memberships again, here on the member.</summary>
    public void RejoinMulticastGroups(Member member)
    {
        if (_adopting)
        {
            return;
        }
        try
        {
            // The only work of a tick that goes by the thread's namespace, which ticks do not enter (a setns pair per
            // namespace and tick adds up on a host of hundreds of namespaces).
            List<IPAddress> groups;
            bool version3;
            using (NetworkNamespace.Scope inside = _namespace.Enter())
            {
                (groups, version3) = MulticastGroups.Read(Bond.Name);
            }
            IPAddress? source = Bond.Addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
            foreach (byte[] report in IgmpReport.For(Bond.Mac, source, groups, version3))
            {
                DataPath.SendControlFrame(member, report);
            }
        }
        catch (Exception e) when (e is IOException or NativeException)
        {
            _log($"{Bond.Name}: cannot report its multicast groups again: {e.Message}");
        }
    }

    /// <summary>Reads the bond device's addresses and hands them to the bond; called when an address event names it.</summary>
    public void OnAddressesChanged() => Bond.OnAddresses(_rt.GetAddresses(IfIndex));

    /// <summary>A macvlan or VLAN device was made on the bond: its lists are also read once a second.</summary>
    public bool HasUpperDevices { get; set; }

    /// <summary>
    /// The bond device's own address lists (dev->uc, dev->mc) and its promiscuous and all-multicast counts, which the
    /// bond passes to its members. The counts are read rather than taken from the event: a bridge makes its new port
    /// promiscuous after the event that says it joined, and a count changing alone raises no event.
    /// </summary>
    public void ReadRxMode()
    {
        try
        {
            Bond.OnAddressLists(_rt.GetAddressLists(IfIndex));
            if (_rt.GetLink(IfIndex) is { } link)
            {
                Bond.OnRxModes(link.IsPromiscuous, link.IsAllmulti);
            }
        }
        catch (NativeException e)
        {
            _log($"{Bond.Name}: cannot read its address lists: {e.Message}");
        }
    }

    public void DataPlanChanged(DataPlan plan) => DataPath.Publish(plan);

    public void Log(string message) => _log(message);
}
