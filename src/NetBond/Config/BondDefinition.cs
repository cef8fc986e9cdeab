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

    /// <summary>The address families whose addresses this description decides; null for both (nmstate leaves an unnamed family alone).</summary>
    public HashSet<System.Net.Sockets.AddressFamily>? AddressFamilies { get; set; }
    public bool Dhcp { get; set; }

    /// <summary>The format whose interface file described this bond, and where; null while only module options or members name it.</summary>
    public (string Format, SourceLocation Where)? Description { get; set; }

    /// <summary>True once an interface file (ifcfg, an interfaces stanza, a netdev, a keyfile) described this bond.</summary>
    public bool HasInterfaceFile => Description != null;

    /// <summary>Whether another description of this bond (read from another format) says the same: options, members, addresses.</summary>
    public bool DescribesSame(BondDefinition other) =>
        Signature(this) == Signature(other);

    /// <summary>Takes what a description in one of the newer formats said, as if its reader had written here.</summary>
    public void TakeFrom(BondDefinition d)
    {
        InterfaceOptions.AddRange(d.InterfaceOptions);
        Members.AddRange(d.Members);
        Addresses.AddRange(d.Addresses);
        Gateway = d.Gateway ?? Gateway;
        Mtu = d.Mtu ?? Mtu;
        Mac = d.Mac ?? Mac;
        OnBoot |= d.OnBoot;
        Dhcp |= d.Dhcp;
        AddressFamilies = d.AddressFamilies ?? AddressFamilies;
        Description = d.Description;
    }

    /// <summary>What a description means, in one string: every option as the kernel would show it once applied, members, addresses.</summary>
    private static string Signature(BondDefinition d)
    {
        BondOptions options = new();
        foreach (OptionAssignment a in d.InterfaceOptions.Select(s => OptionTable.Assign(s.Name, s.Value)).OrderBy(a => a.Option))
        {
            options = OptionTable.Apply(options, [a], new OptionContext(false, false), [], out _) ?? options;
        }
        return string.Join(" ", OptionTable.Names.Select(n => OptionTable.Show(options, n)))
            + "|" + string.Join(" ", d.Members.Select(m => m.Name).Distinct().Order(StringComparer.Ordinal))
            + "|" + string.Join(" ", d.Addresses.Select(a => $"{a.Address}/{a.PrefixLength}").Order(StringComparer.Ordinal))
            + "|" + d.Dhcp + d.Gateway?.Address + d.Mtu?.Value + d.Mac?.Value;
    }

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
