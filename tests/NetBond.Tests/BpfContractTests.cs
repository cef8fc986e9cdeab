using NetBond.Linux.Bpf;

namespace NetBond.Tests;

/// <summary>The eBPF programs' header is what the C# contract renders, so C# and C share one definition of the maps.</summary>
public class BpfContractTests
{
    [Fact]
    public void The_checked_in_header_is_the_rendering_of_the_csharp_contract()
    {
        string path = RepoFile("bpf/netbond_contract.h");
        string rendered = BpfContract.Header();
        if (Environment.GetEnvironmentVariable("NETBOND_WRITE_CONTRACT") == "1")
        {
            File.WriteAllText(path, rendered);
        }
        Assert.True(File.ReadAllText(path) == rendered,
            "bpf/netbond_contract.h is not what src/NetBond.Linux/Bpf/BpfContract.cs renders: run bpf/build, which renders it and compiles the programs again");
    }

    [Fact]
    public void The_objects_maps_hold_values_of_the_contracts_sizes()
    {
        Dictionary<string, uint> sizes = Linux.KernelDataPath.EmbeddedObject.BondMaps.ToDictionary(m => m.Name, m => m.ValueSize);
        unsafe
        {
            Assert.Equal((uint)sizeof(PlanConfig), sizes["config"]);
            Assert.Equal((uint)sizeof(MemberEntry), sizes["members"]);
            Assert.Equal((uint)sizeof(BpfCounters), sizes["counters"]);
            Assert.Equal((uint)sizeof(TlbPositions), sizes["tlb"]);
            Assert.Equal((uint)sizeof(TlbLoad), sizes["tlb_load"]);
        }
    }

    /// <summary>A file of the repository, found above the test binaries.</summary>
    internal static string RepoFile(string relative)
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "NetBond.slnx")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new FileNotFoundException($"{relative} above the test binaries");
        }
        return Path.Combine(dir, relative);
    }
}
