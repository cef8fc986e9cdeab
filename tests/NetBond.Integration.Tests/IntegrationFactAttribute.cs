using System.Runtime.CompilerServices;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

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
