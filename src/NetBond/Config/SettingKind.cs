using System.Globalization;
using System.Text.RegularExpressions;

namespace NetBond.Config;

/// <summary>How a setting of netplan or systemd-networkd turns into the kernel option's value.</summary>
internal enum SettingKind
{
    Text,
    Milliseconds,
    Seconds,
    Boolean,
    List,
}

/// <summary>Time spans as systemd.time(7) writes them, which netplan passes on to networkd.</summary>
internal static partial class TimeSpans
{
    /// <summary>Number-unit pairs, summed, in ms; a bare number counts <paramref name="bareUnitMs"/> each (systemd: seconds).</summary>
    public static long? Milliseconds(string text, double bareUnitMs = 1000)
    {
        MatchCollection parts = TimeSpanPart().Matches(text);
        if (parts.Count == 0 || string.Concat(parts.Select(p => p.Value)).Replace(" ", "", StringComparison.Ordinal) != text.Replace(" ", "", StringComparison.Ordinal))
        {
            return null;
        }
        double ms = 0;
        foreach (Match p in parts)
        {
            double n = double.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture);
            ms += n * p.Groups[2].Value switch
            {
                "us" or "usec" => 0.001,
                "ms" or "msec" => 1,
                "" => bareUnitMs,
                "s" or "sec" or "second" or "seconds" => 1000,
                "m" or "min" or "minute" or "minutes" => 60_000,
                "h" or "hr" or "hour" or "hours" => 3_600_000,
                _ => double.NaN,
            };
        }
        return double.IsNaN(ms) || ms > int.MaxValue ? null : (long)ms;
    }

    [GeneratedRegex(@"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)")]
    private static partial Regex TimeSpanPart();
}
