using NetBond;
using NetBond.Linux;

// Run by a container runtime as a CNI plugin (type netbond): the spec's protocol, nothing else on stdout.
if (Environment.GetEnvironmentVariable("CNI_COMMAND") != null)
{
    return NetBond.Cni.CniPlugin.Run();
}
// Invoked through a link named ifenslave, speak the classic syntax (the ./netbond script passes the name it was called by).
string invokedAs = Path.GetFileName(Environment.GetEnvironmentVariable("NETBOND_ARGV0") ?? Environment.GetCommandLineArgs()[0]);
List<string> argv = [.. args];
if (invokedAs == "ifenslave")
{
    argv.Insert(0, "ifenslave");
}
// `-batch FILE [-force]` (as `ip -batch`): one command per line, each with its own `-n` if it likes.
if (argv.Count > 0 && argv[0] is "-b" or "-batch" or "--batch")
{
    if (argv.Count < 2 || argv.Count > 3 || (argv.Count == 3 && argv[2] is not ("-force" or "--force")))
    {
        Console.Error.Write($"netbond: usage: netbond {argv[0]} FILE|- [-force]\n");
        return 2;
    }
    return BatchFile.Run(argv[1], force: argv.Count == 3, line => RunCommand(line, inBatch: true));
}
return RunCommand(argv, inBatch: false);

// One command line: `-n NAME` (as `ip -n`) first makes everything after it happen in that network namespace, the
// daemon's work included — for good, or in a batch until the line is done.
static int RunCommand(List<string> argv, bool inBatch)
{
    NetworkNamespace? netns = null;
    if (argv.Count > 0 && argv[0] is "-n" or "-netns" or "--netns")
    {
        if (argv.Count < 2)
        {
            Console.Error.Write($"netbond: {argv[0]} needs a network namespace (a name under /run/netns, or a path)\n");
            return 2;
        }
        string path = argv[1].Contains('/') ? argv[1] : $"/run/netns/{argv[1]}";
        try
        {
            netns = NetworkNamespace.Open(path);
        }
        catch (NetBond.Linux.Interop.NativeException e)
        {
            Console.Error.Write($"netbond: cannot enter the network namespace {argv[1]}: {e.Message}\n");
            return 1;
        }
        argv = argv[2..];
    }
    using (netns)
    {
        if (netns == null)
        {
            return Dispatch(argv, inBatch);
        }
        if (!inBatch)
        {
            netns.EnterForGood();
            return Dispatch(argv, inBatch);
        }
        using NetworkNamespace.Scope inside = netns.Enter();
        return Dispatch(argv, inBatch);
    }
}

static int Dispatch(List<string> argv, bool inBatch)
{
    if (argv.Count == 0)
    {
        Console.Error.Write(CommandTable.Usage);
        return 2;
    }
    if (CommandTable.Find(argv[0]) is not { } command || (inBatch && !command.InBatch))
    {
        Console.Error.Write(inBatch && CommandTable.Find(argv[0]) != null
            ? $"netbond: '{argv[0]}' does not belong in a batch\n"
            : $"netbond: unknown command '{argv[0]}'\n{CommandTable.Usage}");
        return 2;
    }
    if (command.RunCli == null || command.NeedsRoot)
    {
        if (!ControlClient.IsRoot())
        {
            Console.Error.WriteLine("netbond: must be run as root");
            return 1;
        }
    }
    return command.RunCli?.Invoke(argv) ?? ControlClient.Run(argv);
}
