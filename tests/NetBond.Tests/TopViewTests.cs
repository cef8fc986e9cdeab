using NetBond;

namespace NetBond.Tests;

public class TopViewTests
{
    private static string Status(long rxPackets, long rxBytes, string eth1 = "") => $$$"""
        {"bonds":[{"name":"bond0","mode":"active-backup","mii_status":"up","currently_active_slave":"eth0","slaves":[
          {"name":"eth0","mii_status":"up","state":"active","link_failure_count":0,
           "counters":{"rx_packets":{{{rxPackets}}},"rx_bytes":{{{rxBytes}}},"tx_packets":10,"tx_bytes":1000}}{{{eth1}}}]}]}
        """;

    [Fact]
    public void Rates_are_counter_differences_per_second_and_a_new_member_has_none_yet()
    {
        string eth1 = """,{"name":"eth1","mii_status":"down","state":"backup","link_failure_count":3,"counters":{"rx_packets":9,"rx_bytes":9,"tx_packets":9,"tx_bytes":9}}""";
        List<TopBond> view = TopView.Between(Status(1000, 1_000_000), Status(3000, 3_500_000, eth1), 2);
        TopRow eth0 = view[0].Rows[0];
        Assert.Equal(1000, eth0.RxPps);
        Assert.Equal(10, eth0.RxMbps);
        Assert.Equal(0, eth0.TxPps);
        Assert.True(eth0.Active);
        TopRow newcomer = view[0].Rows[1];
        Assert.Equal((0.0, 3L, "down"), (newcomer.RxPps, newcomer.LinkFailures, newcomer.Mii));
        string plain = TopView.Plain(view, DateTimeOffset.UnixEpoch);
        Assert.Contains("bond0  active-backup  MII up  active eth0", plain, StringComparison.Ordinal);
        Assert.Matches(@"\*eth0\s+up\s+active\s+1000\s+10\.00\s+0\s+0\.00\s+0", plain);
    }
}
