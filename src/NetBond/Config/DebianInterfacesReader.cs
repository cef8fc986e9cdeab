using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using NetBond.Core;

namespace NetBond.Config;

/// <summary>
/// Debian's /etc/network/interfaces as ifupdown and the ifenslave package read it: `auto` lines, `source` and
/// `source-directory` includes, `iface bondN inet static|dhcp|manual` stanzas with address (CIDR or with
/// netmask), gateway, broadcast, mtu, hwaddress and every bond-* option (dashes and underscores alike),
/// bond-slaves on the bond or bond-master on its members.
/// </summary>
internal static partial class DebianInterfacesReader
{
    private const string MainFile = "/etc/network/interfaces";
    private static readonly HashSet<string> s_stanzaWords =
        ["iface", "mapping", "auto", "source", "source-directory", "source-dir", "rename", "template", "no-auto-down", "no-scripts"];

    private sealed record Stanza(string Name, string Family, string Method, SourceLocation Where, List<(string Key, string Value, SourceLocation Where)> Options);

    public static void Read(NetworkConfiguration config)
    {
        string main = config.PathOf(MainFile);
        if (!File.Exists(main))
        {
            return;
        }
        List<Stanza> stanzas = [];
        HashSet<string> auto = [];
        ReadFile(config, main, stanzas, auto, []);

        // A bond is named by a member's bond-master or has bond options in one of its stanzas (inet or inet6).
        HashSet<string> bonds = [.. stanzas.SelectMany(s => s.Options).Where(o => Key(o.Key) is "bond_master").Select(o => o.Value)];
        bonds.UnionWith(stanzas.Where(s => s.Options.Any(o => Key(o.Key) is not "bond_master"
            && (Key(o.Key).StartsWith("bond_", StringComparison.Ordinal) || Key(o.Key) == "slaves"))).Select(s => s.Name));
        foreach (Stanza s in stanzas)
        {
            bool isBond = bonds.Contains(s.Name);
            foreach ((string key, string value, SourceLocation where) in s.Options)
            {
                if (Key(key) == "bond_master")
                {
                    config.Declare(value, where).Members.Add(new MemberClaim(s.Name, where));
                }
            }
            if (isBond)
            {
                ReadBond(config, s, auto.Contains(s.Name));
            }
        }
    }

    private static string Key(string key) => key.ToLowerInvariant().Replace('-', '_');

    private static void ReadBond(NetworkConfiguration config, Stanza s, bool onBoot)
    {
        BondDefinition bond = config.Declare(s.Name, s.Where);
        bond.Description ??= ("/etc/network/interfaces", s.Where);
        bond.OnBoot |= onBoot;
        bool v6 = s.Family == "inet6";
        if (s.Method == "dhcp")
        {
            bond.Dhcp = true;
        }
        else if (s.Method is not ("static" or "manual"))
        {
            config.Problem(s.Where, $"method '{s.Method}' of {s.Name}: NetBond takes static, manual or dhcp");
        }
        string? netmask = s.Options.LastOrDefault(o => Key(o.Key) == "netmask").Value;
        string? broadcast = s.Options.LastOrDefault(o => Key(o.Key) == "broadcast").Value;
        foreach ((string key, string value, SourceLocation where) in s.Options)
        {
            string k = Key(key);
            switch (k)
            {
                case "address":
                    ReadAddress(config, bond, value, netmask, broadcast, v6, where);
                    break;
                case "gateway":
                    if (IPAddress.TryParse(value, out IPAddress? gw) && (gw.AddressFamily == AddressFamily.InterNetworkV6) == v6)
                    {
                        if (!v6)
                        {
                            bond.Gateway = (gw, where);
                        }
                    }
                    else
                    {
                        config.Problem(where, $"gateway '{value}' is not an {(v6 ? "IPv6" : "IPv4")} address");
                    }
                    break;
                case "mtu":
                    if (int.TryParse(value, out int mtu) && mtu is >= 68 and <= 65535)
                    {
                        bond.Mtu = (mtu, where);
                    }
                    else
                    {
                        config.Problem(where, $"mtu '{value}' is not a number from 68 to 65535");
                    }
                    break;
                case "hwaddress":
                    string text = value.StartsWith("ether ", StringComparison.Ordinal) ? value["ether ".Length..].Trim() : value;
                    if (MacAddress.TryParse(text, out MacAddress mac) && !mac.IsMulticast && !mac.IsZero)
                    {
                        bond.Mac = (mac, where);
                    }
                    else
                    {
                        config.Problem(where, $"hwaddress '{value}' is not a unicast MAC address");
                    }
                    break;
                case "bond_slaves" or "slaves":
                    if (value != "none")
                    {
                        foreach (string m in value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                        {
                            bond.Members.Add(new MemberClaim(m, where));
                        }
                    }
                    break;
                case "bond_master":
                    break;
                case var b when b.StartsWith("bond_", StringComparison.Ordinal):
                    string option = b["bond_".Length..];
                    // bond-arp-ip-target takes a space-separated list, the kernel's module form a comma list.
                    string optionValue = option == "arp_ip_target" || option == "ns_ip6_target"
                        ? string.Join(',', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                        : value;
                    if (config.CheckOptionName(option, where))
                    {
                        bond.InterfaceOptions.Add(new OptionSetting(option, optionValue, where));
                    }
                    break;
                default:
                    break; // netmask, broadcast (read above), pre-up, post-down, dns-*: not NetBond's business
            }
        }
    }

    private static void ReadAddress(NetworkConfiguration config, BondDefinition bond, string value, string? netmask, string? broadcast, bool v6, SourceLocation where)
    {
        if (!AddressParsing.TryCidr(value, out IPAddress address, out int prefix) || (address.AddressFamily == AddressFamily.InterNetworkV6) != v6)
        {
            config.Problem(where, $"address '{value}' is not an {(v6 ? "IPv6" : "IPv4")} address");
            return;
        }
        if (prefix < 0)
        {
            if (netmask == null)
            {
                prefix = v6 ? 64 : 24;
            }
            else if (int.TryParse(netmask, out int n) && n >= 0 && n <= (v6 ? 128 : 32))
            {
                prefix = n;
            }
            else if (!v6 && AddressParsing.NetmaskToPrefix(netmask) is int m)
            {
                prefix = m;
            }
            else
            {
                config.Problem(where, $"netmask '{netmask}' is not a netmask");
                return;
            }
        }
        IPAddress? bcast = null;
        if (!v6 && broadcast != null && broadcast is not ("+" or "-"))
        {
            if (!AddressParsing.TryIPv4(broadcast, out IPAddress b))
            {
                config.Problem(where, $"broadcast '{broadcast}' is not an IPv4 address");
                return;
            }
            bcast = b;
        }
        bond.Addresses.Add(new AddressSetting(address, prefix, bcast, where));
    }

    private static void ReadFile(NetworkConfiguration config, string file, List<Stanza> stanzas, HashSet<string> auto, HashSet<string> seen)
    {
        if (!seen.Add(Path.GetFullPath(file)))
        {
            return;
        }
        Stanza? current = null;
        foreach ((string line, int number) in ModuleOptionsReader.LogicalLines(config, file))
        {
            SourceLocation where = new(file, number);
            string[] words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            string first = words[0];
            if (s_stanzaWords.Contains(first) || first.StartsWith("allow-", StringComparison.Ordinal))
            {
                current = null;
            }
            switch (first)
            {
                case "auto" or "allow-auto":
                    auto.UnionWith(words[1..]);
                    break;
                case "iface" when words.Length >= 4:
                    current = new Stanza(words[1], words[2], words[3], where, []);
                    stanzas.Add(current);
                    break;
                case "iface":
                    config.Problem(where, "expected: iface NAME FAMILY METHOD");
                    break;
                case "source" when words.Length >= 2:
                    foreach (string included in Glob(config, Resolve(config, file, words[1])))
                    {
                        ReadFile(config, included, stanzas, auto, seen);
                    }
                    break;
                case "source-directory" or "source-dir" when words.Length >= 2:
                    string dir = Resolve(config, file, words[1]);
                    if (Directory.Exists(dir))
                    {
                        foreach (string f in Directory.GetFiles(dir).Where(f => IncludableName().IsMatch(Path.GetFileName(f))).Order(StringComparer.Ordinal))
                        {
                            ReadFile(config, f, stanzas, auto, seen);
                        }
                    }
                    break;
                default:
                    if (current != null && !s_stanzaWords.Contains(first) && !first.StartsWith("allow-", StringComparison.Ordinal))
                    {
                        current.Options.Add((first, string.Join(' ', words[1..]), where));
                    }
                    else if (current == null && !s_stanzaWords.Contains(first) && !first.StartsWith("allow-", StringComparison.Ordinal))
                    {
                        config.Problem(where, $"'{first}' outside of an iface stanza");
                    }
                    break;
            }
        }
    }

    /// <summary>Absolute paths are read below the root; relative ones next to the including file.</summary>
    private static string Resolve(NetworkConfiguration config, string including, string path) =>
        path.StartsWith('/') ? config.PathOf(path) : Path.Combine(Path.GetDirectoryName(including)!, path);

    private static IEnumerable<string> Glob(NetworkConfiguration config, string pattern)
    {
        string dir = Path.GetDirectoryName(pattern)!;
        string name = Path.GetFileName(pattern);
        if (!name.Contains('*') && !name.Contains('?'))
        {
            return File.Exists(pattern) ? [pattern] : [];
        }
        return Directory.Exists(dir) ? Directory.GetFiles(dir, name).Order(StringComparer.Ordinal) : [];
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]+$")]
    private static partial Regex IncludableName();
}
