using NetBond.Core;

namespace NetBond.Core.Tests;

public class VnetFrameTests
{
    [Fact]
    public void Inserting_a_vlan_tag_moves_addresses_and_checksum_offsets()
    {
        byte[] buffer = new byte[4 + 10 + 60];
        Span<byte> hdr = buffer.AsSpan(4, 10);
        hdr[0] = 1;                        // NEEDS_CSUM
        hdr[2] = 54;                       // hdr_len
        hdr[6] = 34;                       // csum_start (after Ethernet + IPv4 header)
        hdr[8] = 16;                       // csum_offset (TCP)
        for (int i = 0; i < 12; i++)
        {
            buffer[14 + i] = (byte)(0xA0 + i); // dst, src
        }
        buffer[26] = 0x08;                 // ethertype IPv4
        buffer[28] = 0x45;

        VnetFrame.InsertVlanTag(buffer, 0x8100, 0x600A);

        Assert.Equal(1, buffer[0]);
        Assert.Equal(58, buffer[2]);
        Assert.Equal(38, buffer[6]);
        Assert.Equal(16, buffer[8]);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (byte)(0xA0 + i)), buffer[10..22]);
        Assert.Equal(new byte[] { 0x81, 0x00, 0x60, 0x0A, 0x08, 0x00, 0x45 }, buffer[22..29]);
    }

    [Fact]
    public void Without_partial_checksum_only_hdr_len_moves()
    {
        byte[] buffer = new byte[4 + 10 + 60];
        buffer[4 + 6] = 34;
        VnetFrame.InsertVlanTag(buffer, 0x88a8, 5);
        Assert.Equal(34, buffer[6]);
        Assert.Equal(0, buffer[2]);
        Assert.Equal(new byte[] { 0x88, 0xa8, 0x00, 0x05 }, buffer[22..26]);
    }
}
