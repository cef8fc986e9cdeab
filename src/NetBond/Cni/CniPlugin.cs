using System.Collections;
using System.Text;
using System.Text.Json.Nodes;
using NetBond.Linux;
using NetBond.Linux.Interop;

namespace NetBond.Cni;

/// <summary>
/// netbond as a CNI plugin (spec 1.1.0, answering 0.3.x to 1.0.0 configurations too): run with CNI_COMMAND in its
/// environment, it reads the network configuration on stdin and prints nothing but the result or the error JSON.
/// The bond itself lives in the host's daemon like any other, in the container's namespace; the plugin moves the
/// links (unless linksInContainer), delegates addresses to the IPAM plugin and keeps what DEL must put back.
/// </summary>
internal static class CniPlugin
{
    public static int Run()
    {
        Dictionary<string, string> env = [];
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            env[(string)e.Key] = (string?)e.Value ?? "";
        }
        string command = env["CNI_COMMAND"];
        string version = CniConfig.SupportedVersions[^1];
        try
        {
            if (command == "VERSION")
            {
                Console.Out.Write(CniResult.Text(new JsonObject
                {
                    ["cniVersion"] = version,
                    ["supportedVersions"] = new JsonArray([.. CniConfig.SupportedVersions.Select(v => (JsonNode)v)]),
                }));
                return 0;
            }
            if (!ControlClient.IsRoot())
            {
                throw new CniException(CniException.IoFailure, "the netbond plugin must run as root");
            }
            using Stream stdin = Console.OpenStandardInput();
            using MemoryStream buffer = new();
            stdin.CopyTo(buffer);
            CniConfig config = CniConfig.Parse(buffer.ToArray());
            version = config.CniVersion;
            string? output = command switch
            {
                "ADD" => Add(config, env),
                "DEL" => Del(config, env),
                "CHECK" => Check(config, env),
                "STATUS" => Status(config),
                "GC" => Gc(config, env),
                _ => throw new CniException(CniException.InvalidEnvironment, $"CNI_COMMAND '{command}' is not ADD, DEL, CHECK, STATUS, GC or VERSION"),
            };
            Console.Out.Write(output ?? "");
            return 0;
        }
        catch (Exception e) when (e is CniException or NativeException or IOException or UnauthorizedAccessException)
        {
            CniException error = e as CniException ?? new CniException(CniException.IoFailure, e.Message);
            JsonObject answer = new() { ["cniVersion"] = version, ["code"] = error.Code, ["msg"] = error.Message };
            if (error.Details.Length > 0)
            {
                answer["details"] = error.Details;
            }
            Console.Out.Write(CniResult.Text(answer));
            return 1;
        }
    }

    private static string Add(CniConfig c, Dictionary<string, string> env)
    {
        (string containerId, string ifName) = (Require(env, "CNI_CONTAINERID"), Require(env, "CNI_IFNAME"));
        string netnsPath = Require(env, "CNI_NETNS");
        string bond = c.BondName ?? ifName;
        if (CniAttachments.Find(c.NetworkName, containerId, ifName) != null)
        {
            throw CniConfig.Invalid($"container {containerId} already has {ifName} on network {c.NetworkName}");
        }
        using NetworkNamespace container = OpenSandbox(netnsPath);
        List<AttachedLink> hostLinks = c.LinksInContainer ? [] : HostLinks(c);
        using (container.Enter())
        {
            using Linux.Netlink.RtNetlink rt = new();
            if (rt.GetLink(bond) != null)
            {
                throw CniConfig.Invalid($"{bond} already exists in the container");
            }
            if (c.LinksInContainer && c.Links.FirstOrDefault(l => rt.GetLink(l) == null) is { } missing)
            {
                throw CniConfig.Invalid($"link {missing} is not in the container (linksInContainer is true)");
            }
        }
        CniResult? addresses = c.IpamType != null ? CniIpam.Run("ADD", c, env) : null;
        List<string> moved = [];
        bool built = false;
        try
        {
            KernelWaits.Overlapped(hostLinks.Select(link => (Action)(() =>
            {
                using Linux.Netlink.RtNetlink host = new();
                host.MoveToNamespace(host.GetLink(link.Name)!.Index, container.Fd);
                lock (moved)
                {
                    moved.Add(link.Name);
                }
            })));
            CniResult result = c.PrevResult != null ? CniResult.Parse(c.PrevResult, "prevResult") : new CniResult();
            using (container.Enter())
            {
                Daemon(CniException.InvalidConfig, "up-apply", Request(c, bond, addresses?.Ips ?? []).ToJson());
                built = true;
                using Linux.Netlink.RtNetlink rt = new();
                Linux.Netlink.LinkInfo bondLink = rt.GetLink(bond)!;
                foreach (CniRoute route in addresses?.Routes ?? [])
                {
                    AddRoute(rt, bondLink.Index, route, addresses!.Ips);
                }
                int index = result.Interfaces.Count;
                result.Interfaces.Add(new CniInterface(bond, bondLink.Mac.ToString(), netnsPath, bondLink.Mtu));
                foreach (string member in c.Links.Where(l => !result.Interfaces.Exists(i => i.Name == l && i.Sandbox == netnsPath)))
                {
                    result.Interfaces.Add(new CniInterface(member, rt.GetLink(member)!.Mac.ToString(), netnsPath));
                }
                result.Ips.AddRange((addresses?.Ips ?? []).Select(ip => ip with { Interface = index }));
                result.Routes.AddRange(addresses?.Routes ?? []);
                result.Dns = c.Json["dns"] ?? addresses?.Dns ?? result.Dns;
            }
            CniAttachments.Save(new Attachment(containerId, ifName, netnsPath, c.NetworkName, Encoding.UTF8.GetString(c.Raw), hostLinks));
            return result.Render(c.CniVersion);
        }
        catch
        {
            // Everything ADD did, undone: the bond, the links back where they were, the addresses back to the pool.
            if (built)
            {
                using (container.Enter())
                {
                    ControlClient.Ask(["down-apply", bond]);
                }
            }
            ReturnLinks(container, moved, hostLinks);
            if (addresses != null)
            {
                try
                {
                    CniIpam.Run("DEL", c, env);
                }
                catch (CniException)
                {
                }
            }
            throw;
        }
    }

    /// <summary>DEL: idempotent, and complete without the namespace (it may be gone, and the links with it or back on the host).</summary>
    private static string? Del(CniConfig c, Dictionary<string, string> env)
    {
        (string containerId, string ifName) = (Require(env, "CNI_CONTAINERID"), Require(env, "CNI_IFNAME"));
        Attachment? stored = CniAttachments.Find(c.NetworkName, containerId, ifName);
        string? netnsPath = env.GetValueOrDefault("CNI_NETNS") is { Length: > 0 } p ? p : stored?.Netns;
        if (c.IpamType != null)
        {
            CniIpam.Run("DEL", c, env);
        }
        NetworkNamespace? container = null;
        try
        {
            container = netnsPath != null ? NetworkNamespace.Open(netnsPath) : null;
        }
        catch (NativeException)
        {
            // Gone with its container: the daemon lets go of the bonds of a namespace that is deleted.
        }
        using (container)
        {
            if (container != null)
            {
                using (container.Enter())
                {
                    Daemon(CniException.IoFailure, "down-apply", c.BondName ?? ifName);
                }
                if (!c.LinksInContainer)
                {
                    ReturnLinks(container, c.Links, stored?.Links ?? []);
                }
            }
        }
        CniAttachments.Remove(c.NetworkName, containerId, ifName);
        return null;
    }

    /// <summary>CHECK: the bond as configured (options with their defaults, members, MTU, up) with prevResult's addresses.</summary>
    private static string? Check(CniConfig c, Dictionary<string, string> env)
    {
        if (!c.AtLeast("0.4.0"))
        {
            throw new CniException(CniException.IncompatibleVersion, $"CHECK needs cniVersion 0.4.0 or later, not {c.CniVersion}");
        }
        (_, string ifName) = (Require(env, "CNI_CONTAINERID"), Require(env, "CNI_IFNAME"));
        string netnsPath = Require(env, "CNI_NETNS");
        string bond = c.BondName ?? ifName;
        CniResult previous = c.PrevResult != null ? CniResult.Parse(c.PrevResult, "prevResult") : throw CniConfig.Invalid("CHECK needs prevResult");
        using NetworkNamespace container = OpenSandbox(netnsPath);
        if (c.IpamType != null)
        {
            CniIpam.Run("CHECK", c, env);
        }
        int index = previous.Interfaces.FindIndex(i => i.Name == bond);
        if (index < 0)
        {
            throw new CniException(CniException.NotAsConfigured, $"prevResult does not name {bond}");
        }
        using (container.Enter())
        {
            Daemon(CniException.NotAsConfigured, "verify", Request(c, bond, previous.Ips.Where(ip => ip.Interface == index)).ToJson());
        }
        return null;
    }

    private static string? Status(CniConfig c)
    {
        if (!c.AtLeast("1.1.0"))
        {
            throw new CniException(CniException.IncompatibleVersion, $"STATUS needs cniVersion 1.1.0, not {c.CniVersion}");
        }
        Daemon(CniException.NotAvailable, "status");
        return null;
    }

    /// <summary>GC: every attachment of this network that the runtime no longer lists is deleted as its own DEL would.</summary>
    private static string? Gc(CniConfig c, Dictionary<string, string> env)
    {
        if (!c.AtLeast("1.1.0"))
        {
            throw new CniException(CniException.IncompatibleVersion, $"GC needs cniVersion 1.1.0, not {c.CniVersion}");
        }
        List<(string ContainerId, string IfName)> valid = c.ValidAttachments();
        List<string> failed = [];
        foreach (Attachment a in CniAttachments.All(c.NetworkName).Where(a => !valid.Contains((a.ContainerId, a.IfName))))
        {
            Dictionary<string, string> delEnv = new(env)
            {
                ["CNI_COMMAND"] = "DEL",
                ["CNI_CONTAINERID"] = a.ContainerId,
                ["CNI_IFNAME"] = a.IfName,
                ["CNI_NETNS"] = a.Netns,
            };
            try
            {
                Del(CniConfig.Parse(Encoding.UTF8.GetBytes(a.Config)), delEnv);
            }
            catch (Exception e) when (e is CniException or NativeException or IOException)
            {
                failed.Add($"{a.ContainerId}/{a.IfName}: {e.Message}");
            }
        }
        return failed.Count == 0 ? null : throw new CniException(CniException.IoFailure, $"GC could not delete {failed.Count} attachment(s)", string.Join("; ", failed));
    }

    /// <summary>The bond as `up` builds it: options, members, addresses, MTU.</summary>
    private static Config.UpRequest Request(CniConfig c, string bond, IEnumerable<CniIp> addresses)
    {
        string where = $"CNI network {c.NetworkName}";
        return new Config.UpRequest
        {
            Bonds =
            [
                new Config.UpBond
                {
                    Name = bond,
                    Where = where,
                    Options = [.. c.Options.Select(o => new Config.UpSetting { Name = o.Name, Value = o.Value, Where = where })],
                    Members = [.. c.Links.Select(l => new Config.UpSetting { Name = l, Where = where })],
                    Addresses = [.. addresses.Select(a => new Config.UpAddress { Address = a.Address.ToString(), Prefix = a.Prefix, Where = where })],
                    Mtu = c.Mtu is { } mtu ? new Config.UpSetting { Name = "mtu", Value = mtu.ToString(System.Globalization.CultureInfo.InvariantCulture), Where = where } : null,
                },
            ],
        };
    }

    /// <summary>The named links of the host, checked free to move (Ethernet, no master, in no NetBond bond) and as they are now.</summary>
    private static List<AttachedLink> HostLinks(CniConfig c)
    {
        JsonObject status = JsonNode.Parse(Daemon(CniException.TryAgainLater, "status", "--json")) as JsonObject ?? [];
        List<(string Bond, string Member)> taken = [.. (status["bonds"] as JsonArray ?? []).OfType<JsonObject>().SelectMany(b =>
            (b["slaves"] as JsonArray ?? []).OfType<JsonObject>().Select(m => (CniConfig.String(b, "name") ?? "", CniConfig.String(m, "name") ?? ""))
                .Append((CniConfig.String(b, "name") ?? "", CniConfig.String(b, "name") ?? "")))];
        using Linux.Netlink.RtNetlink rt = new();
        List<AttachedLink> links = [];
        foreach (string name in c.Links)
        {
            Linux.Netlink.LinkInfo link = rt.GetLink(name) ?? throw CniConfig.Invalid($"link {name} does not exist on the host (linksInContainer is false)");
            string? problem = taken.Exists(t => t.Member == name) ? $"is already in the NetBond bond {taken.Find(t => t.Member == name).Bond}"
                : link.Type != Linux.Netlink.LinkInfo.ARPHRD_ETHER ? "is not an Ethernet interface"
                : link.Master != 0 ? "already has a master device (a bridge or kernel bond)"
                : null;
            if (problem != null)
            {
                throw CniConfig.Invalid($"link {name} {problem}");
            }
            links.Add(new AttachedLink(name, link.Mtu, link.Mac.ToString(), link.IsUp));
        }
        return links;
    }

    /// <summary>Moves the named links from the container back to the host and puts back MTU, MAC and up state as ADD found them.</summary>
    private static void ReturnLinks(NetworkNamespace container, IEnumerable<string> names, List<AttachedLink> original)
    {
        List<string> returned = [];
        int home = NetworkNamespace.Home.Fd;
        using (container.Enter())
        {
            KernelWaits.Overlapped(names.Select(name => (Action)(() =>
            {
                using Linux.Netlink.RtNetlink rt = new();
                if (rt.GetLink(name) is { } link)
                {
                    rt.MoveToNamespace(link.Index, home);
                    lock (returned)
                    {
                        returned.Add(name);
                    }
                }
            })));
        }
        using Linux.Netlink.RtNetlink host = new();
        foreach (AttachedLink was in original.Where(l => returned.Contains(l.Name)))
        {
            Linux.Netlink.LinkInfo now = host.GetLink(was.Name)!;
            if (now.Mtu != was.Mtu)
            {
                host.SetMtu(now.Index, was.Mtu);
            }
            if (Core.MacAddress.TryParse(was.Mac, out Core.MacAddress mac) && now.Mac != mac)
            {
                host.SetMac(now.Index, mac);
            }
            if (was.Up)
            {
                host.SetUp(now.Index, true);
            }
        }
    }

    /// <summary>An IPAM route on the bond; without a gateway of its own it goes through the gateway of its family's address, as the standard plugins do.</summary>
    private static void AddRoute(Linux.Netlink.RtNetlink rt, int index, CniRoute route, List<CniIp> ips)
    {
        System.Net.IPAddress? gateway = route.Gateway
            ?? ips.FirstOrDefault(ip => ip.Address.AddressFamily == route.Destination.AddressFamily && ip.Gateway != null)?.Gateway;
        try
        {
            rt.AddRoute(index, route.Destination, route.Prefix, gateway);
        }
        catch (NativeException e) when (e.Errno == 17)
        {
            // EEXIST: the kernel made it already (the prefix route of an address).
        }
    }

    /// <summary>A daemon command in the calling thread's namespace; its output, or its refusal as a CNI error with <paramref name="code"/>.</summary>
    private static string Daemon(int code, params string[] args)
    {
        (int exit, string output, string error) = ControlClient.Ask(args);
        if (exit == 0)
        {
            return output;
        }
        string message = ControlClient.Printable(error).Replace("netbond: ", "", StringComparison.Ordinal).Trim();
        throw message.Length == 0
            ? new CniException(CniException.TryAgainLater, $"NetBond's daemon cannot be reached; see {StatePaths.LogPath}")
            : new CniException(code, string.Join("; ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    private static string Require(Dictionary<string, string> env, string name) =>
        env.GetValueOrDefault(name) is { Length: > 0 } value ? value : throw new CniException(CniException.InvalidEnvironment, $"{name} is not set");

    /// <summary>The container's namespace: missing is "container unknown" (3), anything else but a namespace is a bad CNI_NETNS (4).</summary>
    private static NetworkNamespace OpenSandbox(string path)
    {
        NetworkNamespace? ns = null;
        try
        {
            ns = NetworkNamespace.Open(path);
            // Only setns tells a bind mount of a namespace from any other file.
            using (ns.Enter())
            {
            }
            return ns;
        }
        catch (NativeException e)
        {
            ns?.Dispose();
            throw File.Exists(path)
                ? new CniException(CniException.InvalidEnvironment, $"CNI_NETNS {path} is not a network namespace", e.Message)
                : new CniException(CniException.UnknownContainer, $"CNI_NETNS {path} does not exist", e.Message);
        }
    }
}
