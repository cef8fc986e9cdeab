using System.Buffers.Binary;

namespace NetBond.Core;

/// <summary>The actor/partner state bits of an LACPDU (LACP_STATE_* in if_bonding.h).</summary>
[Flags]
public enum LacpState : byte
{
    None = 0,
    Activity = 0x01,
    Timeout = 0x02,
    Aggregation = 0x04,
    Synchronization = 0x08,
    Collecting = 0x10,
    Distributing = 0x20,
    Defaulted = 0x40,
    Expired = 0x80,
}

/// <summary>One side's information in an LACPDU (struct port_params): who it is and what state it is in.</summary>
public readonly record struct LacpPortInfo(ushort SystemPriority, MacAddress System, ushort Key, ushort PortPriority, ushort Port, LacpState State)
{
    /// <summary>The partner an unanswered port assumes (ad_initialize_port's template): no system, key 1, port 1.</summary>
    public static LacpPortInfo AdminDefault { get; } = new(0xFFFF, MacAddress.Zero, 1, 0xFF, 1, LacpState.None);

    /// <summary>Whether two descriptions name the same port of the same system in the same aggregation (the fields __update_selected compares).</summary>
    public bool SameIdentity(in LacpPortInfo other) =>
        Port == other.Port && PortPriority == other.PortPriority && System == other.System
        && SystemPriority == other.SystemPriority && Key == other.Key
        && (State & LacpState.Aggregation) == (other.State & LacpState.Aggregation);
}

/// <summary>What a slow-protocols frame received on a member is, as bond_3ad_lacpdu_recv sorts it.</summary>
public enum SlowFrameKind
{
    /// <summary>Not to 01:80:c2:00:00:02 with ethertype 0x8809: not the bond's to take.</summary>
    NotSlow,
    /// <summary>Shorter than an LACPDU, or its actor/partner TLVs are not what every LACP version carries: lacpdu_illegal_rx.</summary>
    Illegal,
    /// <summary>A subtype that is neither LACP nor Marker: lacpdu_unknown_rx.</summary>
    Unknown,
    Lacpdu,
    MarkerInformation,
    MarkerResponse,
    /// <summary>A Marker PDU whose TLV is neither information nor response: marker_unknown_rx.</summary>
    MarkerUnknown,
}

/// <summary>
/// LACPDU and Marker PDU layout (IEEE 802.1AX, struct lacpdu_header and struct bond_marker_header): reading
/// received frames, writing the ones the bond sends. Frames are 124 bytes: a 14-byte Ethernet header and a
/// 110-byte PDU.
/// </summary>
public static class LacpPdu
{
    public const int FrameLength = 124;
    public const ushort SlowProtocolsType = 0x8809;
    public static MacAddress Multicast { get; } = new(0x0180_C200_0002UL);

    private const int Pdu = 14;
    private const byte SubtypeLacp = 1;
    private const byte SubtypeMarker = 2;
    private const int ActorInfo = Pdu + 4;
    private const int PartnerInfo = Pdu + 24;

    /// <summary>
    /// Sorts a received frame. The version is not checked (802.1AX asks receivers to accept later versions); the
    /// actor and partner TLVs, which every version carries at the same place with length 20, are — NetBond's
    /// one check beyond the kernel's, so that garbage is counted as illegal instead of being read as a partner.
    /// </summary>
    public static SlowFrameKind Classify(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < Pdu || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != SlowProtocolsType
            || MacAddress.FromBytes(frame) != Multicast)
        {
            return SlowFrameKind.NotSlow;
        }
        if (frame.Length < FrameLength)
        {
            return SlowFrameKind.Illegal;
        }
        switch (frame[Pdu])
        {
            case SubtypeLacp:
                bool tlvs = frame[Pdu + 2] == 1 && frame[Pdu + 3] == 20 && frame[Pdu + 22] == 2 && frame[Pdu + 23] == 20;
                return tlvs ? SlowFrameKind.Lacpdu : SlowFrameKind.Illegal;
            case SubtypeMarker:
                return frame[Pdu + 2] switch
                {
                    1 => SlowFrameKind.MarkerInformation,
                    2 => SlowFrameKind.MarkerResponse,
                    _ => SlowFrameKind.MarkerUnknown,
                };
            default:
                return SlowFrameKind.Unknown;
        }
    }

    /// <summary>
    /// What bond_3ad_lacpdu_recv consumes: a LACPDU or Marker (by subtype alone) to the slow-protocols group, as long
    /// as struct lacpdu. Anything else it counts and passes on to the bond.
    /// </summary>
    public static bool IsConsumed(ReadOnlySpan<byte> frame) =>
        frame.Length >= FrameLength && MacAddress.FromBytes(frame) == Multicast && frame[Pdu] is SubtypeLacp or SubtypeMarker;

    public static LacpPortInfo ReadActor(ReadOnlySpan<byte> frame) => ReadInfo(frame[ActorInfo..]);

    public static LacpPortInfo ReadPartner(ReadOnlySpan<byte> frame) => ReadInfo(frame[PartnerInfo..]);

    /// <summary>An LACPDU from <paramref name="source"/> (the member's permanent MAC) to the slow-protocols group.</summary>
    public static byte[] Build(MacAddress source, in LacpPortInfo actor, in LacpPortInfo partner)
    {
        byte[] f = new byte[FrameLength];
        WriteHeader(f, source);
        f[Pdu] = SubtypeLacp;
        f[Pdu + 1] = 1;
        f[Pdu + 2] = 1;
        f[Pdu + 3] = 20;
        WriteInfo(f.AsSpan(ActorInfo), actor);
        f[Pdu + 22] = 2;
        f[Pdu + 23] = 20;
        WriteInfo(f.AsSpan(PartnerInfo), partner);
        // Collector TLV with max delay 0; the terminator and the reserved bytes stay zero.
        f[Pdu + 42] = 3;
        f[Pdu + 43] = 16;
        return f;
    }

    /// <summary>ad_marker_info_received(): the Marker Information PDU sent back as a response, from our port.</summary>
    public static byte[] MarkerResponse(ReadOnlySpan<byte> information, MacAddress source)
    {
        byte[] f = information[..FrameLength].ToArray();
        WriteHeader(f, source);
        f[Pdu + 2] = 2;
        return f;
    }

    private static void WriteHeader(Span<byte> f, MacAddress source)
    {
        Multicast.CopyTo(f);
        source.CopyTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], SlowProtocolsType);
    }

    private static LacpPortInfo ReadInfo(ReadOnlySpan<byte> s) => new(
        BinaryPrimitives.ReadUInt16BigEndian(s),
        MacAddress.FromBytes(s[2..]),
        BinaryPrimitives.ReadUInt16BigEndian(s[8..]),
        BinaryPrimitives.ReadUInt16BigEndian(s[10..]),
        BinaryPrimitives.ReadUInt16BigEndian(s[12..]),
        (LacpState)s[14]);

    private static void WriteInfo(Span<byte> s, in LacpPortInfo info)
    {
        BinaryPrimitives.WriteUInt16BigEndian(s, info.SystemPriority);
        info.System.CopyTo(s[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(s[8..], info.Key);
        BinaryPrimitives.WriteUInt16BigEndian(s[10..], info.PortPriority);
        BinaryPrimitives.WriteUInt16BigEndian(s[12..], info.Port);
        s[14] = (byte)info.State;
    }
}
