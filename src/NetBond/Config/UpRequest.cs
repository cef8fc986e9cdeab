using System.Net;
using System.Text.Json;

namespace NetBond.Config;

/// <summary>
/// What `up` asks the daemon to build, read and checked from the files by the CLI. Each setting keeps the
/// file:line it came from, so a problem only the live host can show (a missing member) still names its line.
/// </summary>
internal sealed class UpRequest
{
    public List<UpBond> Bonds { get; set; } = [];

    /// <summary>Bonds to take down (nmstate's `state: absent`).</summary>
    public List<string> Absent { get; set; } = [];

    /// <summary>Describes some bonds only (an nmstate state): the others are not reported as left alone.</summary>
    public bool Partial { get; set; }

    public string ToJson() => JsonSerializer.Serialize(this, NetBondJson.Default.UpRequest);

    public static UpRequest? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, NetBondJson.Default.UpRequest);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static UpRequest From(IEnumerable<BondDefinition> bonds, IReadOnlyList<OptionSetting> moduleDefaults) => new()
    {
        Bonds = [.. bonds.Select(b => new UpBond
        {
            Name = b.Name,
            Where = b.DeclaredAt.ToString(),
            Options = [.. b.EffectiveOptions(moduleDefaults).Select(o => new UpSetting { Name = o.Name, Value = o.Value, Where = o.Where.ToString() })],
            Members = [.. b.Members.DistinctBy(m => m.Name).Select(m => new UpSetting { Name = m.Name, Value = "", Where = m.Where.ToString() })],
            Addresses = [.. b.Addresses.Select(a => new UpAddress { Address = a.Address.ToString(), Prefix = a.PrefixLength, Broadcast = a.Broadcast?.ToString(), Where = a.Where.ToString() })],
            Gateway = b.Gateway is { } g ? new UpSetting { Name = "gateway", Value = g.Address.ToString(), Where = g.Where.ToString() } : null,
            Mtu = b.Mtu is { } m ? new UpSetting { Name = "mtu", Value = m.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), Where = m.Where.ToString() } : null,
            Mac = b.Mac is { } mac ? new UpSetting { Name = "mac", Value = mac.Value.ToString(), Where = mac.Where.ToString() } : null,
            Dhcp = b.Dhcp,
            Families = b.AddressFamilies?.Select(f => f == System.Net.Sockets.AddressFamily.InterNetwork ? 4 : 6).Order().ToList(),
        })],
    };
}

internal sealed class UpBond
{
    public string Name { get; set; } = "";
    public string Where { get; set; } = "";
    public List<UpSetting> Options { get; set; } = [];
    public List<UpSetting> Members { get; set; } = [];
    public List<UpAddress> Addresses { get; set; } = [];
    public UpSetting? Gateway { get; set; }
    public UpSetting? Mtu { get; set; }
    public UpSetting? Mac { get; set; }
    public bool Dhcp { get; set; }

    /// <summary>The IP versions (4, 6) whose addresses the request decides; null for both.</summary>
    public List<int>? Families { get; set; }

    public bool Decides(IPAddress address) =>
        Families == null || Families.Contains(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 4 : 6);
}

internal sealed class UpSetting
{
    public string Name { get; set; } = "";
    public string Value { get; set; } = "";
    public string Where { get; set; } = "";
}

internal sealed class UpAddress
{
    public string Address { get; set; } = "";
    public int Prefix { get; set; }
    public string? Broadcast { get; set; }
    public string Where { get; set; } = "";
}
