using System.Diagnostics.CodeAnalysis;
using NetBond.Core;
using NetBond.Linux;
using NetBond.Linux.Interop;
using NetBond.Linux.Netlink;

namespace NetBond;

/// <summary>
/// The bonds of one daemon and the commands that change them. Every method runs under the daemon's lock and
/// checks everything before it changes anything, so a refused command leaves the host as it was.
/// </summary>
internal sealed class BondRegistry : IDisposable
{
    private readonly Dictionary<string, BondRuntime> _bonds = [];
    private readonly RtNetlink _rt;
    private readonly Ethtool _ethtool;
    private readonly StateJournal _journal;
    private readonly Action<string> _log;
    private readonly Action? _controlFramesReady;
    private readonly Func<long> _clock;

    /// <param name="clock">The daemon's clock, monotonic ms: when a link event happened.</param>
    public BondRegistry(RtNetlink rt, Ethtool ethtool, StateJournal journal, Action<string> log, Func<long> clock, Action? controlFramesReady = null)
    {
        _controlFramesReady = controlFramesReady;
        _clock = clock;
        _rt = rt;
        _ethtool = ethtool;
        _journal = journal;
        _log = log;
    }

    public IReadOnlyCollection<BondRuntime> Bonds => _bonds.Values;

    public RtNetlink Netlink => _rt;

    public BondRuntime? Find(string name) => _bonds.GetValueOrDefault(name);

    /// <param name="oneRequest">False for options from configuration files, which the kernel gets one sysfs write at a time.</param>
    public CommandResult Add(string name, IReadOnlyList<OptionAssignment> options, CommandResult r, bool oneRequest = true)
    {
        if (!IsValidName(name))
        {
            return r.Fail($"'{name}' is not a valid interface name");
        }
        if (_bonds.ContainsKey(name) || _rt.GetLink(name) != null)
        {
            return r.Fail($"{name} already exists");
        }
        if (options.FirstOrDefault(o => OptionTable.IsModuleOnly(o.Option)) is { Value: not null } module)
        {
            return r.Fail($"option {OptionTable.NameOf(module.Option)}: a module parameter, not an option of one bond");
        }
        if (options.FirstOrDefault(o => OptionTable.IsState(o.Option)) is { Value: not null } state)
        {
            return r.Fail($"{name}: option {OptionTable.NameOf(state.Option)}: the bond has no members yet");
        }
        List<string> warnings = [];
        BondOptions? parsed = OptionTable.Apply(new BondOptions(), options, new OptionContext(false, false, oneRequest), warnings, out string? error);
        if (parsed == null)
        {
            return r.Fail($"{name}: {error}");
        }
        warnings.ForEach(w => r.Warn($"{name}: {w}"));
        BondRuntime runtime = BondRuntime.Create(name, parsed, _rt, _ethtool, _journal, _log);
        WatchControlFrames(runtime);
        runtime.OptionHistory.Add(Recorded(options, oneRequest));
        _bonds.Add(name, runtime);
        runtime.ApplyModeDefaults();
        _log($"{name}: created, mode {OptionTable.ModeName(parsed.Mode)}");
        return r;
    }

    public CommandResult Delete(string name, CommandResult r)
    {
        if (!_bonds.Remove(name, out BondRuntime? bond))
        {
            return r.Fail($"{name}: no such bond");
        }
        foreach (string p in bond.ReleaseAll())
        {
            r.Warn(p);
        }
        bond.Dispose();
        _log($"{name}: deleted");
        return r;
    }

    public CommandResult Enslave(string name, IReadOnlyList<string> members, CommandResult r)
    {
        if (!TryGet(name, r, out BondRuntime? bond))
        {
            return r;
        }
        if (members.Count == 0)
        {
            return r.Fail("enslave needs at least one interface");
        }
        List<LinkInfo> links = [];
        foreach (string m in members)
        {
            string? problem = CheckEnslave(bond, m, out LinkInfo? link);
            if (problem == null && links.Exists(l => l.Name == m))
            {
                problem = $"{m} is named twice";
            }
            if (problem != null)
            {
                return r.Fail(problem);
            }
            links.Add(link!);
        }
        List<Member> done = [];
        foreach (LinkInfo link in links)
        {
            try
            {
                bond.Enslave(link, _clock());
                done.Add(bond.Bond.Find(link.Name)!);
            }
            catch (NativeException e)
            {
                foreach (Member m in done)
                {
                    bond.Release(m);
                }
                return r.Fail($"{name}: cannot enslave {link.Name}: {e.Message}");
            }
        }
        return r;
    }

    public CommandResult Release(string name, IReadOnlyList<string> members, CommandResult r)
    {
        if (!TryGet(name, r, out BondRuntime? bond))
        {
            return r;
        }
        if (members.Count == 0)
        {
            return r.Fail("release needs at least one interface");
        }
        List<Member> found = [];
        foreach (string m in members)
        {
            Member? member = bond.Bond.Find(m);
            if (member == null)
            {
                return r.Fail($"{name}: {m} is not a member of this bond");
            }
            found.Add(member);
        }
        foreach (Member m in found)
        {
            foreach (string p in bond.Release(m))
            {
                r.Warn(p);
            }
        }
        return r;
    }

    /// <summary>`set BOND opt=value...`, or `set IFACE queue_id=N prio=N` on a member (the `ip link set IFACE type bond_slave` form).</summary>
    public CommandResult Set(string name, IReadOnlyList<OptionAssignment> options, CommandResult r)
    {
        if (!_bonds.ContainsKey(name) && _bonds.Values.FirstOrDefault(b => b.Bond.Find(name) != null) is { } owner)
        {
            List<string> memberWarnings = [];
            string? memberError = owner.Bond.SetMemberOptions(owner.Bond.Find(name)!, options, memberWarnings);
            memberWarnings.ForEach(w => r.Warn($"{owner.Bond.Name}: {w}"));
            return memberError == null ? r : FailFor(owner.Bond.Name, memberError, r);
        }
        if (!TryGet(name, r, out BondRuntime? bond))
        {
            return r;
        }
        if (options.Count == 0)
        {
            return r.Fail("set needs at least one option=value");
        }
        List<string> warnings = [];
        BondMode mode = bond.Bond.Options.Mode;
        string? error = options.FirstOrDefault(o => o.Option == BondOption.ActiveSlave) is { Value: { } active } ? MissingInterface(bond, active) : null;
        error ??= bond.Bond.SetOptions(options, warnings);
        if (error != null)
        {
            return FailFor(name, error, r);
        }
        bond.OptionHistory.Add(Recorded(options, oneRequest: true));
        if (bond.Bond.Options.Mode != mode)
        {
            bond.ApplyModeDefaults();
        }
        warnings.ForEach(w => r.Warn($"{name}: {w}"));
        return r;
    }

    /// <summary>What a next daemon replays: the bond's own options, not the acts on its members (active_slave, prio...).</summary>
    private static OptionRequest Recorded(IReadOnlyList<OptionAssignment> options, bool oneRequest) =>
        new([.. options.Where(o => !OptionTable.IsState(o.Option))], oneRequest);

    /// <summary>
    /// Takes over a bond a killed daemon left on the kernel data path: its options replayed, its persistent TAP and
    /// running programs adopted, its members (recorded by the previous daemon's journal) enslaved again in their
    /// order and its active member made active again. The maps keep the previous plan, and no frame the bond would
    /// send on the way (a gratuitous ARP for a member made active for a moment) leaves, until all of that is done.
    /// </summary>
    /// <param name="adopted">Gets the members taken over (and, if the adoption fails, put back already); the caller restores the others.</param>
    public void Adopt(BondRecord record, IReadOnlyDictionary<string, MemberOriginalState> originals, List<string> adopted)
    {
        BondOptions options = new();
        List<OptionRequest> history = [];
        foreach (OptionRequestRecord request in record.Options)
        {
            List<OptionAssignment> assignments = [.. request.Options.Select(o => OptionTable.Assign(o[..o.IndexOf('=')], o[(o.IndexOf('=') + 1)..]))];
            options = OptionTable.Apply(options, assignments, new OptionContext(false, false, request.OneRequest), [], out string? error)
                ?? throw new InvalidDataException($"{record.Name}: recorded options no longer apply: {error}");
            history.Add(new OptionRequest(assignments, request.OneRequest));
        }
        BondRuntime runtime = BondRuntime.Adopt(record.Name, record.IfIndex, options, originals.Values.Select(o => o.IfIndex), _rt, _ethtool, _journal, _log);
        WatchControlFrames(runtime);
        runtime.OptionHistory.AddRange(history);
        _bonds.Add(record.Name, runtime);
        try
        {
            foreach (string name in record.Members)
            {
                if (originals.TryGetValue(name, out MemberOriginalState? original) && _rt.GetLink(original.IfIndex) is { } link && link.Name == name)
                {
                    runtime.AdoptMember(link, original, _clock());
                    adopted.Add(name);
                }
            }
            if (record.Lacp != null && runtime.Bond.RestoreLacp(record.Lacp) is string notRestored)
            {
                _log($"{record.Name}: the 802.3ad state left by the previous daemon is not taken over ({notRestored}): its LACP machines start over");
            }
            if (record.Active != null && runtime.Bond.Active?.Name != record.Active && adopted.Contains(record.Active))
            {
                runtime.Bond.ForceActive(record.Active);
            }
            runtime.EndAdoption();
        }
        catch
        {
            _bonds.Remove(record.Name);
            runtime.Dispose();
            throw;
        }
    }

    public CommandResult SetActive(string name, string member, CommandResult r)
    {
        if (!TryGet(name, r, out BondRuntime? bond))
        {
            return r;
        }
        string? error = MissingInterface(bond, member) ?? bond.Bond.ForceActive(member);
        return error == null ? r : FailFor(name, error, r);
    }

    /// <summary>
    /// bond_option_active_slave_set()'s -ENODEV in the kernel's words: no interface of that name at all (a bond whose
    /// mode takes active_slave tells an interface that is not its member apart itself).
    /// </summary>
    private string? MissingInterface(BondRuntime bond, string name) =>
        ModeTraits.Of(bond.Bond.Options.Mode).UsesPrimary && name.Trim().Length > 0 && _rt.GetLink(name.Trim()) == null
            ? $"option active_slave: interface {name.Trim()} does not exist!" : null;

    /// <summary>The link monitor of every bond, due or not; each decides for itself.</summary>
    /// <summary>
    /// The bond's control-frame queue says when it stops being empty; anything queued before it could say so is looked
    /// for at the next tick.
    /// </summary>
    private void WatchControlFrames(BondRuntime runtime)
    {
        runtime.DataPath.ControlFrames.Ready = _controlFramesReady;
        _controlFramesReady?.Invoke();
    }

    /// <param name="controlFrames">Whether a bond's data path said it queued control frames since the last tick.</param>
    public void Tick(long nowMs, bool controlFrames = true)
    {
        foreach (BondRuntime b in _bonds.Values)
        {
            b.Tick(nowMs, controlFrames);
        }
    }

    public long NextDueMs => _bonds.Count == 0 ? long.MaxValue : _bonds.Values.Min(b => b.Bond.NextDueMs);

    public void OnAddressesChanged(int ifIndex)
    {
        foreach (BondRuntime b in _bonds.Values)
        {
            if (b.IfIndex == ifIndex)
            {
                b.OnAddressesChanged();
            }
        }
    }

    /// <summary>Link, address or multicast events arrived: these bond devices' address lists and receive modes are read again.</summary>
    public void OnRxModesMaybeChanged(Func<BondRuntime, bool> touched)
    {
        foreach (BondRuntime b in _bonds.Values.Where(touched))
        {
            b.ReadRxMode();
        }
    }

    /// <summary>An RTM_NEWLINK: the bond device's own changes, or a member renamed (it is its ifindex, not its name).</summary>
    public void OnLinkChanged(LinkInfo link)
    {
        foreach (BondRuntime b in _bonds.Values)
        {
            if (b.IfIndex == link.Lower && link.Kind is "macvlan" or "macvtap" or "ipvlan" or "ipvtap" or "vlan")
            {
                b.HasUpperDevices = true;
            }
            if (b.IfIndex == link.Index)
            {
                b.OnBondLinkChanged(link);
            }
            else if (b.Bond.Members.FirstOrDefault(m => m.IfIndex == link.Index) is { } member)
            {
                if (member.Name != link.Name)
                {
                    b.OnMemberRenamed(member, link.Name);
                }
                if (link.Carrier != member.Carrier)
                {
                    b.OnMemberLinkEvent(member, _clock());
                }
                else
                {
                    b.OnMemberChanged(member);
                }
            }
        }
    }

    /// <summary>
    /// An RTM_DELLINK: a bond device deleted from outside (`ip link del bond0`) releases its members, putting them
    /// back, as the kernel's bond_uninit does; a member deleted (or moved to another namespace) leaves its bond,
    /// with nothing left to restore.
    /// </summary>
    public void OnLinkDeleted(int ifIndex)
    {
        if (_bonds.Values.FirstOrDefault(b => b.IfIndex == ifIndex) is { } deleted)
        {
            _log($"{deleted.Bond.Name}: the bond device was deleted; releasing its members");
            CommandResult released = Delete(deleted.Bond.Name, new CommandResult());
            foreach (string problem in released.Err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                _log(problem);
            }
            return;
        }
        foreach (BondRuntime b in _bonds.Values)
        {
            if (b.Bond.Members.FirstOrDefault(m => m.IfIndex == ifIndex) is { } member)
            {
                b.Forget(member);
            }
        }
    }

    /// <summary>After missed events: bonds and members whose interface no longer exists are let go.</summary>
    public void ForgetVanished(HashSet<int> existing)
    {
        foreach (BondRuntime b in _bonds.Values.Where(b => !existing.Contains(b.IfIndex)).ToArray())
        {
            OnLinkDeleted(b.IfIndex);
        }
        foreach (BondRuntime b in _bonds.Values)
        {
            foreach (Member m in b.Bond.Members.Where(m => !existing.Contains(m.IfIndex)).ToArray())
            {
                b.Forget(m);
            }
        }
    }

    /// <summary>The daemon hands over: bonds whose data path outlives the daemon are left running, the others taken down.</summary>
    public void HandOver()
    {
        foreach (BondRuntime b in _bonds.Values)
        {
            if (b.DataPath.OutlivesDaemon)
            {
                b.LeaveRunning();
            }
            else
            {
                b.Dispose();
            }
        }
        _bonds.Clear();
    }

    public void Dispose()
    {
        foreach (BondRuntime b in _bonds.Values)
        {
            b.Dispose();
        }
        _bonds.Clear();
    }

    private bool TryGet(string name, CommandResult r, [NotNullWhen(true)] out BondRuntime? bond)
    {
        if (_bonds.TryGetValue(name, out bond))
        {
            return true;
        }
        r.Fail($"{name}: no such bond");
        return false;
    }

    /// <summary>Core's messages name the bond already, the option model's do not: prefix only those.</summary>
    private static CommandResult FailFor(string name, string error, CommandResult r) =>
        r.Fail(error.StartsWith(name + ":", StringComparison.Ordinal) ? error : $"{name}: {error}");

    private string? CheckEnslave(BondRuntime bond, string name, out LinkInfo? link)
    {
        link = null;
        return bond.Bond.CheckEnslave(name) ?? CheckMember(bond.Bond.Name, name, out link);
    }

    /// <summary>Why <paramref name="name"/> cannot join <paramref name="bondName"/> as far as this host knows, or null.</summary>
    public string? CheckMember(string bondName, string name, out LinkInfo? link)
    {
        link = null;
        if (name == bondName)
        {
            return $"{bondName}: cannot enslave a bond to itself";
        }
        if (Nests(name, bondName))
        {
            // netdev_master_upper_dev_link refuses a loop of upper devices.
            return $"{bondName}: cannot enslave {name}: {bondName} is a member of it, directly or through another bond";
        }
        foreach (BondRuntime other in _bonds.Values)
        {
            if (other.Bond.Name != bondName && other.Bond.Find(name) != null)
            {
                return $"{bondName}: {name} is already a member of {other.Bond.Name}";
            }
        }
        link = _rt.GetLink(name);
        if (link == null)
        {
            return $"{bondName}: cannot enslave {name}: no such interface";
        }
        if (link.Type != LinkInfo.ARPHRD_ETHER)
        {
            return $"{bondName}: cannot enslave {name}: not an Ethernet interface";
        }
        if (link.Master != 0)
        {
            return $"{bondName}: cannot enslave {name}: it already has a master device (a bridge or kernel bond)";
        }
        return null;
    }

    /// <summary>Whether <paramref name="member"/> is bond <paramref name="outer"/> or one of its members, at any depth of bonds in bonds.</summary>
    private bool Nests(string outer, string member) =>
        outer == member || (_bonds.TryGetValue(outer, out BondRuntime? b) && b.Bond.Members.Any(m => Nests(m.Name, member)));

    /// <summary>dev_valid_name()'s rules, in printable ASCII: names the tools around a bond all spell the same way.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 15 && name != "." && name != ".." && name.All(c => c is > ' ' and <= '~' and not ('/' or ':'));
}
