using NetBond.Core;

namespace NetBond;

/// <summary>The daemon side of the CLI: one command line in, its output and exit code out.</summary>
internal sealed class CommandProcessor
{
    public const string Usage = """
        usage: netbond COMMAND [ARGS]
          add BOND [opt=value ...]      create a bond (options are the kernel's: mode=, miimon=, ...)
          del BOND                      release all members and delete the bond
          enslave BOND IFACE...         add members
          release BOND IFACE...         remove members, putting each back as it was
          set BOND opt=value ...        change options
          active BOND IFACE             make IFACE the active member
          status [BOND...] [--json]     the /proc/net/bonding text (or JSON)
          show [IFACE]                  ifconfig-style view of bonds and members, with NetBond's counters
          events [BOND] [--json]        follow link changes, failovers, LACP states and option changes as they happen
          top [BOND...] [--count N]     live per-member state and rates, refreshed every second (--interval S)
          up BOND|--all [--root DIR]    bring bonds up from the distribution's files (modprobe, ifcfg, interfaces,
                                        netplan, systemd-networkd, NetworkManager)
          down BOND|--all [--root DIR]  take them down, putting members back as they were
          reload [--root DIR]           read the files again and bring every bond to what they say now
          ifenslave ARGS                the classic ifenslave syntax (ifenslave -h for help)
          daemon [--metrics ADDR:PORT]  run the daemon in the foreground (serving Prometheus metrics)
          demo [--keep]                 NetBond's main job in private network namespaces
        """;

    private readonly BondRegistry _registry;

    public CommandProcessor(BondRegistry registry)
    {
        _registry = registry;
    }

    public CommandResult Execute(IReadOnlyList<string> args)
    {
        CommandResult r = new();
        if (args.Count == 0)
        {
            return r.Fail("no command\n" + Usage, 2);
        }
        string command = args[0];
        List<string> rest = [.. args.Skip(1)];
        return command switch
        {
            "add" => NeedBond(rest, r) ?? AddBond(rest, r),
            "del" or "delete" => NeedBond(rest, r) ?? _registry.Delete(rest[0], r),
            "enslave" => NeedBond(rest, r) ?? _registry.Enslave(rest[0], rest[1..], r),
            "release" => NeedBond(rest, r) ?? _registry.Release(rest[0], rest[1..], r),
            "set" => NeedBond(rest, r) ?? SetOptions(rest, r),
            "active" => rest.Count == 2 ? _registry.SetActive(rest[0], rest[1], r) : r.Fail("usage: netbond active BOND IFACE", 2),
            "status" => Status(rest, r),
            "show" => Show(rest, r),
            "ifenslave" => new IfenslaveCommand(_registry, this).Execute(rest, r),
            // Sent by the CLI's `up` and `down` after it read and checked the configuration files.
            "up-apply" => rest.Count == 1 && Config.UpRequest.FromJson(rest[0]) is { } request
                ? new Config.ConfigApplier(_registry).Up(request, r)
                : r.Fail("malformed up request", 2),
            "down-apply" => new Config.ConfigApplier(_registry).Down(rest, r),
            "reload-apply" => rest.Count == 1 && Config.UpRequest.FromJson(rest[0]) is { } reload
                ? new Config.ConfigApplier(_registry).Reload(reload, r)
                : r.Fail("malformed reload request"),
            "help" or "-h" or "--help" => r.Line(Usage),
            _ => r.Fail($"unknown command '{command}'\n{Usage}", 2),
        };
    }

    private CommandResult AddBond(List<string> rest, CommandResult r)
    {
        List<OptionAssignment> options = ParseOptions(rest.Skip(1), r, out bool ok);
        return ok ? _registry.Add(rest[0], options, r) : r;
    }

    private CommandResult SetOptions(List<string> rest, CommandResult r)
    {
        List<OptionAssignment> options = ParseOptions(rest.Skip(1), r, out bool ok);
        return ok ? _registry.Set(rest[0], options, r) : r;
    }

    private static CommandResult? NeedBond(List<string> rest, CommandResult r) =>
        rest.Count == 0 ? r.Fail("a bond name is needed\n" + Usage, 2) : null;

    /// <summary>opt=value words, each name resolved to its option here, once; a word without '=' is refused rather than guessed at.</summary>
    internal static List<OptionAssignment> ParseOptions(IEnumerable<string> words, CommandResult r, out bool ok)
    {
        List<OptionAssignment> options = [];
        ok = true;
        foreach (string w in words)
        {
            int eq = w.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                r.Fail($"'{w}' is not an option=value pair");
                ok = false;
                return [];
            }
            string name = w[..eq];
            if (!OptionTable.IsKnown(name))
            {
                r.Fail($"unknown option '{name}'");
                ok = false;
                return [];
            }
            options.Add(OptionTable.Assign(name, w[(eq + 1)..]));
        }
        return options;
    }

    private CommandResult Status(List<string> rest, CommandResult r)
    {
        bool json = rest.Remove("--json");
        if (rest.FirstOrDefault(a => a.StartsWith('-')) is { } flag)
        {
            return r.Fail($"status: unknown option '{flag}' (status [BOND...] [--json])", 2);
        }
        List<Linux.BondRuntime> bonds = [.. _registry.Bonds.OrderBy(b => b.Bond.Name, StringComparer.Ordinal)];
        if (rest.Count > 0)
        {
            if (rest.FirstOrDefault(n => _registry.Find(n) == null) is { } missing)
            {
                return r.Fail($"{missing}: no such bond");
            }
            bonds = [.. rest.Distinct().Select(n => _registry.Find(n)!)];
        }
        if (json)
        {
            r.Out.Append(StatusJson.Render(bonds)).Append('\n');
            return r;
        }
        if (bonds.Count == 0)
        {
            return r.Line("no bonds");
        }
        foreach (Linux.BondRuntime b in bonds)
        {
            RefreshSpeeds(b);
            r.Out.Append(ProcStatus.Render(b.Snapshot()));
            // NetBond's own line after the kernel's text: which data path carries the frames, and why not the kernel's.
            r.Out.Append("\nNetBond Data Path: ").Append(b.DataPath.Name)
                .Append(b.DataPathNote() is { } why ? $" ({why})" : "").Append('\n');
            if (bonds.Count > 1)
            {
                r.Out.Append('\n');
            }
        }
        return r;
    }

    private CommandResult Show(List<string> rest, CommandResult r)
    {
        string text = ShowRenderer.Render(_registry, rest.Count > 0 ? rest[0] : null, out string? error);
        return error != null ? r.Fail(error) : r.Line(text.TrimEnd('\n'));
    }

    /// <summary>The kernel refreshes speed and duplex on link events; reading them for a status is as good and cheaper.</summary>
    private static void RefreshSpeeds(Linux.BondRuntime b)
    {
        foreach (Member m in b.Bond.Members)
        {
            (int speed, int duplex) = b.Ethtool.GetSettings(m.Name);
            m.Speed = speed;
            m.Duplex = duplex;
        }
    }
}
