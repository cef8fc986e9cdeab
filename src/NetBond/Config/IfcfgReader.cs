using System.Net;
using NetBond.Core;

namespace NetBond.Config;

/// <summary>
/// Red Hat network-scripts, /etc/sysconfig/network-scripts/ifcfg-*: a bond file (TYPE=Bond or BONDING_OPTS, or
/// the guide's plain ifcfg-bond0 that members point at) with DEVICE, IPADDR, NETMASK or PREFIX, NETWORK,
/// BROADCAST, GATEWAY, ONBOOT, BOOTPROTO, USERCTL, MACADDR, MTU, BONDING_OPTS; member files with MASTER and SLAVE=yes.
/// </summary>
internal static class IfcfgReader
{
    private const string Folder = "/etc/sysconfig/network-scripts";
    private static readonly string[] s_ignoredSuffixes = ["~", ".bak", ".orig", ".rpmnew", ".rpmsave", ".old"];

    private sealed record Value(string Text, SourceLocation Where);

    public static void Read(NetworkConfiguration config)
    {
        string dir = config.PathOf(Folder);
        if (!Directory.Exists(dir))
        {
            return;
        }
        List<(string File, Dictionary<string, Value> Vars)> files = [];
        foreach (string file in Directory.GetFiles(dir, "ifcfg-*").Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file) == "ifcfg-lo" || s_ignoredSuffixes.Any(s => file.EndsWith(s, StringComparison.Ordinal)))
            {
                continue;
            }
            files.Add((file, Parse(config, file)));
        }
        HashSet<string> masters = [.. files.Select(f => Get(f.Vars, "MASTER")?.Text).OfType<string>()];
        foreach ((string file, Dictionary<string, Value> vars) in files)
        {
            string device = Get(vars, "DEVICE")?.Text ?? Path.GetFileName(file)["ifcfg-".Length..];
            bool isBond = Get(vars, "TYPE")?.Text.Equals("bond", StringComparison.OrdinalIgnoreCase) == true
                || Get(vars, "BONDING_OPTS") != null
                || IsYes(Get(vars, "BONDING_MASTER"))
                || masters.Contains(device);
            if (isBond)
            {
                ReadBond(config, device, vars, new SourceLocation(file, Get(vars, "DEVICE")?.Where.Line ?? 1));
            }
            if (Get(vars, "MASTER") is { } master && (Get(vars, "SLAVE") is not { } slave || IsYes(slave)))
            {
                config.Declare(master.Text, master.Where).Members.Add(new MemberClaim(device, master.Where));
            }
        }
    }

    private static void ReadBond(NetworkConfiguration config, string device, Dictionary<string, Value> vars, SourceLocation where)
    {
        BondDefinition bond = config.Declare(device, where);
        bond.Description ??= ("Red Hat network-scripts", where);
        bond.OnBoot = Get(vars, "ONBOOT") is not { } onboot || !IsNo(onboot);
        string proto = Get(vars, "BOOTPROTO")?.Text.ToLowerInvariant() ?? "none";
        if (proto is "dhcp" or "bootp")
        {
            bond.Dhcp = true;
        }
        else if (proto is not ("none" or "static" or "" or "no"))
        {
            config.Problem(Get(vars, "BOOTPROTO")!.Where, $"BOOTPROTO '{proto}' is not one of none, static, dhcp, bootp");
        }
        foreach (string suffix in new[] { "", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" })
        {
            if (Get(vars, "IPADDR" + suffix) is { } ip)
            {
                ReadAddress(config, bond, vars, ip, suffix);
            }
        }
        if (Get(vars, "GATEWAY") is { } gw)
        {
            if (AddressParsing.TryIPv4(gw.Text, out IPAddress g))
            {
                bond.Gateway = (g, gw.Where);
            }
            else
            {
                config.Problem(gw.Where, $"GATEWAY '{gw.Text}' is not an IPv4 address");
            }
        }
        if (Get(vars, "MTU") is { } mtu)
        {
            if (int.TryParse(mtu.Text, out int m) && m is >= 68 and <= 65535)
            {
                bond.Mtu = (m, mtu.Where);
            }
            else
            {
                config.Problem(mtu.Where, $"MTU '{mtu.Text}' is not a number from 68 to 65535");
            }
        }
        if (Get(vars, "MACADDR") is { } mac)
        {
            if (MacAddress.TryParse(mac.Text, out MacAddress a) && !a.IsMulticast && !a.IsZero)
            {
                bond.Mac = (a, mac.Where);
            }
            else
            {
                config.Problem(mac.Where, $"MACADDR '{mac.Text}' is not a unicast MAC address");
            }
        }
        if (Get(vars, "BONDING_OPTS") is { } opts)
        {
            foreach (string word in opts.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = word.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    config.Problem(opts.Where, $"BONDING_OPTS: '{word}' is not an option=value pair");
                }
                else if (config.CheckOptionName(word[..eq], opts.Where))
                {
                    bond.InterfaceOptions.Add(new OptionSetting(word[..eq], word[(eq + 1)..], opts.Where));
                }
            }
        }
    }

    private static void ReadAddress(NetworkConfiguration config, BondDefinition bond, Dictionary<string, Value> vars, Value ip, string suffix)
    {
        if (!AddressParsing.TryIPv4(ip.Text, out IPAddress address))
        {
            config.Problem(ip.Where, $"IPADDR{suffix} '{ip.Text}' is not an IPv4 address");
            return;
        }
        int prefix = 24;
        if (Get(vars, "PREFIX" + suffix) is { } p)
        {
            if (!int.TryParse(p.Text, out prefix) || prefix is < 0 or > 32)
            {
                config.Problem(p.Where, $"PREFIX{suffix} '{p.Text}' is not a prefix length from 0 to 32");
                return;
            }
        }
        else if (Get(vars, "NETMASK" + suffix) is { } mask)
        {
            if (AddressParsing.NetmaskToPrefix(mask.Text) is not int m)
            {
                config.Problem(mask.Where, $"NETMASK{suffix} '{mask.Text}' is not a netmask");
                return;
            }
            prefix = m;
        }
        else
        {
            // initscripts' ipcalc fallback: the classful mask; the guide's files always give one.
            byte first = address.GetAddressBytes()[0];
            prefix = first < 128 ? 8 : first < 192 ? 16 : 24;
        }
        if (suffix.Length == 0 && Get(vars, "NETWORK") is { } net)
        {
            if (!AddressParsing.TryIPv4(net.Text, out IPAddress n) || !n.Equals(AddressParsing.Network(address, prefix)))
            {
                config.Problem(net.Where, $"NETWORK '{net.Text}' does not match IPADDR {address}/{prefix}");
                return;
            }
        }
        IPAddress? broadcast = null;
        if (suffix.Length == 0 && Get(vars, "BROADCAST") is { } b)
        {
            if (!AddressParsing.TryIPv4(b.Text, out IPAddress bc))
            {
                config.Problem(b.Where, $"BROADCAST '{b.Text}' is not an IPv4 address");
                return;
            }
            broadcast = bc;
        }
        bond.Addresses.Add(new AddressSetting(address, prefix, broadcast, ip.Where));
    }

    private static Dictionary<string, Value> Parse(NetworkConfiguration config, string file)
    {
        Dictionary<string, Value> vars = [];
        string[] lines = ConfigFiles.ReadLines(config, file);
        for (int i = 0; i < lines.Length; i++)
        {
            SourceLocation where = new(file, i + 1);
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !line[..eq].All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                config.Problem(where, $"expected KEY=value, found '{line}'");
                continue;
            }
            if (!ShellWords.TryParseValue(line[(eq + 1)..], out string value, out string? error))
            {
                config.Problem(where, $"{line[..eq]}: {error}");
                continue;
            }
            vars[line[..eq]] = new Value(value, where);
        }
        return vars;
    }

    private static Value? Get(Dictionary<string, Value> vars, string key) => vars.GetValueOrDefault(key);

    private static bool IsYes(Value? v) => v != null && v.Text.ToLowerInvariant() is "yes" or "y" or "true" or "1";

    private static bool IsNo(Value v) => v.Text.ToLowerInvariant() is "no" or "n" or "false" or "0";
}
