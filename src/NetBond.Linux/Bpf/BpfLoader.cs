using System.Buffers.Binary;
using NetBond.Linux.Interop;

namespace NetBond.Linux.Bpf;

/// <summary>
/// An object's maps created and its programs loaded, as libbpf would do it but for the little an object of
/// <see cref="BpfObject"/>'s shape needs: the maps of maps the programs reference (each made with a map of its
/// entries' shape), then each program with every map reference's ld_imm64 patched to carry the map's descriptor
/// (src_reg BPF_PSEUDO_MAP_FD), then BPF_PROG_LOAD — once, for every bond: a bond's own maps come from
/// <see cref="CreateBond"/>. Disposing closes every descriptor: what a tc filter still holds lives on in the kernel
/// until it goes.
/// </summary>
public sealed class BpfLoader : IDisposable
{
    private const byte BPF_LD_IMM64 = 0x18;
    private const byte BPF_PSEUDO_MAP_FD = 1;

    private readonly Dictionary<string, BpfHandle> _maps = [];
    private readonly Dictionary<string, BpfHandle> _programs = [];

    /// <summary>Maps of maps an adoption made anew (no program used the previous daemon's): they hold no bond's map.</summary>
    private readonly HashSet<string> _madeAnew = [];

    /// <param name="prefix">Names the maps the programs reference: prefix + the definition's name.</param>
    /// <param name="bondPrefix">Names a bond's maps: bondPrefix + the definition's name.</param>
    public BpfLoader(BpfObject obj, string prefix, string bondPrefix)
    {
        Object = obj;
        Prefix = prefix;
        BondPrefix = bondPrefix;
        try
        {
            foreach (BpfMapDefinition d in obj.Maps)
            {
                _maps.Add(d.Name, CreateShared(d));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private BpfLoader(BpfObject obj, string prefix, string bondPrefix, Dictionary<string, BpfHandle> maps)
    {
        Object = obj;
        Prefix = prefix;
        BondPrefix = bondPrefix;
        _maps = maps;
    }

    /// <summary>
    /// Takes over the maps of the programs a previous daemon attached (found from the one that runs on a bond's
    /// egress, by its id): the maps named <paramref name="prefix"/> + a definition's name, each of the definition's
    /// shape, so the programs loaded next carry on with every bond's plan and counters. The maps are looked for in
    /// every program the kernel holds that shares a map with that one: the ingress programs of other bonds' members
    /// use maps the egress program does not. A map no program uses any more (no bond had a member) is made anew. A
    /// map of another shape (an object whose layout changed) refuses the adoption.
    /// </summary>
    public static BpfLoader Adopt(BpfObject obj, string prefix, string bondPrefix, uint egressProgram)
    {
        BpfLoader loader = new(obj, prefix, bondPrefix, FindMaps(ProgramsSharingMaps(egressProgram), obj.Maps, prefix));
        try
        {
            foreach (BpfMapDefinition d in obj.Maps.Where(d => !loader._maps.ContainsKey(d.Name)))
            {
                loader._maps.Add(d.Name, loader.CreateShared(d));
                loader._madeAnew.Add(d.Name);
            }
            return loader;
        }
        catch
        {
            loader.Dispose();
            throw;
        }
    }

    /// <summary><paramref name="program"/> and every other program the kernel holds that uses one of its maps.</summary>
    private static List<uint> ProgramsSharingMaps(uint program)
    {
        using BpfHandle first = Interop.Bpf.ProgramById(program);
        HashSet<uint> maps = [.. Interop.Bpf.ProgramMapIds(first)];
        List<uint> sharing = [program];
        foreach (uint id in Interop.Bpf.ProgramIds().Where(id => id != program))
        {
            try
            {
                using BpfHandle other = Interop.Bpf.ProgramById(id);
                if (Interop.Bpf.ProgramMapIds(other).Any(maps.Contains))
                {
                    sharing.Add(id);
                }
            }
            catch (NativeException)
            {
                // Gone since it was listed.
            }
        }
        return sharing;
    }

    /// <summary>The maps named <paramref name="prefix"/> + each of <paramref name="definitions"/>' names that the programs use, each checked for its definition's shape.</summary>
    /// <exception cref="InvalidDataException">One of another shape.</exception>
    private static Dictionary<string, BpfHandle> FindMaps(IEnumerable<uint> programIds, IReadOnlyList<BpfMapDefinition> definitions, string prefix)
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
                    string name = Interop.Bpf.MapInfo(map).Name;
                    if (definitions.FirstOrDefault(m => prefix + m.Name == name) is not { } d || found.ContainsKey(d.Name))
                    {
                        map.Dispose();
                        continue;
                    }
                    found.Add(d.Name, map);
                    CheckShape(map, d);
                }
            }
            return found;
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

    public string Prefix { get; }

    public string BondPrefix { get; }

    public BpfHandle Map(string name) => _maps[name];

    /// <summary>The ids of the maps the programs reference: two bonds adopted from one daemon share them.</summary>
    public IEnumerable<uint> MapIds => _maps.Values.Select(Interop.Bpf.MapId);

    /// <summary>
    /// A new bond's maps, made from the object's bond map definitions and put into the maps of maps at
    /// <paramref name="bond"/>: from then on the programs, run by a filter whose classid is <paramref name="bond"/>, use them.
    /// </summary>
    public BondMapSet CreateBond(uint bond) =>
        Install(bond, () =>
        {
            Dictionary<string, BpfHandle> maps = [];
            try
            {
                foreach (BpfMapDefinition d in Object.BondMaps)
                {
                    maps.Add(d.Name, Create(d));
                }
                return maps;
            }
            catch
            {
                foreach (BpfHandle h in maps.Values)
                {
                    h.Dispose();
                }
                throw;
            }
        });

    /// <summary>
    /// A bond a NetBond that loaded its programs per bond left running (its filters carry no classid): the maps those
    /// programs use, of a bond's maps' names (with <see cref="Prefix"/>) and shapes, become bond <paramref name="bond"/>'s,
    /// plan and counters as they are; a kind of map those programs did not have is made anew.
    /// </summary>
    public BondMapSet AdoptPerBondMaps(uint bond, IEnumerable<uint> programIds) =>
        Install(bond, () =>
        {
            Dictionary<string, BpfHandle> maps = FindMaps(programIds, Object.BondMaps, Prefix);
            foreach (BpfMapDefinition d in Object.BondMaps.Where(d => !maps.ContainsKey(d.Name)))
            {
                maps.Add(d.Name, Create(d));
            }
            return maps;
        });

    /// <summary>Puts a bond's maps into the maps of maps at <paramref name="bond"/>; takes them out again if that fails.</summary>
    private BondMapSet Install(uint bond, Func<Dictionary<string, BpfHandle>> make)
    {
        Dictionary<string, BpfHandle> maps = make();
        try
        {
            // Each change of a map of maps waits for an RCU grace period before it returns (the kernel's
            // maybe_wait_bpf_programs: 8–30 ms here): one after another, a bond's seven cost ~85 ms.
            KernelWaits.Overlapped(maps.Select(m => (Action)(() => SetEntry(m.Key, bond, m.Value))));
            return new BondMapSet(this, bond, maps);
        }
        catch
        {
            KernelWaits.Overlapped(maps.Keys.Select(name => (Action)(() => RemoveEntry(name, bond))));
            foreach (BpfHandle map in maps.Values)
            {
                map.Dispose();
            }
            throw;
        }
    }

    /// <summary>The maps a previous daemon made for the bond of id <paramref name="bond"/>, from the maps of maps.</summary>
    /// <exception cref="InvalidDataException">No maps at that id, or of another shape.</exception>
    public unsafe BondMapSet AdoptBond(uint bond)
    {
        Dictionary<string, BpfHandle> maps = [];
        try
        {
            foreach (BpfMapDefinition d in Object.BondMaps)
            {
                uint key = bond, id = 0;
                if (_madeAnew.Contains(d.Name))
                {
                    // Only members' programs used it: the bond had none, and its map held nothing.
                    BpfHandle made = Create(d);
                    maps.Add(d.Name, made);
                    SetEntry(d.Name, bond, made);
                    continue;
                }
                if (!Interop.Bpf.Lookup(_maps[d.Name], &key, &id))
                {
                    throw new InvalidDataException($"no {d.Name} map for bond {bond}");
                }
                BpfHandle map = Interop.Bpf.MapById(id);
                maps.Add(d.Name, map);
                CheckShape(map, d);
            }
            return new BondMapSet(this, bond, maps);
        }
        catch
        {
            foreach (BpfHandle h in maps.Values)
            {
                h.Dispose();
            }
            throw;
        }
    }

    internal unsafe void SetEntry(string name, uint bond, BpfHandle map)
    {
        int fd = map.Fd;
        Interop.Bpf.Update(_maps[name], &bond, &fd, $"put bond {bond}'s {name} map in place");
    }

    internal unsafe void RemoveEntry(string name, uint bond) => Interop.Bpf.Delete(_maps[name], &bond);

    private BpfMapDefinition? BondDefinition(string name) => Object.BondMaps.FirstOrDefault(b => b.Name == name);

    /// <summary>A map the programs reference; a map of maps is made with a map of its entries' shape.</summary>
    private BpfHandle CreateShared(BpfMapDefinition d)
    {
        using BpfHandle? inner = BondDefinition(d.Name) is { } b ? Create(b) : null;
        return Interop.Bpf.CreateMap(d.Type, d.KeySize, d.ValueSize, d.MaxEntries, Prefix + d.Name, inner);
    }

    private BpfHandle Create(BpfMapDefinition d) => Interop.Bpf.CreateMap(d.Type, d.KeySize, d.ValueSize, d.MaxEntries, BondPrefix + d.Name);

    private static void CheckShape(BpfHandle map, BpfMapDefinition d)
    {
        (string name, uint type, uint keySize, uint valueSize, uint maxEntries) = Interop.Bpf.MapInfo(map);
        if ((d.Type, d.KeySize, d.ValueSize, d.MaxEntries) != (type, keySize, valueSize, maxEntries))
        {
            throw new InvalidDataException($"map {name} has another shape than this NetBond's");
        }
    }

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
    /// A test run has no filter: the program serves bond 0.
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

/// <summary>
/// One bond's maps, in the loader's maps of maps at the bond's id, which hold them: known by their ids and opened for
/// each use (<see cref="Open"/>), so that a bond costs the daemon no descriptor.
/// </summary>
public sealed class BondMapSet
{
    private readonly BpfLoader _loader;
    private readonly Dictionary<string, uint> _ids;

    /// <summary>Takes the ids of <paramref name="maps"/>, then closes them.</summary>
    internal BondMapSet(BpfLoader loader, uint bond, Dictionary<string, BpfHandle> maps)
    {
        _loader = loader;
        Bond = bond;
        _ids = maps.ToDictionary(m => m.Key, m => Interop.Bpf.MapId(m.Value));
        foreach (BpfHandle h in maps.Values)
        {
            h.Dispose();
        }
    }

    public uint Bond { get; }

    /// <summary>A descriptor of the bond's map <paramref name="name"/>, for the caller to close.</summary>
    public BpfHandle Open(string name) => Interop.Bpf.MapById(_ids[name]);

    /// <summary>Takes the maps out of the maps of maps: the kernel frees them once no program runs on them.</summary>
    public void Remove() => KernelWaits.Overlapped(_ids.Keys.Select(name => (Action)(() => _loader.RemoveEntry(name, Bond))));
}
