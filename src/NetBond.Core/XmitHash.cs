using System.Buffers.Binary;

namespace NetBond.Core;

/// <summary>
/// bond_xmit_hash(): the kernel's xmit_hash_policy arithmetic, bit for bit, so a flow lands on the same
/// member index as it would under the kernel driver. Address and port words are read in host order from
/// network-order bytes as the kernel's __be32 reinterpretation does on a little-endian CPU.
/// </summary>
public static class XmitHash
{
    public const int Layer2 = 0;
    public const int Layer34 = 1;
    public const int Layer23 = 2;
    public const int Encap23 = 3;
    public const int Encap34 = 4;
    public const int VlanSrcMac = 5;

    private const int EthHeader = 14;

    public static uint Compute(ReadOnlySpan<byte> frame, int policy)
    {
        if (frame.Length < EthHeader)
        {
            return 0;
        }
        if (policy == VlanSrcMac)
        {
            // The tag is hardware-accelerated in the kernel; on the TAP it is inline, so read it there.
            uint vlan = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == 0x8100 && frame.Length >= 16
                ? BinaryPrimitives.ReadUInt16BigEndian(frame[14..])
                : 0u;
            uint vendor = (uint)(frame[6] << 16 | frame[7] << 8 | frame[8]);
            uint dev = (uint)(frame[9] << 16 | frame[10] << 8 | frame[11]);
            return vlan ^ vendor ^ dev;
        }
        ushort ethertype = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        uint l2 = (uint)(frame[5] ^ frame[11] ^ ethertype);
        if (policy == Layer2)
        {
            return l2;
        }
        bool l4 = policy is Layer34 or Encap34;
        ReadOnlySpan<byte> ip = frame[EthHeader..];
        uint h;
        uint addrs;
        if (ethertype == 0x0800 && ip.Length >= 20 && (ip[0] >> 4) == 4)
        {
            int ihl = (ip[0] & 0x0F) * 4;
            if (ihl < 20 || ip.Length < ihl)
            {
                return l2;
            }
            addrs = Word(ip[16..]) ^ Word(ip[12..]);
            bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0;
            h = l4 ? (fragment ? 0 : Ports(ip[9], ip[ihl..])) : l2;
        }
        else if (ethertype == 0x86DD && ip.Length >= 40)
        {
            addrs = Word(ip[8..]) ^ Word(ip[12..]) ^ Word(ip[16..]) ^ Word(ip[20..])
                ^ Word(ip[24..]) ^ Word(ip[28..]) ^ Word(ip[32..]) ^ Word(ip[36..]);
            h = l4 ? Ports(ip[6], ip[40..]) : l2;
        }
        else
        {
            return l2;
        }
        h ^= addrs;
        h ^= h >> 16;
        h ^= h >> 8;
        return l4 ? h >> 1 : h;
    }

    /// <summary>__skb_flow_get_ports: the first four L4 bytes for ported protocols (AH: its SPI at offset 4).</summary>
    private static uint Ports(byte protocol, ReadOnlySpan<byte> l4)
    {
        int offset = protocol switch
        {
            6 or 17 or 136 or 132 or 33 or 50 => 0,
            51 => 4,
            _ => -1,
        };
        return offset >= 0 && l4.Length >= offset + 4 ? Word(l4[offset..]) : 0;
    }

    private static uint Word(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadUInt32LittleEndian(b);
}
