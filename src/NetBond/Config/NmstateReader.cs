using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NetBond.Core;
using YamlDotNet.RepresentationModel;
using static NetBond.Config.YamlText;

namespace NetBond.Config;

/// <summary>
/// nmstate's desired state (nmstatectl, kubernetes-nmstate), for `netbond apply`: `interfaces:` entries of
/// `type: bond` with `state: up` (the default) or `absent`/`down`, `link-aggregation` (`mode`, `options` by the
/// kernel's names, `port` — or `ports`, or the older `slaves` — and `ports-config` with each port's `priority` and
/// `queue-id`), `mtu`, `mac-address`, and `ipv4`/`ipv6` with `enabled`, `dhcp` and `address` (`ip`,
/// `prefix-length`). A family not mentioned keeps its addresses, as nmstate leaves what its state omits; other
/// interface types and settings are nmstate's own and are noted, not refused.
/// </summary>
internal static class NmstateReader
{
    public const string Format = "nmstate";

    private static readonly string[] s_ignored =
    [
        "description", "lldp", "ethtool", "controller", "profile-name", "accept-all-mac-addresses", "copy-mac-from",
        "identifier", "min-mtu", "max-mtu", "wait-ip", "mptcp", "dispatch", "permanent-mac-address", "driver", "index",
    ];

    public static void Read(NetworkConfiguration config, string file, string text)
    {
        YamlNode? root = YamlText.Load(config, file, text);
        if (config.Problems.Count > 0)
        {
            return;
        }
        if (Child(root, "interfaces") is not YamlSequenceNode interfaces)
        {
            config.Problem(new SourceLocation(file, 1), "an nmstate state has a list of interfaces: 'interfaces:'");
            return;
        }
        foreach (YamlNode entry in interfaces.Children)
        {
            SourceLocation where = At(file, entry);
            string? name = Text(Child(entry, "name"));
            string type = Text(Child(entry, "type")) ?? "";
            if (name == null || !BondRegistry.IsValidName(name))
            {
                config.Problem(where, $"an interface needs a valid name{(name == null ? "" : $", not '{name}'")}");
                continue;
            }
            if (type != "bond")
            {
                config.Note(where, $"{name}: type '{type}' is not a bond; left to others");
                continue;
            }
            switch (Text(Child(entry, "state")) ?? "up")
            {
                case "up":
                    ReadBond(config, file, name, (YamlMappingNode)entry, where);
                    break;
                case "absent" or "down":
                    config.Absent.Add((name, where));
                    break;
                case var other:
                    config.Problem(where, $"{name}: state '{other}' is not up, down or absent");
                    break;
            }
        }
        foreach ((string name, SourceLocation where) in config.Absent.Where(a => config.Find(a.Name) != null))
        {
            config.Problem(where, $"{name} is both up and absent");
        }
    }

    private static void ReadBond(NetworkConfiguration config, string file, string name, YamlMappingNode entry, SourceLocation where)
    {
        BondDefinition bond = new(name, where) { Description = (Format, where), OnBoot = true, AddressFamilies = [] };
        foreach ((YamlNode k, YamlNode v) in entry.Children)
        {
            SourceLocation at = At(file, k);
            switch (Text(k))
            {
                case "name" or "type" or "state":
                    break;
                case "mtu":
                    if (int.TryParse(Text(v), NumberStyles.None, CultureInfo.InvariantCulture, out int mtu) && mtu is >= 68 and <= 65535)
                    {
                        bond.Mtu = (mtu, at);
                    }
                    else
                    {
                        config.Problem(at, $"{name}: mtu '{Text(v)}' is not a number from 68 to 65535");
                    }
                    break;
                case "mac-address":
                    if (MacAddress.TryParse(Text(v) ?? "", out MacAddress mac) && !mac.IsMulticast && !mac.IsZero)
                    {
                        bond.Mac = (mac, at);
                    }
                    else
                    {
                        config.Problem(at, $"{name}: mac-address '{Text(v)}' is not a unicast MAC address");
                    }
                    break;
                case "ipv4":
                    ReadAddresses(config, file, bond, v, AddressFamily.InterNetwork);
                    break;
                case "ipv6":
                    ReadAddresses(config, file, bond, v, AddressFamily.InterNetworkV6);
                    break;
                case "link-aggregation" when v is YamlMappingNode aggregation:
                    ReadAggregation(config, file, bond, aggregation);
                    break;
                case "link-aggregation":
                    config.Problem(at, $"{name}: link-aggregation is a mapping (mode, options, port)");
                    break;
                case var key when s_ignored.Contains(key):
                    config.Note(at, $"{name}: {key}: nmstate's own; ignored");
                    break;
                case var key:
                    config.Problem(at, $"{name}: '{key}' is not a setting of a bond NetBond knows");
                    break;
            }
        }
        if (!bond.InterfaceOptions.Exists(o => o.Name == "mode"))
        {
            config.Problem(where, $"{name}: link-aggregation: mode is missing");
        }
        config.Describe(bond);
    }

    private static void ReadAggregation(NetworkConfiguration config, string file, BondDefinition bond, YamlMappingNode aggregation)
    {
        foreach ((YamlNode k, YamlNode v) in aggregation.Children)
        {
            SourceLocation at = At(file, k);
            switch (Text(k))
            {
                case "mode" when Text(v) is { } mode:
                    bond.InterfaceOptions.Add(new OptionSetting("mode", mode, at));
                    break;
                case "options" when v is YamlMappingNode options:
                    foreach ((YamlNode ok, YamlNode ov) in options.Children)
                    {
                        string option = Text(ok) ?? "";
                        string? value = ov is YamlSequenceNode list ? string.Join(",", list.Children.Select(Text)) : Text(ov);
                        if (config.CheckOptionName(option, At(file, ok)))
                        {
                            bond.InterfaceOptions.Add(new OptionSetting(option, value ?? "", At(file, ok)));
                        }
                    }
                    break;
                case "port" or "ports" or "slaves" when v is YamlSequenceNode ports:
                    foreach (YamlNode p in ports.Children)
                    {
                        bond.Members.Add(new MemberClaim(Text(p) ?? "", At(file, p)));
                    }
                    break;
                case "ports-config" when v is YamlSequenceNode configs:
                    foreach (YamlNode c in configs.Children)
                    {
                        string port = Text(Child(c, "name")) ?? "";
                        foreach ((string key, string option) in new[] { ("priority", "prio"), ("queue-id", "queue_id") })
                        {
                            if (Text(Child(c, key)) is { } value)
                            {
                                bond.InterfaceOptions.Add(new OptionSetting(option, $"{port}:{value}", At(file, c)));
                            }
                        }
                    }
                    break;
                case var key:
                    config.Problem(at, $"{bond.Name}: link-aggregation: '{key}' is not mode, options, port or ports-config (or not written as one)");
                    break;
            }
        }
    }

    /// <summary>ipv4/ipv6: `enabled: false` removes the family's addresses, `dhcp: true` leaves them to a DHCP client.</summary>
    private static void ReadAddresses(NetworkConfiguration config, string file, BondDefinition bond, YamlNode node, AddressFamily family)
    {
        bond.AddressFamilies!.Add(family);
        if (Text(Child(node, "dhcp")) == "true")
        {
            bond.Dhcp = true;
        }
        if (Text(Child(node, "enabled")) == "false")
        {
            return;
        }
        foreach (YamlNode a in (Child(node, "address") as YamlSequenceNode)?.Children ?? [])
        {
            string ip = Text(Child(a, "ip")) ?? "";
            if (IPAddress.TryParse(ip, out IPAddress? address) && address.AddressFamily == family
                && int.TryParse(Text(Child(a, "prefix-length")), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix)
                && prefix <= (family == AddressFamily.InterNetwork ? 32 : 128))
            {
                bond.Addresses.Add(new AddressSetting(address, prefix, null, At(file, a)));
            }
            else
            {
                config.Problem(At(file, a), $"{bond.Name}: an address is ip (of {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")}) and prefix-length");
            }
        }
    }

    private static string? Text(YamlNode? node) => (node as YamlScalarNode)?.Value;
}
