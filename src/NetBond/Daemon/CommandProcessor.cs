using NetBond.Core;

namespace NetBond;

/// <summary>The daemon side of the CLI: one command line in, its output and exit code out.</summary>
internal sealed class CommandProcessor
{
    private readonly BondRegistry _registry;
    private readonly DaemonClock? _clock;

    public CommandProcessor(BondRegistry registry, DaemonClock? clock = null)
    {
        _registry = registry;
        _clock = clock;
    }

    /// <summary>Runs a command of <see cref="CommandTable"/> that runs in the daemon.</summary>
    public CommandResult Execute(IReadOnlyList<string> args)
    {
        CommandResult r = new();
        if (args.Count == 0)
        {
            return r.Fail("no command\n" + CommandTable.Usage, 2);
        }
        return CommandTable.Find(args[0]) is { RunDaemon: { } run }
            ? run(this, [.. args.Skip(1)], r)
            : r.Fail($"unknown command '{args[0]}'\n{CommandTable.Usage}", 2);
    }

    internal CommandResult Add(List<string> rest, CommandResult r)
    {
        if (NeedBond(rest, r) is { } refused)
        {
            return refused;
        }
        List<OptionAssignment> options = ParseOptions(rest.Skip(1), r, out bool ok);
        return ok ? _registry.Add(rest[0], options, r) : r;
    }

    internal CommandResult Delete(List<string> rest, CommandResult r) => NeedBond(rest, r) ?? _registry.Delete(rest[0], r);

    internal CommandResult Enslave(List<string> rest, CommandResult r) => NeedBond(rest, r) ?? _registry.Enslave(rest[0], rest[1..], r);

    internal CommandResult Release(List<string> rest, CommandResult r) => NeedBond(rest, r) ?? _registry.Release(rest[0], rest[1..], r);

    internal CommandResult Set(List<string> rest, CommandResult r)
    {
        if (NeedBond(rest, r) is { } refused)
        {
            return refused;
        }
        List<OptionAssignment> options = ParseOptions(rest.Skip(1), r, out bool ok);
        return ok ? _registry.Set(rest[0], options, r) : r;
    }

    internal CommandResult Active(List<string> rest, CommandResult r) =>
        rest.Count == 2 ? _registry.SetActive(rest[0], rest[1], r) : r.Fail("usage: netbond active BOND IFACE", 2);

    internal CommandResult Ifenslave(List<string> rest, CommandResult r) => new IfenslaveCommand(_registry, this).Execute(rest, r);

    internal CommandResult UpApply(List<string> rest, CommandResult r) =>
        rest.Count == 1 && Config.UpRequest.FromJson(rest[0]) is { } request
            ? new Config.ConfigApplier(_registry).Up(request, r)
            : r.Fail("malformed up request", 2);

    internal CommandResult DownApply(List<string> rest, CommandResult r) => new Config.ConfigApplier(_registry).Down(rest, r);

    internal CommandResult ReloadApply(List<string> rest, CommandResult r) =>
        rest.Count == 1 && Config.UpRequest.FromJson(rest[0]) is { } reload
            ? new Config.ConfigApplier(_registry).Reload(reload, r)
            : r.Fail("malformed reload request");

    internal CommandResult Verify(List<string> rest, CommandResult r) =>
        rest.Count == 1 && Config.UpRequest.FromJson(rest[0]) is { } request
            ? new Config.ConfigApplier(_registry).Verify(request, r)
            : r.Fail("malformed verify request", 2);

    /// <summary>`time/warp MS [STEP_MS]`: the clock moves MS forward in steps (100 ms by default), the bonds' timers run after each.</summary>
    internal CommandResult TimeWarp(List<string> rest, CommandResult r)
    {
        if (_clock is not { Warpable: true })
        {
            return r.Fail($"time/warp: this daemon was not started with {DaemonClock.Variable}=1");
        }
        long step = 100;
        if (rest.Count is < 1 or > 2 || !long.TryParse(rest[0], out long total) || total is <= 0 or > 3_600_000
            || (rest.Count == 2 && (!long.TryParse(rest[1], out step) || step is <= 0 or > 60_000)))
        {
            return r.Fail("usage: netbond time/warp MS [STEP_MS] (MS at most 3600000, STEP_MS at most 60000)", 2);
        }
        for (long done = 0; done < total; done += step)
        {
            _clock.Advance(Math.Min(step, total - done));
            _registry.Tick(_clock.NowMs);
        }
        return r.Line($"warped {total} ms");
    }

    private static CommandResult? NeedBond(List<string> rest, CommandResult r) =>
        rest.Count == 0 ? r.Fail("a bond name is needed\n" + CommandTable.Usage, 2) : null;

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

    internal CommandResult Status(List<string> rest, CommandResult r)
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

    internal CommandResult Show(List<string> rest, CommandResult r)
    {
        if (rest is ["--nmstate"])
        {
            return r.Line(NmstateWriter.Render(_registry).TrimEnd('\n'));
        }
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
