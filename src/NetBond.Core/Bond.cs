using System.Globalization;

namespace NetBond.Core;

/// <summary>How the bond got its MAC (addr_assign_type): random until a member lends one or the user sets one.</summary>
public enum MacAssignment
{
    Random,
    Stolen,
    Set,
}

/// <summary>
/// One bond, sans I/O: its options, members, link monitor, active selection and MAC rules, following
/// bond_main.c. Driven by the control thread through method calls and <see cref="Tick"/>; every effect
/// goes out through <see cref="IBondHost"/>.
/// </summary>
public sealed partial class Bond
{
    /// <summary>With miimon=0 nothing monitors links, but transmission still needs live carrier (bond_slave_can_tx).</summary>
    private const int CarrierRefreshMs = 100;

    private readonly IBondHost _host;
    private readonly List<Member> _members = [];
    private readonly Random _random;
    private Member? _primary;
    private bool _forcePrimary;
    private int _sendPeerNotif;
    private long _nextTickMs;

    public Bond(string name, BondOptions options, MacAddress mac, IBondHost host, Random? random = null)
    {
        Name = name;
        Options = options;
        Mac = mac;
        _host = host;
        _random = random ?? Random.Shared;
        Plan = DataPlan.Empty;
    }

    public string Name { get; }
    public BondOptions Options { get; private set; }
    public IReadOnlyList<Member> Members => _members;
    public Member? Active { get; private set; }
    public MacAddress Mac { get; private set; }
    public MacAssignment MacAssignment { get; private set; } = MacAssignment.Random;

    /// <summary>The bond's MII status, shown as "MII Status" and mirrored on the bond's carrier.</summary>
    public bool Carrier { get; private set; }

    /// <summary>The bond device is administratively up (IFF_UP): IFDOWN options are refused, peers get notified.</summary>
    public bool IsUp { get; set; }

    public DataPlan Plan { get; private set; }

    /// <summary>The enslaved member named by the primary option (primary_slave), if any.</summary>
    public Member? PrimaryMember => _primary;

    public Member? Find(string name) => _members.Find(m => m.Name == name);

    /// <summary>
    /// Sets options all or nothing. <c>active_slave</c> is state rather than a stored option and acts after
    /// the others, as the kernel's netlink order puts it first only to find it refused without members.
    /// </summary>
    public string? SetOptions(IReadOnlyList<KeyValuePair<string, string>> assignments, List<string> warnings)
    {
        string? activeSlave = null;
        List<KeyValuePair<string, string>> rest = [];
        foreach (KeyValuePair<string, string> a in assignments)
        {
            if (OptionTable.Canonical(a.Key) == "active_slave")
            {
                activeSlave = a.Value.Trim();
            }
            else if (OptionTable.IsModuleOnly(a.Key))
            {
                return $"option {OptionTable.Canonical(a.Key)}: a module parameter, not an option of one bond";
            }
            else if (OptionTable.IsCreateOnly(a.Key))
            {
                return $"option {OptionTable.Canonical(a.Key)}: fixed when the bond is made; give it to add";
            }
            else
            {
                rest.Add(a);
            }
        }
        BondOptions? next = OptionTable.Apply(Options, rest, new OptionContext(_members.Count > 0, IsUp), warnings, out string? error);
        if (next == null)
        {
            return error;
        }
        if (activeSlave != null)
        {
            error = CheckForceActive(next.Mode, activeSlave);
            if (error != null)
            {
                return error;
            }
        }
        BondOptions old = Options;
        Options = next;
        if (next.Miimon != old.Miimon)
        {
            _nextTickMs = 0;
        }
        if (next.Primary != old.Primary)
        {
            // bond_option_primary_set: a named member becomes primary at once and is forced active.
            _primary = BondModeNames.UsesPrimary(next.Mode) ? Find(next.Primary) : null;
            _forcePrimary = _primary != null;
            SelectActive();
        }
        else if (next.PrimaryReselect != old.PrimaryReselect)
        {
            SelectActive();
        }
        if (activeSlave != null)
        {
            ForceActive(activeSlave);
        }
        Publish();
        return null;
    }

    /// <summary>Why <paramref name="name"/> cannot join this bond as far as the bond itself knows, or null.</summary>
    public string? CheckEnslave(string name)
    {
        if (name == Name)
        {
            return $"{Name}: cannot enslave a bond to itself";
        }
        return Find(name) != null ? $"{Name}: {name} is already a member of this bond" : null;
    }

    /// <summary>bond_enslave(): MAC rule, initial link state, starting state, primary and active choice.</summary>
    public void Enslave(Member member, bool carrier)
    {
        if (_members.Count == 0 && MacAssignment == MacAssignment.Random)
        {
            Mac = member.PermanentMac;
            MacAssignment = MacAssignment.Stolen;
            _host.SetBondMac(Mac);
        }
        if (!KeepsOwnMacs)
        {
            SetMemberMac(member, Mac);
        }
        member.Carrier = carrier;
        if (Options.Miimon == 0)
        {
            member.Link = LinkState.Up;
        }
        else if (!carrier)
        {
            member.Link = LinkState.Down;
        }
        else if (Options.UpdelayTicks > 0)
        {
            member.Link = LinkState.Back;
            member.Delay = Options.UpdelayTicks;
        }
        else
        {
            member.Link = LinkState.Up;
        }
        _members.Add(member);
        if (Options.Mode == BondMode.ActiveBackup)
        {
            member.IsActive = false;
        }
        else
        {
            member.IsActive = true;
            if (Active == null && member.Link == LinkState.Up)
            {
                Active = member;
            }
        }
        if (BondModeNames.UsesPrimary(Options.Mode) && Options.Primary == member.Name)
        {
            _primary = member;
            _forcePrimary = true;
        }
        _host.Log($"{Name}: Enslaving {member.Name} as {(member.IsActive ? "an active" : "a backup")} interface with {(member.Link != LinkState.Down ? "an up" : "a down")} link");
        if (BondModeNames.UsesPrimary(Options.Mode))
        {
            SelectActive();
        }
        UpdateCarrier();
        Publish();
    }

    /// <summary>__bond_release_one(): the member leaves; the bond picks a new active and keeps its MAC.</summary>
    public void Release(Member member)
    {
        if (!_members.Remove(member))
        {
            return;
        }
        _host.Log($"{Name}: Releasing {(member.IsActive ? "active" : "backup")} interface {member.Name}");
        if (member == _primary)
        {
            _primary = null;
        }
        if (member == Active)
        {
            Active = null;
            if (BondModeNames.UsesPrimary(Options.Mode) || _members.Count > 0)
            {
                SelectActive();
            }
        }
        if (_members.Count == 0)
        {
            Mac = MacAddress.Random(_random);
            MacAssignment = MacAssignment.Random;
            _host.SetBondMac(Mac);
        }
        else if (member.PermanentMac == Mac && !KeepsOwnMacs)
        {
            _host.Log($"{Name}: the permanent HWaddr of slave - {member.PermanentMac} - is still in use by bond - set the HWaddr of slave to a different address to avoid conflicts");
        }
        UpdateCarrier();
        Publish();
    }

    /// <summary>The user set the bond's MAC (ip link set BOND address X): every member follows.</summary>
    public void OnBondMacSet(MacAddress mac)
    {
        if (mac == Mac)
        {
            return;
        }
        Mac = mac;
        MacAssignment = MacAssignment.Set;
        if (KeepsOwnMacs)
        {
            return;
        }
        foreach (Member m in _members)
        {
            SetMemberMac(m, mac);
        }
    }

    /// <summary>Forces the active member (active_slave, ifenslave -c). Returns an error or null.</summary>
    public string? ForceActive(string name)
    {
        string? error = CheckForceActive(Options.Mode, name);
        if (error != null)
        {
            return error;
        }
        if (name.Length == 0)
        {
            ChangeActive(null);
            SelectActive();
            Publish();
            return null;
        }
        Member target = Find(name)!;
        if (target == Active)
        {
            _host.Log($"{Name}: {name} is already the current active slave");
            return null;
        }
        ChangeActive(target);
        UpdateCarrier();
        Publish();
        return null;
    }

    private string? CheckForceActive(BondMode mode, string name)
    {
        if (!BondModeNames.UsesPrimary(mode))
        {
            return $"option active_slave: mode dependency failed, not supported in mode {OptionTable.NameOf("mode", (int)mode)}({(int)mode})";
        }
        if (name.Length == 0)
        {
            return null;
        }
        Member? target = Find(name);
        if (target == null)
        {
            return $"{Name}: {name} is not enslaved";
        }
        if (target != Active && (Active == null || target.Link != LinkState.Up || !target.Carrier))
        {
            return $"{Name}: could not set {name} as active slave; either {name} is down or the link is down";
        }
        return null;
    }

    /// <summary>Time at which <see cref="Tick"/> has work to do next.</summary>
    public long NextDueMs => _nextTickMs;

    /// <summary>Runs the link monitor if it is due at <paramref name="nowMs"/> (a monotonic clock in ms).</summary>
    public void Tick(long nowMs)
    {
        if (nowMs < _nextTickMs)
        {
            return;
        }
        if (Options.Miimon > 0)
        {
            _nextTickMs = nowMs + Options.Miimon;
            MiiMonitor();
        }
        else
        {
            _nextTickMs = nowMs + CarrierRefreshMs;
            RefreshCarriers();
        }
    }

    private bool KeepsOwnMacs => Options.Mode == BondMode.ActiveBackup && Options.FailOverMac != 0;

    private void SetMemberMac(Member member, MacAddress mac)
    {
        if (member.CurrentMac != mac)
        {
            _host.SetMemberMac(member, mac);
            member.CurrentMac = mac;
        }
    }

    private void RefreshCarriers()
    {
        bool changed = false;
        foreach (Member m in _members)
        {
            bool carrier = _host.ReadCarrier(m);
            changed |= carrier != m.Carrier;
            m.Carrier = carrier;
        }
        if (changed)
        {
            Publish();
        }
    }

    private void UpdateCarrier()
    {
        bool carrier = _members.Exists(m => m.Link == LinkState.Up);
        if (carrier != Carrier)
        {
            Carrier = carrier;
            _host.SetBondCarrier(carrier);
        }
    }

    private void Publish()
    {
        Member[] members = [.. _members];
        Plan = new DataPlan(Options.Mode, members, Active == null ? -1 : Array.IndexOf(members, Active),
            Options.PacketsPerSlave, Options.XmitHashPolicy, Options.AllSlavesActive != 0);
        _host.DataPlanChanged(Plan);
    }

    private string Ms(int ticks) => (ticks * Options.Miimon).ToString(CultureInfo.InvariantCulture);
}
