using System.Buffers.Binary;

namespace NetBond.Core;

/// <summary>
/// Which member balance-tlb and balance-alb place a frame on (bond_xmit_tlb_slave_get, bond_xmit_alb_slave_get):
/// the balanced frames by the transmit table (<see cref="TlbTable"/>, tlb_dynamic_lb=1) or by the transmit hash
/// over the usable members (=0); everything else goes out the active member. One outer VLAN tag is looked
/// through, as the kernel sees a VLAN upper's frames with the tag out of band.
/// </summary>
internal static class LoadBalancing
{
    /// <summary>Not balanced: the frame goes out the active member.</summary>
    public const int Active = -1;

    private const ushort EthPIp = 0x0800;
    private const ushort EthPIpv6 = 0x86DD;
    private const ushort EthPArp = 0x0806;

    /// <returns>A member index, <see cref="Active"/>, or <see cref="TxPolicy.ToControl"/> for the bond's ARP in alb.</returns>
    public static int Select(DataPlan plan, ReadOnlySpan<byte> frame)
    {
        ushort proto = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        int l3 = 14;
        if (proto is 0x8100 or 0x88A8 && frame.Length >= 18)
        {
            proto = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            l3 = 18;
        }
        return ModeTraits.Of(plan.Mode).ReceiveBalancing ? Alb(plan, frame, proto, l3) : Tlb(plan, frame, proto, l3);
    }

    /// <summary>Unicast IPv4, and unicast IPv6 that is not neighbour discovery, by the transmit hash; its low byte picks the bucket.</summary>
    private static int Tlb(DataPlan plan, ReadOnlySpan<byte> frame, ushort proto, int l3)
    {
        if ((frame[0] & 1) != 0 || !(proto == EthPIp || (proto == EthPIpv6 && !IsNeighborDiscovery(frame, l3))))
        {
            return Active;
        }
        uint hash = XmitHash.Compute(frame, plan.XmitHashPolicy);
        return plan.Tlb is { } table ? table.Choose(plan, (int)(hash & 0xFF), frame.Length) : ByHash(plan, hash);
    }

    /// <summary>
    /// IPv4 except broadcast and IGMP, IPv6 except all-nodes, neighbour discovery and DAD, each by the XOR of its
    /// destination address's bytes (_simple_hash); the bond's ARP to the control plane (rlb_arp_xmit).
    /// </summary>
    private static int Alb(DataPlan plan, ReadOnlySpan<byte> frame, ushort proto, int l3)
    {
        bool broadcast = BinaryPrimitives.ReadUInt32BigEndian(frame) == 0xFFFF_FFFF && BinaryPrimitives.ReadUInt16BigEndian(frame[4..]) == 0xFFFF;
        ReadOnlySpan<byte> destination;
        switch (proto)
        {
            case EthPIp:
                if (broadcast || frame.Length < l3 + 20 || frame[l3 + 9] == 2
                    || BinaryPrimitives.ReadUInt32BigEndian(frame[(l3 + 16)..]) == 0xFFFF_FFFF)
                {
                    return Active;
                }
                destination = frame.Slice(l3 + 16, 4);
                break;
            case EthPIpv6:
                bool allNodes = BinaryPrimitives.ReadUInt32BigEndian(frame) == 0x3333_0000 && BinaryPrimitives.ReadUInt16BigEndian(frame[4..]) == 1;
                if (broadcast || allNodes || IsNeighborDiscovery(frame, l3) || frame[(l3 + 8)..(l3 + 24)].IndexOfAnyExcept((byte)0) < 0)
                {
                    return Active;
                }
                destination = frame.Slice(l3 + 24, 16);
                break;
            case EthPArp:
                return l3 == 14 ? TxPolicy.ToControl : Active;
            default:
                return Active;
        }
        if (plan.Tlb is not { } table)
        {
            return ByHash(plan, XmitHash.Compute(frame, plan.XmitHashPolicy));
        }
        byte bucket = 0;
        foreach (byte b in destination)
        {
            bucket ^= b;
        }
        return table.Choose(plan, bucket, frame.Length);
    }

    /// <summary>tlb_dynamic_lb=0: usable_slaves[hash % count], as balance-xor.</summary>
    private static int ByHash(DataPlan plan, uint hash)
    {
        int[] usable = plan.Usable;
        return usable.Length == 0 ? Active : usable[hash % (uint)usable.Length];
    }

    /// <summary>alb_determine_nd(): an IPv6 frame too short to tell counts as neighbour discovery.</summary>
    private static bool IsNeighborDiscovery(ReadOnlySpan<byte> frame, int l3) =>
        frame.Length < l3 + 40 || (frame[l3 + 6] == 58 && (frame.Length < l3 + 48 || frame[l3 + 40] is 135 or 136));
}
