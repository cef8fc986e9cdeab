namespace NetBond.Config;

/// <summary>One key=value of an INI-style file, with its [section] and where it was written.</summary>
internal sealed record IniEntry(string Section, string Key, string Value, SourceLocation Where);

/// <summary>
/// The INI dialect systemd units and GLib key files share: [Section] headers, Key=Value lines (spaces around the
/// '=' dropped), '#' and ';' comment lines, blank lines. A key may repeat; entries keep the file's order. A
/// line that is none of these is a problem at its file:line.
/// </summary>
internal static class IniFile
{
    /// <summary>The last value written for a key in a section (later lines win), or null.</summary>
    public static IniEntry? Last(this List<IniEntry> entries, string section, string key) =>
        entries.LastOrDefault(e => e.Section == section && e.Key == key);

    public static List<IniEntry> Read(NetworkConfiguration config, string path)
    {
        List<IniEntry> entries = [];
        string? section = null;
        string[] lines = ConfigFiles.ReadLines(config, path);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            SourceLocation where = new(path, i + 1);
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }
            if (line[0] == '[')
            {
                if (line[^1] != ']' || line.Length < 3)
                {
                    config.Problem(where, $"'{line}' is not a [section] header");
                    return [];
                }
                section = line[1..^1];
                continue;
            }
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                config.Problem(where, $"'{line}' is neither a [section] nor a key=value line");
                return [];
            }
            if (section == null)
            {
                config.Problem(where, "a key=value line before any [section]");
                return [];
            }
            entries.Add(new IniEntry(section, line[..eq].Trim(), line[(eq + 1)..].Trim(), where));
        }
        return entries;
    }
}
