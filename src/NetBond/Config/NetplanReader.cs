using System.Globalization;
using System.Net;
using NetBond.Core;
using YamlDotNet.RepresentationModel;
using static NetBond.Config.YamlText;

namespace NetBond.Config;

/// <summary>
/// netplan YAML, /lib, /etc and /run netplan/*.yaml (a file in /run hides one of the same name in /etc, either
/// hides one in /lib), read in file-name order: `network: bonds: NAME:` with interfaces, parameters (netplan's
/// names, mapped to the kernel's), addresses, routes to default (or gateway4), dhcp4/dhcp6, mtu, macaddress;
/// member names through `ethernets:` IDs with set-name or match: name. A later file adds interfaces and
/// addresses and overrides parameters, as netplan merges them. Parsed with YamlDotNet, positions kept.
/// </summary>
internal static class NetplanReader
{
    public const string Format = "netplan";

    private static readonly string[] s_folders = ["/run/netplan", "/etc/netplan", "/lib/netplan"];

    /// <summary>netplan parameter → (kernel option, how its value converts).</summary>
    private static readonly Dictionary<string, (string Option, SettingKind Kind)> s_parameters = new()
    {
        ["mode"] = ("mode", SettingKind.Text),
        ["lacp-rate"] = ("lacp_rate", SettingKind.Text),
        ["mii-monitor-interval"] = ("miimon", SettingKind.Milliseconds),
        ["min-links"] = ("min_links", SettingKind.Text),
        ["transmit-hash-policy"] = ("xmit_hash_policy", SettingKind.Text),
        ["ad-select"] = ("ad_select", SettingKind.Text),
        ["all-slaves-active"] = ("all_slaves_active", SettingKind.Boolean),
        ["all-members-active"] = ("all_slaves_active", SettingKind.Boolean),
        ["arp-interval"] = ("arp_interval", SettingKind.Milliseconds),
        ["arp-ip-targets"] = ("arp_ip_target", SettingKind.List),
        ["arp-validate"] = ("arp_validate", SettingKind.Text),
        ["arp-all-targets"] = ("arp_all_targets", SettingKind.Text),
        ["up-delay"] = ("updelay", SettingKind.Milliseconds),
        ["down-delay"] = ("downdelay", SettingKind.Milliseconds),
        ["fail-over-mac-policy"] = ("fail_over_mac", SettingKind.Text),
        ["gratuitous-arp"] = ("num_grat_arp", SettingKind.Text),
        ["gratuitious-arp"] = ("num_grat_arp", SettingKind.Text),
        ["packets-per-slave"] = ("packets_per_slave", SettingKind.Text),
        ["packets-per-member"] = ("packets_per_slave", SettingKind.Text),
        ["primary-reselect-policy"] = ("primary_reselect", SettingKind.Text),
        ["resend-igmp"] = ("resend_igmp", SettingKind.Text),
        ["learn-packet-interval"] = ("lp_interval", SettingKind.Seconds),
        ["primary"] = ("primary", SettingKind.Text),
    };

    public static void Read(NetworkConfiguration config)
    {
        Dictionary<string, BondDefinition> bonds = [];
        Dictionary<string, string> interfaceNames = [];
        HashSet<string> matchedByMac = [];
        List<(string Bond, YamlScalarNode Member, string File)> members = [];
        foreach (string file in ConfigFiles.Shadowed(config, s_folders, "*.yaml"))
        {
            if (Load(config, file) is not YamlMappingNode root)
            {
                continue;
            }
            YamlMappingNode? network = Child(root, "network") as YamlMappingNode;
            if (Child(network, "ethernets") is YamlMappingNode ethernets)
            {
                foreach ((YamlNode id, YamlNode e) in ethernets.Children)
                {
                    string? name = (Child(e, "set-name") as YamlScalarNode)?.Value ?? (Child(Child(e, "match"), "name") as YamlScalarNode)?.Value;
                    if (id is not YamlScalarNode { Value: { } key })
                    {
                        continue;
                    }
                    if (name != null)
                    {
                        interfaceNames[key] = name;
                    }
                    else if (Child(Child(e, "match"), "macaddress") != null)
                    {
                        matchedByMac.Add(key);
                    }
                }
            }
            if (Child(network, "bonds") is not YamlMappingNode bondsNode)
            {
                continue;
            }
            foreach ((YamlNode key, YamlNode value) in bondsNode.Children)
            {
                SourceLocation where = At(file, key);
                if (Name(config, file, key) is not { } name)
                {
                    continue;
                }
                if (!bonds.TryGetValue(name, out BondDefinition? bond))
                {
                    bond = new BondDefinition(name, where) { Description = (Format, where), OnBoot = true };
                    bonds.Add(name, bond);
                }
                ReadBond(config, bond, file, value, members);
            }
        }
        foreach ((string bond, YamlScalarNode member, string file) in members)
        {
            if (matchedByMac.Contains(member.Value!) && !interfaceNames.ContainsKey(member.Value!))
            {
                config.Problem(At(file, member), $"{member.Value} is matched by MAC address only: give it a set-name, NetBond needs the interface's name");
                continue;
            }
            bonds[bond].Members.Add(new MemberClaim(interfaceNames.GetValueOrDefault(member.Value!, member.Value!), At(file, member)));
        }
        foreach (BondDefinition bond in bonds.Values)
        {
            config.Describe(bond);
        }
    }

    private static YamlNode? Load(NetworkConfiguration config, string file) =>
        YamlText.Load(config, file, string.Join('\n', ConfigFiles.ReadLines(config, file)));

    /// <summary>A mapping key as a name; a key that is a list or a mapping is a problem.</summary>
    private static string? Name(NetworkConfiguration config, string file, YamlNode key)
    {
        if (key is YamlScalarNode { Value: { } name })
        {
            return name;
        }
        config.Problem(At(file, key), "a key must be a plain name");
        return null;
    }

    private static void ReadBond(NetworkConfiguration config, BondDefinition bond, string file, YamlNode node, List<(string, YamlScalarNode, string)> members)
    {
        if (node is not YamlMappingNode map)
        {
            config.Problem(At(file, node), $"bonds: {bond.Name}: a mapping of settings");
            return;
        }
        foreach ((YamlNode k, YamlNode v) in map.Children)
        {
            SourceLocation where = At(file, k);
            if (Name(config, file, k) is not { } key)
            {
                continue;
            }
            switch (key)
            {
                case "interfaces":
                    foreach (YamlScalarNode m in Scalars(config, file, v, key))
                    {
                        members.Add((bond.Name, m, file));
                    }
                    break;
                case "parameters":
                    if (v is YamlMappingNode parameters)
                    {
                        ReadParameters(config, bond, file, parameters);
                    }
                    else
                    {
                        config.Problem(where, $"{bond.Name}: parameters: a mapping of bond parameters");
                    }
                    break;
                case "addresses":
                    foreach (YamlNode a in v is YamlSequenceNode seq ? seq.Children : [v])
                    {
                        // An entry is "ADDR/PREFIX" or a one-key mapping "ADDR/PREFIX: {lifetime, label}".
                        YamlNode text = a is YamlMappingNode one && one.Children.Count == 1 ? one.Children.Keys.First() : a;
                        if (text is YamlScalarNode s && AddressParsing.TryCidr(s.Value!, out IPAddress address, out int prefix))
                        {
                            bond.Addresses.Add(new AddressSetting(address, prefix, null, At(file, a)));
                        }
                        else
                        {
                            config.Problem(At(file, a), "addresses: each entry is ADDRESS/PREFIX");
                        }
                    }
                    break;
                case "routes":
                    foreach (YamlNode r in v is YamlSequenceNode routes ? routes.Children : [])
                    {
                        string? to = (Child(r, "to") as YamlScalarNode)?.Value;
                        if (to is "default" or "0.0.0.0/0" && Child(r, "via") is YamlScalarNode via)
                        {
                            Gateway(config, bond, via.Value!, At(file, via));
                        }
                        else if (to is not ("::/0"))
                        {
                            config.Note(At(file, r), $"{bond.Name}: a route to {to}: NetBond sets only the default route; add it yourself");
                        }
                    }
                    break;
                case "gateway4" when v is YamlScalarNode gw:
                    Gateway(config, bond, gw.Value!, where);
                    break;
                case "dhcp4":
                    bond.Dhcp |= Bool(v) == true;
                    break;
                case "mtu" when v is YamlScalarNode mtuNode:
                    if (int.TryParse(mtuNode.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int mtu) && mtu is >= 68 and <= 65535)
                    {
                        bond.Mtu = (mtu, where);
                    }
                    else
                    {
                        config.Problem(where, $"mtu '{mtuNode.Value}' is not a number from 68 to 65535");
                    }
                    break;
                case "macaddress" when v is YamlScalarNode macNode:
                    if (MacAddress.TryParse(macNode.Value!, out MacAddress mac) && !mac.IsMulticast && !mac.IsZero)
                    {
                        bond.Mac = (mac, where);
                    }
                    else
                    {
                        config.Problem(where, $"macaddress '{macNode.Value}' is not a unicast MAC address");
                    }
                    break;
                case "nameservers" or "dhcp6" or "gateway6" or "accept-ra" or "link-local" or "optional" or "critical" or "renderer":
                    config.Note(where, $"{bond.Name}: {key}: not NetBond's to set (addresses, routes to default and the bond itself are); ignored");
                    break;
                default:
                    config.Problem(where, $"{bond.Name}: '{key}' is not a bond setting NetBond knows");
                    break;
            }
        }
    }

    private static void ReadParameters(NetworkConfiguration config, BondDefinition bond, string file, YamlMappingNode parameters)
    {
        foreach ((YamlNode k, YamlNode v) in parameters.Children)
        {
            SourceLocation where = At(file, k);
            if (Name(config, file, k) is not { } key)
            {
                continue;
            }
            if (!s_parameters.TryGetValue(key, out (string Option, SettingKind Kind) map))
            {
                config.Problem(where, $"{bond.Name}: unknown bond parameter '{key}'");
                continue;
            }
            string? value = map.Kind switch
            {
                SettingKind.List => string.Join(",", Scalars(config, file, v, key).Select(s => s.Value)),
                SettingKind.Boolean => Bool(v) is bool b ? (b ? "1" : "0") : null,
                SettingKind.Milliseconds => v is YamlScalarNode s ? TimeSpans.Milliseconds(s.Value!, bareUnitMs: 1)?.ToString(CultureInfo.InvariantCulture) : null,
                SettingKind.Seconds => v is YamlScalarNode s ? (TimeSpans.Milliseconds(s.Value!) / 1000)?.ToString(CultureInfo.InvariantCulture) : null,
                _ => (v as YamlScalarNode)?.Value,
            };
            if (value == null)
            {
                config.Problem(where, $"{bond.Name}: {key}: '{(v as YamlScalarNode)?.Value ?? v.NodeType.ToString()}' is not {(map.Kind is SettingKind.Boolean ? "true or false" : map.Kind is SettingKind.Text or SettingKind.List ? "a value" : "a time (such as 100, 100ms, 1s)")}");
                continue;
            }
            bond.InterfaceOptions.Add(new OptionSetting(map.Option, value, where));
        }
    }

    private static IEnumerable<YamlScalarNode> Scalars(NetworkConfiguration config, string file, YamlNode node, string key)
    {
        if (node is YamlSequenceNode seq && seq.Children.All(c => c is YamlScalarNode))
        {
            return seq.Children.Cast<YamlScalarNode>();
        }
        config.Problem(At(file, node), $"{key}: a list of names");
        return [];
    }

    private static bool? Bool(YamlNode node) => (node as YamlScalarNode)?.Value?.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "y" => true,
        "false" or "no" or "off" or "n" => false,
        _ => null,
    };

    private static void Gateway(NetworkConfiguration config, BondDefinition bond, string text, SourceLocation where)
    {
        if (AddressParsing.TryIPv4(text, out IPAddress gw))
        {
            bond.Gateway = (gw, where);
        }
        else if (!text.Contains(':', StringComparison.Ordinal))
        {
            config.Problem(where, $"gateway '{text}' is not an IPv4 address");
        }
    }
}
