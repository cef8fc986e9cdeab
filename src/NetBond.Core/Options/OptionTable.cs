using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NetBond.Core;

[Flags]
internal enum OptionFlags
{
    None = 0,
    /// <summary>Only while the bond has no members (BOND_OPTFLAG_NOSLAVES, -ENOTEMPTY).</summary>
    NoSlaves = 1,
    /// <summary>Only while the bond is down (BOND_OPTFLAG_IFDOWN, -EBUSY).</summary>
    IfDown = 2,
    /// <summary>A module parameter: it shapes how bonds are made, not one bond.</summary>
    ModuleOnly = 4,
    /// <summary>Fixed when the bond device is made (a module parameter in the kernel), so only `add` takes it.</summary>
    CreateOnly = 8,
    /// <summary>The value is text the option reads itself (BOND_OPTFLAG_RAWVAL): names, addresses.</summary>
    Raw = 16,
    /// <summary>Not a stored option but an act on the bond's state or a member (active_slave, queue_id, prio).</summary>
    State = 32,
}

/// <summary>BOND_VALFLAG_*: which entry of a value table is the default, the minimum or the maximum.</summary>
[Flags]
internal enum ValueFlags
{
    None = 0,
    Default = 1,
    Min = 2,
    Max = 4,
}

/// <summary>One entry of a kernel value table (struct bond_opt_value).</summary>
internal readonly record struct NamedValue(string Name, long Value, ValueFlags Flags = ValueFlags.None);

/// <summary>What the option rules need to know about the bond an option is set on.</summary>
/// <param name="OneRequest">
/// The options came in one request, as `ip link` sends them, where miimon with arp_interval or arp_validate
/// is refused; sysfs-style writes (configuration files) take one option at a time and the later one wins.
/// </param>
public readonly record struct OptionContext(bool HasMembers, bool IsUp, bool OneRequest = true);

internal delegate string? OptionSetter(BondOptions options, long number, string text, List<string> warnings);

/// <summary>One kernel option: its name, value table, dependencies and effect (bond_opts[] in bond_options.c).</summary>
internal sealed record OptionDefinition(
    BondOption Id,
    string Name,
    OptionFlags Flags,
    NamedValue[]? Values,
    BondMode[]? Modes,
    Func<BondOptions, string> Show,
    OptionSetter Set);

/// <summary>
/// The kernel's option model: names, value tables, defaults, ranges, dependency rules and error texts of
/// bond_options.c. A value is parsed once, by bond_opt_parse()'s rules, after the dependency checks, as
/// __bond_opt_set() does: mode dependency, no members, bond down, then the value.
/// </summary>
public static class OptionTable
{
    private const long IntMax = int.MaxValue;
    private const ValueFlags Default = ValueFlags.Default;
    private const ValueFlags Min = ValueFlags.Min;
    private const ValueFlags Max = ValueFlags.Max;

    private static readonly NamedValue[] s_modeTable =
        [new("balance-rr", 0, Default), new("active-backup", 1), new("balance-xor", 2), new("broadcast", 3),
         new("802.3ad", 4), new("balance-tlb", 5), new("balance-alb", 6)];
    private static readonly NamedValue[] s_packetsPerSlaveTable = [new("default", 1, Default), new("maxval", 65535, Max)];
    private static readonly NamedValue[] s_xmitHashTable =
        [new("layer2", 0, Default), new("layer3+4", 1), new("layer2+3", 2), new("encap2+3", 3), new("encap3+4", 4), new("vlan+srcmac", 5)];
    private static readonly NamedValue[] s_arpValidateTable =
        [new("none", 0, Default), new("active", 1), new("backup", 2), new("all", 3), new("filter", 4), new("filter_active", 5), new("filter_backup", 6)];
    private static readonly NamedValue[] s_arpAllTargetsTable = [new("any", 0, Default), new("all", 1)];
    private static readonly NamedValue[] s_failOverMacTable = [new("none", 0, Default), new("active", 1), new("follow", 2)];
    private static readonly NamedValue[] s_intMaxTable = [new("off", 0, Default), new("maxval", IntMax, Max)];
    private static readonly NamedValue[] s_onDefaultTable = [new("off", 0), new("on", 1, Default)];
    private static readonly NamedValue[] s_offDefaultTable = [new("off", 0, Default), new("on", 1)];
    private static readonly NamedValue[] s_lacpRateTable = [new("slow", 0), new("fast", 1)];
    private static readonly NamedValue[] s_adSelectTable =
        [new("stable", 0, Default), new("bandwidth", 1), new("count", 2), new("actor_port_prio", 3)];
    private static readonly NamedValue[] s_countTable = [new("off", 0), new("maxval", 255, Max), new("default", 1, Default)];
    private static readonly NamedValue[] s_peerNotifDelayTable = [new("off", 0), new("maxval", 300000, Max)];
    private static readonly NamedValue[] s_primaryReselectTable = [new("always", 0, Default), new("better", 1), new("failure", 2)];
    private static readonly NamedValue[] s_lpIntervalTable = [new("minval", 1, Min | Default), new("maxval", IntMax, Max)];
    private static readonly NamedValue[] s_actorSysPrioTable = [new("minval", 1, Min), new("maxval", 65535, Max | Default)];
    private static readonly NamedValue[] s_userPortKeyTable = [new("minval", 0, Min | Default), new("maxval", 1023, Max)];
    private static readonly NamedValue[] s_missedMaxTable = [new("minval", 1, Min), new("maxval", 255, Max), new("default", 2, Default)];
    private static readonly NamedValue[] s_coupledControlTable = [new("on", 1, Default), new("off", 0)];
    private static readonly NamedValue[] s_txQueuesTable = [new("minval", 1, Min), new("maxval", 255, Max), new("default", 16, Default)];
    private static readonly NamedValue[] s_fallbackTimeoutTable = [new("minval", 1, Min), new("maxval", 3600, Max), new("default", 3, Default)];
    private static readonly NamedValue[] s_dataPathTable = [new("auto", 0, Default), new("kernel", 1), new("user", 2)];

    private static readonly BondMode[] s_arpModes = [BondMode.BalanceRr, BondMode.ActiveBackup, BondMode.BalanceXor, BondMode.Broadcast];
    private static readonly BondMode[] s_lacpModes = [BondMode.Ieee8023ad];
    private static readonly BondMode[] s_primaryModes = [BondMode.ActiveBackup, BondMode.BalanceTlb, BondMode.BalanceAlb];
    private static readonly BondMode[] s_tlbModes = [BondMode.BalanceTlb, BondMode.BalanceAlb];

    private static readonly OptionDefinition[] s_definitions =
    [
        new(BondOption.Mode, "mode", OptionFlags.NoSlaves | OptionFlags.IfDown, s_modeTable, null, o => NameOf(BondOption.Mode, (long)o.Mode), SetMode),
        new(BondOption.ActiveSlave, "active_slave", OptionFlags.Raw | OptionFlags.State, null, s_primaryModes, _ => "", (_, _, _, _) => null),
        new(BondOption.Miimon, "miimon", OptionFlags.None, s_intMaxTable, null, o => Num(o.Miimon), SetMiimon),
        new(BondOption.Updelay, "updelay", OptionFlags.None, s_intMaxTable, null, o => Num(o.UpdelayMs),
            (o, v, _, w) => SetDelay(o, v, w, "up delay", t => o.UpdelayTicks = t)),
        new(BondOption.Downdelay, "downdelay", OptionFlags.None, s_intMaxTable, null, o => Num(o.DowndelayMs),
            (o, v, _, w) => SetDelay(o, v, w, "down delay", t => o.DowndelayTicks = t)),
        new(BondOption.PeerNotifDelay, "peer_notif_delay", OptionFlags.None, s_peerNotifDelayTable, null, o => Num(o.PeerNotifDelayMs),
            (o, v, _, w) => SetDelay(o, v, w, "peer notification delay", t => o.PeerNotifDelayTicks = t)),
        new(BondOption.UseCarrier, "use_carrier", OptionFlags.None, s_onDefaultTable, null, o => OnOff(o.UseCarrier),
            (_, v, _, _) => v == 1 ? null : "use_carrier=0 is obsolete: link state always comes from the carrier (kernel 6.18 accepts only 1)"),
        new(BondOption.ArpInterval, "arp_interval", OptionFlags.None, s_intMaxTable, s_arpModes, o => Num(o.ArpInterval), SetArpInterval),
        new(BondOption.ArpIpTarget, "arp_ip_target", OptionFlags.Raw, null, null,
            o => string.Join(",", o.ArpIpTargets), (o, _, t, _) => SetTargets(o.ArpIpTargets, t, AddressFamily.InterNetwork)),
        new(BondOption.NsIp6Target, "ns_ip6_target", OptionFlags.Raw, null, null,
            o => string.Join(",", o.NsIp6Targets), (o, _, t, _) => SetTargets(o.NsIp6Targets, t, AddressFamily.InterNetworkV6)),
        new(BondOption.ArpValidate, "arp_validate", OptionFlags.None, s_arpValidateTable, s_arpModes,
            o => NameOf(BondOption.ArpValidate, (long)o.ArpValidate), (o, v, _, _) => { o.ArpValidate = (ArpValidate)v; return null; }),
        new(BondOption.ArpAllTargets, "arp_all_targets", OptionFlags.None, s_arpAllTargetsTable, null,
            o => NameOf(BondOption.ArpAllTargets, (long)o.ArpAllTargets), (o, v, _, _) => { o.ArpAllTargets = (ArpAllTargets)v; return null; }),
        new(BondOption.Primary, "primary", OptionFlags.Raw, null, s_primaryModes, o => o.Primary, SetPrimary),
        new(BondOption.PrimaryReselect, "primary_reselect", OptionFlags.None, s_primaryReselectTable, null,
            o => NameOf(BondOption.PrimaryReselect, (long)o.PrimaryReselect), (o, v, _, _) => { o.PrimaryReselect = (PrimaryReselect)v; return null; }),
        new(BondOption.FailOverMac, "fail_over_mac", OptionFlags.NoSlaves, s_failOverMacTable, null,
            o => NameOf(BondOption.FailOverMac, (long)o.FailOverMac), (o, v, _, _) => { o.FailOverMac = (FailOverMac)v; return null; }),
        new(BondOption.XmitHashPolicy, "xmit_hash_policy", OptionFlags.None, s_xmitHashTable, null,
            o => NameOf(BondOption.XmitHashPolicy, (long)o.XmitHashPolicy), (o, v, _, _) => { o.XmitHashPolicy = (XmitHashPolicy)v; return null; }),
        new(BondOption.ResendIgmp, "resend_igmp", OptionFlags.None, s_countTable, null, o => Num(o.ResendIgmp), (o, v, _, _) => { o.ResendIgmp = (int)v; return null; }),
        new(BondOption.NumGratArp, "num_grat_arp", OptionFlags.None, s_countTable, null, o => Num(o.NumPeerNotif), (o, v, _, _) => { o.NumPeerNotif = (int)v; return null; }),
        new(BondOption.NumUnsolNa, "num_unsol_na", OptionFlags.None, s_countTable, null, o => Num(o.NumPeerNotif), (o, v, _, _) => { o.NumPeerNotif = (int)v; return null; }),
        new(BondOption.AllSlavesActive, "all_slaves_active", OptionFlags.None, s_offDefaultTable, null,
            o => Num(o.AllSlavesActive ? 1 : 0), (o, v, _, _) => { o.AllSlavesActive = v == 1; return null; }),
        new(BondOption.MinLinks, "min_links", OptionFlags.None, s_intMaxTable, null, o => Num(o.MinLinks), (o, v, _, _) => { o.MinLinks = (int)v; return null; }),
        new(BondOption.LpInterval, "lp_interval", OptionFlags.None, s_lpIntervalTable, null, o => Num(o.LpInterval), (o, v, _, _) => { o.LpInterval = (int)v; return null; }),
        new(BondOption.PacketsPerSlave, "packets_per_slave", OptionFlags.None, s_packetsPerSlaveTable, [BondMode.BalanceRr],
            o => Num(o.PacketsPerSlave), (o, v, _, _) => { o.PacketsPerSlave = (int)v; return null; }),
        new(BondOption.LacpActive, "lacp_active", OptionFlags.IfDown, s_onDefaultTable, s_lacpModes, o => OnOff(o.LacpActive), (o, v, _, _) => { o.LacpActive = v == 1; return null; }),
        new(BondOption.LacpRate, "lacp_rate", OptionFlags.IfDown, s_lacpRateTable, s_lacpModes,
            o => NameOf(BondOption.LacpRate, (long)o.LacpRate), (o, v, _, _) => { o.LacpRate = (LacpRate)v; return null; }),
        new(BondOption.AdSelect, "ad_select", OptionFlags.IfDown, s_adSelectTable, null,
            o => NameOf(BondOption.AdSelect, (long)o.AdSelect), (o, v, _, _) => { o.AdSelect = (AdSelect)v; return null; }),
        new(BondOption.AdActorSysPrio, "ad_actor_sys_prio", OptionFlags.None, s_actorSysPrioTable, s_lacpModes,
            o => Num(o.AdActorSysPrio), (o, v, _, _) => { o.AdActorSysPrio = (int)v; return null; }),
        new(BondOption.AdUserPortKey, "ad_user_port_key", OptionFlags.IfDown, s_userPortKeyTable, s_lacpModes,
            o => Num(o.AdUserPortKey), (o, v, _, _) => { o.AdUserPortKey = (int)v; return null; }),
        new(BondOption.AdActorSystem, "ad_actor_system", OptionFlags.Raw, null, s_lacpModes, o => o.AdActorSystem.ToString(), SetActorSystem),
        new(BondOption.TlbDynamicLb, "tlb_dynamic_lb", OptionFlags.IfDown, s_onDefaultTable, s_tlbModes,
            o => Num(o.TlbDynamicLb ? 1 : 0), (o, v, _, _) => { o.TlbDynamicLb = v == 1; return null; }),
        new(BondOption.ArpMissedMax, "arp_missed_max", OptionFlags.None, s_missedMaxTable, s_arpModes,
            o => Num(o.ArpMissedMax), (o, v, _, _) => { o.ArpMissedMax = (int)v; return null; }),
        new(BondOption.CoupledControl, "coupled_control", OptionFlags.IfDown, s_coupledControlTable, s_lacpModes,
            o => OnOff(o.CoupledControl), (o, v, _, _) => { o.CoupledControl = v == 1; return null; }),
        new(BondOption.BroadcastNeighbor, "broadcast_neighbor", OptionFlags.None, s_offDefaultTable, s_lacpModes,
            o => OnOff(o.BroadcastNeighbor), (o, v, _, _) => { o.BroadcastNeighbor = v == 1; return null; }),
        new(BondOption.LacpStrict, "lacp_strict", OptionFlags.None, s_offDefaultTable, s_lacpModes,
            o => OnOff(o.LacpStrict), (o, v, _, _) => { o.LacpStrict = v == 1; return null; }),
        new(BondOption.LacpFallback, "lacp_fallback", OptionFlags.None, s_offDefaultTable, s_lacpModes,
            o => OnOff(o.LacpFallback), (o, v, _, _) => { o.LacpFallback = v == 1; return null; }),
        new(BondOption.LacpFallbackTimeout, "lacp_fallback_timeout", OptionFlags.None, s_fallbackTimeoutTable, s_lacpModes,
            o => Num(o.LacpFallbackTimeout), (o, v, _, _) => { o.LacpFallbackTimeout = (int)v; return null; }),
        new(BondOption.QueueId, "queue_id", OptionFlags.Raw | OptionFlags.State, null, null, _ => "", (_, _, _, _) => null),
        new(BondOption.Prio, "prio", OptionFlags.Raw | OptionFlags.State, null, s_primaryModes, _ => "", (_, _, _, _) => null),
        new(BondOption.ActorPortPrio, "actor_port_prio", OptionFlags.Raw | OptionFlags.State, null, s_lacpModes, _ => "", (_, _, _, _) => null),
        new(BondOption.TxQueues, "tx_queues", OptionFlags.CreateOnly, s_txQueuesTable, null, o => Num(o.TxQueues), (o, v, _, _) => { o.TxQueues = (int)v; return null; }),
        new(BondOption.DataPath, "datapath", OptionFlags.CreateOnly, s_dataPathTable, null,
            o => NameOf(BondOption.DataPath, (long)o.DataPath), (o, v, _, _) => { o.DataPath = (DataPathChoice)v; return null; }),
        new(BondOption.MaxBonds, "max_bonds", OptionFlags.ModuleOnly, s_intMaxTable, null, _ => "", (_, _, _, _) => null),
    ];

    private static readonly Dictionary<string, OptionDefinition> s_byName = s_definitions.ToDictionary(d => d.Name);

    /// <summary>The stored options' names, in the order `status --json` and the README list them.</summary>
    public static IEnumerable<string> Names => s_definitions.Where(d => !d.Flags.HasFlag(OptionFlags.State)).Select(d => d.Name);

    /// <summary>The iproute2 spelling and the sysfs spelling name the same option.</summary>
    public static string Canonical(string name)
    {
        string n = name.Trim().ToLowerInvariant().Replace('-', '_');
        return n == "peer_notify_delay" ? "peer_notif_delay" : n;
    }

    public static bool TryFind(string name, out BondOption option)
    {
        bool found = s_byName.TryGetValue(Canonical(name), out OptionDefinition? d);
        option = found ? d!.Id : default;
        return found;
    }

    public static bool IsKnown(string name) => TryFind(name, out _);

    /// <summary>An assignment by option name; the name must be known (<see cref="IsKnown"/>).</summary>
    public static OptionAssignment Assign(string name, string value) =>
        TryFind(name, out BondOption option) ? new OptionAssignment(option, value) : throw new ArgumentException($"unknown option '{name}'", nameof(name));

    public static string NameOf(BondOption option) => Definition(option).Name;

    public static bool IsModuleOnly(BondOption option) => Definition(option).Flags.HasFlag(OptionFlags.ModuleOnly);

    public static bool IsCreateOnly(BondOption option) => Definition(option).Flags.HasFlag(OptionFlags.CreateOnly);

    /// <summary>active_slave, queue_id, prio and actor_port_prio act on members, so they apply once the members are there.</summary>
    public static bool IsState(BondOption option) => Definition(option).Flags.HasFlag(OptionFlags.State);

    public static string Show(BondOptions options, string name) => s_byName[Canonical(name)].Show(options);

    /// <summary>The name of a value in an option's table, as sysfs prints it without the number.</summary>
    public static string NameOf(BondOption option, long value)
    {
        foreach (NamedValue v in Definition(option).Values ?? [])
        {
            if (v.Value == value)
            {
                return v.Name;
            }
        }
        return Num(value);
    }

    public static string ModeName(BondMode mode) => NameOf(BondOption.Mode, (long)mode);

    /// <summary>bond_opt_dep_print()'s text.</summary>
    public static string ModeDependencyError(BondOption option, BondMode mode) =>
        $"option {NameOf(option)}: mode dependency failed, not supported in mode {ModeName(mode)}({(int)mode})";

    /// <summary>
    /// Applies assignments to a copy of <paramref name="current"/> in the kernel's netlink order: all or nothing.
    /// Returns the new options, or null with the kernel's reason in <paramref name="error"/>.
    /// <paramref name="checkState"/> judges a state option (<see cref="IsState"/>) at its place in the order; without
    /// one, state options are refused.
    /// </summary>
    public static BondOptions? Apply(BondOptions current, IEnumerable<OptionAssignment> assignments, OptionContext context,
        List<string> warnings, out string? error, Func<BondOptions, BondOption, string, string?>? checkState = null)
    {
        BondOptions next = current.Clone();
        long requestMiimon = 0;
        foreach (OptionAssignment a in assignments.OrderBy(a => a.Option))
        {
            OptionDefinition def = Definition(a.Option);
            // Parsed once; a bad value is reported where __bond_opt_set() finds it, after the dependencies.
            bool parsed = TryParse(def, a.Value, out long number, out string text);
            error = CheckDependencies(def, next.Mode, context)
                ?? CheckRequest(def, parsed ? number : 0, requestMiimon, context)
                ?? (parsed ? null : InvalidValue(def, a.Value));
            if (error == null)
            {
                string? refusal = def.Flags.HasFlag(OptionFlags.State)
                    ? checkState == null ? "applies to the members, which the bond does not have yet" : checkState(next, a.Option, text)
                    : def.Set(next, number, text, warnings);
                error = refusal == null ? null : $"option {def.Name}: {refusal}";
            }
            if (error != null)
            {
                return null;
            }
            if (a.Option == BondOption.Miimon)
            {
                requestMiimon = number;
            }
        }
        error = null;
        return next;
    }

    private static OptionDefinition Definition(BondOption option) => s_definitions[(int)option];

    /// <summary>bond_opt_check_deps(): the mode, then members, then up.</summary>
    private static string? CheckDependencies(OptionDefinition def, BondMode mode, OptionContext context)
    {
        if (def.Modes != null && !def.Modes.Contains(mode))
        {
            return ModeDependencyError(def.Id, mode);
        }
        if (def.Flags.HasFlag(OptionFlags.NoSlaves) && context.HasMembers)
        {
            return $"option {def.Name}: unable to set because the bond device has slaves";
        }
        if (def.Flags.HasFlag(OptionFlags.IfDown) && context.IsUp)
        {
            return $"option {def.Name}: unable to set because the bond device is up";
        }
        return null;
    }

    /// <summary>bond_changelink(): within one request, ARP monitoring or validation next to a non-zero miimon is EINVAL.</summary>
    private static string? CheckRequest(OptionDefinition def, long number, long requestMiimon, OptionContext context)
    {
        if (!context.OneRequest || requestMiimon == 0 || number == 0)
        {
            return null;
        }
        return def.Id switch
        {
            BondOption.ArpInterval => "option arp_interval: ARP monitoring cannot be used with MII monitoring",
            BondOption.ArpValidate => "option arp_validate: ARP validating cannot be used with MII monitoring",
            _ => null,
        };
    }

    /// <summary>
    /// bond_opt_parse(): up to the first newline; all digits and blanks is a number, which must be a table
    /// entry or, where the table has a maxval, within [minval, maxval]; anything else is the first word, which
    /// must name an entry, or be "default" where the table marks one.
    /// </summary>
    private static bool TryParse(OptionDefinition def, string value, out long number, out string text)
    {
        int newline = value.IndexOf('\n', StringComparison.Ordinal);
        text = newline >= 0 ? value[..newline] : value;
        number = 0;
        if (def.Flags.HasFlag(OptionFlags.Raw))
        {
            return true;
        }
        NamedValue[] table = def.Values!;
        if (text.All(c => char.IsAsciiDigit(c) || char.IsWhiteSpace(c)))
        {
            if (!ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) || n > long.MaxValue)
            {
                return false;
            }
            number = (long)n;
            foreach (NamedValue v in table)
            {
                if (v.Value == number)
                {
                    return true;
                }
            }
            return InRange(table, number);
        }
        string word = text.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
        word = word.Length > 32 ? word[..32] : word;
        foreach (NamedValue v in table)
        {
            if (v.Name == word || (word == "default" && v.Flags.HasFlag(ValueFlags.Default)))
            {
                number = v.Value;
                return true;
            }
        }
        return false;
    }

    /// <summary>bond_opt_check_range(): no maxval entry means no range; no minval entry means 0.</summary>
    private static bool InRange(NamedValue[] table, long number)
    {
        NamedValue? min = Flagged(table, ValueFlags.Min);
        NamedValue? max = Flagged(table, ValueFlags.Max);
        return max != null && number >= (min?.Value ?? 0) && number <= max.Value.Value;
    }

    private static NamedValue? Flagged(NamedValue[] table, ValueFlags flag)
    {
        foreach (NamedValue v in table)
        {
            if (v.Flags.HasFlag(flag))
            {
                return v;
            }
        }
        return null;
    }

    /// <summary>bond_opt_error_interpret() for -EINVAL: the value, then the range where the table has one (else its names).</summary>
    private static string InvalidValue(OptionDefinition def, string value)
    {
        string error = $"option {def.Name}: invalid value ({value.Split('\n')[0]})";
        NamedValue[] table = def.Values ?? [];
        NamedValue? max = Flagged(table, ValueFlags.Max);
        if (max != null)
        {
            return $"{error}; allowed values {Flagged(table, ValueFlags.Min)?.Value ?? 0} - {max.Value.Value}";
        }
        return $"{error}; allowed values {string.Join(", ", table.Select(v => $"{v.Name}({v.Value})"))}";
    }

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string OnOff(bool on) => on ? "on" : "off";

    /// <summary>bond_option_mode_set(): modes without ARP monitoring fall back to miimon; arp_validate and broadcast_neighbor reset.</summary>
    private static string? SetMode(BondOptions o, long value, string text, List<string> warnings)
    {
        BondMode mode = (BondMode)value;
        if (mode is BondMode.Ieee8023ad or BondMode.BalanceTlb or BondMode.BalanceAlb)
        {
            // bond_option_mode_set: the kernel says so at debug level only.
            o.ArpInterval = 0;
            if (o.Miimon == 0)
            {
                o.Miimon = 100;
            }
        }
        if (mode == BondMode.BalanceAlb)
        {
            o.TlbDynamicLb = true;
        }
        o.ArpValidate = ArpValidate.None;
        o.BroadcastNeighbor = false;
        o.Mode = mode;
        return null;
    }

    private static string? SetMiimon(BondOptions o, long value, string text, List<string> warnings)
    {
        o.Miimon = (int)value;
        if (o.Miimon != 0 && o.ArpInterval != 0)
        {
            warnings.Add("MII monitoring cannot be used with ARP monitoring - disabling ARP monitoring");
            o.ArpInterval = 0;
            o.ArpValidate = ArpValidate.None;
        }
        return null;
    }

    private static string? SetArpInterval(BondOptions o, long value, string text, List<string> warnings)
    {
        o.ArpInterval = (int)value;
        if (o.ArpInterval != 0 && o.Miimon != 0)
        {
            warnings.Add("ARP monitoring cannot be used with MII monitoring - disabling MII monitoring");
            o.Miimon = 0;
        }
        return null;
    }

    /// <summary>_bond_option_delay_set(): needs miimon, rounds down to a multiple of it, stores ticks.</summary>
    private static string? SetDelay(BondOptions o, long value, List<string> warnings, string what, Action<int> store)
    {
        if (o.Miimon == 0)
        {
            return $"Unable to set {what} as MII monitoring is disabled";
        }
        int ms = (int)value;
        if (ms % o.Miimon != 0)
        {
            warnings.Add($"{what} ({ms}) is not a multiple of miimon ({o.Miimon}), value rounded to {ms / o.Miimon * o.Miimon} ms");
        }
        store(ms / o.Miimon);
        return null;
    }

    /// <summary>bond_option_primary_set(): the name is kept, cut to IFNAMSIZ-1, even before such a member exists.</summary>
    private static string? SetPrimary(BondOptions o, long value, string text, List<string> warnings)
    {
        o.Primary = text.Length > 15 ? text[..15] : text;
        return null;
    }

    /// <summary>bond_option_ad_actor_system_set(): a valid unicast address, not all zeros.</summary>
    private static string? SetActorSystem(BondOptions o, long value, string text, List<string> warnings)
    {
        // Only multicast is refused: 00:00:00:00:00:00 means the bond's own MAC again (the default).
        if (!MacAddress.TryParse(text, out MacAddress mac) || mac.IsMulticast)
        {
            return "Invalid ad_actor_system MAC address.";
        }
        o.AdActorSystem = mac;
        return null;
    }

    /// <summary>
    /// Targets take the sysfs forms "+addr" and "-addr", a comma list (module form) that replaces the
    /// list, or "" to clear it. The kernel's refusals: broadcast, 0.x.x.x, duplicates, a 17th target.
    /// </summary>
    private static string? SetTargets(List<IPAddress> targets, string text, AddressFamily family)
    {
        const int MaxTargets = 16;
        string kind = family == AddressFamily.InterNetwork ? "ARP" : "NS";
        text = text.Trim();
        if (text.Length == 0)
        {
            targets.Clear();
            return null;
        }
        if (text[0] is '+' or '-')
        {
            if (!TryParseTarget(text[1..], family, text[0] == '+' ? "addition" : "removal", out IPAddress? addr, out string? err))
            {
                return err;
            }
            if (text[0] == '-')
            {
                return targets.Remove(addr!) ? null : $"unable to remove nonexistent {kind} target {addr}";
            }
            if (targets.Contains(addr!))
            {
                return $"{kind} target {addr} is already present";
            }
            if (targets.Count >= MaxTargets)
            {
                return $"{kind} target table is full!";
            }
            targets.Add(addr!);
            return null;
        }
        List<IPAddress> list = [];
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryParseTarget(part, family, "addition", out IPAddress? addr, out string? err))
            {
                return err;
            }
            if (list.Contains(addr!))
            {
                return $"{kind} target {addr} is already present";
            }
            list.Add(addr!);
        }
        if (list.Count > MaxTargets)
        {
            return $"{kind} target table is full!";
        }
        targets.Clear();
        targets.AddRange(list);
        return null;
    }

    /// <param name="purpose">"addition" or "removal", as the kernel's refusal of an unusable target says.</param>
    private static bool TryParseTarget(string text, AddressFamily family, string purpose, out IPAddress? addr, out string? error)
    {
        error = null;
        if (!IPAddress.TryParse(text, out addr) || addr.AddressFamily != family)
        {
            error = $"invalid {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address '{text}'";
            return false;
        }
        if (family == AddressFamily.InterNetwork)
        {
            byte[] b = addr.GetAddressBytes();
            if (addr.Equals(IPAddress.Broadcast) || b[0] == 0)
            {
                error = $"invalid ARP target {addr} specified for {purpose}";
                return false;
            }
        }
        else if (addr.Equals(IPAddress.IPv6Any) || addr.Equals(IPAddress.IPv6Loopback) || addr.IsIPv6Multicast)
        {
            error = $"invalid NS target {addr} specified for {purpose}";
            return false;
        }
        return true;
    }
}
