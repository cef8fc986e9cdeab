namespace NetBond.Tests;

public class JournalPriorityTests
{
    [Theory]
    [InlineData("bond0: now running without any active interface!", 3)]
    [InlineData("bond0: link status definitely down for interface eth0, disabling it", 4)]
    [InlineData("bond0: cannot set MAC 02:00:00:00:00:01 on eth0: busy", 4)]
    [InlineData("bond0: making interface eth1 the new active one", 6)]
    [InlineData("serving Prometheus metrics on http://127.0.0.1:9103/metrics", 6)]
    public void Messages_get_the_priority_the_kernel_gives_the_same_news(string message, int priority) =>
        Assert.Equal(priority, JournalPriority.Of(message));
}
