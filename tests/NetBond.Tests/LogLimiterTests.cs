namespace NetBond.Tests;

public class LogLimiterTests
{
    [Fact]
    public void A_flood_logs_a_burst_per_window_and_the_next_line_counts_what_was_held_back()
    {
        List<string> lines = [];
        long now = 0;
        LogLimiter limiter = new(lines.Add, () => now, burst: 10, windowMs: 10_000);
        for (int i = 0; i < 100_000; i++)
        {
            limiter.Log("control connection failed: Broken pipe");
            now += i % 20 == 0 ? 1 : 0;
        }
        Assert.Equal(10, lines.Count);

        now += 10_000;
        limiter.Log("control connection failed: Broken pipe");
        Assert.Equal(11, lines.Count);
        Assert.Equal("control connection failed: Broken pipe (and 99990 more like it, not logged)", lines[^1]);
        limiter.Log("control connection failed: Broken pipe");
        Assert.Equal("control connection failed: Broken pipe", lines[^1]);
    }
}
