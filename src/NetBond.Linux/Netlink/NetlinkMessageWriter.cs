using System.Buffers.Binary;
using System.Text;

namespace NetBond.Linux.Netlink;

/// <summary>Builds one netlink request: nlmsghdr, the family header, then 4-byte aligned attributes (include/uapi/linux/netlink.h).</summary>
internal sealed class NetlinkMessageWriter
{
    private readonly byte[] _buffer = new byte[4096];
    private readonly Stack<int> _nests = new();
    private int _length;

    public NetlinkMessageWriter(ushort type, ushort flags)
    {
        Flags = flags;
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(6), flags);
        _length = 16;
    }

    public ushort Flags { get; }

    public void SetSequence(uint seq) => BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(8), seq);

    public Span<byte> Reserve(int size)
    {
        Span<byte> s = _buffer.AsSpan(_length, size);
        s.Clear();
        _length += Align(size);
        return s;
    }

    public void Attribute(ushort type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = Reserve(4);
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(4 + data.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        data.CopyTo(Reserve(data.Length));
    }

    public void U32(ushort type, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        Attribute(type, b);
    }

    public void U16(ushort type, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        Attribute(type, b);
    }

    public void String(ushort type, string value)
    {
        byte[] b = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, b);
        Attribute(type, b);
    }

    public void BeginNest(ushort type)
    {
        _nests.Push(_length);
        Span<byte> header = Reserve(4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
    }

    public void EndNest()
    {
        int start = _nests.Pop();
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(start), (ushort)(_length - start));
    }

    public ReadOnlySpan<byte> Finish()
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_length);
        return _buffer.AsSpan(0, _length);
    }

    public static int Align(int n) => (n + 3) & ~3;
}
