using NetBond.Core;
using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>A member as the data plane holds it: its packet socket and counters.</summary>
public sealed unsafe class MemberPort : IDisposable
{
    private const int VnetHeader = VnetFrame.HeaderLength;

    public MemberPort(Member member, PacketSocket socket)
    {
        Member = member;
        Socket = socket;
    }

    public Member Member { get; }
    public PacketSocket Socket { get; }
    public MemberCounters Counters { get; } = new();

    /// <summary>Under the kernel data path, what the socket's filter lets through (<see cref="PacketSocket.ControlFrameFilter"/>).</summary>
    public (ControlFrameKinds Kinds, uint[]? ArpTargets) Filter { get; set; }

    /// <summary>Sends one control frame (peer notification, probe, LACPDU) with an empty virtio_net_hdr in front; control thread only.</summary>
    public bool SendControlFrame(ReadOnlySpan<byte> frame)
    {
        byte[] buffer = new byte[VnetHeader + frame.Length];
        frame.CopyTo(buffer.AsSpan(VnetHeader));
        fixed (byte* p = buffer)
        {
            bool ok = LibC.Write(Socket.Handle, p, buffer.Length) == buffer.Length;
            if (ok)
            {
                Counters.ControlTxPackets++;
                Counters.ControlTxBytes += frame.Length;
                Counters.ControlLastTxMs = Environment.TickCount64;
            }
            return ok;
        }
    }

    public void Dispose() => Socket.Dispose();
}
