using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using NetBond.Core;

namespace NetBond.Linux.Bpf;

/// <summary>
/// What the control plane and the eBPF programs share, defined once, here: the map values' layouts, the mode and
/// hash numbering and the plan's flags. bpf/netbond_contract.h is rendered from these types (<see cref="Header"/>);
/// a test fails when the checked-in header is not that rendering, and bpf/build --check fails when the object is
/// not what the source and the header compile to — so C# and C can only differ by failing the build's tests.
/// </summary>
public static class BpfContract
{
    public const int MaxMembers = 32;
    public const int TlbBuckets = 256;

    /// <summary>
    /// Bonds the programs serve at once: a bond's id indexes the outer maps and rides in its filters' classid, of
    /// which cls_bpf hands the program 16 bits (skb->tc_classid). Id 0 is never a bond's: a test run sees 0.
    /// </summary>
    public const int MaxBonds = 4096;

    /// <summary>The C header the programs include, rendered from the types of this file.</summary>
    public static string Header()
    {
        StringBuilder h = new();
        h.Append("""
            /* SPDX-License-Identifier: MIT OR GPL-2.0 */
            /* Rendered from src/NetBond.Linux/Bpf/BpfContract.cs, which says what each field means: edit that file, never this
             * one (a test compares them; its failure message says how to render this file again). */
            #ifndef NETBOND_CONTRACT_H
            #define NETBOND_CONTRACT_H

            """).Append('\n');
        h.Append($"#define MAX_MEMBERS {MaxMembers}\n#define TLB_BUCKETS {TlbBuckets}\n#define MAX_BONDS {MaxBonds}\n\n");
        Enum<BondMode>(h, "MODE_");
        Enum<XmitHashPolicy>(h, "HASH_");
        Enum<PlanFlags>(h, "F_");
        Struct<PlanConfig>(h, "config");
        Struct<MemberEntry>(h, "member");
        Struct<BpfCounters>(h, "counters");
        Struct<TlbPositions>(h, "tlb_table");
        Struct<TlbLoad>(h, "tlb_bytes");
        h.Append("#endif\n");
        return h.ToString();
    }

    private static void Enum<T>(StringBuilder h, string prefix) where T : struct, Enum
    {
        h.Append($"enum {{\n");
        foreach (T value in System.Enum.GetValues<T>())
        {
            h.Append($"\t{prefix}{Snake(value.ToString()).ToUpperInvariant()} = {Convert.ToUInt32(value, System.Globalization.CultureInfo.InvariantCulture)},\n");
        }
        h.Append("};\n\n");
    }

    private static void Struct<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields)] T>(StringBuilder h, string name) where T : unmanaged
    {
        h.Append($"struct {name} {{\n");
        int size = 0;
        foreach (FieldInfo f in typeof(T).GetFields(BindingFlags.Instance | BindingFlags.Public))
        {
            string field = Snake(f.Name);
            if (f.GetCustomAttribute<FixedBufferAttribute>() is { } fixedBuffer)
            {
                string length = Length(fixedBuffer.Length);
                h.Append(f.GetCustomAttribute<MacsAttribute>() != null
                    ? $"\t__u8 {field}{(fixedBuffer.Length == 8 ? "" : $"[{Length(fixedBuffer.Length / 8)}]")}[8];\n"
                    : $"\t{CType(fixedBuffer.ElementType)} {field}[{length}];\n");
                size += fixedBuffer.Length * SizeOf(fixedBuffer.ElementType);
            }
            else
            {
                h.Append($"\t{CType(f.FieldType)} {field};\n");
                size += SizeOf(f.FieldType);
            }
        }
        h.Append("};\n");
        // No padding anywhere: the layouts are the same on both sides by construction, not by the compilers' rules.
        h.Append($"_Static_assert(sizeof(struct {name}) == {size}, \"struct {name} is {Unsafe.SizeOf<T>()} bytes in C#\");\n\n");
        if (size != Unsafe.SizeOf<T>())
        {
            throw new InvalidOperationException($"{typeof(T).Name} has padding: {Unsafe.SizeOf<T>()} bytes for {size} of fields");
        }
    }

    private static string Length(int n) => n switch
    {
        MaxMembers => "MAX_MEMBERS",
        TlbBuckets => "TLB_BUCKETS",
        TlbBuckets + 1 => "TLB_BUCKETS + 1",
        _ => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The C type of a field; an enum is its underlying type (C enums are int-sized, so never used in a struct).</summary>
    private static string CType(Type t) => Underlying(t) switch
    {
        Type u when u == typeof(uint) => "__u32",
        Type u when u == typeof(int) => "__s32",
        Type u when u == typeof(ulong) => "__u64",
        Type u when u == typeof(byte) => "__u8",
        _ => throw new InvalidOperationException($"{t.Name} has no C type in the BPF contract"),
    };

    private static int SizeOf(Type t) => CType(t) switch { "__u64" => 8, "__u8" => 1, _ => 4 };

    private static Type Underlying(Type t) => t.IsEnum ? System.Enum.GetUnderlyingType(t) : t;

    /// <summary>"BondIfindex" as "bond_ifindex", "Ieee8023ad" as "ieee8023ad".</summary>
    private static string Snake(string name)
    {
        StringBuilder s = new();
        for (int i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                s.Append('_');
            }
            s.Append(char.ToLowerInvariant(name[i]));
        }
        return s.ToString();
    }
}

/// <summary>Marks a byte buffer of MAC addresses, each in 8 bytes (6 used), which C indexes as [n][8].</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class MacsAttribute : Attribute;

/// <summary>The plan's switches, in <see cref="PlanConfig.Flags"/>.</summary>
[Flags]
public enum PlanFlags : uint
{
    None = 0,
    /// <summary>802.3ad broadcast_neighbor: ARP and ND go out on every usable member.</summary>
    BroadcastNeighbor = 1,
    /// <summary>The daemon takes slow-protocol frames (802.3ad): the bond never sees them.</summary>
    ConsumeSlow = 2,
    /// <summary>balance-tlb/alb with tlb_dynamic_lb=1: buckets placed by the tlb map.</summary>
    TlbTable = 4,
}

/// <summary>
/// The config map's one entry: the published plan. Member positions are the plan's (enslave order). Loops over the
/// members are precomputed here (<see cref="NextCan"/>, <see cref="Usable"/>): the verifier explores every path through
/// a loop whose branches depend on the plan, and a 32-member loop of them exceeds its limit.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct PlanConfig
{
    public BondMode Mode;
    public XmitHashPolicy HashPolicy;
    public uint BondIfindex;
    public PlanFlags Flags;
    /// <summary>Position of curr_active_slave, or -1.</summary>
    public int Active;
    public uint PacketsPerSlave;
    public uint MemberCount;
    public uint UsableCount;
    /// <summary>By position.</summary>
    public fixed uint Ifindex[BpfContract.MaxMembers];
    /// <summary>By position: the member's counters in the counters map.</summary>
    public fixed uint Slot[BpfContract.MaxMembers];
    /// <summary>By position: the first member from there on, wrapping, that can transmit, or -1.</summary>
    public fixed int NextCan[BpfContract.MaxMembers];
    /// <summary>Positions of the members that can transmit (usable_slaves), in order.</summary>
    public fixed uint Usable[BpfContract.MaxMembers];
    /// <summary>A bit per position.</summary>
    public uint CanTransmit;
    /// <summary>balance-alb: frames to a member's MAC are readdressed to this one.</summary>
    [Macs]
    public fixed byte BondMac[8];
    /// <summary>By position: the member's MAC, the source of the tlb/alb frames it sends.</summary>
    [Macs]
    public fixed byte Mac[BpfContract.MaxMembers * 8];
}

/// <summary>The members map's value, by ifindex: what the member's ingress does.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MemberEntry
{
    public uint Slot;
    /// <summary>1 when the bond takes the member's frames (an active member, all_slaves_active …).</summary>
    public uint Delivers;
}

/// <summary>The counters map's value, per CPU: slot 0 the bond, slot 1.. the members.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct BpfCounters
{
    public ulong RxPackets;
    public ulong RxBytes;
    public ulong TxPackets;
    public ulong TxBytes;
    public ulong RxDropped;
    public ulong TxDropped;
    /// <summary>bpf_ktime_get_ns(): CLOCK_MONOTONIC, the clock Environment.TickCount64 reads.</summary>
    public ulong LastRxNs;
    public ulong LastTxNs;
}

/// <summary>balance-tlb/alb: the tlb map's value, the member position of each bucket (-1: not placed yet).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct TlbPositions
{
    public fixed int Pos[BpfContract.TlbBuckets];
}

/// <summary>The tlb_load map's value, per CPU: bytes sent per bucket and, last, unbalanced through the active member.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct TlbLoad
{
    public fixed ulong Bytes[BpfContract.TlbBuckets + 1];
}
