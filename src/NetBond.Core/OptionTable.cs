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
}

/// <summary>What the option rules need to know about the bond an option is set on.</summary>
public readonly record struct OptionContext(bool HasMembers, bool IsUp);

/// <summary>A value after the kernel's parsing: a number (enums by index), or the text for the few text options.</summary>
internal readonly record struct OptionValue(long Number, string Text);

internal delegate string? OptionSetter(BondOptions options, OptionValue value, List<string> warnings);

/// <summary>One kernel option: its name, value table or range, dependencies and effect (bond_options.c).</summary>
internal sealed record OptionDefinition(
    string Name,
    int Order,
    OptionFlags Flags,
    (string Name, int Value)[]? Values,
    long Min,
    long Max,
    BondMode[]? Modes,
    bool IsText,
    Func<BondOptions, string> Show,
    OptionSetter Set);

/// <summary>
/// The kernel's option model: names, values by name or number, defaults, ranges and the dependency
/// rules of bond_opt_check_deps(). Setting several options applies them in the order of their netlink
/// attribute numbers, as `ip link` does, so `updelay=200 miimon=100` works in either order.
/// </summary>
public static class OptionTable
{
    private const int IntMax = int.MaxValue;
    private static readonly (string, int)[] s_offOn = [("off", 0), ("on", 1)];
    private static readonly BondMode[] s_arpModes = [BondMode.BalanceRr, BondMode.ActiveBackup, BondMode.BalanceXor, BondMode.Broadcast];
    private static readonly BondMode[] s_lacpModes = [BondMode.Ieee8023ad];
    private static readonly BondMode[] s_primaryModes = [BondMode.ActiveBackup, BondMode.BalanceTlb, BondMode.BalanceAlb];
    private static readonly BondMode[] s_tlbModes = [BondMode.BalanceTlb, BondMode.BalanceAlb];

    /// <summary>Modes whose data path NetBond has; the others are accepted by the option model but refused on a bond.</summary>
    public static readonly BondMode[] ImplementedModes = [BondMode.BalanceRr, BondMode.ActiveBackup, BondMode.BalanceXor, BondMode.Broadcast];

    private static readonly OptionDefinition[] s_definitions =
    [
        new("mode", 1, OptionFlags.NoSlaves | OptionFlags.IfDown,
            [("balance-rr", 0), ("active-backup", 1), ("balance-xor", 2), ("broadcast", 3), ("802.3ad", 4), ("balance-tlb", 5), ("balance-alb", 6)],
            0, 6, null, false, o => NameOf("mode", (int)o.Mode), SetMode),
        new("miimon", 3, OptionFlags.None, null, 0, IntMax, null, false, o => Num(o.Miimon), SetMiimon),
        new("updelay", 4, OptionFlags.None, null, 0, IntMax, null, false, o => Num(o.UpdelayMs),
            (o, v, w) => SetDelay(o, v, w, "up delay", t => o.UpdelayTicks = t)),
        new("downdelay", 5, OptionFlags.None, null, 0, IntMax, null, false, o => Num(o.DowndelayMs),
            (o, v, w) => SetDelay(o, v, w, "down delay", t => o.DowndelayTicks = t)),
        new("use_carrier", 6, OptionFlags.None, s_offOn, 0, 1, null, false, o => NameOf("use_carrier", o.UseCarrier),
            (o, v, _) => v.Number == 1 ? null : "use_carrier=0 is obsolete: link state always comes from the carrier (kernel 6.18 accepts only 1)"),
        new("arp_interval", 7, OptionFlags.None, null, 0, IntMax, s_arpModes, false, o => Num(o.ArpInterval), SetArpInterval),
        new("arp_ip_target", 8, OptionFlags.None, null, 0, 0, s_arpModes, true,
            o => string.Join(",", o.ArpIpTargets), (o, v, _) => SetTargets(o.ArpIpTargets, v.Text, AddressFamily.InterNetwork)),
        new("arp_validate", 9, OptionFlags.None,
            [("none", 0), ("active", 1), ("backup", 2), ("all", 3), ("filter", 4), ("filter_active", 5), ("filter_backup", 6)],
            0, 6, s_arpModes, false, o => NameOf("arp_validate", o.ArpValidate), (o, v, _) => { o.ArpValidate = (int)v.Number; return null; }),
        new("arp_all_targets", 10, OptionFlags.None, [("any", 0), ("all", 1)], 0, 1, null, false,
            o => NameOf("arp_all_targets", o.ArpAllTargets), (o, v, _) => { o.ArpAllTargets = (int)v.Number; return null; }),
        new("primary", 11, OptionFlags.None, null, 0, 0, s_primaryModes, true, o => o.Primary, SetPrimary),
        new("primary_reselect", 12, OptionFlags.None, [("always", 0), ("better", 1), ("failure", 2)], 0, 2, null, false,
            o => NameOf("primary_reselect", o.PrimaryReselect), (o, v, _) => { o.PrimaryReselect = (int)v.Number; return null; }),
        new("fail_over_mac", 13, OptionFlags.NoSlaves, [("none", 0), ("active", 1), ("follow", 2)], 0, 2, null, false,
            o => NameOf("fail_over_mac", o.FailOverMac), (o, v, _) => { o.FailOverMac = (int)v.Number; return null; }),
        new("xmit_hash_policy", 14, OptionFlags.None,
            [("layer2", 0), ("layer3+4", 1), ("layer2+3", 2), ("encap2+3", 3), ("encap3+4", 4), ("vlan+srcmac", 5)],
            0, 5, null, false, o => NameOf("xmit_hash_policy", o.XmitHashPolicy), (o, v, _) => { o.XmitHashPolicy = (int)v.Number; return null; }),
        new("resend_igmp", 15, OptionFlags.None, null, 0, 255, null, false, o => Num(o.ResendIgmp), (o, v, _) => { o.ResendIgmp = (int)v.Number; return null; }),
        new("num_grat_arp", 16, OptionFlags.None, null, 0, 255, null, false, o => Num(o.NumPeerNotif), (o, v, _) => { o.NumPeerNotif = (int)v.Number; return null; }),
        new("num_unsol_na", 16, OptionFlags.None, null, 0, 255, null, false, o => Num(o.NumPeerNotif), (o, v, _) => { o.NumPeerNotif = (int)v.Number; return null; }),
        new("all_slaves_active", 17, OptionFlags.None, s_offOn, 0, 1, null, false, o => Num(o.AllSlavesActive), (o, v, _) => { o.AllSlavesActive = (int)v.Number; return null; }),
        new("min_links", 18, OptionFlags.None, null, 0, IntMax, null, false, o => Num(o.MinLinks), (o, v, _) => { o.MinLinks = (int)v.Number; return null; }),
        new("lp_interval", 19, OptionFlags.None, null, 1, IntMax, null, false, o => Num(o.LpInterval), (o, v, _) => { o.LpInterval = (int)v.Number; return null; }),
        new("packets_per_slave", 20, OptionFlags.None, null, 0, 65535, [BondMode.BalanceRr], false, o => Num(o.PacketsPerSlave), (o, v, _) => { o.PacketsPerSlave = (int)v.Number; return null; }),
        new("lacp_rate", 21, OptionFlags.IfDown, [("slow", 0), ("fast", 1)], 0, 1, s_lacpModes, false,
            o => NameOf("lacp_rate", o.LacpRate), (o, v, _) => { o.LacpRate = (int)v.Number; return null; }),
        new("ad_select", 22, OptionFlags.IfDown, [("stable", 0), ("bandwidth", 1), ("count", 2), ("actor_port_prio", 3)], 0, 3, null, false,
            o => NameOf("ad_select", o.AdSelect), (o, v, _) => { o.AdSelect = (int)v.Number; return null; }),
        new("ad_actor_sys_prio", 24, OptionFlags.None, null, 1, 65535, s_lacpModes, false, o => Num(o.AdActorSysPrio), (o, v, _) => { o.AdActorSysPrio = (int)v.Number; return null; }),
        new("ad_user_port_key", 25, OptionFlags.IfDown, null, 0, 1023, s_lacpModes, false, o => Num(o.AdUserPortKey), (o, v, _) => { o.AdUserPortKey = (int)v.Number; return null; }),
        new("ad_actor_system", 26, OptionFlags.None, null, 0, 0, s_lacpModes, true, o => o.AdActorSystem.ToString(), SetActorSystem),
        new("tlb_dynamic_lb", 27, OptionFlags.IfDown, s_offOn, 0, 1, s_tlbModes, false, o => Num(o.TlbDynamicLb), (o, v, _) => { o.TlbDynamicLb = (int)v.Number; return null; }),
        new("peer_notif_delay", 28, OptionFlags.None, null, 0, 300000, null, false, o => Num(o.PeerNotifDelayMs),
            (o, v, w) => SetDelay(o, v, w, "peer notification delay", t => o.PeerNotifDelayTicks = t)),
        new("lacp_active", 29, OptionFlags.IfDown, s_offOn, 0, 1, s_lacpModes, false, o => NameOf("lacp_active", o.LacpActive), (o, v, _) => { o.LacpActive = (int)v.Number; return null; }),
        new("arp_missed_max", 30, OptionFlags.None, null, 1, 255, s_arpModes, false, o => Num(o.ArpMissedMax), (o, v, _) => { o.ArpMissedMax = (int)v.Number; return null; }),
        new("ns_ip6_target", 31, OptionFlags.None, null, 0, 0, s_arpModes, true,
            o => string.Join(",", o.NsIp6Targets), (o, v, _) => SetTargets(o.NsIp6Targets, v.Text, AddressFamily.InterNetworkV6)),
        new("coupled_control", 32, OptionFlags.IfDown, s_offOn, 0, 1, s_lacpModes, false, o => NameOf("coupled_control", o.CoupledControl), (o, v, _) => { o.CoupledControl = (int)v.Number; return null; }),
        new("broadcast_neighbor", 33, OptionFlags.None, s_offOn, 0, 1, s_lacpModes, false, o => NameOf("broadcast_neighbor", o.BroadcastNeighbor), (o, v, _) => { o.BroadcastNeighbor = (int)v.Number; return null; }),
        new("lacp_strict", 34, OptionFlags.None, s_offOn, 0, 1, s_lacpModes, false, o => NameOf("lacp_strict", o.LacpStrict), (o, v, _) => { o.LacpStrict = (int)v.Number; return null; }),
        new("tx_queues", 40, OptionFlags.CreateOnly, null, 1, 255, null, false, o => Num(o.TxQueues), (o, v, _) => { o.TxQueues = (int)v.Number; return null; }),
        new("max_bonds", 41, OptionFlags.ModuleOnly, null, 0, IntMax, null, false, _ => "", (_, _, _) => null),
    ];

    private static readonly Dictionary<string, OptionDefinition> s_byName = BuildIndex();

    /// <summary>Option names in the order `status --json` and the README list them.</summary>
    public static IEnumerable<string> Names => s_definitions.Select(d => d.Name);

    /// <summary>The iproute2 spelling and the sysfs spelling name the same option.</summary>
    public static string Canonical(string name)
    {
        string n = name.Trim().ToLowerInvariant().Replace('-', '_');
        return n switch
        {
            "peer_notify_delay" => "peer_notif_delay",
            _ => n,
        };
    }

    public static bool IsKnown(string name) => s_byName.ContainsKey(Canonical(name)) || Canonical(name) == "active_slave";

    public static bool IsModuleOnly(string name) => HasFlag(name, OptionFlags.ModuleOnly);

    public static bool IsCreateOnly(string name) => HasFlag(name, OptionFlags.CreateOnly);

    private static bool HasFlag(string name, OptionFlags flag) =>
        s_byName.TryGetValue(Canonical(name), out OptionDefinition? d) && d.Flags.HasFlag(flag);

    /// <summary>Where an option falls in the kernel's netlink order (unknown names last).</summary>
    public static int Order(string name) => s_byName.TryGetValue(Canonical(name), out OptionDefinition? d) ? d.Order : int.MaxValue;

    public static string Show(BondOptions options, string name) => s_byName[Canonical(name)].Show(options);

    /// <summary>
    /// Applies assignments to a copy of <paramref name="current"/>: all or nothing.
    /// Returns the new options, or null with the reason in <paramref name="error"/>.
    /// </summary>
    public static BondOptions? Apply(BondOptions current, IEnumerable<KeyValuePair<string, string>> assignments,
        OptionContext context, List<string> warnings, out string? error)
    {
        BondOptions next = current.Clone();
        List<(OptionDefinition Def, string Value)> ordered = [];
        foreach (KeyValuePair<string, string> a in assignments)
        {
            if (!s_byName.TryGetValue(Canonical(a.Key), out OptionDefinition? def))
            {
                error = $"unknown option '{a.Key}'";
                return null;
            }
            ordered.Add((def, a.Value));
        }
        foreach ((OptionDefinition def, string value) in ordered.OrderBy(p => p.Def.Order))
        {
            error = SetOne(next, def, value, context, warnings);
            if (error != null)
            {
                return null;
            }
        }
        error = null;
        return next;
    }

    private static string? SetOne(BondOptions options, OptionDefinition def, string text, OptionContext context, List<string> warnings)
    {
        if (!TryParse(def, text, out OptionValue value, out string? parseError))
        {
            return $"option {def.Name}: {parseError}";
        }
        if (def.Modes != null && !def.Modes.Contains(options.Mode))
        {
            return $"option {def.Name}: mode dependency failed, not supported in mode {NameOf("mode", (int)options.Mode)}({(int)options.Mode})";
        }
        if (def.Flags.HasFlag(OptionFlags.NoSlaves) && context.HasMembers)
        {
            return $"option {def.Name}: unable to set because the bond device has slaves";
        }
        if (def.Flags.HasFlag(OptionFlags.IfDown) && context.IsUp)
        {
            return $"option {def.Name}: unable to set because the bond is up";
        }
        string? error = def.Set(options, value, warnings);
        return error == null ? null : $"option {def.Name}: {error}";
    }

    /// <summary>bond_opt_parse(): numeric if all digits, else a value name; "default" picks the default.</summary>
    private static bool TryParse(OptionDefinition def, string text, out OptionValue value, out string? error)
    {
        string t = text.Trim();
        value = new OptionValue(0, t);
        error = null;
        if (def.IsText)
        {
            return true;
        }
        if (t == "default")
        {
            t = DefaultText(def);
        }
        bool numeric = t.Length > 0 && t.All(char.IsAsciiDigit);
        if (def.Values != null)
        {
            foreach ((string name, int v) in def.Values)
            {
                if ((numeric && long.TryParse(t, out long n) && n == v) || (!numeric && name == t))
                {
                    value = new OptionValue(v, name);
                    return true;
                }
            }
            error = $"invalid value '{text}': allowed values are {string.Join(", ", def.Values.Select(p => $"{p.Name}({p.Value})"))}";
            return false;
        }
        if (!numeric || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long number) || number < def.Min || number > def.Max)
        {
            error = $"invalid value '{text}': allowed values {def.Min} - {def.Max}";
            return false;
        }
        value = new OptionValue(number, t);
        return true;
    }

    private static string DefaultText(OptionDefinition def) => def.Show(new BondOptions());

    private static string Num(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The name of an enumerated value, as sysfs prints it without the number.</summary>
    public static string NameOf(string option, int value)
    {
        foreach ((string name, int v) in s_byName[option].Values!)
        {
            if (v == value)
            {
                return name;
            }
        }
        return Num(value);
    }

    private static string? SetMode(BondOptions o, OptionValue v, List<string> warnings)
    {
        BondMode mode = (BondMode)v.Number;
        if (!ImplementedModes.Contains(mode))
        {
            return $"mode {v.Text} is not implemented by this NetBond version (implemented: balance-rr, active-backup, balance-xor, broadcast)";
        }
        // bond_option_mode_set: modes without ARP monitoring fall back to miimon.
        bool usesArp = mode is not (BondMode.Ieee8023ad or BondMode.BalanceTlb or BondMode.BalanceAlb);
        if (!usesArp)
        {
            o.ArpInterval = 0;
            if (o.Miimon == 0)
            {
                o.Miimon = 100;
                warnings.Add("miimon set to 100 ms: the mode needs MII monitoring");
            }
        }
        if (mode == BondMode.BalanceAlb)
        {
            o.TlbDynamicLb = 1;
        }
        o.ArpValidate = 0;
        o.Mode = mode;
        return null;
    }

    private static string? SetMiimon(BondOptions o, OptionValue v, List<string> warnings)
    {
        o.Miimon = (int)v.Number;
        if (o.Miimon != 0 && o.ArpInterval != 0)
        {
            warnings.Add("MII monitoring cannot be used with ARP monitoring - disabling ARP monitoring");
            o.ArpInterval = 0;
            o.ArpValidate = 0;
        }
        return null;
    }

    private static string? SetArpInterval(BondOptions o, OptionValue v, List<string> warnings)
    {
        o.ArpInterval = (int)v.Number;
        if (o.ArpInterval != 0 && o.Miimon != 0)
        {
            warnings.Add("ARP monitoring cannot be used with MII monitoring - disabling MII monitoring");
            o.Miimon = 0;
        }
        return null;
    }

    /// <summary>_bond_option_delay_set: needs miimon, rounds down to a multiple of it, stores ticks.</summary>
    private static string? SetDelay(BondOptions o, OptionValue v, List<string> warnings, string what, Action<int> store)
    {
        if (o.Miimon == 0)
        {
            return $"unable to set {what} as MII monitoring is disabled";
        }
        int ms = (int)v.Number;
        if (ms % o.Miimon != 0)
        {
            warnings.Add($"{what} ({ms}) is not a multiple of miimon ({o.Miimon}), value rounded to {ms / o.Miimon * o.Miimon} ms");
        }
        store(ms / o.Miimon);
        return null;
    }

    private static string? SetPrimary(BondOptions o, OptionValue v, List<string> _)
    {
        string name = v.Text;
        if (name.Length > 15 || name.Contains('/') || name.Any(char.IsWhiteSpace))
        {
            return $"invalid interface name '{name}'";
        }
        o.Primary = name;
        return null;
    }

    private static string? SetActorSystem(BondOptions o, OptionValue v, List<string> _)
    {
        if (!MacAddress.TryParse(v.Text, out MacAddress mac))
        {
            return $"invalid MAC address '{v.Text}'";
        }
        if (mac.IsMulticast)
        {
            return "multicast MAC address is not allowed";
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
        if (text.Length == 0)
        {
            targets.Clear();
            return null;
        }
        if (text[0] is '+' or '-')
        {
            if (!TryParseTarget(text[1..], family, out IPAddress? addr, out string? err))
            {
                return err;
            }
            if (text[0] == '-')
            {
                return targets.Remove(addr!) ? null : $"unable to remove nonexistent target {addr}";
            }
            if (targets.Contains(addr!))
            {
                return $"target {addr} is already present";
            }
            if (targets.Count >= MaxTargets)
            {
                return "target table is full";
            }
            targets.Add(addr!);
            return null;
        }
        List<IPAddress> list = [];
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryParseTarget(part, family, out IPAddress? addr, out string? err))
            {
                return err;
            }
            if (list.Contains(addr!))
            {
                return $"target {addr} is given twice";
            }
            list.Add(addr!);
        }
        if (list.Count > MaxTargets)
        {
            return "target table is full (at most 16 targets)";
        }
        targets.Clear();
        targets.AddRange(list);
        return null;
    }

    private static bool TryParseTarget(string text, AddressFamily family, out IPAddress? addr, out string? error)
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
                error = $"invalid ARP target {addr} specified";
                return false;
            }
        }
        else if (addr.Equals(IPAddress.IPv6Any) || addr.Equals(IPAddress.IPv6Loopback) || addr.IsIPv6Multicast)
        {
            error = $"invalid NS target {addr} specified";
            return false;
        }
        return true;
    }

    private static Dictionary<string, OptionDefinition> BuildIndex()
    {
        Dictionary<string, OptionDefinition> index = [];
        foreach (OptionDefinition d in s_definitions)
        {
            index.Add(d.Name, d);
        }
        return index;
    }
}
