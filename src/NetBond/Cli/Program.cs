using NetBond;

// Invoked through a link named ifenslave, speak the classic syntax (the ./netbond script passes the name it was called by).
string invokedAs = Path.GetFileName(Environment.GetEnvironmentVariable("NETBOND_ARGV0") ?? Environment.GetCommandLineArgs()[0]);
List<string> argv = [.. args];
if (invokedAs == "ifenslave")
{
    argv.Insert(0, "ifenslave");
}
// `-n NAME` (as `ip -n`): everything that follows happens in that network namespace, the daemon's work included.
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
        NetBond.Linux.NetworkNamespace.EnterForGood(path);
    }
    catch (NetBond.Linux.Interop.NativeException e)
    {
        Console.Error.Write($"netbond: cannot enter the network namespace {argv[1]}: {e.Message}\n");
        return 1;
    }
    argv.RemoveRange(0, 2);
}
if (argv.Count == 0)
{
    Console.Error.Write(CommandTable.Usage);
    return 2;
}
if (CommandTable.Find(argv[0]) is not { } command)
{
    Console.Error.Write($"netbond: unknown command '{argv[0]}'\n{CommandTable.Usage}");
    return 2;
}
if (command.RunCli == null || command.NeedsRoot)
{
    if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root" && !ControlClient.IsRoot())
    {
        Console.Error.WriteLine("netbond: must be run as root");
        return 1;
    }
}
return command.RunCli?.Invoke(argv) ?? ControlClient.Run(argv);
