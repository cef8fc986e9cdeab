using System.Net;
using NetBond.Core;

namespace NetBond.Config;

/// <summary>An address to put on a bond; Broadcast null means the kernel's default (none for IPv6).</summary>
internal sealed record AddressSetting(IPAddress Address, int PrefixLength, IPAddress? Broadcast, SourceLocation Where);

internal sealed record MemberClaim(string Name, SourceLocation Where);

/// <summary>
/// One bond as the files describe it. Options come in three layers with one precedence: module defaults
/// (`options bonding ...`), then this bond's module options (`options bond0 ...`), then its interface file
/// (BONDING_OPTS or bond-*); a later layer wins for each option.
/// </summary>
internal sealed class BondDefinition
{
    public BondDefinition(string name, SourceLocation declaredAt)
    {
        Name = name;
        DeclaredAt = declaredAt;
    }

    public string Name { get; }
    public SourceLocation DeclaredAt { get; }
    public List<OptionSetting> ModuleOptions { get; } = [];
    public List<OptionSetting> InterfaceOptions { get; } = [];
    public List<MemberClaim> Members { get; } = [];
    public List<AddressSetting> Addresses { get; } = [];
    public (IPAddress Address, SourceLocation Where)? Gateway { get; set; }
    public (int Value, SourceLocation Where)? Mtu { get; set; }
    public (MacAddress Value, SourceLocation Where)? Mac { get; set; }
    public bool OnBoot { get; set; }
    public bool Dhcp { get; set; }

    /// <summary>True once an interface file (ifcfg or interfaces stanza) described this bond.</summary>
    public bool HasInterfaceFile { get; set; }

    /// <summary>The options that apply, each the last one written in precedence order.</summary>
    public List<OptionSetting> EffectiveOptions(IEnumerable<OptionSetting> moduleDefaults)
    {
        Dictionary<string, OptionSetting> merged = [];
        foreach (OptionSetting s in moduleDefaults.Concat(ModuleOptions).Concat(InterfaceOptions))
        {
            string key = OptionTable.Canonical(s.Name);
            merged.Remove(key);
            merged[key] = s;
        }
        return [.. merged.Values];
    }
}
