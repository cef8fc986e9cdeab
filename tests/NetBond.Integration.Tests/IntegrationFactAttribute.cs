using System.Runtime.CompilerServices;

// Every test makes its own namespaces, state folder and daemons, under names no other test uses: test classes run
// side by side. Most of a test's time is waiting (for a timer, a link, a peer), so four at a time on two cores.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass, MaxParallelThreads = 4)]

namespace NetBond.Integration.Tests;

/// <summary>
/// A test that needs root and the real kernel. Without root it is skipped on a developer's machine; under
/// CI=true it runs anyway, and fails on the missing capability instead of hiding it.
/// </summary>
public sealed class IntegrationFactAttribute : FactAttribute
{
    public IntegrationFactAttribute([CallerMemberName] string? name = null)
    {
        if (!Environment.GetEnvironmentVariable("CI").IsTrue() && Environment.UserName != "root" && !Topology.IsRoot)
        {
            Skip = "needs root (network namespaces); runs in CI";
        }
    }
}

/// <summary>The data-driven form of <see cref="IntegrationFactAttribute"/>, with the same rule for root.</summary>
public sealed class IntegrationTheoryAttribute : TheoryAttribute
{
    public IntegrationTheoryAttribute()
    {
        if (!Environment.GetEnvironmentVariable("CI").IsTrue() && Environment.UserName != "root" && !Topology.IsRoot)
        {
            Skip = "needs root (network namespaces); runs in CI";
        }
    }
}

internal static class StringFlags
{
    public static bool IsTrue(this string? value) => value is "true" or "1" or "yes";
}

/// <summary>
/// Tests whose frames cross the data path carry <c>[Trait(DataPaths.Trait, DataPaths.Both)]</c>: test.sh runs them
/// a second time with auto choosing the userspace path. The rest (the CLI, the daemon, config files) take no
/// frame through it and run once.
/// </summary>
internal static class DataPaths
{
    public const string Trait = "DataPath";
    public const string Both = "both";
}

/// <summary>
/// Tests that load the whole machine — building the package (a minute of two cores), ARP floods of 10 000 frames a
/// second — or that judge links by 100-ms ARP intervals run after the others, alone: beside the rest they would slow
/// every other test's timers and peers, and be slowed by them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "alone";
}
