using System.Buffers.Binary;

namespace NetBond.Core;

/// <summary>
/// A frame as TAP and PACKET_VNET_HDR sockets carry it: a 10-byte virtio_net_hdr (include/uapi/linux/virtio_net.h)
/// then the Ethernet frame. Members hand over GSO frames whole, so NetBond only ever edits the header when the
/// L2 header length changes.
/// </summary>
public static class VnetFrame
{
    public const int HeaderLength = 10;
    public const int VlanTagLength = 4;
    private const byte NeedsCsum = 1;

    /// <summary>
    /// Puts back an outer VLAN tag that the kernel moved out of the frame before packet taps saw it
    /// (__netif_receive_skb_core). <paramref name="buffer"/> holds [4 spare bytes][vnet hdr][frame]; afterwards it
    /// holds [vnet hdr][dst][src][TPID TCI][rest], and csum_start and hdr_len have moved by the 4 tag bytes.
    /// </summary>
    public static void InsertVlanTag(Span<byte> buffer, ushort tpid, ushort tci)
    {
        buffer.Slice(VlanTagLength, HeaderLength + 12).CopyTo(buffer);
        Span<byte> tag = buffer.Slice(HeaderLength + 12, VlanTagLength);
        BinaryPrimitives.WriteUInt16BigEndian(tag, tpid);
        BinaryPrimitives.WriteUInt16BigEndian(tag[2..], tci);
        Span<byte> hdr = buffer[..HeaderLength];
        if ((hdr[0] & NeedsCsum) != 0)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(hdr[6..], (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(hdr[6..]) + VlanTagLength));
        }
        ushort hdrLen = BinaryPrimitives.ReadUInt16LittleEndian(hdr[2..]);
        if (hdrLen != 0)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(hdr[2..], (ushort)(hdrLen + VlanTagLength));
        }
    }
}
