using System.Buffers.Binary;

namespace NetBond.Core;

/// <summary>Per-thread transmit state: the round-robin counter and a cheap random source.</summary>
public struct TxState
{
    public uint Counter;
    public uint Random;
}

/// <summary>
/// Which member sends a frame leaving the bond (the modes' xmit functions in bond_main.c).
/// Runs on the data-plane thread for every frame: no allocation, no locks.
/// </summary>
public static class TxPolicy
{
    /// <summary>Returned for broadcast mode: the frame goes to every member that can transmit.</summary>
    public const int AllMembers = -2;

    /// <returns>An index into <see cref="DataPlan.Members"/>, <see cref="AllMembers"/>, or -1 to drop.</returns>
    public static int Select(DataPlan plan, ReadOnlySpan<byte> frame, ref TxState state)
    {
        switch (plan.Mode)
        {
            case BondMode.ActiveBackup:
                return plan.ActiveIndex;
            case BondMode.BalanceRr:
                return RoundRobin(plan, frame, ref state);
            case BondMode.Broadcast:
                return AllMembers;
            default:
                if (plan.BroadcastNeighbor && frame.Length >= 14
                    && ReceiveClassifier.KindOf(frame) is ControlFrameKinds.Arp or ControlFrameKinds.NeighborDiscovery)
                {
                    // bond_3ad_xor_xmit with broadcast_neighbor: ARP and NS/NA reach both switches of an MC-LAG pair.
                    return plan.Usable.Length == 0 ? -1 : AllMembers;
                }
                int[] usable = plan.Usable;
                return usable.Length == 0 ? -1 : usable[XmitHash.Compute(frame, plan.XmitHashPolicy) % (uint)usable.Length];
        }
    }

    /// <summary>bond_xmit_roundrobin_slave_get(): IGMP through the active member, else the next member that can send.</summary>
    private static int RoundRobin(DataPlan plan, ReadOnlySpan<byte> frame, ref TxState state)
    {
        int count = plan.Members.Length;
        if (count == 0)
        {
            return -1;
        }
        if (IsIgmp(frame))
        {
            return plan.ActiveIndex >= 0 ? plan.ActiveIndex : FirstCanTransmit(plan, 0);
        }
        uint id = plan.PacketsPerSlave switch
        {
            0 => NextRandom(ref state.Random),
            1 => ++state.Counter,
            // bond_rr_gen_slave_id(): the per-CPU counter is pre-incremented for every packets_per_slave.
            int n => ++state.Counter / (uint)n,
        };
        return FirstCanTransmit(plan, (int)(id % (uint)count));
    }

    /// <summary>bond_get_slave_by_id(): from <paramref name="start"/> to the first member that can send, wrapping.</summary>
    private static int FirstCanTransmit(DataPlan plan, int start)
    {
        bool[] can = plan.CanTransmit;
        for (int i = start; i < can.Length; i++)
        {
            if (can[i])
            {
                return i;
            }
        }
        for (int i = 0; i < start; i++)
        {
            if (can[i])
            {
                return i;
            }
        }
        return -1;
    }

    internal static bool IsIgmp(ReadOnlySpan<byte> frame) =>
        frame.Length >= 34 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == 0x0800 && frame[23] == 2;

    private static uint NextRandom(ref uint s)
    {
        uint x = s == 0 ? 0x9E3779B9u : s;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        s = x;
        return x;
    }
}
