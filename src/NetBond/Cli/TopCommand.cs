using System.Globalization;
using Spectre.Console;

namespace NetBond;

/// <summary>
/// `netbond top [BOND...] [--interval S] [--count N]`: each bond's members, their state and per-second rates,
/// refreshed every interval (1 s). On a terminal a live table (Spectre.Console) until Ctrl-C; otherwise plain
/// text, one block per interval, as `top -b` does.
/// </summary>
internal static class TopCommand
{
    public static int Run(IReadOnlyList<string> args)
    {
        double interval = 1;
        int count = int.MaxValue;
        List<string> bonds = [];
        for (int i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--interval" when i + 1 < args.Count && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out interval) && interval >= 0.1:
                    i++;
                    break;
                case "--count" when i + 1 < args.Count && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out count) && count > 0:
                    i++;
                    break;
                case var a when a.StartsWith('-'):
                    Console.Error.WriteLine("usage: netbond top [BOND...] [--interval SECONDS (>= 0.1)] [--count N]");
                    return 2;
                default:
                    bonds.Add(args[i]);
                    break;
            }
        }
        string? previous = null;
        DateTime previousAt = default;
        List<TopBond>? Sample()
        {
            (int exit, string output, string error) = ControlClient.Ask(["status", .. bonds, "--json"]);
            if (exit != 0)
            {
                Console.Error.Write(error);
                return null;
            }
            DateTime now = DateTime.UtcNow;
            List<TopBond> view = TopView.Between(previous, output, (now - previousAt).TotalSeconds);
            (previous, previousAt) = (output, now);
            return view;
        }
        if (Console.IsOutputRedirected || Environment.GetEnvironmentVariable("TERM") is null or "dumb")
        {
            for (int i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    Thread.Sleep(TimeSpan.FromSeconds(interval));
                }
                if (Sample() is not { } view)
                {
                    return 1;
                }
                Console.Out.Write(TopView.Plain(view, DateTimeOffset.Now));
                Console.Out.WriteLine();
                Console.Out.Flush();
            }
            return 0;
        }
        int exit = 0;
        AnsiConsole.Live(new Text("netbond top")).Start(live =>
        {
            for (int i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    Thread.Sleep(TimeSpan.FromSeconds(interval));
                }
                if (Sample() is not { } view)
                {
                    exit = 1;
                    return;
                }
                live.UpdateTarget(Render(view));
            }
        });
        return exit;
    }

    private static Rows Render(List<TopBond> bonds)
    {
        List<Spectre.Console.Rendering.IRenderable> parts = [new Markup($"[bold]netbond top[/]  {DateTimeOffset.Now:HH:mm:ss}  (Ctrl-C to quit)")];
        foreach (TopBond b in bonds)
        {
            Table t = new Table().Border(TableBorder.Rounded)
                .Title($"{Markup.Escape(b.Name)}  {Markup.Escape(b.Mode)}  MII {(b.Mii == "up" ? "[green]up[/]" : "[red]down[/]")}  active {Markup.Escape(b.Active ?? "none")}");
            foreach (string column in new[] { "member", "MII", "state", "rx pkt/s", "rx Mbit/s", "tx pkt/s", "tx Mbit/s", "failures" })
            {
                t.AddColumn(new TableColumn(column) { Alignment = column.Contains('/') || column == "failures" ? Justify.Right : Justify.Left });
            }
            foreach (TopRow r in b.Rows)
            {
                string mii = r.Mii == "up" ? "[green]up[/]" : $"[red]{Markup.Escape(r.Mii)}[/]";
                t.AddRow((r.Active ? "[bold]* " : "  ") + Markup.Escape(r.Member) + (r.Active ? "[/]" : ""), mii, Markup.Escape(r.State),
                    r.RxPps.ToString("0", CultureInfo.InvariantCulture), r.RxMbps.ToString("0.00", CultureInfo.InvariantCulture),
                    r.TxPps.ToString("0", CultureInfo.InvariantCulture), r.TxMbps.ToString("0.00", CultureInfo.InvariantCulture),
                    r.LinkFailures.ToString(CultureInfo.InvariantCulture));
            }
            parts.Add(t);
        }
        if (bonds.Count == 0)
        {
            parts.Add(new Text("no bonds"));
        }
        return new Rows(parts);
    }
}
