using System.Buffers.Binary;
using System.Text;

namespace NetBond.Linux.Netlink;

/// <summary>Reads the rtattr list of a netlink message into a small index by type.</summary>
internal readonly ref struct NetlinkAttributes
{
    private readonly ReadOnlySpan<byte> _data;

    public NetlinkAttributes(ReadOnlySpan<byte> data) => _data = data;

    public bool TryGet(ushort type, out ReadOnlySpan<byte> value)
    {
        ReadOnlySpan<byte> rest = _data;
        while (rest.Length >= 4)
        {
            ushort len = BinaryPrimitives.ReadUInt16LittleEndian(rest);
            ushort t = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(rest[2..]) & 0x3FFF);
            if (len < 4 || len > rest.Length)
            {
                break;
            }
            if (t == type)
            {
                value = rest[4..len];
                return true;
            }
            int next = NetlinkMessageWriter.Align(len);
            rest = next >= rest.Length ? [] : rest[next..];
        }
        value = default;
        return false;
    }

    public uint? U32(ushort type) => TryGet(type, out ReadOnlySpan<byte> v) && v.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(v) : null;

    public byte? U8(ushort type) => TryGet(type, out ReadOnlySpan<byte> v) && v.Length >= 1 ? v[0] : null;

    public string? String(ushort type) => TryGet(type, out ReadOnlySpan<byte> v) ? Encoding.UTF8.GetString(v.TrimEnd((byte)0)) : null;
}
