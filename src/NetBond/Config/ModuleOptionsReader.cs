namespace NetBond.Config;

/// <summary>
/// Module options as the bonding guide writes them, in /etc/modprobe.d/*.conf, /etc/modprobe.conf,
/// /etc/modules.conf and /etc/conf.modules: `alias bond0 bonding`, `options bond0 miimon=100 mode=1`,
/// `options bonding ...` (defaults for every bond, and max_bonds), the guide's `options bond1 -o bonding1 ...`
/// for a second bond, and `install bond1 /sbin/modprobe bonding -o bonding1 ...`.
/// </summary>
internal static class ModuleOptionsReader
{
    private static readonly string[] s_files = ["/etc/modprobe.conf", "/etc/modules.conf", "/etc/conf.modules"];

    public static void Read(NetworkConfiguration config)
    {
        List<string> files = [];
        string dir = config.PathOf("/etc/modprobe.d");
        if (Directory.Exists(dir))
        {
            files.AddRange(Directory.GetFiles(dir, "*.conf").Order(StringComparer.Ordinal));
        }
        files.AddRange(s_files.Select(config.PathOf).Where(File.Exists));

        HashSet<string> bondingAliases = [];
        List<(string Name, List<string> Words, SourceLocation Where)> perName = [];
        foreach (string file in files)
        {
            foreach ((string line, int number) in LogicalLines(config, file))
            {
                SourceLocation where = new(file, number);
                string[] words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (words.Length < 2)
                {
                    continue;
                }
                switch (words[0])
                {
                    case "alias" when words.Length >= 3 && words[2] == "bonding":
                        bondingAliases.Add(words[1]);
                        config.Declare(words[1], where);
                        break;
                    case "options" when words[1] == "bonding":
                        ReadModuleDefaults(config, words[2..], where);
                        break;
                    case "options":
                        perName.Add((words[1], [.. words[2..]], where));
                        break;
                    case "install" when words.Length >= 3 && words.Contains("bonding") && words.Any(w => w.EndsWith("modprobe", StringComparison.Ordinal)):
                        bondingAliases.Add(words[1]);
                        BondDefinition bond = config.Declare(words[1], where);
                        ReadBondOptions(config, bond, words[(Array.IndexOf(words, "bonding") + 1)..], where);
                        break;
                    default:
                        break;
                }
            }
        }
        foreach ((string name, List<string> words, SourceLocation where) in perName)
        {
            // `options eth0 ...` belongs to some other driver; only names aliased to bonding are bonds.
            if (bondingAliases.Contains(name))
            {
                ReadBondOptions(config, config.Declare(name, where), [.. words], where);
            }
        }
    }

    private static void ReadModuleDefaults(NetworkConfiguration config, string[] words, SourceLocation where)
    {
        foreach ((string name, string value) in Assignments(config, words, where))
        {
            if (name == "max_bonds")
            {
                if (!int.TryParse(value, out int count) || count < 0)
                {
                    config.Problem(where, $"max_bonds: invalid value '{value}'");
                    continue;
                }
                for (int i = 0; i < count; i++)
                {
                    config.Declare($"bond{i}", where);
                }
            }
            else if (config.CheckOptionName(name, where))
            {
                config.ModuleDefaults.Add(new OptionSetting(name, value, where));
            }
        }
    }

    private static void ReadBondOptions(NetworkConfiguration config, BondDefinition bond, string[] words, SourceLocation where)
    {
        foreach ((string name, string value) in Assignments(config, words, where))
        {
            if (config.CheckOptionName(name, where))
            {
                bond.ModuleOptions.Add(new OptionSetting(name, value, where));
            }
        }
    }

    /// <summary>name=value words; `-o NAME` (the module instance name of the guide's multi-bond form) and other flags are skipped.</summary>
    private static IEnumerable<(string, string)> Assignments(NetworkConfiguration config, string[] words, SourceLocation where)
    {
        for (int i = 0; i < words.Length; i++)
        {
            string w = words[i];
            if (w == "-o")
            {
                i++;
                continue;
            }
            if (w.StartsWith('-'))
            {
                continue;
            }
            int eq = w.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                config.Problem(where, $"'{w}' is not an option=value pair");
                continue;
            }
            yield return (w[..eq], w[(eq + 1)..].Trim('"'));
        }
    }

    /// <summary>Lines without comments, with backslash-continued lines joined; numbered by where they start.</summary>
    internal static IEnumerable<(string Line, int Number)> LogicalLines(NetworkConfiguration config, string file)
    {
        string[] lines = ConfigFiles.ReadLines(config, file);
        for (int i = 0; i < lines.Length; i++)
        {
            int start = i + 1;
            string line = lines[i];
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1] + " " + lines[++i];
            }
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }
            if (line.Trim().Length > 0)
            {
                yield return (line.Trim(), start);
            }
        }
    }
}
