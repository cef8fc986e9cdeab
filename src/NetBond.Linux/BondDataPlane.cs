using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NetBond.Core;
using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// The data plane of one bond. Threads: "netbond-tx-BOND" reads the TAP and sends each frame on the member
/// the mode picks; one "netbond-rx-MEMBER" per member receives and writes what the bond accepts to the TAP.
/// They read the published <see cref="Lanes"/> through one volatile field and never wait on the control
/// thread. Frames cross as [virtio_net_hdr][frame], whole GSO frames, in pinned buffers: no allocation per frame.
/// </summary>
public sealed unsafe class BondDataPlane : IDisposable
{
    private const int VnetHeader = VnetFrame.HeaderLength;
    private const int VlanTag = VnetFrame.VlanTagLength;
    private const int BufferSize = VnetHeader + VlanTag + 65535 + 1024;
    private const int PollTimeoutMs = 1000;
    private const int ReceiveBatch = 16;
    private const uint TP_STATUS_VLAN_VALID = 0x10;
    private const uint TP_STATUS_VLAN_TPID_VALID = 0x40;
    private const int PACKET_OUTGOING = 4;

    private readonly TapDevice _tap;
    private readonly EventFdHandle _stop = NewEventFd();
    private readonly Thread _txThread;
    private volatile Lanes _lanes = new(DataPlan.Empty, []);
    private volatile bool _stopping;

    /// <summary>A plan and the ports its member indexes point at, published together.</summary>
    private sealed record Lanes(DataPlan Plan, MemberPort[] Ports);

    public BondDataPlane(TapDevice tap)
    {
        _tap = tap;
        _txThread = new Thread(TransmitLoop) { Name = $"netbond-tx-{tap.Name}", IsBackground = true };
        _txThread.Start();
    }

    public long TapReadPackets;
    public long TapReadBytes;
    public long TapWritePackets;
    public long TapWriteBytes;
    public long TapWriteErrors;
    public long TxNoMember;

    public void Publish(DataPlan plan, IReadOnlyDictionary<Member, MemberPort> ports)
    {
        MemberPort[] lanePorts = new MemberPort[plan.Members.Length];
        for (int i = 0; i < lanePorts.Length; i++)
        {
            lanePorts[i] = ports[plan.Members[i]];
            lanePorts[i].Delivers = plan.Delivers[i];
        }
        _lanes = new Lanes(plan, lanePorts);
    }

    public void StartReceiving(MemberPort port)
    {
        Thread t = new(() => ReceiveLoop(port)) { Name = $"netbond-rx-{port.Member.Name}", IsBackground = true };
        port.ReceiveThread = t;
        t.Start();
    }

    /// <summary>Stops a member's receive thread; the caller then disposes the port.</summary>
    public void StopReceiving(MemberPort port)
    {
        port.Delivers = false;
        port.StopRequested = true;
        Wake(port.Stop);
        port.ReceiveThread?.Join();
        port.ReceiveThread = null;
    }

    internal static EventFdHandle NewEventFd()
    {
        int fd = LibC.EventFd(0, LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            NativeException.Throw("eventfd");
        }
        EventFdHandle handle = new();
        handle.Adopt(fd);
        return handle;
    }

    /// <summary>An eventfd stays readable once written: each thread has its own, written only to stop it.</summary>
    private static void Wake(EventFdHandle stop)
    {
        ulong one = 1;
        LibC.Write(stop, (byte*)&one, 8);
    }

    private void TransmitLoop()
    {
        DataPlaneCpu.PinCurrentThread();
        byte* buffer = (byte*)NativeMemory.AlignedAlloc(BufferSize, 4096);
        TxState state = default;
        bool added = false;
        _tap.Handle.DangerousAddRef(ref added);
        int tap = _tap.Handle.Fd;
        try
        {
            while (!_stopping)
            {
                nint n = LibC.Read(tap, buffer, BufferSize);
                if (n <= VnetHeader)
                {
                    if (n < 0 && LibC.Errno is LibC.EAGAIN or LibC.EINTR)
                    {
                        WaitReadable(tap, _stop);
                    }
                    continue;
                }
                TapReadPackets++;
                TapReadBytes += n - VnetHeader;
                Lanes lanes = _lanes;
                ReadOnlySpan<byte> frame = new(buffer + VnetHeader, (int)n - VnetHeader);
                int index = TxPolicy.Select(lanes.Plan, frame, ref state);
                if (index >= 0)
                {
                    Send(lanes.Ports[index], buffer, n);
                }
                else if (index == TxPolicy.AllMembers)
                {
                    bool[] can = lanes.Plan.CanTransmit;
                    for (int i = 0; i < can.Length; i++)
                    {
                        if (can[i])
                        {
                            Send(lanes.Ports[i], buffer, n);
                        }
                    }
                }
                else
                {
                    TxNoMember++;
                }
            }
        }
        finally
        {
            if (added)
            {
                _tap.Handle.DangerousRelease();
            }
            NativeMemory.AlignedFree(buffer);
        }
    }

    private static void Send(MemberPort port, byte* buffer, nint length)
    {
        MemberCounters c = port.Counters;
        if (LibC.Write(port.Socket.Handle, buffer, length) == length)
        {
            c.TxPackets++;
            c.TxBytes += length - VnetHeader;
        }
        else
        {
            c.TxErrors++;
        }
    }

    private void ReceiveLoop(MemberPort port)
    {
        DataPlaneCpu.PinCurrentThread();
        // recvmmsg takes up to ReceiveBatch frames per system call: the ACKs of a transfer going out arrive
        // as a stream of small frames, and one call each was the receive thread's main cost.
        const int ControlSize = 64;
        const int AddressSize = 20;
        byte* buffers = (byte*)NativeMemory.AlignedAlloc((nuint)ReceiveBatch * BufferSize, 4096);
        byte* controls = (byte*)NativeMemory.Alloc((nuint)ReceiveBatch * ControlSize);
        byte* addresses = (byte*)NativeMemory.Alloc((nuint)ReceiveBatch * AddressSize);
        LibC.IoVec* iovs = (LibC.IoVec*)NativeMemory.Alloc((nuint)ReceiveBatch, (nuint)sizeof(LibC.IoVec));
        LibC.MMsgHdr* msgs = (LibC.MMsgHdr*)NativeMemory.AllocZeroed((nuint)ReceiveBatch, (nuint)sizeof(LibC.MMsgHdr));
        for (int i = 0; i < ReceiveBatch; i++)
        {
            iovs[i] = new LibC.IoVec { Base = buffers + ((nint)i * BufferSize) + VlanTag, Length = BufferSize - VlanTag };
        }
        MemberCounters c = port.Counters;
        bool added = false;
        port.Socket.Handle.DangerousAddRef(ref added);
        int fd = port.Socket.Handle.Fd;
        bool filterOutgoing = !port.Socket.IgnoresOutgoing;
        try
        {
            while (!_stopping && !port.StopRequested)
            {
                for (int i = 0; i < ReceiveBatch; i++)
                {
                    LibC.MsgHdr* m = &msgs[i].Header;
                    m->Name = addresses + (i * AddressSize);
                    m->NameLen = AddressSize;
                    m->Iov = &iovs[i];
                    m->IovLen = 1;
                    m->Control = controls + (i * ControlSize);
                    m->ControlLen = ControlSize;
                    m->Flags = 0;
                }
                int count = LibC.RecvMMsg(fd, msgs, ReceiveBatch, LibC.MSG_DONTWAIT, null);
                if (count < 0)
                {
                    int errno = LibC.Errno;
                    if (errno is LibC.EAGAIN or LibC.EINTR)
                    {
                        WaitReadable(fd, port.Stop);
                    }
                    else if (errno != LibC.ENETDOWN)
                    {
                        // EINVAL: a GSO type virtio_net_hdr cannot express (§1.5); the skb is gone.
                        c.RxErrors++;
                    }
                    continue;
                }
                for (int i = 0; i < count; i++)
                {
                    byte* buffer = buffers + ((nint)i * BufferSize);
                    if (filterOutgoing && addresses[(i * AddressSize) + 10] == PACKET_OUTGOING)
                    {
                        continue;
                    }
                    Deliver(port, &msgs[i].Header, buffer, (nint)msgs[i].Length);
                }
            }
        }
        finally
        {
            if (added)
            {
                port.Socket.Handle.DangerousRelease();
            }
            NativeMemory.Free(msgs);
            NativeMemory.Free(iovs);
            NativeMemory.Free(addresses);
            NativeMemory.Free(controls);
            NativeMemory.AlignedFree(buffers);
        }
    }

    /// <summary>One received frame in <paramref name="buffer"/> (4 spare bytes, then [vnet hdr][frame]) to the TAP, if the bond takes it.</summary>
    private void Deliver(MemberPort port, LibC.MsgHdr* msg, byte* buffer, nint n)
    {
        MemberCounters c = port.Counters;
        if ((msg->Flags & LibC.MSG_TRUNC) != 0 || n <= VnetHeader)
        {
            c.RxErrors++;
            return;
        }
        ReadOnlySpan<byte> frame = new(buffer + VlanTag + VnetHeader, (int)n - VnetHeader);
        if (!port.Delivers || frame.Length < 14)
        {
            c.RxDropped++;
            return;
        }
        byte* start = buffer + VlanTag;
        nint length = n;
        if (RestoreVlanTag(msg, buffer))
        {
            start = buffer;
            length += VlanTag;
        }
        c.RxPackets++;
        c.RxBytes += length - VnetHeader;
        if (LibC.Write(_tap.Handle, start, length) == length)
        {
            Interlocked.Increment(ref TapWritePackets);
            Interlocked.Add(ref TapWriteBytes, length - VnetHeader);
        }
        else
        {
            Interlocked.Increment(ref TapWriteErrors);
        }
    }

    /// <summary>
    /// The outer VLAN tag is stripped before packet taps see a frame (dev.c __netif_receive_skb_core); put it back
    /// after the MAC addresses, moving header and addresses 4 bytes forward, and shift csum_start and hdr_len by 4.
    /// </summary>
    private static bool RestoreVlanTag(LibC.MsgHdr* msg, byte* buffer)
    {
        for (LibC.CmsgHdr* cm = FirstCmsg(msg); cm != null; cm = NextCmsg(msg, cm))
        {
            if (cm->Level != PacketSocket.SOL_PACKET || cm->Type != 8)
            {
                continue;
            }
            byte* aux = (byte*)(cm + 1);
            uint status = *(uint*)aux;
            if ((status & TP_STATUS_VLAN_VALID) == 0)
            {
                return false;
            }
            ushort tci = *(ushort*)(aux + 16);
            ushort tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0 ? *(ushort*)(aux + 18) : (ushort)0x8100;
            VnetFrame.InsertVlanTag(new Span<byte>(buffer, VlanTag + VnetHeader + 14), tpid, tci);
            return true;
        }
        return false;
    }

    private static LibC.CmsgHdr* FirstCmsg(LibC.MsgHdr* msg) =>
        msg->ControlLen >= (nuint)sizeof(LibC.CmsgHdr) ? (LibC.CmsgHdr*)msg->Control : null;

    private static LibC.CmsgHdr* NextCmsg(LibC.MsgHdr* msg, LibC.CmsgHdr* cm)
    {
        nuint aligned = (cm->Len + 7) & ~(nuint)7;
        byte* next = (byte*)cm + aligned;
        byte* end = (byte*)msg->Control + msg->ControlLen;
        return cm->Len < (nuint)sizeof(LibC.CmsgHdr) || next + sizeof(LibC.CmsgHdr) > end ? null : (LibC.CmsgHdr*)next;
    }

    private static void WaitReadable(int fd, EventFdHandle stop)
    {
        LibC.PollFd* fds = stackalloc LibC.PollFd[2];
        fds[0] = new LibC.PollFd { Fd = fd, Events = LibC.POLLIN };
        fds[1] = new LibC.PollFd { Fd = stop.Fd, Events = LibC.POLLIN };
        LibC.Poll(fds, 2, PollTimeoutMs);
    }

    public void Dispose()
    {
        _stopping = true;
        Wake(_stop);
        _txThread.Join();
        foreach (MemberPort p in _lanes.Ports)
        {
            StopReceiving(p);
        }
        _stop.Dispose();
    }
}
