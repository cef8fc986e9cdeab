using System.Diagnostics;

namespace NetBond.Integration.Tests;

public class DemoTests
{
    private static Process StartDemo()
    {
        ProcessStartInfo info = new(Topology.NetBondExe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("demo");
        return Process.Start(info)!;
    }

    private static string Namespaces() => Process.Start(new ProcessStartInfo("ip", "netns list") { RedirectStandardOutput = true })!.StandardOutput.ReadToEnd();

    /// <summary>The NetBond daemons of the host's own state folder running now, by PID (the tests' daemons each have their own folder).</summary>
    private static HashSet<int> Daemons() =>
    [
        .. Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(d => d!.All(char.IsAsciiDigit)).Where(d =>
        {
            try
            {
                string cmdline = File.ReadAllText($"/proc/{d}/cmdline");
                return cmdline.Contains("netbond", StringComparison.Ordinal) && cmdline.Contains("\0daemon", StringComparison.Ordinal)
                    && !File.ReadAllText($"/proc/{d}/environ").Contains("NETBOND_STATE_DIR=", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        }).Select(d => int.Parse(d!, System.Globalization.CultureInfo.InvariantCulture)),
    ];

    [IntegrationFact]
    public void The_demo_succeeds_within_a_minute_and_leaves_nothing_behind()
    {
        HashSet<int> before = Daemons();
        using Process demo = StartDemo();
        Task<string> err = demo.StandardError.ReadToEndAsync();
        string output = demo.StandardOutput.ReadToEnd();
        Assert.True(demo.WaitForExit(60_000), "the demo finishes within a minute");
        Assert.True(demo.ExitCode == 0, output + err.Result);
        Assert.Contains("bond0 is up", output);
        Assert.Contains("Currently Active Slave: eth1", output);
        Assert.Matches(@"Traffic stopped for about \d+ ms", output);
        Assert.Matches(@"eth0 [1-9]\d*, eth1 [1-9]\d*", output);
        Assert.DoesNotContain($"nbdemo-host-{demo.Id % 100000}", Namespaces());
        // Its commands went to its own daemon, which it stopped: none was started for them.
        Assert.True(Topology.Eventually(() => Daemons().IsSubsetOf(before), 5000), $"daemons left: {string.Join(", ", Daemons().Except(before))}");
    }

    [IntegrationFact]
    public void An_interrupted_demo_removes_what_it_made()
    {
        using Process demo = StartDemo();
        string id = (demo.Id % 100000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Topology.Eventually(() => Namespaces().Contains($"nbdemo-peer-{id}"), 20_000));
        Thread.Sleep(1500);
        // SIGTERM, not SIGINT: a shell that starts the tests in the background has its children ignore SIGINT.
        Process.Start("kill", $"-TERM {demo.Id}")!.WaitForExit();
        Assert.True(demo.WaitForExit(30_000));
        Assert.Equal(130, demo.ExitCode);
        Assert.DoesNotContain($"nbdemo-", Namespaces());
    }
}
