namespace NetBond.Core.Tests;

/// <summary>A simulation on a virtual clock that runs a given number of milliseconds at a time.</summary>
internal interface IVirtualWorld
{
    long Now { get; }

    void Run(long ms);
}

internal static class VirtualWorlds
{
    /// <summary>Runs until <paramref name="done"/> holds (checked every ms), at most <paramref name="limitMs"/>; returns the time it took.</summary>
    public static long RunUntil(this IVirtualWorld world, Func<bool> done, long limitMs)
    {
        long start = world.Now;
        while (!done() && world.Now - start < limitMs)
        {
            world.Run(1);
        }
        Assert.True(done(), $"not reached within {limitMs} ms");
        return world.Now - start;
    }
}
