using System.Buffers.Binary;
using NetBond.Linux.Interop;

namespace NetBond.Linux.Netlink;

/// <summary>
/// A NETLINK_ROUTE socket. Requests go out with NLM_F_ACK and wait for their own answer; a socket bound to
/// multicast groups is used only for events (two sockets, as linux-packet-io.md §4.1 advises).
/// </summary>
internal sealed unsafe class NetlinkSocket : IDisposable
{
    public const ushort NLM_F_REQUEST = 0x1;
    public const ushort NLM_F_MULTI = 0x2;
    public const ushort NLM_F_ACK = 0x4;
    public const ushort NLM_F_REPLACE = 0x100;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;
    public const ushort NLM_F_DUMP = 0x300;
    private const ushort NLMSG_ERROR = 2;
    private const ushort NLMSG_DONE = 3;
    private const int NETLINK_ROUTE = 0;

    private readonly NetlinkHandle _handle = new();
    private readonly byte[] _receive = GC.AllocateArray<byte>(64 * 1024, pinned: true);
    private uint _sequence = (uint)Environment.TickCount;

    public NetlinkSocket(uint groups = 0, bool nonBlocking = false)
    {
        int fd = LibC.Socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC | (nonBlocking ? LibC.SOCK_NONBLOCK : 0), NETLINK_ROUTE);
        if (fd < 0)
        {
            NativeException.Throw("socket(AF_NETLINK)");
        }
        _handle.Adopt(fd);
        Span<byte> sa = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(sa, LibC.AF_NETLINK);
        BinaryPrimitives.WriteUInt32LittleEndian(sa[8..], groups);
        fixed (byte* p = sa)
        {
            if (LibC.Bind(fd, p, 12) != 0)
            {
                NativeException.Throw("bind(AF_NETLINK)");
            }
        }
        LibC.SetInt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, 4 << 20);
    }

    public int Fd => _handle.Fd;

    /// <summary>Joins a multicast group beyond the 32 a bind names (NETLINK_ADD_MEMBERSHIP); false where the kernel has no such group.</summary>
    public bool TryJoinGroup(int group) => LibC.SetInt(_handle.Fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group) == 0;

    private const int SOL_NETLINK = 270;
    private const int NETLINK_ADD_MEMBERSHIP = 1;

    /// <summary>Sends a request and returns the error the kernel acknowledged it with (0 = success).</summary>
    public int Execute(NetlinkMessageWriter request) => Exchange(request, null);

    /// <summary>Sends a request (a get or a dump) and passes each answer's payload to <paramref name="onMessage"/>.</summary>
    public int Query(NetlinkMessageWriter request, Action<ushort, ReadOnlySpan<byte>> onMessage) => Exchange(request, onMessage);

    private int Exchange(NetlinkMessageWriter request, Action<ushort, ReadOnlySpan<byte>>? onMessage)
    {
        uint seq = ++_sequence;
        request.SetSequence(seq);
        ReadOnlySpan<byte> message = request.Finish();
        fixed (byte* p = message)
        {
            if (LibC.Send(_handle.Fd, p, message.Length, 0) < 0)
            {
                NativeException.Throw("netlink send");
            }
        }
        while (true)
        {
            nint n;
            fixed (byte* p = _receive)
            {
                n = LibC.Recv(_handle.Fd, p, _receive.Length, 0);
            }
            if (n < 0)
            {
                if (LibC.Errno == LibC.EINTR)
                {
                    continue;
                }
                NativeException.Throw("netlink recv");
            }
            ReadOnlySpan<byte> datagram = _receive.AsSpan(0, (int)n);
            int offset = 0;
            while (NextMessage(datagram, ref offset, out ushort type, out ushort flags, out uint mseq, out ReadOnlySpan<byte> payload))
            {
                if (mseq != seq)
                {
                    continue;
                }
                if (type == NLMSG_ERROR)
                {
                    return payload.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(payload) : LibC.EIO;
                }
                if (type == NLMSG_DONE)
                {
                    return 0;
                }
                onMessage?.Invoke(type, payload);
                if ((flags & NLM_F_MULTI) == 0 && onMessage != null && (request.Flags & NLM_F_ACK) == 0)
                {
                    return 0;
                }
            }
        }
    }

    /// <summary>Reads pending event messages without blocking; returns false when there are none.</summary>
    public bool ReadEvents(Action<ushort, ReadOnlySpan<byte>> onMessage, out bool overrun)
    {
        overrun = false;
        nint n;
        fixed (byte* p = _receive)
        {
            n = LibC.Recv(_handle.Fd, p, _receive.Length, LibC.MSG_DONTWAIT);
        }
        if (n < 0)
        {
            overrun = LibC.Errno == LibC.ENOBUFS;
            return overrun;
        }
        ReadOnlySpan<byte> datagram = _receive.AsSpan(0, (int)n);
        int offset = 0;
        while (NextMessage(datagram, ref offset, out ushort type, out _, out _, out ReadOnlySpan<byte> payload))
        {
            onMessage(type, payload);
        }
        return true;
    }

    /// <summary>The message at <paramref name="offset"/> in a datagram; false at its end or at a length that does not fit.</summary>
    private static bool NextMessage(ReadOnlySpan<byte> datagram, ref int offset, out ushort type, out ushort flags, out uint seq, out ReadOnlySpan<byte> payload)
    {
        type = flags = 0;
        seq = 0;
        payload = default;
        if (offset + 16 > datagram.Length)
        {
            return false;
        }
        ReadOnlySpan<byte> m = datagram[offset..];
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(m);
        if (len < 16 || len > m.Length)
        {
            return false;
        }
        type = BinaryPrimitives.ReadUInt16LittleEndian(m[4..]);
        flags = BinaryPrimitives.ReadUInt16LittleEndian(m[6..]);
        seq = BinaryPrimitives.ReadUInt32LittleEndian(m[8..]);
        payload = m[16..len];
        offset += NetlinkMessageWriter.Align(len);
        return true;
    }

    public void Dispose() => _handle.Dispose();
}
