using System.Globalization;
using System.Text.Json;
using NetBond.Core;

namespace NetBond.Events;

/// <summary>
/// One change a bond went through, as `netbond events` shows it: a bond added or deleted, a member enslaved or
/// released, a member's link state, the active member (a failover), the bond's carrier, an 802.3ad port's
/// aggregator or mux state, an option's value. <see cref="From"/> and <see cref="To"/> are the states either side.
/// </summary>
internal sealed record BondEvent(DateTimeOffset Time, string Bond, string Kind, string? Member = null, string? Option = null, string? From = null, string? To = null)
{
    public string ToText()
    {
        string what = Kind switch
        {
            "bond" => To!,
            "member" => $"{Member} {To}",
            "option" => $"option {Option} {From} -> {To}",
            _ => $"{(Member == null ? "" : Member + " ")}{Kind} {From ?? "none"} -> {To ?? "none"}",
        };
        return $"{Time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture)} {Bond}: {what}";
    }

    public string ToJson()
    {
        using MemoryStream buffer = new();
        using (Utf8JsonWriter w = new(buffer))
        {
            w.WriteStartObject();
            w.WriteString("time", Time.ToString("O", CultureInfo.InvariantCulture));
            w.WriteString("bond", Bond);
            w.WriteString("event", Kind);
            foreach ((string name, string? value) in new[] { ("member", Member), ("option", Option), ("from", From), ("to", To) })
            {
                if (value != null)
                {
                    w.WriteString(name, value);
                }
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>What changed from one snapshot of a bond to the next (null: the bond did not exist).</summary>
    public static IEnumerable<BondEvent> Between(DateTimeOffset time, string bond, BondSnapshot? before, BondSnapshot? after)
    {
        if (after == null)
        {
            foreach (MemberSnapshot m in before?.Members ?? [])
            {
                yield return new BondEvent(time, bond, "member", m.Name, To: "released");
            }
            yield return new BondEvent(time, bond, "bond", To: "deleted");
            yield break;
        }
        if (before == null)
        {
            yield return new BondEvent(time, bond, "bond", To: "added");
        }
        if (before != null)
        {
            foreach (string name in OptionTable.Names)
            {
                string was = OptionTable.Show(before.Options, name);
                string now = OptionTable.Show(after.Options, name);
                if (was != now)
                {
                    yield return new BondEvent(time, bond, "option", Option: name, From: was, To: now);
                }
            }
        }
        Dictionary<string, MemberSnapshot> old = before?.Members.ToDictionary(m => m.Name) ?? [];
        foreach (MemberSnapshot m in after.Members)
        {
            if (!old.Remove(m.Name, out MemberSnapshot? was))
            {
                yield return new BondEvent(time, bond, "member", m.Name, To: "enslaved");
                yield return new BondEvent(time, bond, "link", m.Name, To: LinkStateNames.Describe(m.Link));
                continue;
            }
            if (was.Link != m.Link)
            {
                yield return new BondEvent(time, bond, "link", m.Name, From: LinkStateNames.Describe(was.Link), To: LinkStateNames.Describe(m.Link));
            }
            if (Lacp(was) != Lacp(m))
            {
                yield return new BondEvent(time, bond, "lacp", m.Name, From: Lacp(was), To: Lacp(m));
            }
        }
        foreach (string gone in old.Keys)
        {
            yield return new BondEvent(time, bond, "member", gone, To: "released");
        }
        if (before?.Active != after.Active)
        {
            yield return new BondEvent(time, bond, "active", From: before?.Active, To: after.Active);
        }
        if (before?.Lacp is { } wasLacp && after.Lacp is { } nowLacp && ProcStatus.FallbackState(wasLacp) != ProcStatus.FallbackState(nowLacp))
        {
            yield return new BondEvent(time, bond, "lacp_fallback", From: ProcStatus.FallbackState(wasLacp) ?? "802.3ad", To: ProcStatus.FallbackState(nowLacp) ?? "802.3ad");
        }
        if (before?.Carrier != after.Carrier)
        {
            yield return new BondEvent(time, bond, "carrier", From: before == null ? null : Up(before.Carrier), To: Up(after.Carrier));
        }
    }

    private static string Up(bool carrier) => carrier ? "up" : "down";

    private static string? Lacp(MemberSnapshot m) =>
        m.Lacp is { } p ? $"aggregator {p.AggregatorId?.ToString(CultureInfo.InvariantCulture) ?? "none"} mux {p.Mux.ToString().ToLowerInvariant()}" : null;
}
