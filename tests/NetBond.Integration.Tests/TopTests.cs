using System.Text.RegularExpressions;

namespace NetBond.Integration.Tests;

/// <summary>`netbond top`: plain blocks when its output is a pipe, the live table on a terminal.</summary>
[Trait(DataPaths.Trait, DataPaths.Both)]
public class TopTests
{
    [IntegrationFact]
    public void Top_shows_each_members_rates_in_plain_text_and_as_a_table_on_a_terminal()
    {
        using Topology t = new(members: 2);
        t.StartDaemon();
        t.WaitForDaemon();
        t.AddBond("mode=active-backup miimon=100");
        t.NetBond("enslave bond0 eth0 eth1").ShouldSucceed();
        Assert.True(Topology.Eventually(() => t.Ping(1), 5000));
        System.Diagnostics.Process traffic = t.Start($"ip netns exec {t.Host} ping -i 0.005 -c 600 -q {Topology.PeerAddress}");
        string plain = t.NetBond("top --count 3 --interval 0.5").ShouldSucceed().Out;
        string[] blocks = plain.Split("netbond top ", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, blocks.Length);
        Match eth0 = Regex.Match(blocks[2], @"\*eth0\s+up\s+active\s+(\d+)\s+[\d.]+\s+(\d+)");
        Assert.True(eth0.Success, plain);
        Assert.InRange(int.Parse(eth0.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 50, 1000);
        Assert.InRange(int.Parse(eth0.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 50, 1000);
        Assert.Matches(@"  eth1\s+up\s+backup\s+\d+", blocks[2]);

        // On a terminal (script gives it one): the live table.
        string table = t.In(t.Host, $"TERM=xterm-256color script -qfec \"stty cols 160; {Topology.NetBondExe} top --count 1\" /dev/null").ShouldSucceed().Out;
        Assert.Contains("bond0", table, StringComparison.Ordinal);
        Assert.Contains("rx Mbit/s", table, StringComparison.Ordinal);
        Assert.Contains("╭", table, StringComparison.Ordinal);
        Topology.Finish(traffic);
    }
}
