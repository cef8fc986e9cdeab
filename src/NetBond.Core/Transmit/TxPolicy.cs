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

    /// <summary>Returned for the bond's own ARP in balance-alb: the control plane places it (rlb_arp_xmit) and sends it.</summary>
    public const int ToControl = -3;

    /// <returns>An index into <see cref="DataPlan.Members"/>, <see cref="AllMembers"/>, <see cref="ToControl"/>, or -1 to drop.</returns>
    /// <remarks>In tlb/alb a frame leaving on a member other than the active one gets that member's MAC as source.</remarks>
    public static int Select(DataPlan plan, Span<byte> frame, ref TxState state)
    {
        switch (plan.Mode)
        {
            case BondMode.ActiveBackup:
                return plan.ActiveIndex;
            case BondMode.BalanceRr:
                return RoundRobin(plan, frame, ref state);
            case BondMode.Broadcast:
                return AllMembers;
            case BondMode.BalanceTlb or BondMode.BalanceAlb:
                return LoadBalance(plan, frame);
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

    /// <summary>
    /// bond_tlb_xmit / bond_alb_xmit: the member the table or the hash names (<see cref="LoadBalancing"/>), else the
    /// active one (bond_do_alb_xmit); a member other than the active sends from its own MAC.
    /// </summary>
    private static int LoadBalance(DataPlan plan, Span<byte> frame)
    {
        if (frame.Length < 14)
        {
            return -1;
        }
        int member = LoadBalancing.Select(plan, frame);
        if (member == ToControl)
        {
            return ToControl;
        }
        if (member < 0)
        {
            member = plan.ActiveIndex;
            plan.Tlb?.CountUnbalanced(frame.Length);
        }
        if (member < 0 || !plan.CanTransmit[member])
        {
            return -1;
        }
        if (member != plan.ActiveIndex)
        {
            plan.MemberMacs[member].CopyTo(frame[6..]);
        }
        return member;
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

    /// <summary>
    /// IPv4 carrying IGMP, by skb->protocol as bond_xmit_roundrobin_slave_get reads it: a VLAN device's tag is out
    /// of band in the kernel (the protocol stays IPv4), inline on the TAP — so one tag is looked past.
    /// </summary>
    internal static bool IsIgmp(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 34)
        {
            return false;
        }
        int l3 = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) is 0x8100 or 0x88A8 ? 18 : 14;
        return frame.Length >= l3 + 20 && BinaryPrimitives.ReadUInt16BigEndian(frame[(l3 - 2)..]) == 0x0800 && frame[l3 + 9] == 2;
    }

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
