using System.Text;

namespace NetBond;

/// <summary>
/// One command of netbond: its name (and other names), usage, where it runs and what runs it. A command with
/// <see cref="RunCli"/> runs in the CLI's own process (which may still ask the daemon); the others are sent to the
/// daemon, which runs <see cref="RunDaemon"/>. Hidden ones are the CLI's private requests to the daemon
/// (up-apply …) and other spellings of help and version.
/// </summary>
internal sealed record Command(string Name, string Arguments, string Description)
{
    public string[] Aliases { get; init; } = [];
    public bool Hidden { get; init; }

    /// <summary>Runs in the CLI with the whole command line; returns the exit code.</summary>
    public Func<IReadOnlyList<string>, int>? RunCli { get; init; }

    /// <summary>Runs in the daemon with the arguments after the name.</summary>
    public Func<CommandProcessor, List<string>, CommandResult, CommandResult>? RunDaemon { get; init; }

    /// <summary>Refused to anyone but root before it runs in the CLI (what the daemon runs, the daemon admits root only).</summary>
    public bool NeedsRoot { get; init; } = true;

    /// <summary>May be a line of `netbond -batch`: not one that runs until stopped or takes over the terminal.</summary>
    public bool InBatch { get; init; } = true;

    public bool Answers(string word) => word == Name || Aliases.Contains(word);
}

/// <summary>
/// Every command, once: the CLI dispatches by it (<see cref="Program"/>), the daemon executes by it
/// (<see cref="CommandProcessor"/>), and help, netbond(8) and the bash completion are rendered from it.
/// </summary>
internal static class CommandTable
{
    public static IReadOnlyList<Command> All { get; } =
    [
        new("add", "BOND [opt=value ...]", "create a bond (options are the kernel's: mode=, miimon=, ...)")
        {
            RunDaemon = (p, a, r) => p.Add(a, r),
        },
        new("del", "BOND", "release all members and delete the bond")
        {
            Aliases = ["delete"],
            RunDaemon = (p, a, r) => p.Delete(a, r),
        },
        new("enslave", "BOND IFACE...", "add members") { RunDaemon = (p, a, r) => p.Enslave(a, r) },
        new("release", "BOND IFACE...", "remove members, putting each back as it was") { RunDaemon = (p, a, r) => p.Release(a, r) },
        new("set", "BOND opt=value ...", "change options") { RunDaemon = (p, a, r) => p.Set(a, r) },
        new("active", "BOND IFACE", "make IFACE the active member") { RunDaemon = (p, a, r) => p.Active(a, r) },
        new("status", "[BOND...] [--json]", "the /proc/net/bonding text (or JSON)") { RunDaemon = (p, a, r) => p.Status(a, r) },
        new("show", "[IFACE] | --nmstate", "ifconfig-style view of bonds and members, with NetBond's counters; --nmstate: the bonds as nmstate's YAML")
        {
            RunDaemon = (p, a, r) => p.Show(a, r),
        },
        // The daemon answers it and keeps the connection for the event lines (Daemon.ServeEvents).
        new("events", "[BOND] [--json]", "follow link changes, failovers, LACP states and option changes as they happen") { InBatch = false },
        new("top", "[BOND...] [--count N]", "live per-member state and rates, refreshed every second (--interval S)")
        {
            RunCli = TopCommand.Run,
            InBatch = false,
        },
        new("up", "BOND|--all [--root DIR]",
            "bring bonds up from the distribution's files (modprobe, ifcfg, interfaces, netplan, systemd-networkd, NetworkManager)")
        {
            RunCli = ConfigCommands.Run,
        },
        new("down", "BOND|--all [--root DIR]", "take them down, putting members back as they were") { RunCli = ConfigCommands.Run },
        new("reload", "[--root DIR]", "read the files again and bring every bond to what they say now") { RunCli = ConfigCommands.Run },
        new("apply", "FILE|-", "bring bonds to nmstate's desired state (YAML, as show --nmstate prints it): up, changed live, or absent")
        {
            RunCli = ConfigCommands.Apply,
        },
        new("ifenslave", "ARGS", "the classic ifenslave syntax (ifenslave -h for help)")
        {
            // Help and version need no daemon: answered in the CLI, as the classic tool did, without root.
            RunCli = IfenslaveCommand.RunCli,
            NeedsRoot = false,
            RunDaemon = (p, a, r) => p.Ifenslave(a, r),
        },
        new("daemon", "[--metrics ADDR:PORT]", "run the daemon in the foreground (serving Prometheus metrics)")
        {
            RunCli = Daemon.RunCommand,
            InBatch = false,
        },
        new("demo", "[--keep]", "NetBond's main job in private network namespaces") { RunCli = a => Demo.Run(keep: a.Contains("--keep")), InBatch = false },
        new("help", "", "this text")
        {
            Aliases = ["-h", "--help"],
            Hidden = true,
            NeedsRoot = false,
            RunCli = a => { Console.Out.Write(Usage); return 0; },
        },
        new("version", "", "NetBond's version")
        {
            Aliases = ["-V", "--version"],
            Hidden = true,
            NeedsRoot = false,
            RunCli = a => { Console.WriteLine($"netbond v{Core.ProcStatus.Version}"); return 0; },
        },
        new("--man", "", "netbond(8)") { Hidden = true, NeedsRoot = false, RunCli = a => { Console.Out.Write(ManualPages.Manual()); return 0; } },
        new("--completion", "bash", "the bash completion")
        {
            Hidden = true,
            NeedsRoot = false,
            RunCli = a =>
            {
                if (a is not [_, "bash"])
                {
                    Console.Error.WriteLine("netbond: --completion takes bash");
                    return 2;
                }
                Console.Out.Write(ManualPages.BashCompletion());
                return 0;
            },
        },
        // The CLI's `up`, `down` and `reload` send these after they read and checked the configuration files.
        new("up-apply", "JSON", "") { Hidden = true, RunDaemon = (p, a, r) => p.UpApply(a, r) },
        new("down-apply", "BOND...", "") { Hidden = true, RunDaemon = (p, a, r) => p.DownApply(a, r) },
        new("reload-apply", "JSON", "") { Hidden = true, RunDaemon = (p, a, r) => p.ReloadApply(a, r) },
        // The CNI plugin's CHECK: how the running bond differs from its configuration.
        new("verify", "JSON", "") { Hidden = true, RunDaemon = (p, a, r) => p.Verify(a, r) },
        // Tests move the daemon's clock as ovs-appctl time/warp does (DaemonClock).
        new("time/warp", "MS [STEP_MS]", "") { Hidden = true, RunDaemon = (p, a, r) => p.TimeWarp(a, r) },
    ];

    public static Command? Find(string word) => All.FirstOrDefault(c => c.Answers(word));

    /// <summary>The visible commands, one usage line each, the description wrapped under a long one.</summary>
    public static string Usage { get; } = RenderUsage();

    private static string RenderUsage()
    {
        const int Column = 32;
        const int Width = 112;
        StringBuilder u = new("usage: netbond [-n NETNS] COMMAND [ARGS]\n       netbond -batch FILE|- [-force]\n");
        foreach (Command c in All.Where(c => !c.Hidden))
        {
            StringBuilder line = new($"  {c.Name} {c.Arguments}".TrimEnd().PadRight(Column - 1));
            foreach (string word in c.Description.Split(' '))
            {
                if (line.Length + 1 + word.Length > Width && line.Length > Column)
                {
                    u.Append(line).Append('\n');
                    line.Clear().Append(' ', Column - 1);
                }
                line.Append(' ').Append(word);
            }
            u.Append(line).Append('\n');
        }
        return u.ToString();
    }
}
