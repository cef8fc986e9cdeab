using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NetBond;

/// <summary>One member's line in `netbond top`: its state and what it carried per second since the last look.</summary>
internal sealed record TopRow(string Bond, string Member, string Mii, string State, bool Active, double RxPps, double RxMbps, double TxPps, double TxMbps, long LinkFailures);

/// <summary>One bond in `netbond top`: mode, carrier, active member and its members' rows.</summary>
internal sealed record TopBond(string Name, string Mode, string Mii, string? Active, IReadOnlyList<TopRow> Rows);

/// <summary>
/// What `netbond top` shows, computed from two `status --json` answers taken <c>seconds</c> apart: the rates are the
/// counters' differences (a member new since the last look shows no rate yet).
/// </summary>
internal static class TopView
{
    public static List<TopBond> Between(string? previous, string current, double seconds)
    {
        Dictionary<(string, string), JsonElement> before = [];
        using JsonDocument? old = previous == null ? null : JsonDocument.Parse(previous);
        foreach ((string bond, JsonElement m) in Members(old))
        {
            before[(bond, m.GetProperty("name").GetString()!)] = m.GetProperty("counters").Clone();
        }
        using JsonDocument now = JsonDocument.Parse(current);
        List<TopBond> bonds = [];
        foreach (JsonElement b in now.RootElement.GetProperty("bonds").EnumerateArray())
        {
            string name = b.GetProperty("name").GetString()!;
            string? active = b.GetProperty("currently_active_slave").GetString();
            List<TopRow> rows = [];
            foreach (JsonElement m in b.GetProperty("slaves").EnumerateArray())
            {
                string member = m.GetProperty("name").GetString()!;
                JsonElement c = m.GetProperty("counters");
                double Rate(string counter) => before.TryGetValue((name, member), out JsonElement p) && seconds > 0
                    ? Math.Max(0, c.GetProperty(counter).GetInt64() - p.GetProperty(counter).GetInt64()) / seconds : 0;
                rows.Add(new TopRow(name, member, m.GetProperty("mii_status").GetString()!, m.GetProperty("state").GetString()!, member == active,
                    Rate("rx_packets"), Rate("rx_bytes") * 8 / 1e6, Rate("tx_packets"), Rate("tx_bytes") * 8 / 1e6, m.GetProperty("link_failure_count").GetInt64()));
            }
            bonds.Add(new TopBond(name, b.GetProperty("mode").GetString()!, b.GetProperty("mii_status").GetString()!, active, rows));
        }
        return bonds;
    }

    private static IEnumerable<(string Bond, JsonElement Member)> Members(JsonDocument? doc) =>
        doc == null ? [] : doc.RootElement.GetProperty("bonds").EnumerateArray()
            .SelectMany(b => b.GetProperty("slaves").EnumerateArray().Select(m => (b.GetProperty("name").GetString()!, m)));

    /// <summary>The plain form, for a pipe or a file: a header per bond, a line per member.</summary>
    public static string Plain(IReadOnlyList<TopBond> bonds, DateTimeOffset time)
    {
        StringBuilder s = new();
        s.Append(CultureInfo.InvariantCulture, $"netbond top {time:yyyy-MM-dd HH:mm:ss}\n");
        if (bonds.Count == 0)
        {
            s.Append("no bonds\n");
        }
        foreach (TopBond b in bonds)
        {
            s.Append(CultureInfo.InvariantCulture, $"{b.Name}  {b.Mode}  MII {b.Mii}  active {b.Active ?? "none"}\n");
            s.Append(CultureInfo.InvariantCulture, $"  {"member",-15} {"MII",-12} {"state",-7} {"rx pkt/s",10} {"rx Mbit/s",10} {"tx pkt/s",10} {"tx Mbit/s",10} {"failures",8}\n");
            foreach (TopRow r in b.Rows)
            {
                s.Append(CultureInfo.InvariantCulture, $"  {(r.Active ? "*" : "") + r.Member,-15} {r.Mii,-12} {r.State,-7} {r.RxPps,10:0} {r.RxMbps,10:0.00} {r.TxPps,10:0} {r.TxMbps,10:0.00} {r.LinkFailures,8}\n");
            }
        }
        return s.ToString();
    }
}
