using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NetBond.Core;

namespace NetBond.Config;

/// <summary>
/// systemd-networkd: a .netdev with [NetDev] Name= Kind=bond and its [Bond] settings (each the kernel option
/// systemd.netdev(5) maps it to, times in systemd's spans), .network files whose [Match] Name= lists members
/// with [Network] Bond= (PrimarySlave=, ActiveSlave=) or names the bond with its Address=, Gateway=, DHCP=,
/// MTUBytes= and MACAddress=. Files come from /etc, /run, /usr/local/lib and /usr/lib systemd/network (a name in
/// an earlier folder hides it in later ones), in file-name order, each followed by its NAME.d/*.conf drop-ins.
/// </summary>
internal static class NetworkdReader
{
    public const string Format = "systemd-networkd";

    private static readonly string[] s_folders = ["/etc/systemd/network", "/run/systemd/network", "/usr/local/lib/systemd/network", "/usr/lib/systemd/network"];

    /// <summary>[Bond] key → (kernel option, how its value converts).</summary>
    private static readonly Dictionary<string, (string Option, SettingKind Kind)> s_bondKeys = new()
    {
        ["Mode"] = ("mode", SettingKind.Text),
        ["TransmitHashPolicy"] = ("xmit_hash_policy", SettingKind.Text),
        ["LACPTransmitRate"] = ("lacp_rate", SettingKind.Text),
        ["MIIMonitorSec"] = ("miimon", SettingKind.Milliseconds),
        ["PeerNotifyDelaySec"] = ("peer_notif_delay", SettingKind.Milliseconds),
        ["UpDelaySec"] = ("updelay", SettingKind.Milliseconds),
        ["DownDelaySec"] = ("downdelay", SettingKind.Milliseconds),
        ["LearnPacketIntervalSec"] = ("lp_interval", SettingKind.Seconds),
        ["AdSelect"] = ("ad_select", SettingKind.Text),
        ["AdActorSystemPriority"] = ("ad_actor_sys_prio", SettingKind.Text),
        ["AdUserPortKey"] = ("ad_user_port_key", SettingKind.Text),
        ["AdActorSystem"] = ("ad_actor_system", SettingKind.Text),
        ["FailOverMACPolicy"] = ("fail_over_mac", SettingKind.Text),
        ["ARPValidate"] = ("arp_validate", SettingKind.Text),
        ["ARPIntervalSec"] = ("arp_interval", SettingKind.Milliseconds),
        ["ARPIPTargets"] = ("arp_ip_target", SettingKind.List),
        ["ARPAllTargets"] = ("arp_all_targets", SettingKind.Text),
        ["ARPMissedMax"] = ("arp_missed_max", SettingKind.Text),
        ["PrimaryReselectPolicy"] = ("primary_reselect", SettingKind.Text),
        ["ResendIGMP"] = ("resend_igmp", SettingKind.Text),
        ["PacketsPerSlave"] = ("packets_per_slave", SettingKind.Text),
        ["GratuitousARP"] = ("num_grat_arp", SettingKind.Text),
        ["AllSlavesActive"] = ("all_slaves_active", SettingKind.Boolean),
        ["DynamicTransmitLoadBalancing"] = ("tlb_dynamic_lb", SettingKind.Boolean),
        ["MinLinks"] = ("min_links", SettingKind.Text),
    };

    public static void Read(NetworkConfiguration config)
    {
        List<(string Name, List<IniEntry> Entries)> units = [.. ConfigFiles.Shadowed(config, s_folders, "*.netdev", "*.network")
            .Select(f => (Path.GetFileName(f), WithDropIns(config, Path.GetFileName(f), IniFile.Read(config, f))))];
        Dictionary<string, BondDefinition> bonds = [];
        foreach ((string name, List<IniEntry> entries) in units.Where(u => u.Name.EndsWith(".netdev", StringComparison.Ordinal)))
        {
            if (entries.Last("NetDev", "Kind")?.Value == "bond" && ReadNetDev(config, entries) is { } bond && !bonds.TryAdd(bond.Name, bond))
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
        foreach (string file in ConfigFiles.Shadowed(config, s_folders.Select(f => $"{f}/{name}.d"), "*.conf"))
        {
            entries.AddRange(IniFile.Read(config, file));
        }
        return entries;
    }

    private static BondDefinition? ReadNetDev(NetworkConfiguration config, List<IniEntry> entries)
    {
        if (entries.Last("NetDev", "Name") is not { } name)
        {
            config.Problem(entries.Last("NetDev", "Kind")!.Where, "a bond .netdev needs [NetDev] Name=");
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
                if (!s_bondKeys.TryGetValue(e.Key, out (string Option, SettingKind Kind) map))
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
        if (entries.Last("Network", "Bond") is { } master)
        {
            MemberClaim claim = new(link, master.Where);
            BondDefinition bond = bonds.GetValueOrDefault(master.Value) ?? config.Declare(master.Value, master.Where);
            bond.Members.Add(claim);
            foreach ((string key, string option) in new[] { ("PrimarySlave", "primary"), ("ActiveSlave", "active_slave") })
            {
                if (entries.Last("Network", key) is { } flag && Convert(flag.Value, SettingKind.Boolean) == "1")
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

    private static string? Convert(string value, SettingKind kind) => kind switch
    {
        SettingKind.Milliseconds => TimeSpans.Milliseconds(value)?.ToString(CultureInfo.InvariantCulture),
        SettingKind.Seconds => TimeSpans.Milliseconds(value) is long ms ? (ms / 1000).ToString(CultureInfo.InvariantCulture) : null,
        SettingKind.Boolean => value.ToLowerInvariant() switch
        {
            "1" or "yes" or "true" or "on" => "1",
            "0" or "no" or "false" or "off" => "0",
            _ => null,
        },
        SettingKind.List => string.Join(",", value.Split(' ', StringSplitOptions.RemoveEmptyEntries)),
        _ => value,
    };

    private static string Describe(SettingKind kind) => kind switch
    {
        SettingKind.Milliseconds or SettingKind.Seconds => "a time span (such as 100ms, 1s, 2min)",
        SettingKind.Boolean => "a boolean",
        _ => "valid",
    };
}
