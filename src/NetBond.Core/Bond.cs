using System.Globalization;
using System.Net;

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
/// bond_main.c. Events come in as method calls (an option set, a member enslaved, a carrier change, a
/// timer due at T, a control frame); every effect goes out through <see cref="IBondHost"/>.
/// </summary>
public sealed partial class Bond
{
    /// <summary>With miimon=0 nothing monitors links, but transmission still needs live carrier (bond_slave_can_tx).</summary>
    private const int CarrierRefreshMs = 100;

    private readonly IBondHost _host;
    private readonly List<Member> _members = [];
    private readonly Random _random;
    private readonly TimerTable _timers = new();
    private readonly MiiMonitor _mii;
    private readonly ArpMonitor _arp;
    private Member? _primary;
    private bool _forcePrimary;
    private int _sendPeerNotif;
    private IReadOnlyList<IPAddress> _addresses = [];
    private bool _isUp;
    private int _igmpRetrans;

    /// <summary>The clock at the bond's last event, for the choices that need "now" (enslave, activation).</summary>
    private long _now;

    public Bond(string name, BondOptions options, MacAddress mac, IBondHost host, Random? random = null)
    {
        Name = name;
        Options = options;
        Mac = mac;
        _host = host;
        _random = random ?? Random.Shared;
        Plan = DataPlan.Empty;
        _timers.Arm(BondTimer.LinkMonitor, 0);
        Lacp = new LacpEngine(name, host, _members, () => Options, () => Mac, () => UpdateCarrier());
        Alb = new AlbEngine(this, host, _random);
        _mii = new MiiMonitor(name, host);
        _arp = new ArpMonitor(this, host);
    }

    internal long Now => _now;

    /// <summary>The receive time the ARP monitor judges <paramref name="m"/> by, for status.</summary>
    internal long ArpLastReceive(Member m) => _arp.ArpLastRx(m);

    /// <summary>balance-tlb/alb's engine: member MACs, the transmit table, learning packets and alb's client table.</summary>
    public AlbEngine Alb { get; }

    /// <summary>balance-alb's client table.</summary>
    public RlbTable AlbClients => Alb.Clients;

    /// <summary>802.3ad's engine: the ports, the aggregators and their machines (idle in the other modes).</summary>
    public LacpEngine Lacp { get; }

    public string Name { get; }
    public BondOptions Options { get; private set; }
    public IReadOnlyList<Member> Members => _members;
    public Member? Active { get; private set; }
    public MacAddress Mac { get; private set; }
    public MacAssignment MacAssignment { get; private set; } = MacAssignment.Random;

    /// <summary>The bond's MII status, shown as "MII Status" and mirrored on the bond's carrier.</summary>
    public bool Carrier { get; private set; }

    /// <summary>The bond device is administratively up (IFF_UP): IFDOWN options are refused, peers get notified, LACP runs.</summary>
    public bool IsUp
    {
        get => _isUp;
        set
        {
            if (value && !_isUp && Traits.Lacp)
            {
                Lacp.Open();
                _timers.Arm(BondTimer.Lacp, 0);
            }
            if (value && !_isUp && Options.ArpInterval > 0)
            {
                _timers.Arm(BondTimer.ArpMonitor, 0);
            }
            if (value && !_isUp)
            {
                _timers.Arm(BondTimer.Alb, 0);
            }
            if (!value)
            {
                Alb.Close();
            }
            bool changed = value != _isUp;
            _isUp = value;
            if (changed)
            {
                SyncMemberRxMode();
            }
        }
    }

    public DataPlan Plan { get; private set; }

    /// <summary>The enslaved member named by the primary option (primary_slave), if any.</summary>
    public Member? PrimaryMember => _primary;

    /// <summary>Changes of active member because the active one failed.</summary>
    public long Failovers { get; private set; }

    /// <summary>The last failover's outage as the bond saw it: from the failed member last known good to its successor made active (ms).</summary>
    public long LastFailoverOutageMs { get; private set; }

    /// <summary>Control frames the data path handed over and the bond took in.</summary>
    public long ControlFrames { get; private set; }

    public Member? Find(string name) => _members.Find(m => m.Name == name);

    /// <summary>
    /// Sets options all or nothing, in the kernel's netlink order and with its checks (<see cref="OptionTable.Apply"/>).
    /// active_slave and primary act on the members once the new options stand.
    /// </summary>
    public string? SetOptions(IReadOnlyList<OptionAssignment> assignments, List<string> warnings)
    {
        foreach (OptionAssignment a in assignments)
        {
            if (OptionTable.IsModuleOnly(a.Option))
            {
                return $"option {OptionTable.NameOf(a.Option)}: a module parameter, not an option of one bond";
            }
            if (OptionTable.IsCreateOnly(a.Option))
            {
                return $"option {OptionTable.NameOf(a.Option)}: fixed when the bond is made; give it to add";
            }
        }
        string? activeSlave = null;
        List<(Member Member, int QueueId)> queueIds = [];
        List<(Member Member, int Prio)> prios = [];
        List<(Member Member, int Prio)> portPrios = [];
        BondOptions? next = OptionTable.Apply(Options, assignments, new OptionContext(_members.Count > 0, IsUp), warnings, out string? error,
            (options, option, text) =>
            {
                switch (option)
                {
                    case BondOption.ActiveSlave:
                        activeSlave = Truncate(text.Trim());
                        return CheckActiveSlave(activeSlave);
                    case BondOption.QueueId:
                        return ParseQueueId(text, options, queueIds);
                    case BondOption.ActorPortPrio:
                        return ParseMemberValue(text, 1, ushort.MaxValue, portPrios);
                    default:
                        return ParseMemberValue(text, int.MinValue, int.MaxValue, prios);
                }
            });
        if (next == null)
        {
            return error;
        }
        foreach ((Member m, int queueId) in queueIds)
        {
            m.QueueId = queueId;
        }
        BondOptions old = Options;
        Options = next;
        if (next.Miimon != old.Miimon)
        {
            _timers.Arm(BondTimer.LinkMonitor, 0);
        }
        if (ModeTraits.Of(next.Mode).Lacp)
        {
            _timers.Arm(BondTimer.Lacp, 0);
            Lacp.OptionsChanged(old);
            // min_links and lacp_strict decide the carrier (bond_option_min_links_set/lacp_strict_set: bond_3ad_set_carrier).
            UpdateCarrier();
        }
        if (next.ArpInterval != old.ArpInterval && next.ArpInterval > 0)
        {
            _timers.Arm(BondTimer.ArpMonitor, 0);
        }
        if (!next.ArpIpTargets.SequenceEqual(old.ArpIpTargets))
        {
            _arp.TargetsChanged(old.ArpIpTargets, next.ArpIpTargets);
        }
        if (!next.NsIp6Targets.SequenceEqual(old.NsIp6Targets))
        {
            _arp.TargetsChanged(old.NsIp6Targets, next.NsIp6Targets);
        }
        if (activeSlave != null)
        {
            ChangeActiveSlave(activeSlave);
        }
        foreach ((Member m, int prio) in prios)
        {
            SetPrio(m, prio);
        }
        foreach ((Member m, int prio) in portPrios)
        {
            // The partner hears the new priority with the next LACPDU; ad_select actor_port_prio weighs it.
            m.Lacp!.PortPriority = (ushort)prio;
            m.Lacp.Ntt = true;
        }
        if (assignments.Any(a => a.Option == BondOption.Primary))
        {
            SetPrimary(next.Primary);
        }
        else if (next.PrimaryReselect != old.PrimaryReselect)
        {
            SelectActive();
        }
        Publish();
        return null;
    }

    /// <summary>
    /// `ip link set IFACE type bond_slave queue_id N prio N`: the per-member options, set on the member,
    /// queue_id then prio as bond_slave_changelink() applies them.
    /// </summary>
    public string? SetMemberOptions(Member member, IReadOnlyList<OptionAssignment> assignments, List<string> warnings)
    {
        List<OptionAssignment> asBond = [];
        foreach (OptionAssignment a in assignments)
        {
            if (a.Option is not (BondOption.QueueId or BondOption.Prio or BondOption.ActorPortPrio))
            {
                return $"option {OptionTable.NameOf(a.Option)}: an option of the bond, not of a member (a member takes queue_id, prio and actor_port_prio)";
            }
            asBond.Add(a with { Value = $"{member.Name}:{a.Value.Trim()}" });
        }
        return SetOptions(asBond, warnings);
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

    /// <summary>bond_enslave(): MAC rule, initial link state, starting state, primary and active choice, at <paramref name="nowMs"/> (the monitors start counting then).</summary>
    public void Enslave(Member member, bool carrier, long nowMs)
    {
        _now = nowMs;
        if (_members.Count == 0 && MacAssignment == MacAssignment.Random)
        {
            Mac = member.PermanentMac;
            MacAssignment = MacAssignment.Stolen;
            _host.SetBondMac(Mac);
        }
        if (Traits.LoadBalancing)
        {
            Alb.Enslave(member);
        }
        else if (!KeepsOwnMacs)
        {
            SetMemberMac(member, Mac);
        }
        else if (Options.FailOverMac == FailOverMac.Follow && _members.Count > 0 && member.CurrentMac == Mac)
        {
            // A second holder of the bond's MAC would answer for it on failover: it gets a random one.
            SetMemberMac(member, MacAddress.Random(_random));
        }
        member.Carrier = carrier;
        if (Options.Miimon > 0)
        {
            member.Link = !carrier ? LinkState.Down : Options.UpdelayTicks > 0 ? LinkState.Back : LinkState.Up;
            member.Delay = member.Link == LinkState.Back ? Options.UpdelayTicks : 0;
        }
        else
        {
            member.Link = Options.ArpInterval > 0 && !carrier ? LinkState.Down : LinkState.Up;
        }
        if (Options.ArpInterval > 0)
        {
            _arp.Enslave(member);
        }
        if (Traits.Lacp)
        {
            // The port starts disabled: the LACP machines enable it once its aggregator may carry traffic.
            Lacp.Bind(member);
        }
        _members.Add(member);
        if (Traits.BackupUntilChosen)
        {
            member.IsActive = false;
        }
        else
        {
            member.IsActive = true;
            if (!Traits.LoadBalancing && Active == null && member.Link == LinkState.Up)
            {
                Active = member;
            }
        }
        if (Traits.UsesPrimary && Options.Primary == member.Name)
        {
            _primary = member;
            _forcePrimary = true;
        }
        _host.Log($"{Name}: Enslaving {member.Name} as {(member.IsActive ? "an active" : "a backup")} interface with {(member.Link != LinkState.Down ? "an up" : "a down")} link");
        if (Traits.UsesPrimary)
        {
            SelectActive();
        }
        UpdateCarrier();
        Publish();
    }

    /// <summary>
    /// A member of a bond a previous daemon ran and this one takes over: enslaved as any, except that the monitors
    /// count it as heard from just now. The previous daemon's monitors had it up, and a new daemon's first probes
    /// need their interval to be answered; without this grace a restart would take every member down. What the
    /// previous daemon put on its address lists, <paramref name="addressList"/>, is there still.
    /// </summary>
    public void Adopt(Member member, bool carrier, long nowMs, IReadOnlyList<MacAddress>? addressList = null)
    {
        member.AddressList = addressList ?? [];
        Enslave(member, carrier, nowMs);
        if (Options.ArpInterval > 0)
        {
            _arp.Adopted(member);
        }
    }

    /// <summary>
    /// An adopted 802.3ad bond takes over its previous daemon's machines (<see cref="LacpEngine.Restore"/>) once its
    /// members are back. Returns why it cannot; the machines then start over.
    /// </summary>
    public string? RestoreLacp(LacpSavedState state)
    {
        if (!Traits.Lacp)
        {
            return "not an 802.3ad bond";
        }
        if (Lacp.Restore(state) is string error)
        {
            return error;
        }
        UpdateCarrier();
        Publish();
        return null;
    }

    /// <summary>__bond_release_one(): the member leaves; the bond picks a new active and keeps its MAC.</summary>
    public void Release(Member member)
    {
        if (!_members.Contains(member))
        {
            return;
        }
        if (member.Lacp != null)
        {
            Lacp.Unbind(member);
        }
        if (member.AddressList.Count > 0)
        {
            _host.SetMemberAddresses(member, member.AddressList, []);
            member.AddressList = [];
        }
        if (member.RxModes != (false, false))
        {
            _host.SetMemberRxModes(member, false, false);
            member.RxModes = (false, false);
        }
        _members.Remove(member);
        _host.Log($"{Name}: Releasing {(member.IsActive ? "active" : "backup")} interface {member.Name}");
        if (member == _primary)
        {
            _primary = null;
        }
        _arp.Released(member);
        bool wasActive = member == Active;
        if (wasActive)
        {
            Active = null;
        }
        if (Traits.LoadBalancing)
        {
            Alb.Release(member);
        }
        if (wasActive)
        {
            if (Traits.UsesPrimary || _members.Count > 0)
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
        else if (member.PermanentMac == Mac && !(Options.Mode == BondMode.ActiveBackup && Options.FailOverMac == FailOverMac.Active))
        {
            _host.Log($"{Name}: the permanent HWaddr of slave - {member.PermanentMac} - is still in use by bond - set the HWaddr of slave to a different address to avoid conflicts");
        }
        UpdateCarrier();
        Publish();
    }

    /// <summary>
    /// The user set the bond's MAC (ip link set BOND address X): every member follows. With fail_over_mac in
    /// active-backup the kernel leaves the MAC as it was (bond_set_mac_address returns 0 and does nothing):
    /// returns false, and the host puts the old one back.
    /// </summary>
    public bool OnBondMacSet(MacAddress mac)
    {
        if (mac == Mac)
        {
            return true;
        }
        if (KeepsOwnMacs)
        {
            return false;
        }
        if (Traits.LoadBalancing)
        {
            Mac = mac;
            MacAssignment = MacAssignment.Set;
            Alb.BondMacSet(mac);
            Publish();
            return true;
        }
        Mac = mac;
        MacAssignment = MacAssignment.Set;
        foreach (Member m in _members)
        {
            SetMemberMac(m, mac);
        }
        return true;
    }

    /// <summary>
    /// A member was renamed (NETDEV_CHANGENAME): it keeps its place; if the primary option names it (or named
    /// it), the primary follows the name and the active member is chosen again.
    /// </summary>
    public void OnMemberRenamed(Member member, string name)
    {
        string old = member.Name;
        member.Name = name;
        _host.Log($"{Name}: {old} was renamed to {name}");
        if (!Traits.UsesPrimary || Options.Primary.Length == 0)
        {
            return;
        }
        if (member == _primary)
        {
            _primary = null;
        }
        else if (name == Options.Primary)
        {
            _primary = member;
        }
        else
        {
            return;
        }
        _host.Log($"{Name}: Primary slave changed to {_primary?.Name ?? "none"}, reselecting active slave");
        SelectActive();
        Publish();
    }

    /// <summary>A member's carrier as the host last read it (ETHTOOL_GLINK, or a link event).</summary>
    public void OnCarrier(Member member, bool carrier)
    {
        if (member.Carrier == carrier)
        {
            return;
        }
        member.Carrier = carrier;
        Publish();
    }

    /// <summary>
    /// NETDEV_CHANGE (bond_slave_netdev_event): the host read a member's speed and duplex again on an event that was
    /// not a carrier change; in 802.3ad a change gives the port its new key (bond_3ad_adapter_speed_duplex_changed),
    /// which restarts it, and tlb/alb weigh the member by its new speed.
    /// </summary>
    public void OnSpeedDuplex(Member member, int speed, int duplex)
    {
        if (member.Speed == speed && member.Duplex == duplex)
        {
            return;
        }
        _host.Log($"{Name}: {member.Name}: speed/duplex changed to {(speed > 0 ? speed : 0)} Mbps, {(duplex == 0 ? "half" : "full")} duplex");
        member.Speed = speed;
        member.Duplex = duplex;
        if (Traits.Lacp)
        {
            Lacp.SpeedDuplexChanged(member);
        }
        Publish();
    }

    /// <summary>The bond device's addresses changed (RTM_NEWADDR/RTM_DELADDR): peers are told of these on failover.</summary>
    public void OnAddresses(IReadOnlyList<IPAddress> addresses) => _addresses = addresses;

    /// <summary>The bond device's addresses, as last pushed in.</summary>
    public IReadOnlyList<IPAddress> Addresses => _addresses;

    /// <summary>Whether a link monitor judges members by <see cref="OnTraffic"/> (the ARP monitor's slave->last_rx).</summary>
    public bool JudgesByTraffic => Options.ArpInterval > 0;

    /// <summary>
    /// When the data path last received, sent, and received an IPv6 frame on a member (monotonic ms, 0 for never):
    /// what the link monitors judge by.
    /// </summary>
    public void OnTraffic(Member member, long lastRxMs, long lastTxMs, long lastRxIpv6Ms = 0)
    {
        member.LastRxMs = lastRxMs;
        member.LastTxMs = lastTxMs;
        member.LastRxIpv6Ms = lastRxIpv6Ms;
    }

    /// <summary>An ARP the bond device sent in balance-alb, which the data path handed over: the alb engine places and sends it.</summary>
    public void OnBondArp(Span<byte> frame, long nowMs)
    {
        _now = nowMs;
        Alb.OnBondArp(frame);
    }

    /// <summary>A control frame the data path handed over (<see cref="RxVerdict.ToControl"/>) from <paramref name="member"/>.</summary>
    public void OnControlFrame(Member member, ReadOnlySpan<byte> frame, long nowMs)
    {
        ControlFrames++;
        member.LastControlRxMs = nowMs;
        _now = nowMs;
        if (!IsUp)
        {
            // bond_close() clears recv_probe: a closed bond's LACP, ARP monitor and alb hear nothing.
            return;
        }
        if (member.Lacp is { } port)
        {
            Lacp.Receive(port, frame, nowMs);
        }
        if (Options.ArpInterval > 0)
        {
            _arp.Receive(member, frame);
        }
        if (Traits.ReceiveBalancing)
        {
            Alb.Receive(frame);
        }
    }

    /// <summary>Forces the active member (active_slave, ifenslave -c). Returns an error or null.</summary>
    public string? ForceActive(string name)
    {
        if (!Traits.UsesPrimary)
        {
            return OptionTable.ModeDependencyError(BondOption.ActiveSlave, Options.Mode);
        }
        name = Truncate(name.Trim());
        string? error = CheckActiveSlave(name);
        if (error != null)
        {
            return error;
        }
        ChangeActiveSlave(name);
        Publish();
        return null;
    }

    /// <summary>bond_option_active_slave_set()'s refusals: not a member, or (unless it is already active) not up.</summary>
    private string? CheckActiveSlave(string name)
    {
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

    private void ChangeActiveSlave(string name)
    {
        if (name.Length == 0)
        {
            ChangeActive(null);
            SelectActive();
            return;
        }
        Member target = Find(name)!;
        if (target == Active)
        {
            _host.Log($"{Name}: {name} is already the current active slave");
            return;
        }
        ChangeActive(target);
        UpdateCarrier();
    }

    /// <summary>
    /// bond_option_queue_id_set(): "IFACE:ID", ID at most tx_queues (the kernel's bound, one past the last
    /// queue), unique among the members except 0; every refusal is the kernel's one EPERM.
    /// </summary>
    private string? ParseQueueId(string text, BondOptions options, List<(Member, int)> changes)
    {
        const string Invalid = "invalid input for queue_id set";
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !ushort.TryParse(text[(colon + 1)..].Trim(), out ushort queueId) || queueId > options.TxQueues)
        {
            return Invalid;
        }
        Member? member = Find(text[..colon].Trim());
        if (member == null || (queueId != 0 && _members.Exists(m => m != member && m.QueueId == queueId)))
        {
            return Invalid;
        }
        changes.Add((member, queueId));
        return null;
    }

    /// <summary>"IFACE:N" for prio (any 32-bit number) and actor_port_prio (1 - 65535), on a member of this bond.</summary>
    private string? ParseMemberValue(string text, int min, int max, List<(Member, int)> changes)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..].Trim(), out int prio) || prio < min || prio > max)
        {
            return min == int.MinValue
                ? $"invalid value ({text}): IFACE:PRIO, PRIO a 32-bit signed number"
                : $"invalid value ({text}): IFACE:PRIO, PRIO {min} - {max}";
        }
        Member? member = Find(text[..colon].Trim());
        if (member == null)
        {
            return $"{Name}: {text[..colon].Trim()} is not enslaved";
        }
        changes.Add((member, prio));
        return null;
    }

    /// <summary>bond_option_prio_set(): the new prio takes part in reselection at once, unless a primary decides it.</summary>
    private void SetPrio(Member member, int prio)
    {
        member.Prio = prio;
        if (_primary != null)
        {
            _host.Log($"{Name}: {member.Name}: prio updated, but will not affect failover re-selection as primary slave have been set");
            return;
        }
        SelectActive();
    }

    /// <summary>bond_option_primary_set(): a named member becomes primary and is forced active, even when it already was primary.</summary>
    private void SetPrimary(string name)
    {
        Member? member = name.Length == 0 ? null : Find(name);
        if (member != null)
        {
            _primary = member;
            _forcePrimary = true;
            SelectActive();
        }
        else if (_primary != null)
        {
            _primary = null;
            SelectActive();
        }
    }

    /// <summary>Time at which <see cref="Tick"/> has work to do next.</summary>
    public long NextDueMs => _timers.NextDue;

    /// <summary>Runs every timer due at <paramref name="nowMs"/> (a monotonic clock in ms).</summary>
    /// <summary>
    /// When a periodic timer that was due at <paramref name="dueMs"/> fires next: whole intervals on from then, the
    /// first such time past <paramref name="nowMs"/> (a late tick is not made up for). A timer first armed at 0
    /// ticks at multiples of its interval on the daemon's clock, so a host's bonds tick together whenever they were
    /// made and share the daemon's wake-ups: a thousand bonds at miimon=100 wake it ten times a second, not ten
    /// thousand. Intervals stay exact on average, as the kernel's delayed work keeps them to the jiffy.
    /// </summary>
    internal static long NextAfter(long dueMs, long nowMs, int interval) => dueMs + (interval * (((nowMs - dueMs) / interval) + 1));

    /// <summary>
    /// A periodic timer armed anew from <paramref name="nowMs"/> (after a link event): an interval on, rounded up to a
    /// tenth of it, so that it keeps sharing wake-ups with others (at most ten phases) at the cost of a tick up to a
    /// tenth late, once.
    /// </summary>
    internal static long Next(long nowMs, int interval)
    {
        long grid = Math.Max(1, interval / 10);
        return (nowMs + interval + grid - 1) / grid * grid;
    }

    public void Tick(long nowMs)
    {
        _now = nowMs;
        if (nowMs >= _nextCarrierReadMs)
        {
            _nextCarrierReadMs = nowMs + CarrierReadMs;
        }
        long linkDue = _timers.DueOf(BondTimer.LinkMonitor), lacpDue = _timers.DueOf(BondTimer.Lacp);
        long arpDue = _timers.DueOf(BondTimer.ArpMonitor), albDue = _timers.DueOf(BondTimer.Alb);
        if (_timers.Fire(BondTimer.LinkMonitor, nowMs))
        {
            int interval = Options.Miimon > 0 ? Options.Miimon : CarrierRefreshMs;
            _miiResumeMs = -1;
            _timers.Arm(BondTimer.LinkMonitor, NextAfter(linkDue, nowMs, interval));
            if (Options.Miimon > 0)
            {
                MiiTick();
                DeferMiiWhileQuiet(linkDue, nowMs);
            }
        }
        if (_timers.Fire(BondTimer.Lacp, nowMs) && Traits.Lacp && IsUp)
        {
            _timers.Arm(BondTimer.Lacp, NextAfter(lacpDue, nowMs, LacpEngine.TickMs));
            Lacp.Tick();
            if (Lacp.PeerNotifyRequested)
            {
                Lacp.PeerNotifyRequested = false;
                StartPeerNotifications();
            }
            if (Lacp.TakePlanChanged())
            {
                Publish();
            }
        }
        if (_timers.Fire(BondTimer.ArpMonitor, nowMs) && Options.ArpInterval > 0 && IsUp)
        {
            _timers.Arm(BondTimer.ArpMonitor, NextAfter(arpDue, nowMs, Options.ArpInterval));
            ArpTick();
        }
        if (_timers.Fire(BondTimer.Alb, nowMs) && Alb.Runs)
        {
            _timers.Arm(BondTimer.Alb, NextAfter(albDue, nowMs, AlbEngine.TickMs));
            Alb.Tick();
        }
        if (_timers.Fire(BondTimer.ResendIgmp, nowMs))
        {
            // bond_resend_igmp_join_requests_delayed(): resend_igmp rounds in all, 200 ms apart.
            if (Active != null)
            {
                _host.RejoinMulticastGroups(Active);
            }
            if (_igmpRetrans > 1)
            {
                _igmpRetrans--;
                _timers.Arm(BondTimer.ResendIgmp, nowMs + 200);
            }
        }
    }

    /// <summary>What the mode changes: <see cref="ModeTraits"/>.</summary>
    private ModeTraits Traits => ModeTraits.Of(Options.Mode);

    private bool KeepsOwnMacs => Options.Mode == BondMode.ActiveBackup && Options.FailOverMac != FailOverMac.None;

    private static string Truncate(string name) => name.Length > 15 ? name[..15] : name;

    internal void SetMemberMac(Member member, MacAddress mac)
    {
        if (member.CurrentMac != mac)
        {
            _host.SetMemberMac(member, mac);
            member.CurrentMac = mac;
        }
    }

    /// <summary>bond_set_carrier(): up while any member's link is up, in 802.3ad by the active aggregator. Returns whether it changed.</summary>
    private bool UpdateCarrier()
    {
        bool carrier = Traits.Lacp ? Lacp.Carrier() : _members.Exists(m => m.Link == LinkState.Up);
        if (carrier == Carrier)
        {
            return false;
        }
        Carrier = carrier;
        _host.SetBondCarrier(carrier);
        return true;
    }

    private void Publish()
    {
        SyncMemberRxMode();
        ResumeMii();
        Member[] members = [.. _members];
        Plan = new DataPlan(Options.Mode, members, Active == null ? -1 : Array.IndexOf(members, Active),
            Options.PacketsPerSlave, Options.XmitHashPolicy, Options.AllSlavesActive, ControlFramesWanted(),
            Traits.Lacp ? Lacp.Transmits : null, Options.BroadcastNeighbor, Mac, Alb.TlbForPlan,
            m => Options.ArpInterval > 0 && !Traits.ReceiveBalancing && _arp.ArpValidates(m), [.. Options.ArpIpTargets.Select(ArpMessage.Value)]);
        _host.DataPlanChanged(Plan);
    }

    /// <summary>
    /// The bond device's own address lists (dev->uc, dev->mc: a macvlan's address, the stack's multicast groups), as
    /// the host last read them: synced to the members that receive for the bond (bond_set_rx_mode).
    /// </summary>
    public void OnAddressLists(IReadOnlyList<MacAddress> lists)
    {
        if (!lists.SequenceEqual(_deviceLists))
        {
            _deviceLists = lists;
            SyncMemberRxMode();
        }
    }

    private IReadOnlyList<MacAddress> _deviceLists = [];

    /// <summary>
    /// The bond device's promiscuous and all-multicast modes (its promiscuity and allmulti counts above zero: a bridge
    /// it is a port of, tcpdump on it): passed to the members that receive for it (bond_change_rx_flags).
    /// </summary>
    public void OnRxModes(bool promisc, bool allmulti)
    {
        if ((promisc, allmulti) != _deviceRxModes)
        {
            _deviceRxModes = (promisc, allmulti);
            SyncMemberRxMode();
        }
    }

    private (bool Promisc, bool Allmulti) _deviceRxModes;

    /// <summary>
    /// The link-layer addresses the bond puts on a member's lists: while the bond is up (bond_open; bond_close's
    /// bond_hw_addr_flush) the bond device's own lists, on the active member in the modes with one (bond_hw_addr_swap)
    /// and on every member in the others (dev_uc_sync_multiple), and in 802.3ad the LACPDU address; in active-backup with arp_validate, on a backup, the
    /// solicited-node groups of the NS targets, so a switch that snoops MLD still sends it the relayed solicitations
    /// that validate it (bond_slave_ns_maddrs_add/del). The bond's promiscuous and all-multicast modes go to the same
    /// members as its lists, up or down (bond_set_promiscuity, bond_hw_addr_swap). A member released has them all
    /// taken off.
    /// </summary>
    private void SyncMemberRxMode()
    {
        foreach (Member m in _members)
        {
            bool receivesForBond = !Traits.UsesPrimary || m == Active;
            (bool, bool) modes = receivesForBond ? _deviceRxModes : (false, false);
            if (modes != m.RxModes)
            {
                _host.SetMemberRxModes(m, modes.Item1, modes.Item2);
                m.RxModes = modes;
            }
            IEnumerable<MacAddress> lacp = Traits.Lacp && IsUp ? [LacpPdu.Multicast] : [];
            IEnumerable<MacAddress> ns = Options.Mode == BondMode.ActiveBackup && !m.IsActive && Options.ArpValidate != ArpValidate.None
                ? Options.NsIp6Targets.Select(ProbeFrames.SolicitedNodeMac)
                : [];
            IEnumerable<MacAddress> device = IsUp && receivesForBond ? _deviceLists : [];
            IReadOnlyList<MacAddress> want = [.. lacp.Concat(ns).Concat(device).Distinct()];
            if (!want.SequenceEqual(m.AddressList))
            {
                _host.SetMemberAddresses(m, [.. m.AddressList.Except(want)], [.. want.Except(m.AddressList)]);
                m.AddressList = want;
            }
        }
    }

    /// <summary>Which received frames the control plane needs: LACPDUs and Markers in 802.3ad, ARP and neighbour discovery for the ARP/NS monitor, ARP for alb's clients.</summary>
    private ControlFrameKinds ControlFramesWanted() =>
        (Options.ArpInterval > 0 ? ControlFrameKinds.Arp | ControlFrameKinds.NeighborDiscovery : ControlFrameKinds.None)
        | (Traits.ReceiveBalancing ? ControlFrameKinds.Arp : ControlFrameKinds.None)
        | (Traits.Lacp ? ControlFrameKinds.SlowProtocols : ControlFrameKinds.None);

    private string Ms(int ticks) => MiiMonitor.Ms(Options, ticks);
}
