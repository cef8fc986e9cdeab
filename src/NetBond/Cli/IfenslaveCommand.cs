using NetBond.Core;

namespace NetBond;

/// <summary>
/// The classic ifenslave(8) syntax of the 2.4-era tool (Documentation/networking/ifenslave.c):
/// `ifenslave [-adfhvV] MASTER SLAVE...`, `-d` detach, `-c MASTER SLAVE` change active.
/// </summary>
internal sealed class IfenslaveCommand
{
    public const string UsageText = """
        Usage:
          ifenslave [-adfrvVh] <master-interface> < <slave-if> [metric <N>] > ...
          ifenslave -c master-interface slave-if
        """;

    public const string Howto = """
        To create a bond device, simply follow these three steps :
        - ensure that the required drivers are properly loaded :
          # netbond add bond0 mode=active-backup miimon=100   (NetBond needs no module)
        - assign an IP address to the bond device :
          # ip addr add 198.18.0.1/24 dev bond0 && ip link set bond0 up
        - attach all the interfaces you need to the bond device :
          # ifenslave [{-f|--force}] bond0 eth0 [eth1 [eth2]...]
          If bond0 didn't have a MAC address, it will take eth0's. Then, all
          interfaces attached AFTER this assignment will get the same MAC addr.
          (except for ALB/TLB modes)

          To detach a dead interface without setting the bond device down :
           # ifenslave {-d|--detach} bond0 eth0 [eth1 [eth2]...]

          To change active slave :
           # ifenslave {-c|--change-active} bond0 eth0

          To show master interface info
           # ifenslave bond0

          To show all interfaces info
           # ifenslave {-a|--all-interfaces}

          To be more verbose
           # ifenslave {-v|--verbose} ...

          # ifenslave {-u|--usage}   Show usage
          # ifenslave {-V|--version} Show version
          # ifenslave {-h|--help}    This message
        """;

    private readonly BondRegistry _registry;
    /// <summary>In the CLI: help, usage and version are answered here, without root or a daemon; the rest goes to the daemon.</summary>
    public static int RunCli(IReadOnlyList<string> argv)
    {
        if (argv.Skip(1).FirstOrDefault(a => a is "-h" or "--howto" or "--help" or "-V" or "--version" or "-u" or "--usage") is not { } flag)
        {
            return ControlClient.Run(argv);
        }
        Console.Out.WriteLine(flag is "-V" or "--version" ? VersionLine : flag is "-u" or "--usage" ? UsageText : Howto);
        return 0;
    }

    private readonly CommandProcessor _processor;

    public IfenslaveCommand(BondRegistry registry, CommandProcessor processor)
    {
        _registry = registry;
        _processor = processor;
    }

    public static string VersionLine => $"ifenslave (NetBond) v{ProcStatus.Version}";

    public CommandResult Execute(IReadOnlyList<string> args, CommandResult r)
    {
        bool change = false, detach = false, verbose = false;
        List<string> names = [];
        foreach (string a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                switch (a)
                {
                    case "--all-interfaces": break;
                    case "--change-active": change = true; break;
                    case "--detach": detach = true; break;
                    case "--force": break;
                    case "--verbose": verbose = true; break;
                    case "--howto": return r.Line(Howto);
                    case "--version": return r.Line(VersionLine);
                    case "--usage": return r.Line(UsageText);
                    case "--help": return r.Line(Howto);
                    case "--receive-slave": return r.Fail("ifenslave: receive-only slaves (-r) are not supported by NetBond", 2);
                    default: return r.Fail($"ifenslave: unknown option {a}\n{UsageText}", 2);
                }
            }
            else if (a.Length > 1 && a[0] == '-')
            {
                foreach (char c in a[1..])
                {
                    switch (c)
                    {
                        case 'a': break;
                        case 'c': change = true; break;
                        case 'd': detach = true; break;
                        case 'f': break;
                        case 'v': verbose = true; break;
                        case 'h': return r.Line(Howto);
                        case 'V': return r.Line(VersionLine);
                        case 'u': return r.Line(UsageText);
                        case 'r': return r.Fail("ifenslave: receive-only slaves (-r) are not supported by NetBond", 2);
                        default: return r.Fail($"ifenslave: invalid option -- '{c}'\n{UsageText}", 2);
                    }
                }
            }
            else
            {
                names.Add(a);
            }
        }
        // "metric N" after a slave name set the slave's routing metric in 2001; members carry no addresses now.
        for (int i = names.Count - 2; i >= 1; i--)
        {
            if (names[i] == "metric")
            {
                r.Warn($"ifenslave: ignoring 'metric {names[i + 1]}': members carry no addresses");
                names.RemoveRange(i, 2);
            }
        }
        if (verbose)
        {
            r.Line(VersionLine);
        }
        if (change)
        {
            if (detach || names.Count != 2)
            {
                return r.Fail("ifenslave: -c takes exactly a master and one slave and no other option\n" + UsageText, 2);
            }
            return _processor.Execute(["active", names[0], names[1]]).MergeInto(r);
        }
        if (names.Count == 0)
        {
            return _processor.Execute(["show"]).MergeInto(r);
        }
        if (names.Count == 1)
        {
            return _registry.Find(names[0]) == null
                ? r.Fail($"{names[0]}: no such bond")
                : _processor.Execute(["show", names[0]]).MergeInto(r);
        }
        if (_registry.Find(names[0]) == null)
        {
            // The 2001 guide's `alias bond0 bonding` loaded the module, which made the bond; here bonds are made on request.
            return r.Fail($"{names[0]}: no such bond; make it first with `netbond add {names[0]} mode=active-backup miimon=100` "
                + $"(with the options you want), or from the distribution's files with `netbond up {names[0]}`");
        }
        string verb = detach ? "release" : "enslave";
        if (verbose)
        {
            r.Line($"{(detach ? "Releasing" : "Enslaving")} {string.Join(", ", names.Skip(1))} {(detach ? "from" : "to")} {names[0]}");
        }
        return _processor.Execute([verb, .. names]).MergeInto(r);
    }
}

internal static class CommandResultExtensions
{
    public static CommandResult MergeInto(this CommandResult from, CommandResult into)
    {
        into.Out.Append(from.Out);
        into.Err.Append(from.Err);
        into.ExitCode = from.ExitCode;
        return into;
    }
}
