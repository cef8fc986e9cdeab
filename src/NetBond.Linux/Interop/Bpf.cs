using System.Runtime.InteropServices;
using System.Text;

namespace NetBond.Linux.Interop;

/// <summary>A BPF map or program descriptor.</summary>
public sealed class BpfHandle : FileDescriptorHandle;

/// <summary>
/// The bpf(2) commands NetBond uses, each with its union bpf_attr laid out by hand (include/uapi/linux/bpf.h):
/// the attribute block is zeroed up to the size passed, so fields a command does not name stay zero.
/// </summary>
internal static unsafe partial class Bpf
{
    private const long SYS_bpf = 321; // x86_64
    private const int BPF_MAP_CREATE = 0;
    private const int BPF_MAP_LOOKUP_ELEM = 1;
    private const int BPF_MAP_UPDATE_ELEM = 2;
    private const int BPF_MAP_DELETE_ELEM = 3;
    private const int BPF_MAP_GET_NEXT_KEY = 4;
    private const int BPF_PROG_LOAD = 5;
    private const int BPF_PROG_TEST_RUN = 10;
    private const int BPF_PROG_GET_NEXT_ID = 11;
    private const int BPF_PROG_GET_FD_BY_ID = 13;
    private const int BPF_MAP_GET_FD_BY_ID = 14;
    private const int BPF_OBJ_GET_INFO_BY_FD = 15;
    public const uint BPF_PROG_TYPE_SCHED_CLS = 3;
    private const int AttrSize = 128;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long cmd, byte* attr, long size);

    private static int Call(int cmd, byte* attr) => (int)Syscall(SYS_bpf, cmd, attr, AttrSize);

    private static BpfHandle Adopt(int fd, string what)
    {
        if (fd < 0)
        {
            NativeException.Throw(what);
        }
        BpfHandle handle = new();
        handle.Adopt(fd);
        return handle;
    }

    private static void Name(byte* attr, int offset, string name)
    {
        // BPF_OBJ_NAME_LEN 16, NUL included; the kernel takes letters, digits, '_' and '.'.
        byte[] bytes = Encoding.ASCII.GetBytes(name);
        for (int i = 0; i < Math.Min(bytes.Length, 15); i++)
        {
            attr[offset + i] = bytes[i];
        }
    }

    /// <param name="innerMap">For a map of maps: a map of the shape its entries will have.</param>
    public static BpfHandle CreateMap(uint type, uint keySize, uint valueSize, uint maxEntries, string name, BpfHandle? innerMap = null)
    {
        byte* attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)attr = type;
        *(uint*)(attr + 4) = keySize;
        *(uint*)(attr + 8) = valueSize;
        *(uint*)(attr + 12) = maxEntries;
        *(int*)(attr + 20) = innerMap?.Fd ?? 0;
        Name(attr, 28, name);
        return Adopt(Call(BPF_MAP_CREATE, attr), $"create BPF map {name}");
    }

    private static int MapElement(int cmd, BpfHandle map, void* key, void* value, ulong flags)
    {
        byte* attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)attr = (uint)map.Fd;
        *(ulong*)(attr + 8) = (ulong)key;
        *(ulong*)(attr + 16) = (ulong)value;
        *(ulong*)(attr + 24) = flags;
        return Call(cmd, attr);
    }

    /// <summary>BPF_ANY: creates or replaces.</summary>
    public static void Update(BpfHandle map, void* key, void* value, string what)
    {
        if (MapElement(BPF_MAP_UPDATE_ELEM, map, key, value, 0) != 0)
        {
            NativeException.Throw(what);
        }
    }

    public static bool Lookup(BpfHandle map, void* key, void* value) => MapElement(BPF_MAP_LOOKUP_ELEM, map, key, value, 0) == 0;

    /// <summary>The keys of a map with 4-byte keys, as BPF_MAP_GET_NEXT_KEY walks them.</summary>
    public static List<uint> Keys(BpfHandle map)
    {
        List<uint> keys = [];
        uint key = 0, next;
        bool first = true;
        while (MapElement(BPF_MAP_GET_NEXT_KEY, map, first ? null : &key, &next, 0) == 0 && keys.Count < 1 << 16)
        {
            keys.Add(next);
            key = next;
            first = false;
        }
        return keys;
    }

    /// <summary>Deletes a key; false when there was none.</summary>
    public static bool Delete(BpfHandle map, void* key) => MapElement(BPF_MAP_DELETE_ELEM, map, key, null, 0) == 0;

    /// <summary>Loads a program; on a verifier refusal the exception carries the end of the verifier's log.</summary>
    public static BpfHandle LoadProgram(uint type, ReadOnlySpan<byte> instructions, string name, string license)
    {
        byte[] licenseBytes = Encoding.ASCII.GetBytes(license + "\0");
        fixed (byte* insns = instructions)
        fixed (byte* lic = licenseBytes)
        {
            int fd = Load(type, insns, instructions.Length / 8, lic, name, null, 0);
            if (fd >= 0)
            {
                return Adopt(fd, name);
            }
            int errno = LibC.Errno;
            // Load again with the verifier's log, to say why.
            const int LogSize = 1 << 20;
            byte* log = (byte*)NativeMemory.AllocZeroed(LogSize);
            try
            {
                fd = Load(type, insns, instructions.Length / 8, lic, name, log, LogSize);
                if (fd >= 0)
                {
                    return Adopt(fd, name);
                }
                string text = Marshal.PtrToStringUTF8((nint)log) ?? "";
                string tail = text.Length > 2000 ? text[^2000..] : text;
                throw new NativeException(errno, $"load BPF program {name}: {LibC.Describe(errno)}\n{tail}".TrimEnd());
            }
            finally
            {
                NativeMemory.Free(log);
            }
        }
    }

    private static int Load(uint type, byte* insns, int count, byte* license, string name, byte* log, uint logSize)
    {
        byte* attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)attr = type;
        *(uint*)(attr + 4) = (uint)count;
        *(ulong*)(attr + 8) = (ulong)insns;
        *(ulong*)(attr + 16) = (ulong)license;
        *(uint*)(attr + 24) = log == null ? 0u : 1u;
        *(uint*)(attr + 28) = logSize;
        *(ulong*)(attr + 32) = (ulong)log;
        Name(attr, 48, name);
        return Call(BPF_PROG_LOAD, attr);
    }

    /// <summary>A descriptor for a program the kernel holds (attached by a previous daemon), by its id.</summary>
    public static BpfHandle ProgramById(uint id) => ById(BPF_PROG_GET_FD_BY_ID, id, $"open BPF program {id}");

    /// <summary>The ids of every program the kernel holds, in order (BPF_PROG_GET_NEXT_ID: start_id at 0, next_id at 4).</summary>
    public static List<uint> ProgramIds()
    {
        List<uint> ids = [];
        byte* attr = stackalloc byte[AttrSize];
        for (uint id = 0; ; id = *(uint*)(attr + 4))
        {
            new Span<byte>(attr, AttrSize).Clear();
            *(uint*)attr = id;
            if (Call(BPF_PROG_GET_NEXT_ID, attr) != 0)
            {
                return ids;
            }
            ids.Add(*(uint*)(attr + 4));
        }
    }

    public static BpfHandle MapById(uint id) => ById(BPF_MAP_GET_FD_BY_ID, id, $"open BPF map {id}");

    private static BpfHandle ById(int cmd, uint id, string what)
    {
        byte* attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)attr = id;
        return Adopt(Call(cmd, attr), what);
    }

    /// <summary>The ids of the maps a program uses (struct bpf_prog_info: nr_map_ids at 52, map_ids at 56).</summary>
    public static uint[] ProgramMapIds(BpfHandle program)
    {
        uint* ids = stackalloc uint[64];
        byte* info = stackalloc byte[256];
        new Span<byte>(info, 256).Clear();
        *(uint*)(info + 52) = 64;
        *(ulong*)(info + 56) = (ulong)ids;
        GetInfo(program, info, 256, "read BPF program info");
        return new ReadOnlySpan<uint>(ids, (int)Math.Min(*(uint*)(info + 52), 64)).ToArray();
    }

    /// <summary>What a map is (struct bpf_map_info: type, id, key_size, value_size, max_entries, map_flags, name[16]).</summary>
    public static (string Name, uint Type, uint KeySize, uint ValueSize, uint MaxEntries) MapInfo(BpfHandle map)
    {
        byte* info = stackalloc byte[128];
        new Span<byte>(info, 128).Clear();
        GetInfo(map, info, 128, "read BPF map info");
        return (Marshal.PtrToStringUTF8((nint)(info + 24)) ?? "", *(uint*)info, *(uint*)(info + 8), *(uint*)(info + 12), *(uint*)(info + 16));
    }

    /// <summary>A map's id (struct bpf_map_info's second field).</summary>
    public static uint MapId(BpfHandle map)
    {
        byte* info = stackalloc byte[128];
        new Span<byte>(info, 128).Clear();
        GetInfo(map, info, 128, "read BPF map info");
        return *(uint*)(info + 4);
    }

    private static void GetInfo(BpfHandle handle, byte* info, uint length, string what)
    {
        byte* attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)attr = (uint)handle.Fd;
        *(uint*)(attr + 4) = length;
        *(ulong*)(attr + 8) = (ulong)info;
        if (Call(BPF_OBJ_GET_INFO_BY_FD, attr) != 0)
        {
            NativeException.Throw(what);
        }
    }

    /// <summary>
    /// BPF_PROG_TEST_RUN once over a frame; returns the program's return value. <paramref name="output"/>, when given,
    /// gets the frame as the program left it; <paramref name="ifIndex"/> (of the calling thread's namespace), when
    /// not 0, is the device the frame arrived on (struct __sk_buff's ifindex, at 40).
    /// </summary>
    public static uint TestRun(BpfHandle program, ReadOnlySpan<byte> frame, Span<byte> output = default, int ifIndex = 0)
    {
        const int ContextSize = 44;
        byte* context = stackalloc byte[ContextSize];
        new Span<byte>(context, ContextSize).Clear();
        *(int*)(context + 40) = ifIndex;
        fixed (byte* data = frame)
        fixed (byte* dataOut = output)
        {
            byte* attr = stackalloc byte[AttrSize];
            new Span<byte>(attr, AttrSize).Clear();
            *(uint*)attr = (uint)program.Fd;
            *(uint*)(attr + 8) = (uint)frame.Length;
            *(uint*)(attr + 12) = (uint)output.Length;
            *(ulong*)(attr + 16) = (ulong)data;
            *(ulong*)(attr + 24) = (ulong)dataOut;
            *(uint*)(attr + 32) = 1;
            if (ifIndex != 0)
            {
                *(uint*)(attr + 40) = ContextSize;
                *(ulong*)(attr + 48) = (ulong)context;
            }
            if (Call(BPF_PROG_TEST_RUN, attr) != 0)
            {
                NativeException.Throw("BPF_PROG_TEST_RUN");
            }
            return *(uint*)(attr + 4);
        }
    }
}
