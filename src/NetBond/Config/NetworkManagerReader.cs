using System.Net;
using System.Net.Sockets;
using NetBond.Core;

namespace NetBond.Config;

/// <summary>
/// NetworkManager keyfiles, *.nmconnection in /etc, /run and /usr/lib NetworkManager/system-connections (a file
/// name seen in an earlier folder hides the same name in a later one): a bond connection ([connection]
/// type=bond, interface-name, autoconnect; [bond] with the kernel's option names; [ipv4]/[ipv6] method, address1…
/// with an optional ",gateway", gateway; [ethernet] mtu and cloned-mac-address) and its ports (controller= or
/// master=, naming the bond's interface, connection id or uuid, with port-type= or slave-type=bond).
/// </summary>
internal static class NetworkManagerReader
{
    public const string Format = "NetworkManager";

    private static readonly string[] s_folders =
        ["/etc/NetworkManager/system-connections", "/run/NetworkManager/system-connections", "/usr/lib/NetworkManager/system-connections"];

    private sealed record Connection(string File, List<IniEntry> Entries)
    {
        public IniEntry? Get(string section, string key) => Entries.Last(section, key);
    }

    public static void Read(NetworkConfiguration config)
    {
        List<Connection> connections = [.. ConfigFiles.Shadowed(config, s_folders, "*.nmconnection").Select(f => new Connection(f, IniFile.Read(config, f)))];
        Dictionary<string, BondDefinition> bonds = [];
        Dictionary<string, string> namesByIdOrUuid = [];
        foreach (Connection c in connections.Where(c => c.Get("connection", "type")?.Value == "bond"))
        {
            BondDefinition? bond = ReadBond(config, c);
            if (bond == null)
            {
                continue;
            }
            if (!bonds.TryAdd(bond.Name, bond))
            {
                config.Problem(bond.DeclaredAt, $"{bond.Name} is described by two NetworkManager connections ({bonds[bond.Name].DeclaredAt.File} and this one)");
                continue;
            }
            foreach (string key in new[] { "id", "uuid" })
            {
                if (c.Get("connection", key) is { } v)
                {
                    namesByIdOrUuid.TryAdd(v.Value, bond.Name);
                }
            }
        }
        foreach (Connection c in connections)
        {
            IniEntry? controller = c.Get("connection", "controller") ?? c.Get("connection", "master");
            string? portType = (c.Get("connection", "port-type") ?? c.Get("connection", "slave-type"))?.Value;
            if (controller == null || portType != "bond")
            {
                continue;
            }
            if (c.Get("connection", "interface-name") is not { } port)
            {
                config.Problem(controller.Where, "a bond port connection needs interface-name");
                continue;
            }
            string bondName = namesByIdOrUuid.GetValueOrDefault(controller.Value, controller.Value);
            MemberClaim claim = new(port.Value, controller.Where);
            if (bonds.TryGetValue(bondName, out BondDefinition? bond))
            {
                bond.Members.Add(claim);
            }
            else
            {
                config.Declare(bondName, controller.Where).Members.Add(claim);
            }
        }
        foreach (BondDefinition bond in bonds.Values)
        {
            config.Describe(bond);
        }
    }

    private static BondDefinition? ReadBond(NetworkConfiguration config, Connection c)
    {
        if (c.Get("connection", "interface-name") is not { } name)
        {
            config.Problem(c.Get("connection", "type")!.Where, "a bond connection needs interface-name");
            return null;
        }
        BondDefinition bond = new(name.Value, name.Where) { Description = (Format, name.Where) };
        bond.OnBoot = c.Get("connection", "autoconnect") is not { } auto || IsTrue(auto.Value);
        foreach (IniEntry e in c.Entries)
        {
            switch (e.Section)
            {
                case "bond" when config.CheckOptionName(e.Key, e.Where):
                    bond.InterfaceOptions.Add(new OptionSetting(e.Key, e.Value, e.Where));
                    break;
                case "ipv4" or "ipv6":
                    ReadIp(config, bond, e);
                    break;
                case "ethernet" when e.Key == "mtu":
                    if (int.TryParse(e.Value, out int mtu) && mtu is >= 68 and <= 65535)
                    {
                        bond.Mtu = (mtu, e.Where);
                    }
                    else if (e.Value != "0")
                    {
                        config.Problem(e.Where, $"mtu '{e.Value}' is not a number from 68 to 65535");
                    }
                    break;
                case "ethernet" when e.Key == "cloned-mac-address":
                    if (MacAddress.TryParse(e.Value, out MacAddress mac) && !mac.IsMulticast && !mac.IsZero)
                    {
                        bond.Mac = (mac, e.Where);
                    }
                    else if (e.Value is not ("preserve" or "permanent"))
                    {
                        config.Problem(e.Where, $"cloned-mac-address '{e.Value}': NetBond takes a unicast MAC, preserve or permanent");
                    }
                    break;
            }
        }
        return bond;
    }

    /// <summary>method (auto = DHCP, manual, disabled, ignore, link-local), addressN=ADDR/PREFIX[,GATEWAY], gateway.</summary>
    private static void ReadIp(NetworkConfiguration config, BondDefinition bond, IniEntry e)
    {
        bool v6 = e.Section == "ipv6";
        if (e.Key == "method")
        {
            if (e.Value is "auto" or "dhcp")
            {
                bond.Dhcp |= !v6 || e.Value == "dhcp";
            }
            else if (e.Value is not ("manual" or "disabled" or "ignore" or "link-local"))
            {
                config.Problem(e.Where, $"{e.Section}.method '{e.Value}': NetBond takes auto, manual, disabled, ignore or link-local");
            }
            return;
        }
        string? gateway = null;
        if (System.Text.RegularExpressions.Regex.IsMatch(e.Key, "^address(es)?[0-9]+$"))
        {
            string[] parts = e.Value.Split(',', 2);
            if (!AddressParsing.TryCidr(parts[0], out IPAddress address, out int prefix) || (address.AddressFamily == AddressFamily.InterNetworkV6) != v6)
            {
                config.Problem(e.Where, $"{e.Key} '{e.Value}' is not an {(v6 ? "IPv6" : "IPv4")} ADDRESS/PREFIX");
                return;
            }
            bond.Addresses.Add(new AddressSetting(address, prefix, null, e.Where));
            gateway = parts.Length > 1 ? parts[1] : null;
        }
        else if (e.Key == "gateway")
        {
            gateway = e.Value;
        }
        if (gateway == null || v6)
        {
            return;
        }
        if (AddressParsing.TryIPv4(gateway, out IPAddress gw))
        {
            bond.Gateway = (gw, e.Where);
        }
        else
        {
            config.Problem(e.Where, $"gateway '{gateway}' is not an IPv4 address");
        }
    }

    private static bool IsTrue(string value) => value is "true" or "yes" or "1";
}
