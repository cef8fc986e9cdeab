using System.Buffers.Binary;
using NetBond.Linux.Interop;

namespace NetBond.Linux.Bpf;

/// <summary>
/// An object's maps created and its programs loaded, as libbpf would do it but for the little an object of
/// <see cref="BpfObject"/>'s shape needs: one map per definition, then each program with every map reference's
/// ld_imm64 patched to carry the map's descriptor (src_reg BPF_PSEUDO_MAP_FD), then BPF_PROG_LOAD.
/// Disposing closes every descriptor: what a tc filter still holds lives on in the kernel until it goes.
/// </summary>
public sealed class BpfLoader : IDisposable
{
    private const byte BPF_LD_IMM64 = 0x18;
    private const byte BPF_PSEUDO_MAP_FD = 1;

    private readonly Dictionary<string, BpfHandle> _maps = [];
    private readonly Dictionary<string, BpfHandle> _programs = [];

    public BpfLoader(BpfObject obj, string prefix)
    {
        Object = obj;
        try
        {
            foreach (BpfMapDefinition d in obj.Maps)
            {
                _maps.Add(d.Name, Interop.Bpf.CreateMap(d.Type, d.KeySize, d.ValueSize, d.MaxEntries, prefix + d.Name));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private BpfLoader(BpfObject obj, Dictionary<string, BpfHandle> maps)
    {
        Object = obj;
        _maps = maps;
    }

    /// <summary>
    /// Takes over the maps of the programs a previous daemon attached (found by their ids, from the tc filters that
    /// run them; the egress program does not use every map): the maps named <paramref name="prefix"/> + a definition's name, each of the definition's shape, so the
    /// programs loaded next carry on with the same plan and counters. A map of another shape (an object whose
    /// layout changed) refuses the adoption.
    /// </summary>
    public static BpfLoader Adopt(BpfObject obj, string prefix, IEnumerable<uint> programIds)
    {
        Dictionary<string, BpfHandle> found = [];
        try
        {
            foreach (uint programId in programIds.Distinct())
            {
                using BpfHandle program = Interop.Bpf.ProgramById(programId);
                foreach (uint id in Interop.Bpf.ProgramMapIds(program))
                {
                    BpfHandle map = Interop.Bpf.MapById(id);
                    (string Name, uint Type, uint KeySize, uint ValueSize, uint MaxEntries) info = Interop.Bpf.MapInfo(map);
                    BpfMapDefinition? d = obj.Maps.FirstOrDefault(m => prefix + m.Name == info.Name);
                    if (d == null || found.ContainsKey(d.Name))
                    {
                        map.Dispose();
                        continue;
                    }
                    if ((d.Type, d.KeySize, d.ValueSize, d.MaxEntries) != (info.Type, info.KeySize, info.ValueSize, info.MaxEntries))
                    {
                        map.Dispose();
                        throw new InvalidDataException($"map {info.Name} has another shape than this NetBond's");
                    }
                    found.Add(d.Name, map);
                }
            }
            if (obj.Maps.FirstOrDefault(m => !found.ContainsKey(m.Name)) is { } missing)
            {
                throw new InvalidDataException($"the attached programs do not use map {prefix}{missing.Name}");
            }
            return new BpfLoader(obj, found);
        }
        catch
        {
            foreach (BpfHandle h in found.Values)
            {
                h.Dispose();
            }
            throw;
        }
    }

    public BpfObject Object { get; }

    public BpfHandle Map(string name) => _maps[name];

    /// <summary>The program named <paramref name="name"/>, loaded on first use as a cls_bpf (SCHED_CLS) program.</summary>
    public BpfHandle Program(string name)
    {
        if (_programs.TryGetValue(name, out BpfHandle? loaded))
        {
            return loaded;
        }
        BpfProgramText text = Object.Program(name);
        byte[] insns = (byte[])text.Instructions.Clone();
        foreach (BpfMapReference r in text.MapReferences)
        {
            if (insns[r.InstructionOffset] != BPF_LD_IMM64)
            {
                throw new InvalidDataException($"{name}: map reference at {r.InstructionOffset} is not an ld_imm64");
            }
            insns[r.InstructionOffset + 1] = (byte)((insns[r.InstructionOffset + 1] & 0x0F) | (BPF_PSEUDO_MAP_FD << 4));
            BinaryPrimitives.WriteInt32LittleEndian(insns.AsSpan(r.InstructionOffset + 4), _maps[r.Map].Fd);
        }
        BpfHandle program = Interop.Bpf.LoadProgram(Interop.Bpf.BPF_PROG_TYPE_SCHED_CLS, insns, name, Object.License);
        _programs.Add(name, program);
        return program;
    }

    /// <summary>
    /// Runs a program once over a frame in the kernel (BPF_PROG_TEST_RUN) and returns what it returned;
    /// <paramref name="output"/> gets the frame as it left it, <paramref name="ifIndex"/> is the device it came in on.
    /// </summary>
    public uint TestRun(string program, ReadOnlySpan<byte> frame, Span<byte> output = default, int ifIndex = 0) =>
        Interop.Bpf.TestRun(Program(program), frame, output, ifIndex);

    public void Dispose()
    {
        foreach (BpfHandle h in _programs.Values.Concat(_maps.Values))
        {
            h.Dispose();
        }
        _programs.Clear();
        _maps.Clear();
    }
}
