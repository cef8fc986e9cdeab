using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace NetBond.Cni;

internal sealed record CniInterface(string Name, string Mac, string? Sandbox, int? Mtu = null);

/// <summary>An address of the result; Interface is an index into its interfaces.</summary>
internal sealed record CniIp(IPAddress Address, int Prefix, IPAddress? Gateway, int? Interface);

internal sealed record CniRoute(IPAddress Destination, int Prefix, IPAddress? Gateway);

/// <summary>
/// A CNI result: what an IPAM plugin or an earlier plugin of the chain (prevResult) says, and what this plugin
/// prints — in the version the configuration asked for (before 1.0.0 each address carried its IP version).
/// </summary>
internal sealed class CniResult
{
    public List<CniInterface> Interfaces { get; } = [];
    public List<CniIp> Ips { get; } = [];
    public List<CniRoute> Routes { get; } = [];
    public JsonNode? Dns { get; set; }

    /// <summary>Reads a result of any supported version.</summary>
    /// <exception cref="CniException">A field is not what the spec says (6).</exception>
    public static CniResult Parse(JsonObject json, string from)
    {
        CniResult r = new();
        try
        {
            foreach (JsonObject i in (json["interfaces"] as JsonArray ?? []).OfType<JsonObject>())
            {
                r.Interfaces.Add(new CniInterface(CniConfig.String(i, "name") ?? "", CniConfig.String(i, "mac") ?? "", CniConfig.String(i, "sandbox"),
                    i["mtu"]?.GetValue<int>()));
            }
            foreach (JsonObject ip in (json["ips"] as JsonArray ?? []).OfType<JsonObject>())
            {
                (IPAddress address, int prefix) = Prefix(CniConfig.String(ip, "address") ?? throw new FormatException("an address is missing"));
                r.Ips.Add(new CniIp(address, prefix, CniConfig.String(ip, "gateway") is { } g ? IPAddress.Parse(g) : null, ip["interface"]?.GetValue<int>()));
            }
            foreach (JsonObject route in (json["routes"] as JsonArray ?? []).OfType<JsonObject>())
            {
                (IPAddress dst, int prefix) = Prefix(CniConfig.String(route, "dst") ?? throw new FormatException("a route has no dst"));
                r.Routes.Add(new CniRoute(dst, prefix, CniConfig.String(route, "gw") is { } gw ? IPAddress.Parse(gw) : null));
            }
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            throw new CniException(CniException.DecodeFailure, $"the result of {from} cannot be read: {e.Message}");
        }
        r.Dns = json["dns"]?.DeepClone();
        return r;
    }

    /// <summary>"198.18.0.2/24" as address and prefix length.</summary>
    public static (IPAddress Address, int Prefix) Prefix(string text)
    {
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(text[..slash], out IPAddress? address) || !int.TryParse(text[(slash + 1)..], out int prefix)
            || prefix < 0 || prefix > (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
        {
            throw new FormatException($"'{text}' is not an address with a prefix length");
        }
        return (address, prefix);
    }

    public string Render(string version)
    {
        bool versioned = CniConfig.Compare(version, "1.0.0") < 0;
        JsonObject o = new() { ["cniVersion"] = version };
        if (Interfaces.Count > 0)
        {
            o["interfaces"] = new JsonArray([.. Interfaces.Select(i =>
            {
                JsonObject j = new() { ["name"] = i.Name, ["mac"] = i.Mac };
                if (i.Mtu is { } mtu && CniConfig.Compare(version, "1.1.0") >= 0)
                {
                    j["mtu"] = mtu;
                }
                if (i.Sandbox != null)
                {
                    j["sandbox"] = i.Sandbox;
                }
                return (JsonNode)j;
            })]);
        }
        if (Ips.Count > 0)
        {
            o["ips"] = new JsonArray([.. Ips.Select(ip =>
            {
                JsonObject j = [];
                if (versioned)
                {
                    j["version"] = ip.Address.AddressFamily == AddressFamily.InterNetwork ? "4" : "6";
                }
                j["address"] = $"{ip.Address}/{ip.Prefix}";
                if (ip.Gateway != null)
                {
                    j["gateway"] = ip.Gateway.ToString();
                }
                if (ip.Interface is { } index)
                {
                    j["interface"] = index;
                }
                return (JsonNode)j;
            })]);
        }
        if (Routes.Count > 0)
        {
            o["routes"] = new JsonArray([.. Routes.Select(r =>
            {
                JsonObject j = new() { ["dst"] = $"{r.Destination}/{r.Prefix}" };
                if (r.Gateway != null)
                {
                    j["gw"] = r.Gateway.ToString();
                }
                return (JsonNode)j;
            })]);
        }
        o["dns"] = Dns?.DeepClone() ?? new JsonObject();
        return Text(o);
    }

    private static readonly System.Text.Json.JsonSerializerOptions s_readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON as a person reads it too: quotes and the like not escaped as \uXXXX (the output is never embedded in HTML).</summary>
    public static string Text(JsonNode node) => node.ToJsonString(s_readable);
}
