using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using NetBond.Core;

namespace NetBond.Config;

/// <summary>
/// systemd-networkd: a .netdev with [NetDev] Name= Kind=bond and its [Bond] settings (each the kernel option
/// systemd.netdev(5) maps it to, times in systemd's spans), .network files whose [Match] Name= lists members
/// with [Network] Bond= (PrimarySlave=, ActiveSlave=) or names the bond with its Address=, Gateway=, DHCP=,
/// MTUBytes= and MACAddress=. Files come from /etc, /run, /usr/local/lib and /usr/lib systemd/network (a name in
/// an earlier folder hides it in later ones), in file-name order, each followed by its NAME.d/*.conf drop-ins.
/// </summary>
internal static partial class NetworkdReader
{
    public const string Format = "systemd-networkd";

    private static readonly string[] s_folders = ["/etc/systemd/network", "/run/systemd/network", "/usr/local/lib/systemd/network", "/usr/lib/systemd/network"];

    /// <summary>[Bond] key → (kernel option, how its value converts).</summary>
    private static readonly Dictionary<string, (string Option, ValueKind Kind)> s_bondKeys = new()
    {
        ["Mode"] = ("mode", ValueKind.Text),
        ["TransmitHashPolicy"] = ("xmit_hash_policy", ValueKind.Text),
        ["LACPTransmitRate"] = ("lacp_rate", ValueKind.Text),
        ["MIIMonitorSec"] = ("miimon", ValueKind.Milliseconds),
        ["PeerNotifyDelaySec"] = ("peer_notif_delay", ValueKind.Milliseconds),
        ["UpDelaySec"] = ("updelay", ValueKind.Milliseconds),
        ["DownDelaySec"] = ("downdelay", ValueKind.Milliseconds),
        ["LearnPacketIntervalSec"] = ("lp_interval", ValueKind.Seconds),
        ["AdSelect"] = ("ad_select", ValueKind.Text),
        ["AdActorSystemPriority"] = ("ad_actor_sys_prio", ValueKind.Text),
        ["AdUserPortKey"] = ("ad_user_port_key", ValueKind.Text),
        ["AdActorSystem"] = ("ad_actor_system", ValueKind.Text),
        ["FailOverMACPolicy"] = ("fail_over_mac", ValueKind.Text),
        ["ARPValidate"] = ("arp_validate", ValueKind.Text),
        ["ARPIntervalSec"] = ("arp_interval", ValueKind.Milliseconds),
        ["ARPIPTargets"] = ("arp_ip_target", ValueKind.List),
        ["ARPAllTargets"] = ("arp_all_targets", ValueKind.Text),
        ["ARPMissedMax"] = ("arp_missed_max", ValueKind.Text),
        ["PrimaryReselectPolicy"] = ("primary_reselect", ValueKind.Text),
        ["ResendIGMP"] = ("resend_igmp", ValueKind.Text),
        ["PacketsPerSlave"] = ("packets_per_slave", ValueKind.Text),
        ["GratuitousARP"] = ("num_grat_arp", ValueKind.Text),
        ["AllSlavesActive"] = ("all_slaves_active", ValueKind.Boolean),
        ["DynamicTransmitLoadBalancing"] = ("tlb_dynamic_lb", ValueKind.Boolean),
        ["MinLinks"] = ("min_links", ValueKind.Text),
    };

    private enum ValueKind
    {
        Text,
        Milliseconds,
        Seconds,
        Boolean,
        List,
    }

    public static void Read(NetworkConfiguration config)
    {
        Dictionary<string, string> files = [];
        foreach (string folder in s_folders.Select(config.PathOf).Where(Directory.Exists))
        {
            foreach (string file in Directory.GetFiles(folder).Where(f => f.EndsWith(".netdev", StringComparison.Ordinal) || f.EndsWith(".network", StringComparison.Ordinal)))
            {
                files.TryAdd(Path.GetFileName(file), file);
            }
        }
        List<(string Name, List<IniEntry> Entries)> units = [.. files.OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => (f.Key, WithDropIns(config, f.Key, IniFile.Read(config, f.Value))))];
        Dictionary<string, BondDefinition> bonds = [];
        foreach ((string name, List<IniEntry> entries) in units.Where(u => u.Name.EndsWith(".netdev", StringComparison.Ordinal)))
        {
            if (Last(entries, "NetDev", "Kind")?.Value == "bond" && ReadNetDev(config, entries) is { } bond && !bonds.TryAdd(bond.Name, bond))
            {
                config.Problem(bond.DeclaredAt, $"{bond.Name} is made by two .netdev files ({bonds[bond.Name].DeclaredAt.File} and this one)");
            }
        }
        // networkd applies to a link the first .network file, in name order, whose [Match] names it.
        HashSet<string> matched = [];
        foreach ((string name, List<IniEntry> entries) in units.Where(u => u.Name.EndsWith(".network", StringComparison.Ordinal)))
        {
            foreach (string link in MatchedNames(config, entries).Where(matched.Add))
            {
                ReadNetwork(config, bonds, link, entries);
            }
        }
        foreach (BondDefinition bond in bonds.Values)
        {
            config.Describe(bond);
        }
    }

    /// <summary>The unit's entries, then those of NAME.d/*.conf in every folder (a drop-in name in an earlier folder hides later ones), in name order.</summary>
    private static List<IniEntry> WithDropIns(NetworkConfiguration config, string name, List<IniEntry> entries)
    {
        Dictionary<string, string> dropIns = [];
        foreach (string dir in s_folders.Select(f => config.PathOf($"{f}/{name}.d")).Where(Directory.Exists))
        {
            foreach (string file in Directory.GetFiles(dir, "*.conf"))
            {
                dropIns.TryAdd(Path.GetFileName(file), file);
            }
        }
        foreach (string file in dropIns.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => d.Value))
        {
            entries.AddRange(IniFile.Read(config, file));
        }
        return entries;
    }

    private static IniEntry? Last(List<IniEntry> entries, string section, string key) =>
        entries.LastOrDefault(e => e.Section == section && e.Key == key);

    private static BondDefinition? ReadNetDev(NetworkConfiguration config, List<IniEntry> entries)
    {
        if (Last(entries, "NetDev", "Name") is not { } name)
        {
            config.Problem(Last(entries, "NetDev", "Kind")!.Where, "a bond .netdev needs [NetDev] Name=");
            return null;
        }
        BondDefinition bond = new(name.Value, name.Where) { Description = (Format, name.Where), OnBoot = true };
        foreach (IniEntry e in entries)
        {
            if (e.Section == "NetDev")
            {
                ReadLink(config, bond, e);
            }
            else if (e.Section == "Bond")
            {
                if (!s_bondKeys.TryGetValue(e.Key, out (string Option, ValueKind Kind) map))
                {
                    config.Problem(e.Where, $"unknown [Bond] setting '{e.Key}'");
                }
                else if (Convert(e.Value, map.Kind) is { } value)
                {
                    bond.InterfaceOptions.Add(new OptionSetting(map.Option, value, e.Where));
                }
                else
                {
                    config.Problem(e.Where, $"{e.Key}='{e.Value}' is not {Describe(map.Kind)}");
                }
            }
        }
        return bond;
    }

    /// <summary>[Match] Name=: the interface names it lists; NetBond needs them spelled out, not as patterns.</summary>
    private static IEnumerable<string> MatchedNames(NetworkConfiguration config, List<IniEntry> entries)
    {
        foreach (IniEntry e in entries.Where(e => e.Section == "Match" && e.Key == "Name"))
        {
            foreach (string n in e.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (n.IndexOfAny(['*', '?', '[', '!']) >= 0)
                {
                    if (entries.Any(x => x.Section == "Network" && x.Key == "Bond"))
                    {
                        config.Problem(e.Where, $"Name={n} is a pattern: NetBond needs each member's name");
                    }
                    continue;
                }
                yield return n;
            }
        }
    }

    /// <summary>A .network for one link: a member (Bond=) or the bond itself (addresses, gateway, DHCP, MTU, MAC).</summary>
    private static void ReadNetwork(NetworkConfiguration config, Dictionary<string, BondDefinition> bonds, string link, List<IniEntry> entries)
    {
        if (Last(entries, "Network", "Bond") is { } master)
        {
            MemberClaim claim = new(link, master.Where);
            BondDefinition bond = bonds.GetValueOrDefault(master.Value) ?? config.Declare(master.Value, master.Where);
            bond.Members.Add(claim);
            foreach ((string key, string option) in new[] { ("PrimarySlave", "primary"), ("ActiveSlave", "active_slave") })
            {
                if (Last(entries, "Network", key) is { } flag && Convert(flag.Value, ValueKind.Boolean) == "1")
                {
                    bond.InterfaceOptions.Add(new OptionSetting(option, link, flag.Where));
                }
            }
            return;
        }
        if (!bonds.TryGetValue(link, out BondDefinition? self))
        {
            return;
        }
        foreach (IniEntry e in entries)
        {
            switch ((e.Section, e.Key))
            {
                case ("Network" or "Address", "Address"):
                    if (AddressParsing.TryCidr(e.Value, out IPAddress address, out int prefix))
                    {
                        self.Addresses.Add(new AddressSetting(address, prefix, null, e.Where));
                    }
                    else
                    {
                        config.Problem(e.Where, $"Address='{e.Value}' is not an ADDRESS/PREFIX");
                    }
                    break;
                case ("Network" or "Route", "Gateway"):
                    if (AddressParsing.TryIPv4(e.Value, out IPAddress gw))
                    {
                        self.Gateway = (gw, e.Where);
                    }
                    else if (!IPAddress.TryParse(e.Value, out IPAddress? v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                    {
                        config.Problem(e.Where, $"Gateway='{e.Value}' is not an address");
                    }
                    break;
                case ("Network", "DHCP"):
                    self.Dhcp |= e.Value is "yes" or "true" or "ipv4" or "1" or "on";
                    break;
                case ("Link", _):
                    ReadLink(config, self, e);
                    break;
            }
        }
    }

    /// <summary>MTUBytes= and MACAddress=, in [NetDev] or the bond's [Link].</summary>
    private static void ReadLink(NetworkConfiguration config, BondDefinition bond, IniEntry e)
    {
        if (e.Key == "MTUBytes")
        {
            if (int.TryParse(e.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int mtu) && mtu is >= 68 and <= 65535)
            {
                bond.Mtu = (mtu, e.Where);
            }
            else
            {
                config.Problem(e.Where, $"MTUBytes='{e.Value}' is not a number from 68 to 65535");
            }
        }
        else if (e.Key == "MACAddress")
        {
            if (MacAddress.TryParse(e.Value, out MacAddress mac) && !mac.IsMulticast && !mac.IsZero)
            {
                bond.Mac = (mac, e.Where);
            }
            else
            {
                config.Problem(e.Where, $"MACAddress='{e.Value}' is not a unicast MAC address");
            }
        }
    }

    private static string? Convert(string value, ValueKind kind) => kind switch
    {
        ValueKind.Milliseconds => TimeSpanMs(value)?.ToString(CultureInfo.InvariantCulture),
        ValueKind.Seconds => TimeSpanMs(value) is long ms ? (ms / 1000).ToString(CultureInfo.InvariantCulture) : null,
        ValueKind.Boolean => value.ToLowerInvariant() switch
        {
            "1" or "yes" or "true" or "on" => "1",
            "0" or "no" or "false" or "off" => "0",
            _ => null,
        },
        ValueKind.List => string.Join(",", value.Split(' ', StringSplitOptions.RemoveEmptyEntries)),
        _ => value,
    };

    private static string Describe(ValueKind kind) => kind switch
    {
        ValueKind.Milliseconds or ValueKind.Seconds => "a time span (such as 100ms, 1s, 2min)",
        ValueKind.Boolean => "a boolean",
        _ => "valid",
    };

    /// <summary>A systemd time span (systemd.time(7)): number-unit pairs, summed; a bare number is seconds (or <paramref name="bareUnitMs"/>).</summary>
    public static long? TimeSpanMs(string text, double bareUnitMs = 1000)
    {
        MatchCollection parts = TimeSpanPart().Matches(text);
        if (parts.Count == 0 || string.Concat(parts.Select(p => p.Value)).Replace(" ", "", StringComparison.Ordinal) != text.Replace(" ", "", StringComparison.Ordinal))
        {
            return null;
        }
        double ms = 0;
        foreach (Match p in parts)
        {
            double n = double.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture);
            ms += n * p.Groups[2].Value switch
            {
                "us" or "usec" => 0.001,
                "ms" or "msec" => 1,
                "" => bareUnitMs,
                "s" or "sec" or "second" or "seconds" => 1000,
                "m" or "min" or "minute" or "minutes" => 60_000,
                "h" or "hr" or "hour" or "hours" => 3_600_000,
                _ => double.NaN,
            };
        }
        return double.IsNaN(ms) || ms > int.MaxValue ? null : (long)ms;
    }

    [GeneratedRegex(@"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)")]
    private static partial Regex TimeSpanPart();
}
