using NetBond;

// Invoked through a link named ifenslave, speak the classic syntax (the ./netbond script passes the name it was called by).
string invokedAs = Path.GetFileName(Environment.GetEnvironmentVariable("NETBOND_ARGV0") ?? Environment.GetCommandLineArgs()[0]);
List<string> argv = [.. args];
if (invokedAs == "ifenslave")
{
    argv.Insert(0, "ifenslave");
}

if (argv.Count == 0 || argv[0] is "-h" or "--help" or "help")
{
    Console.Out.Write(CommandProcessor.Usage);
    return argv.Count == 0 ? 2 : 0;
}
if (argv[0] is "-V" or "--version" or "version")
{
    Console.WriteLine($"netbond v{NetBond.Core.ProcStatus.Version}");
    return 0;
}
if (argv[0] == "--man")
{
    Console.Out.Write(ManualPages.Manual());
    return 0;
}
if (argv is ["--completion", "bash"])
{
    Console.Out.Write(ManualPages.BashCompletion());
    return 0;
}
if (argv[0] == "demo")
{
    return Demo.Run(keep: argv.Contains("--keep"));
}
if (argv[0] == "daemon")
{
    int metrics = argv.IndexOf("--metrics");
    if (metrics >= 0 && metrics + 1 >= argv.Count)
    {
        Console.Error.WriteLine("netbond daemon: --metrics needs ADDRESS:PORT");
        return 2;
    }
    int root = argv.IndexOf("--root");
    string? upRoot = argv.Contains("--up-all") ? (root >= 0 && root + 1 < argv.Count ? argv[root + 1] : "/") : null;
    return Daemon.Run(background: argv.Contains("--background"), metrics: metrics >= 0 ? argv[metrics + 1] : null, upRoot);
}
if (argv[0] == "ifenslave" && argv.Skip(1).Any(a => a is "-h" or "--howto" or "--help" or "-V" or "--version" or "-u" or "--usage"))
{
    // Help and version need no daemon: answer them here, as the classic tool did, without root.
    string flag = argv.Skip(1).First(a => a is "-h" or "--howto" or "--help" or "-V" or "--version" or "-u" or "--usage");
    Console.Out.WriteLine(flag is "-V" or "--version" ? IfenslaveCommand.VersionLine : flag is "-u" or "--usage" ? IfenslaveCommand.UsageText : IfenslaveCommand.Howto);
    return 0;
}
if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root" && !IsRoot())
{
    Console.Error.WriteLine("netbond: must be run as root");
    return 1;
}
return argv[0] is "up" or "down" or "reload" ? ConfigCommands.Run(argv) : ControlClient.Run(argv);

static bool IsRoot() => File.ReadAllLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0");
