using System.Buffers.Binary;
using System.Text;

namespace NetBond.Linux.Bpf;

/// <summary>A map the object declares: its struct map_def in the "maps" section (bpf/netbond.bpf.c).</summary>
public sealed record BpfMapDefinition(string Name, uint Type, uint KeySize, uint ValueSize, uint MaxEntries);

/// <summary>One ld_imm64 instruction that must carry a map's descriptor.</summary>
public readonly record struct BpfMapReference(int InstructionOffset, string Map);

/// <summary>A program: its function name, section, instructions and the map references to patch.</summary>
public sealed record BpfProgramText(string Name, string Section, byte[] Instructions, IReadOnlyList<BpfMapReference> MapReferences);

/// <summary>
/// Reads the ELF64 little-endian relocatable object clang makes for target bpf: the "maps" section's
/// definitions, the "license" string, and every executable section as one program whose R_BPF_64_64
/// relocations name maps. That is all a NetBond object holds: no BTF, no CO-RE, no calls between functions.
/// </summary>
public sealed class BpfObject
{
    private const uint SHT_SYMTAB = 2;
    private const uint SHT_REL = 9;
    private const ulong SHF_EXECINSTR = 4;
    private const uint R_BPF_64_64 = 1;
    private const int MapDefSize = 20;

    private BpfObject(string license, List<BpfMapDefinition> maps, List<BpfMapDefinition> bondMaps, List<BpfProgramText> programs)
    {
        License = license;
        Maps = maps;
        BondMaps = bondMaps;
        Programs = programs;
    }

    public string License { get; }
    /// <summary>The maps the programs reference (the "maps" section): one of each per loaded object.</summary>
    public IReadOnlyList<BpfMapDefinition> Maps { get; }

    /// <summary>
    /// One bond's maps (the "bond_maps" section, NAME_def): one set per bond, each in the map of maps of the same NAME
    /// at the bond's id.
    /// </summary>
    public IReadOnlyList<BpfMapDefinition> BondMaps { get; }
    public IReadOnlyList<BpfProgramText> Programs { get; }

    public BpfProgramText Program(string name) =>
        Programs.FirstOrDefault(p => p.Name == name) ?? throw new InvalidDataException($"the BPF object has no program {name}");

    private readonly record struct Section(string Name, uint Type, ulong Flags, int Offset, int Size, uint Link, uint Info, int EntrySize);

    private readonly record struct Symbol(string Name, int SectionIndex, ulong Value, byte Info);

    /// <exception cref="InvalidDataException">Not an object this reader understands.</exception>
    public static BpfObject Parse(byte[] elf)
    {
        try
        {
            return ParseChecked(elf);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException("truncated BPF object", e);
        }
    }

    private static BpfObject ParseChecked(byte[] elf)
    {
        ReadOnlySpan<byte> b = elf;
        if (b.Length < 64 || !b[..4].SequenceEqual("\u007fELF"u8) || b[4] != 2 || b[5] != 1)
        {
            throw new InvalidDataException("not an ELF64 little-endian object");
        }
        if (BinaryPrimitives.ReadUInt16LittleEndian(b[18..]) != 247)
        {
            throw new InvalidDataException("not a BPF object (e_machine is not EM_BPF)");
        }
        int shoff = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(b[40..]));
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(b[58..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(b[60..]);
        int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(b[62..]);
        Section[] sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            ReadOnlySpan<byte> h = b.Slice(shoff + (i * shentsize), 64);
            sections[i] = new Section("", BinaryPrimitives.ReadUInt32LittleEndian(h[4..]), BinaryPrimitives.ReadUInt64LittleEndian(h[8..]),
                checked((int)BinaryPrimitives.ReadUInt64LittleEndian(h[24..])), checked((int)BinaryPrimitives.ReadUInt64LittleEndian(h[32..])),
                BinaryPrimitives.ReadUInt32LittleEndian(h[40..]), BinaryPrimitives.ReadUInt32LittleEndian(h[44..]),
                checked((int)BinaryPrimitives.ReadUInt64LittleEndian(h[56..])));
        }
        Section names = sections[shstrndx];
        for (int i = 0; i < shnum; i++)
        {
            int nameOffset = BinaryPrimitives.ReadInt32LittleEndian(b.Slice(shoff + (i * shentsize), 4));
            sections[i] = sections[i] with { Name = CString(b, names.Offset + nameOffset) };
        }

        Section symtab = sections.Single(s => s.Type == SHT_SYMTAB);
        Section strtab = sections[symtab.Link];
        List<Symbol> symbols = [];
        for (int at = symtab.Offset; at + 24 <= symtab.Offset + symtab.Size; at += 24)
        {
            ReadOnlySpan<byte> s = b.Slice(at, 24);
            symbols.Add(new Symbol(CString(b, strtab.Offset + BinaryPrimitives.ReadInt32LittleEndian(s)),
                BinaryPrimitives.ReadUInt16LittleEndian(s[6..]), BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), s[4]));
        }

        int mapsIndex = Array.FindIndex(sections, s => s.Name == "maps");
        List<BpfMapDefinition> maps = Definitions(elf, sections, symbols, mapsIndex, "");
        Dictionary<ulong, string> mapAt = symbols.Where(s => s.SectionIndex == mapsIndex && maps.Any(m => m.Name == s.Name)).ToDictionary(s => s.Value, s => s.Name);
        List<BpfMapDefinition> bondMaps = Definitions(elf, sections, symbols, Array.FindIndex(sections, s => s.Name == "bond_maps"), "_def");

        int licenseIndex = Array.FindIndex(sections, s => s.Name == "license");
        string license = licenseIndex >= 0 ? CString(b, sections[licenseIndex].Offset) : "";

        List<BpfProgramText> programs = [];
        for (int i = 0; i < shnum; i++)
        {
            Section s = sections[i];
            if ((s.Flags & SHF_EXECINSTR) == 0 || s.Size == 0)
            {
                continue;
            }
            Symbol function = symbols.FirstOrDefault(y => y.SectionIndex == i && (y.Info & 0xF) == 2 && y.Value == 0);
            if (function.Name == null)
            {
                throw new InvalidDataException($"section {s.Name} has no function at its start");
            }
            List<BpfMapReference> references = [];
            foreach (Section rel in sections.Where(r => r.Type == SHT_REL && r.Info == i))
            {
                for (int at = rel.Offset; at + 16 <= rel.Offset + rel.Size; at += 16)
                {
                    ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);
                    ulong info = BinaryPrimitives.ReadUInt64LittleEndian(b[(at + 8)..]);
                    Symbol target = symbols[(int)(info >> 32)];
                    if ((uint)info != R_BPF_64_64 || target.SectionIndex != mapsIndex || !mapAt.TryGetValue(target.Value, out string? map))
                    {
                        throw new InvalidDataException($"{s.Name}: relocation against {target.Name} is not a map reference");
                    }
                    references.Add(new BpfMapReference(checked((int)offset), map));
                }
            }
            programs.Add(new BpfProgramText(function.Name, s.Name, b.Slice(s.Offset, s.Size).ToArray(), references));
        }
        return new BpfObject(license, maps, bondMaps, programs);
    }

    /// <summary>The struct map_def of every object symbol in section <paramref name="index"/> (none when -1), named without <paramref name="suffix"/>.</summary>
    private static List<BpfMapDefinition> Definitions(byte[] elf, Section[] sections, List<Symbol> symbols, int index, string suffix)
    {
        List<BpfMapDefinition> maps = [];
        if (index < 0)
        {
            return maps;
        }
        foreach (Symbol sym in symbols.Where(s => s.SectionIndex == index && s.Name.Length > 0 && (s.Info & 0xF) == 1).OrderBy(s => s.Value))
        {
            ReadOnlySpan<byte> d = elf.AsSpan(sections[index].Offset + checked((int)sym.Value), MapDefSize);
            string name = sym.Name.EndsWith(suffix, StringComparison.Ordinal) ? sym.Name[..^suffix.Length] : sym.Name;
            maps.Add(new BpfMapDefinition(name, BinaryPrimitives.ReadUInt32LittleEndian(d), BinaryPrimitives.ReadUInt32LittleEndian(d[4..]),
                BinaryPrimitives.ReadUInt32LittleEndian(d[8..]), BinaryPrimitives.ReadUInt32LittleEndian(d[12..])));
        }
        return maps;
    }

    private static string CString(ReadOnlySpan<byte> b, int offset)
    {
        int end = b[offset..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(b.Slice(offset, end < 0 ? b.Length - offset : end));
    }
}
