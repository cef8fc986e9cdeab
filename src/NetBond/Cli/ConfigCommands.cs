using NetBond.Config;

namespace NetBond;

/// <summary>
/// `up` and `down` on the CLI side: read every file below the root, refuse with file:line if anything is wrong,
/// and only then ask the daemon to apply what the files say.
/// </summary>
internal static class ConfigCommands
{
    public static int Run(IReadOnlyList<string> argv)
    {
        string verb = argv[0];
        string root = "/";
        bool all = false;
        List<string> names = [];
        for (int i = 1; i < argv.Count; i++)
        {
            switch (argv[i])
            {
                case "--root" when i + 1 < argv.Count:
                    root = argv[++i];
                    break;
                case "--all":
                    all = true;
                    break;
                case var a when a.StartsWith('-'):
                    Console.Error.WriteLine($"netbond {verb}: unknown option {a}");
                    return 2;
                default:
                    names.Add(argv[i]);
                    break;
            }
        }
        if (verb == "reload" ? names.Count > 0 || all : all == (names.Count > 0))
        {
            Console.Error.WriteLine(verb == "reload" ? "usage: netbond reload [--root DIR]" : $"usage: netbond {verb} BOND...|--all [--root DIR]");
            return 2;
        }
        if (!Directory.Exists(root))
        {
            Console.Error.WriteLine($"netbond {verb}: {root}: no such directory");
            return 1;
        }
        NetworkConfiguration config = NetworkConfiguration.Read(root);
        if (Report(verb, config))
        {
            return 1;
        }
        if (verb == "down")
        {
            return ControlClient.Run(["down-apply", .. all ? config.Bonds.Select(b => b.Name) : names]);
        }
        List<BondDefinition> bonds = [];
        if (verb == "reload")
        {
            return ControlClient.Run(["reload-apply", UpRequest.From(config.BootBonds, config.ModuleDefaults).ToJson()]);
        }
        if (all)
        {
            bonds.AddRange(config.BootBonds);
        }
        foreach (string name in names)
        {
            if (config.Find(name) is not { } bond)
            {
                Console.Error.WriteLine($"netbond up: {name} is not described by any file below {root}");
                return 1;
            }
            bonds.Add(bond);
        }
        if (bonds.Count == 0)
        {
            Console.WriteLine("no bond is marked to start at boot (ONBOOT=yes or auto)");
            return 0;
        }
        return ControlClient.Run(["up-apply", UpRequest.From(bonds, config.ModuleDefaults).ToJson()]);
    }

    /// <summary>`apply FILE|-`: nmstate's desired state, checked whole first; then its bonds built or brought to it live, absent ones taken down.</summary>
    public static int Apply(IReadOnlyList<string> argv)
    {
        if (argv.Count != 2)
        {
            Console.Error.WriteLine("usage: netbond apply FILE|-");
            return 2;
        }
        string text;
        try
        {
            text = argv[1] == "-" ? Console.In.ReadToEnd() : File.ReadAllText(argv[1]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"netbond apply: {argv[1]}: {e.Message}");
            return 1;
        }
        NetworkConfiguration config = NetworkConfiguration.ReadNmstate(argv[1] == "-" ? "<stdin>" : argv[1], text);
        if (Report("apply", config))
        {
            return 1;
        }
        UpRequest request = UpRequest.From(config.Bonds, []);
        request.Absent = [.. config.Absent.Select(a => a.Name)];
        request.Partial = true;
        return ControlClient.Run(["reload-apply", request.ToJson()]);
    }

    /// <summary>Prints the notes and problems; true when there are problems (then nothing is applied).</summary>
    private static bool Report(string verb, NetworkConfiguration config)
    {
        foreach (ConfigProblem note in config.Notes)
        {
            Console.Error.WriteLine($"{note.Where}: note: {note.Message}");
        }
        if (config.Problems.Count == 0)
        {
            return false;
        }
        foreach (ConfigProblem p in config.Problems)
        {
            Console.Error.WriteLine(p);
        }
        if (config.MoreProblems > 0)
        {
            Console.Error.WriteLine($"... and {config.MoreProblems} more");
        }
        Console.Error.WriteLine($"netbond {verb}: {config.Problems.Count + config.MoreProblems} problem(s) in the configuration; nothing was applied");
        return true;
    }
}
