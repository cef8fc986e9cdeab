using NetBond.Linux;
using NetBond.Linux.Bpf;

namespace NetBond.Tests;

/// <summary>The ELF reader on the embedded object, and on objects it must refuse with a clear message (no root needed).</summary>
public class BpfObjectTests
{
    [Fact]
    public void The_embedded_object_has_the_programs_and_maps_the_loader_expects()
    {
        BpfObject obj = KernelDataPath.EmbeddedObject;
        Assert.Equal(["bond_egress", "member_ingress", "hash_probe"], obj.Programs.Select(p => p.Name));
        // The programs reference maps of maps, one per kind of a bond's maps, indexed by bond id.
        string[] kinds = ["config", "members", "counters", "rr_counter", "tlb", "tlb_load", "member_macs", "rx_ipv6"];
        Assert.Equal(kinds, obj.Maps.Select(m => m.Name));
        Assert.Equal(kinds, obj.BondMaps.Select(m => m.Name));
        Assert.All(obj.Maps, m => Assert.Equal((12u, (uint)BpfContract.MaxBonds), (m.Type, m.MaxEntries))); // BPF_MAP_TYPE_ARRAY_OF_MAPS
        Assert.StartsWith("Dual MIT/GPL", obj.License, StringComparison.Ordinal);
        BpfProgramText egress = obj.Program("bond_egress");
        Assert.Equal(0, egress.Instructions.Length % 8);
        Assert.NotEmpty(egress.MapReferences);
        // Every map reference is an ld_imm64 (opcode 0x18) the loader can patch.
        Assert.All(obj.Programs.SelectMany(p => p.MapReferences.Select(r => p.Instructions[r.InstructionOffset])), op => Assert.Equal(0x18, op));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(200)]
    [InlineData(4000)]
    public void A_truncated_object_is_refused_as_such(int length)
    {
        byte[] whole = File.ReadAllBytes(ObjectPath());
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => BpfObject.Parse(whole[..Math.Min(length, whole.Length - 1)]));
        Assert.False(string.IsNullOrEmpty(e.Message));
    }

    [Fact]
    public void An_object_for_another_machine_is_refused()
    {
        byte[] elf = File.ReadAllBytes(ObjectPath());
        elf[18] = 62; // EM_X86_64
        Assert.Contains("not a BPF object", Assert.Throws<InvalidDataException>(() => BpfObject.Parse(elf)).Message, StringComparison.Ordinal);
    }

    private static string ObjectPath() => BpfContractTests.RepoFile("bpf/netbond.bpf.o");
}
