namespace NetBond.Tests;

/// <summary>One command table serves dispatch, help, the manual page and the completion: they cannot disagree.</summary>
public class CommandTableTests
{
    [Fact]
    public void Every_command_has_one_name_and_something_that_runs_it()
    {
        List<string> words = [.. CommandTable.All.SelectMany(c => c.Aliases.Prepend(c.Name))];
        Assert.Equal(words.Count, words.Distinct().Count());
        // events is the daemon's own: it answers, then keeps the connection for the event lines.
        Assert.All(CommandTable.All.Where(c => c.Name != "events"), c => Assert.True(c.RunCli != null || c.RunDaemon != null, c.Name));
        Assert.All(CommandTable.All.Where(c => !c.NeedsRoot), c => Assert.NotNull(c.RunCli));
    }

    [Fact]
    public void Help_the_manual_page_and_the_completion_list_every_visible_command()
    {
        string manual = ManualPages.Manual();
        string completion = ManualPages.BashCompletion();
        foreach (Command c in CommandTable.All.Where(c => !c.Hidden))
        {
            Assert.Contains($"\n  {c.Name} {c.Arguments}".TrimEnd(), CommandTable.Usage, StringComparison.Ordinal);
            Assert.Contains($"\\fB{c.Name}\\fR", manual, StringComparison.Ordinal);
            Assert.Matches($"compgen -W \"[^\"]*\\b{c.Name}\\b", completion);
        }
        Assert.DoesNotContain("up-apply", CommandTable.Usage + manual + completion, StringComparison.Ordinal);
    }

    [Fact]
    public void The_daemon_refuses_what_is_not_its_command_with_the_usage()
    {
        CommandProcessor processor = new(null!);
        foreach (string word in new[] { "frobnicate", "top", "demo", "--man" })
        {
            CommandResult r = processor.Execute([word]);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains($"unknown command '{word}'", r.Err.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Time_warp_is_refused_by_a_daemon_not_started_for_it()
    {
        CommandResult r = new CommandProcessor(null!, new DaemonClock()).Execute(["time/warp", "8000"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("NETBOND_TIME_WARP=1", r.Err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_line_splits_at_white_space_and_quotes_keep_it_in_a_word()
    {
        Assert.Equal(["-n", "ns 1", "add", "bond0", "mode=active-backup"], BatchFile.Words("  -n 'ns 1'\tadd bond0   \"mode=\"active-backup "));
        Assert.Equal(["set", "bond0", "arp_ip_target="], BatchFile.Words("set bond0 arp_ip_target=\"\""));
        Assert.Null(BatchFile.Words("add 'bond0"));
        Assert.All(CommandTable.All.Where(c => !c.InBatch), c => Assert.Contains(c.Name, new[] { "events", "top", "daemon", "demo" }));
    }
}
