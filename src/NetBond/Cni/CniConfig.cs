using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NetBond.Core;

namespace NetBond.Cni;

/// <summary>
/// A network configuration of type netbond, as the runtime hands it on stdin. Its fields are bond-cni's (mode,
/// miimon, mtu, failOverMac, linksInContainer, links, allSlavesActive, tlbDynamicLb, xmitHashPolicy, ipam) plus
/// `options`: any kernel bonding option by the kernel's name and value, written last so it wins.
/// </summary>
internal sealed class CniConfig
{
    /// <summary>The spec versions this plugin speaks, oldest first.</summary>
    public static readonly string[] SupportedVersions = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    /// <summary>bond-cni's fields that are kernel options under another name.</summary>
    private static readonly (string Field, string Option)[] s_bondCniOptions =
    [
        ("mode", "mode"), ("miimon", "miimon"), ("failOverMac", "fail_over_mac"), ("allSlavesActive", "all_slaves_active"),
        ("tlbDynamicLb", "tlb_dynamic_lb"), ("xmitHashPolicy", "xmit_hash_policy"),
    ];

    private CniConfig(JsonObject json, byte[] raw)
    {
        Json = json;
        Raw = raw;
    }

    /// <summary>The configuration as received: what a delegated IPAM plugin is given, and what GC replays.</summary>
    public byte[] Raw { get; }

    public JsonObject Json { get; }
    public string CniVersion { get; private set; } = "";
    public string NetworkName { get; private set; } = "";

    /// <summary>The bond's name from the configuration's `ifname`; null to take CNI_IFNAME.</summary>
    public string? BondName { get; private set; }

    /// <summary>Kernel option names and values, in the order written (later wins).</summary>
    public List<(string Name, string Value)> Options { get; } = [];

    public List<string> Links { get; } = [];
    public bool LinksInContainer { get; private set; }
    public int? Mtu { get; private set; }
    public string? IpamType { get; private set; }
    public JsonObject? PrevResult { get; private set; }

    public bool AtLeast(string version) => Compare(CniVersion, version) >= 0;

    public static int Compare(string a, string b) => Version.Parse(a).CompareTo(Version.Parse(b));

    /// <summary>Reads and checks the configuration; nothing on the host is looked at yet.</summary>
    /// <exception cref="CniException">Undecodable (6), an unsupported version (1) or an invalid field (7).</exception>
    public static CniConfig Parse(byte[] stdin)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(stdin) as JsonObject ?? throw new CniException(CniException.DecodeFailure, "the network configuration is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CniException(CniException.DecodeFailure, "the network configuration is not valid JSON", e.Message);
        }
        CniConfig c = new(json, stdin)
        {
            CniVersion = String(json, "cniVersion") ?? throw Invalid("cniVersion is missing"),
            NetworkName = String(json, "name") ?? throw Invalid("name (the network's) is missing"),
        };
        if (!SupportedVersions.Contains(c.CniVersion))
        {
            throw new CniException(CniException.IncompatibleVersion, $"cniVersion {c.CniVersion} is not supported",
                $"supported: {string.Join(", ", SupportedVersions)}");
        }
        if (String(json, "type") is not "netbond")
        {
            throw Invalid($"type is '{String(json, "type")}', not netbond");
        }
        c.BondName = String(json, "ifname");
        if (c.BondName != null && !BondRegistry.IsValidName(c.BondName))
        {
            throw Invalid($"ifname '{c.BondName}' is not a valid interface name");
        }
        foreach ((string field, string option) in s_bondCniOptions)
        {
            if (json[field] is { } value)
            {
                c.Options.Add((option, Scalar(value) ?? throw Invalid($"{field} must be a string or a number")));
            }
        }
        if (json["options"] is JsonObject options)
        {
            foreach ((string name, JsonNode? value) in options)
            {
                if (!OptionTable.IsKnown(name))
                {
                    throw Invalid($"options: unknown bonding option '{name}'");
                }
                string? text = value is JsonArray list ? string.Join(",", list.Select(Scalar)) : Scalar(value);
                c.Options.Add((name, text ?? throw Invalid($"options: {name} must be a string, a number, a boolean or a list of them")));
            }
        }
        else if (json["options"] != null)
        {
            throw Invalid("options must be an object of kernel bonding options (\"lacp_rate\": \"fast\", ...)");
        }
        c.CheckOptions();
        c.ReadLinks();
        if (json["linksInContainer"] is { } inContainer)
        {
            c.LinksInContainer = inContainer.GetValueKind() switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Invalid("linksInContainer must be true or false"),
            };
        }
        if (json["mtu"] is { } mtu)
        {
            c.Mtu = int.TryParse(Scalar(mtu), NumberStyles.None, CultureInfo.InvariantCulture, out int m) && m is >= 68 and <= 65535
                ? m : throw Invalid($"mtu {mtu.ToJsonString()} is not a number from 68 to 65535");
        }
        if (json["ipam"] is JsonObject ipam)
        {
            c.IpamType = String(ipam, "type") ?? throw Invalid("ipam.type is missing");
            if (c.IpamType.Contains('/') || c.IpamType == "netbond")
            {
                throw Invalid($"ipam.type '{c.IpamType}' cannot be an IPAM plugin");
            }
        }
        c.PrevResult = json["prevResult"] as JsonObject;
        return c;
    }

    /// <summary>The options as a bond would take them, so a bad value fails before anything moves.</summary>
    private void CheckOptions()
    {
        List<OptionAssignment> assignments = [.. Options.Select(o => OptionTable.Assign(o.Name, o.Value)).Where(a => !OptionTable.IsState(a.Option))];
        if (OptionTable.Apply(new BondOptions(), assignments, new OptionContext(false, false, OneRequest: false), [], out string? error) == null)
        {
            throw Invalid(error ?? "invalid bonding options");
        }
    }

    private void ReadLinks()
    {
        if (Json["links"] is not JsonArray links || links.Count == 0)
        {
            throw Invalid("links must list the bond's members: [{\"name\": \"eth1\"}, ...]");
        }
        foreach (JsonNode? link in links)
        {
            string name = (link is JsonObject o ? String(o, "name") : null) ?? throw Invalid("each of links needs a name");
            if (!BondRegistry.IsValidName(name) || Links.Contains(name))
            {
                throw Invalid($"links: '{name}' is {(Links.Contains(name) ? "named twice" : "not a valid interface name")}");
            }
            Links.Add(name);
        }
    }

    /// <summary>`cni.dev/valid-attachments` of a GC: the (container ID, ifname) pairs to keep.</summary>
    public List<(string ContainerId, string IfName)> ValidAttachments()
    {
        if (Json["cni.dev/valid-attachments"] is not JsonArray list)
        {
            throw Invalid("GC needs cni.dev/valid-attachments");
        }
        return [.. list.Select(a => a is JsonObject o && String(o, "containerID") is { } id && String(o, "ifname") is { } ifname
            ? (id, ifname) : throw Invalid("each of cni.dev/valid-attachments needs containerID and ifname"))];
    }

    public static CniException Invalid(string message) => new(CniException.InvalidConfig, message);

    public static string? String(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>A string, number or boolean as the kernel's option text ("100", "fast", "1").</summary>
    private static string? Scalar(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.String => node.GetValue<string>(),
        JsonValueKind.Number => node.ToJsonString(),
        JsonValueKind.True => "1",
        JsonValueKind.False => "0",
        _ => null,
    };
}
