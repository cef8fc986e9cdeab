using System.Buffers.Binary;

namespace NetBond.Core;

/// <summary>What happens to a frame received on a member; a frame may feed the bond and the control plane both.</summary>
[Flags]
public enum RxVerdict : byte
{
    Drop = 0,
    /// <summary>Written to the bond device, as the kernel's RX_HANDLER_ANOTHER with skb->dev = bond.</summary>
    Deliver = 1,
    /// <summary>Copied to the control plane (LACPDU, ARP/NS for the monitors, ALB learning).</summary>
    ToControl = 2,
}

/// <summary>Frame kinds the control plane may ask for (<see cref="DataPlan.Control"/>).</summary>
[Flags]
public enum ControlFrameKinds
{
    None = 0,
    /// <summary>Slow protocols, ethertype 0x8809: LACPDUs and Marker PDUs.</summary>
    SlowProtocols = 1,
    Arp = 2,
    /// <summary>ICMPv6 neighbour solicitations and advertisements.</summary>
    NeighborDiscovery = 4,
}

/// <summary>
/// bond_handle_frame(): each frame received on a member is classified once, on the data path, without
/// allocation. First the control plane's probe (recv_probe) sees the frames it asked for; then an inactive
/// member's frames stay off the bond (exact match only) unless all_slaves_active; in balance-alb an inactive
/// member still delivers unicast, the traffic of the clients RLB placed on it.
/// </summary>
public static class ReceiveClassifier
{
    private const int EthHeader = 14;
    private const ushort EthPArp = 0x0806;
    private const ushort EthPIpv6 = 0x86DD;
    private const ushort EthPSlow = 0x8809;
    private const byte IpProtoIcmpv6 = 58;

    /// <remarks>
    /// In balance-alb a frame delivered to the bond that is addressed to a member's MAC is readdressed to the
    /// bond's: the kernel's frame keeps the PACKET_HOST its member gave it, the TAP would judge it by the bond's
    /// MAC and drop it as another host's.
    /// </remarks>
    public static RxVerdict Classify(DataPlan plan, int memberIndex, Span<byte> frame)
    {
        if (frame.Length < EthHeader || (uint)memberIndex >= (uint)plan.Delivers.Length)
        {
            return RxVerdict.Drop;
        }
        ControlFrameKinds kind = KindOf(frame);
        RxVerdict verdict = (kind & plan.Control) != 0 && (kind != ControlFrameKinds.Arp || !plan.ArpTargetsOnly[memberIndex] || WithTarget(plan, frame))
            ? RxVerdict.ToControl : RxVerdict.Drop;
        // bond_3ad_lacpdu_recv: a LACPDU or Marker the control plane takes is consumed; any other slow-protocols frame
        // (another subtype, too short, to another address) is counted by the engine and goes on to the bond.
        if (kind == ControlFrameKinds.SlowProtocols && verdict == RxVerdict.ToControl && LacpPdu.IsConsumed(frame))
        {
            return verdict;
        }
        if (!ModeTraits.Of(plan.Mode).ReceiveBalancing)
        {
            return plan.Delivers[memberIndex] ? verdict | RxVerdict.Deliver : verdict;
        }
        bool unicast = (frame[0] & 1) == 0;
        if (!plan.Delivers[memberIndex] && !unicast)
        {
            return verdict;
        }
        if (unicast && Array.IndexOf(plan.MemberMacs, MacAddress.FromBytes(frame)) >= 0)
        {
            plan.BondMac.CopyTo(frame);
        }
        return verdict | RxVerdict.Deliver;
    }

    /// <summary>An ARP whose sender or target address is one of the bond's arp_ip_target.</summary>
    private static bool WithTarget(DataPlan plan, ReadOnlySpan<byte> frame) =>
        ArpMessage.TryRead(frame, out ArpMessage arp) && (Array.IndexOf(plan.ArpTargets, arp.SenderIp) >= 0 || Array.IndexOf(plan.ArpTargets, arp.TargetIp) >= 0);

    /// <summary>The control kind of a frame of at least an Ethernet header.</summary>
    internal static ControlFrameKinds KindOf(ReadOnlySpan<byte> frame)
    {
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        switch (type)
        {
            case EthPSlow:
                return ControlFrameKinds.SlowProtocols;
            case EthPArp:
                return ControlFrameKinds.Arp;
            case EthPIpv6:
                // The fixed header's next header must be ICMPv6, type 135 (NS) or 136 (NA), as bond_na_rcv checks.
                if (frame.Length >= EthHeader + 41 && frame[EthHeader + 6] == IpProtoIcmpv6 && frame[EthHeader + 40] is 135 or 136)
                {
                    return ControlFrameKinds.NeighborDiscovery;
                }
                return ControlFrameKinds.None;
            default:
                return ControlFrameKinds.None;
        }
    }
}
