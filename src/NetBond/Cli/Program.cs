using NetBond;

// Invoked through a link named ifenslave, speak the classic syntax (the ./netbond script passes the name it was called by).
string invokedAs = Path.GetFileName(Environment.GetEnvironmentVariable("NETBOND_ARGV0") ?? Environment.GetCommandLineArgs()[0]);
List<string> argv = [.. args];
if (invokedAs == "ifenslave")
{
    argv.Insert(0, "ifenslave");
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
