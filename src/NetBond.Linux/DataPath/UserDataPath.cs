using System.Runtime.InteropServices;
using NetBond.Core;
using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// The userspace data path of one bond: one thread, "netbond/BOND", reads the TAP and sends each frame on the member
/// the mode picks, and receives from every member and writes what the bond accepts to the TAP. It polls only
/// when a whole pass over all descriptors found nothing. In control-frames-only mode (beside the kernel path) the
/// path has no thread of its own: the daemon's one <see cref="ControlFramePump"/> runs its passes. One thread rather than one per direction: pinned to
/// one CPU, a second thread mostly waits for the CPU the first holds and pays a context switch each time; on
/// the 2-core bench machine one thread took 4-flow TCP from 10.9 to 13.4 Gbit/s, single flow no worse. It
/// reads the published <see cref="Lanes"/> through one volatile field and never waits on the control thread.
/// Frames cross as [virtio_net_hdr][frame], whole GSO frames, in native buffers: no allocation per frame.
/// </summary>
public sealed unsafe class UserDataPath : IDataPath
{
    private const int VnetHeader = VnetFrame.HeaderLength;
    private const int VlanTag = VnetFrame.VlanTagLength;
    internal const int BufferSize = VnetHeader + VlanTag + 65535 + 1024;
    private const int PollTimeoutMs = 1000;
    private const int ReceiveBatch = 16;
    private const int TransmitBatch = 16;
    private const uint TP_STATUS_VLAN_VALID = 0x10;
    private const uint TP_STATUS_VLAN_TPID_VALID = 0x40;
    private const int PACKET_OUTGOING = 4;

    private readonly TapDevice _tap;
    private readonly EventFdHandle? _wake;
    private readonly Thread? _thread;
    private readonly ControlFramePump? _pump;
    private readonly ulong _pumpTag;
    private TxState _txState;
    private volatile Lanes _lanes = new(DataPlan.Empty, []);
    private volatile MemberPort[] _receivers = [];
    private readonly Dictionary<Member, MemberPort> _ports = [];
    private long _passes;
    private volatile bool _stopping;

    /// <summary>A plan and the ports its member indexes point at, published together.</summary>
    private sealed record Lanes(DataPlan Plan, MemberPort[] Ports);

    /// <summary>Set under the kernel data path: member sockets carry only control frames, and nothing is written to the TAP.</summary>
    private readonly bool _controlFramesOnly;

    /// <summary>Under the kernel data path, the kinds of frame the member sockets' filters let through: the last plan's.</summary>
    private ControlFrameKinds _socketKinds;

    /// <param name="controlFramesOnly">
    /// Serve <see cref="KernelDataPath"/>: eBPF programs carry the frames, this path takes the control frames off the
    /// members and sends what the egress program leaves to userspace (TC_ACT_OK) from the TAP.
    /// </param>
    public UserDataPath(TapDevice tap, bool controlFramesOnly = false)
    {
        _tap = tap;
        _controlFramesOnly = controlFramesOnly;
        if (controlFramesOnly)
        {
            _pump = ControlFramePump.Acquire();
            _pumpTag = _pump.Add(this);
            try
            {
                _pump.Watch(tap.Handle.Fd, _pumpTag);
            }
            catch
            {
                _pump.Forget([], _pumpTag);
                _pump.Dispose();
                throw;
            }
            return;
        }
        _wake = EventFdHandle.Create();
        _thread = new Thread(Run) { Name = $"netbond/{tap.Name}", IsBackground = true };
        _thread.Start();
    }

    private long _tapReadPackets;
    private long _tapReadBytes;
    private long _tapWritePackets;
    private long _tapWriteBytes;
    private long _tapWriteErrors;
    private long _txNoMember;
    private long _allocatedBytes;

    public string Name => "user";

    public ControlFrameQueue ControlFrames { get; } = new();

    public IReadOnlyList<KeyValuePair<string, string>> Features =>
    [
        KeyValuePair.Create("tap_offloads", _tap.UdpSegmentationOffload ? "csum tso4 tso6 tso_ecn uso4 uso6" : "csum tso4 tso6 tso_ecn"),
        KeyValuePair.Create("packet_vnet_hdr", "yes"),
        KeyValuePair.Create("packet_ignore_outgoing", _ports.Values.All(p => p.Socket.IgnoresOutgoing) ? "yes" : "no"),
        KeyValuePair.Create("ingress_drop", "cls_bpf direct-action"),
    ];

    /// <summary>Its threads are the daemon's: the bond stops with it.</summary>
    public bool OutlivesDaemon => false;

    public string? Note() => null;

    /// <summary>Its tlb table lives on its own thread, which places buckets frame by frame.</summary>
    public void Tick()
    {
    }

    public void EndAdoption()
    {
    }

    public void LeaveRunning() => throw new InvalidOperationException("the userspace data path stops with the daemon");

    /// <summary>Publishes the plan with the ports its member indexes point at: every member of a plan is attached first.</summary>
    public void Publish(DataPlan plan)
    {
        if (_controlFramesOnly)
        {
            _socketKinds = plan.Control;
            foreach (MemberPort port in _ports.Values)
            {
                int index = Array.IndexOf(plan.Members, port.Member);
                uint[]? arpTargets = index >= 0 && plan.ArpTargetsOnly[index] ? plan.ArpTargets : null;
                if (port.Filter.Kinds != _socketKinds || (port.Filter.ArpTargets == null) != (arpTargets == null)
                    || (arpTargets != null && !arpTargets.SequenceEqual(port.Filter.ArpTargets!)))
                {
                    port.Socket.TakeOnly(_socketKinds, arpTargets, port.Member.Name);
                    port.Filter = (_socketKinds, arpTargets);
                }
            }
        }
        MemberPort[] lanePorts = new MemberPort[plan.Members.Length];
        for (int i = 0; i < lanePorts.Length; i++)
        {
            lanePorts[i] = _ports[plan.Members[i]];
        }
        _lanes = new Lanes(plan, lanePorts);
    }

    public void Attach(Member member)
    {
        PacketSocket socket = PacketSocket.Open(member.IfIndex, member.Name, _controlFramesOnly ? _socketKinds : null);
        MemberPort port = new(member, socket) { Filter = (_socketKinds, null) };
        _ports.Add(member, port);
        _receivers = [.. _receivers, port];
        if (_pump != null)
        {
            _pump.Watch(socket.Handle.Fd, _pumpTag);
            return;
        }
        Wake();
    }

    public void Detach(Member member)
    {
        if (_ports.Remove(member, out MemberPort? port))
        {
            StopReceiving(port);
            port.Dispose();
        }
    }

    public bool SendControlFrame(Member member, ReadOnlySpan<byte> frame) =>
        _ports.TryGetValue(member, out MemberPort? port) && port.SendControlFrame(frame);

    /// <summary>What this path's own thread allocated; under the kernel path, the shared pump's thread.</summary>
    public long AllocatedBytes => _pump?.AllocatedBytes ?? Interlocked.Read(ref _allocatedBytes);

    public PortCounters BondCounters =>
        new(_tapWritePackets, _tapWriteBytes, _tapWriteErrors, 0, _tapReadPackets, _tapReadBytes, 0, _txNoMember);

    public PortCounters MemberCounters(Member member) =>
        _ports.TryGetValue(member, out MemberPort? port) ? port.Counters.Snapshot() : default;

    /// <summary>
    /// Takes a member off the receive list and returns once the data-plane thread can no longer touch its
    /// socket, so the caller may dispose the port: a pass that may hold the old list has finished once the
    /// pass counter moves past the value read after publishing.
    /// </summary>
    private void StopReceiving(MemberPort port)
    {
        _receivers = Array.FindAll(_receivers, p => p != port);
        if (_pump != null)
        {
            _pump.Forget([port.Socket.Handle.Fd]);
            return;
        }
        long seen = Interlocked.Read(ref _passes);
        Wake();
        while (Interlocked.Read(ref _passes) == seen && _thread!.IsAlive)
        {
            Thread.Sleep(1);
        }
    }

    private void Wake() => _wake!.Signal();

    private void Run()
    {
        DataPlaneCpu.PinCurrentThread();
        using ReceiveBuffers rx = new(ReceiveBatch, BufferSize);
        using TransmitBuffers tx = new(TransmitBatch, BufferSize);
        LibC.PollFd* fds = null;
        MemberPort[]? polled = null;
        bool added = false;
        _tap.Handle.DangerousAddRef(ref added);
        int tap = _tap.Handle.Fd;
        try
        {
            while (!_stopping)
            {
                Interlocked.Increment(ref _passes);
                MemberPort[] receivers = _receivers;
                if (Pass(rx, tx, receivers))
                {
                    continue;
                }
                // Read where the thread goes idle: what it allocated is its own, whatever other threads do.
                Interlocked.Exchange(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
                if (polled != receivers)
                {
                    NativeMemory.Free(fds);
                    fds = (LibC.PollFd*)NativeMemory.Alloc((nuint)receivers.Length + 2, (nuint)sizeof(LibC.PollFd));
                    fds[0] = new LibC.PollFd { Fd = _wake!.Fd, Events = LibC.POLLIN };
                    fds[1] = new LibC.PollFd { Fd = tap, Events = LibC.POLLIN };
                    for (int i = 0; i < receivers.Length; i++)
                    {
                        fds[i + 2] = new LibC.PollFd { Fd = receivers[i].Socket.Handle.Fd, Events = LibC.POLLIN };
                    }
                    polled = receivers;
                }
                if (LibC.Poll(fds, (nuint)receivers.Length + 2, PollTimeoutMs) > 0 && fds[0].REvents != 0)
                {
                    _wake!.Clear();
                }
            }
        }
        finally
        {
            if (added)
            {
                _tap.Handle.DangerousRelease();
            }
            NativeMemory.Free(fds);
        }
    }

    /// <summary>
    /// One pass over the path's descriptors: a batch from the TAP out to the members, a batch from each member in.
    /// True when any of them had something, so another pass may find more.
    /// </summary>
    internal bool Pass(ReceiveBuffers rx, TransmitBuffers tx) => Pass(rx, tx, _receivers);

    private bool Pass(ReceiveBuffers rx, TransmitBuffers tx, MemberPort[] receivers)
    {
        bool busy = TransmitFromTap(_tap.Handle.Fd, tx, ref _txState);
        foreach (MemberPort port in receivers)
        {
            busy |= ReceiveFrom(port, rx);
        }
        return busy;
    }

    /// <summary>
    /// Reads what the TAP holds, up to <see cref="TransmitBatch"/> frames, picks each frame's member, then sends
    /// each member its share with one sendmmsg: small frames cost one read and a fraction of a send each.
    /// Per member the frames keep the order they were read in.
    /// </summary>
    private bool TransmitFromTap(int tap, TransmitBuffers tx, ref TxState state)
    {
        tx.Clear();
        Lanes lanes = _lanes;
        bool any = false;
        while (tx.Count < tx.Capacity)
        {
            byte* buffer = tx.Next;
            nint n = LibC.Read(tap, buffer, tx.BufferSize);
            if (n < 0)
            {
                break;
            }
            any = true;
            if (n <= VnetHeader)
            {
                continue;
            }
            _tapReadPackets++;
            _tapReadBytes += n - VnetHeader;
            Span<byte> frame = new(buffer + VnetHeader, (int)n - VnetHeader);
            int target = TxPolicy.Select(lanes.Plan, frame, ref state);
            if (target >= 0 || target == TxPolicy.AllMembers)
            {
                tx.Keep(n, target);
            }
            else if (target == TxPolicy.ToControl)
            {
                ControlFrames.TryEnqueue(null, frame);
            }
            else
            {
                _txNoMember++;
            }
        }
        bool[] can = lanes.Plan.CanTransmit;
        for (int m = 0; m < lanes.Ports.Length; m++)
        {
            int queued = 0;
            for (int f = 0; f < tx.Count; f++)
            {
                int target = tx.Target(f);
                if (target == m || (target == TxPolicy.AllMembers && can[m]))
                {
                    tx.Queue(queued++, f);
                }
            }
            if (queued > 0)
            {
                Send(lanes.Ports[m], tx.Messages, queued);
            }
        }
        return any;
    }

    /// <summary>
    /// sendmmsg stops at the first frame the kernel refuses: count it and go on with the rest. The socket never
    /// blocks: a member whose queue is full drops the frame, as a NIC's full ring would, and the other members
    /// and the receive side keep moving.
    /// </summary>
    private static void Send(MemberPort port, LibC.MMsgHdr* messages, int count)
    {
        MemberCounters c = port.Counters;
        int fd = port.Socket.Handle.Fd;
        int done = 0;
        while (done < count)
        {
            int sent = LibC.SendMMsg(fd, messages + done, (uint)(count - done), 0);
            if (sent <= 0)
            {
                if (LibC.Errno is LibC.EAGAIN or LibC.ENOBUFS)
                {
                    c.TxDropped++;
                }
                else
                {
                    c.TxErrors++;
                }
                done++;
                continue;
            }
            c.LastTxMs = Environment.TickCount64;
            for (int i = done; i < done + sent; i++)
            {
                c.TxPackets++;
                c.TxBytes += (nint)messages[i].Header.Iov->Length - VnetHeader;
            }
            done += sent;
        }
    }

    /// <summary>
    /// One recvmmsg of up to <see cref="ReceiveBatch"/> frames from a member: the ACKs of a transfer going out
    /// arrive as a stream of small frames, and one call each was the receive side's main cost.
    /// </summary>
    private bool ReceiveFrom(MemberPort port, ReceiveBuffers rx)
    {
        rx.Reset();
        int count = LibC.RecvMMsg(port.Socket.Handle.Fd, rx.Messages, (uint)rx.Count, LibC.MSG_DONTWAIT, null);
        if (count < 0)
        {
            // EAGAIN: nothing waiting; ENETDOWN: the member went down (and the error is now cleared);
            // EINVAL: a GSO type virtio_net_hdr cannot express (§1.5), the skb is gone.
            int errno = LibC.Errno;
            if (errno is not (LibC.EAGAIN or LibC.EINTR or LibC.ENETDOWN))
            {
                port.Counters.RxErrors++;
            }
            return errno != LibC.EAGAIN;
        }
        if (count == 0)
        {
            return false;
        }
        long now = Environment.TickCount64;
        port.Counters.LastRxMs = now;
        Lanes lanes = _lanes;
        int index = Array.IndexOf(lanes.Ports, port);
        bool filterOutgoing = !port.Socket.IgnoresOutgoing;
        for (int i = 0; i < count; i++)
        {
            // sockaddr_ll: sll_protocol (skb->protocol, a tag taken off) at 2, sll_pkttype at 10.
            byte* address = rx.Addresses + (i * ReceiveBuffers.AddressSize);
            if (filterOutgoing && address[10] == PACKET_OUTGOING)
            {
                continue;
            }
            if (address[2] == 0x86 && address[3] == 0xDD)
            {
                port.Counters.LastRxIpv6Ms = now;
            }
            Deliver(port, lanes.Plan, index, &rx.Messages[i].Header, rx.Buffer(i), (nint)rx.Messages[i].Length);
        }
        return true;
    }

    /// <summary>
    /// One received frame in <paramref name="buffer"/> (4 spare bytes, then [vnet hdr][frame]), classified once
    /// by Core: to the TAP, to the control plane's queue, both, or dropped. Member <paramref name="index"/> is
    /// the port's place in <paramref name="plan"/>, -1 for a port the plan does not know yet.
    /// </summary>
    private void Deliver(MemberPort port, DataPlan plan, int index, LibC.MsgHdr* msg, byte* buffer, nint n)
    {
        MemberCounters c = port.Counters;
        if ((msg->Flags & LibC.MSG_TRUNC) != 0 || n <= VnetHeader)
        {
            c.RxErrors++;
            return;
        }
        Span<byte> frame = new(buffer + VlanTag + VnetHeader, (int)n - VnetHeader);
        RxVerdict verdict = ReceiveClassifier.Classify(plan, index, frame);
        if ((verdict & RxVerdict.ToControl) != 0)
        {
            ControlFrames.TryEnqueue(port.Member, frame);
        }
        if ((verdict & RxVerdict.Deliver) == 0 || _controlFramesOnly)
        {
            if (verdict == RxVerdict.Drop)
            {
                c.RxDropped++;
            }
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
            _tapWritePackets++;
            _tapWriteBytes += length - VnetHeader;
        }
        else
        {
            _tapWriteErrors++;
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

    public void Dispose()
    {
        if (_pump != null)
        {
            _pump.Forget([_tap.Handle.Fd, .. _ports.Values.Select(p => p.Socket.Handle.Fd)], _pumpTag);
            _pump.Dispose();
        }
        else
        {
            _stopping = true;
            Wake();
            _thread!.Join();
        }
        _receivers = [];
        foreach (MemberPort port in _ports.Values)
        {
            port.Dispose();
        }
        _ports.Clear();
        _wake?.Dispose();
    }
}
