using NetBond.Core;

namespace NetBond.Linux;

/// <summary>
/// How frames cross between the bond device and its members. The control plane computes the plan; a data
/// path carries it out per frame. The userspace path (<see cref="UserDataPath"/>) works on any kernel with
/// TUN and AF_PACKET; a kernel (eBPF) path can stand behind the same seam. Called on the control thread.
/// </summary>
public interface IDataPath : IDisposable
{
    /// <summary>"user" or "kernel", as status shows it.</summary>
    string Name { get; }

    /// <summary>Starts sending and receiving on a member; nothing crosses it before the next <see cref="Publish"/>.</summary>
    void Attach(Member member);

    /// <summary>Stops using a member; returns once no frame can still touch it.</summary>
    void Detach(Member member);

    /// <summary>Takes a new plan: which members transmit, which feed the bond, which frames the control plane wants.</summary>
    void Publish(DataPlan plan);

    /// <summary>Sends one frame the control plane built (peer notification, probe, LACPDU) on a member.</summary>
    bool SendControlFrame(Member member, ReadOnlySpan<byte> frame);

    /// <summary>Frames classified <see cref="RxVerdict.ToControl"/>, waiting for the control thread.</summary>
    ControlFrameQueue ControlFrames { get; }

    /// <summary>The bond's counters: TX = frames from the bond device, RX = frames to it.</summary>
    PortCounters BondCounters { get; }

    /// <summary>An attached member's counters, with when it last received and sent; zeros for a member not attached.</summary>
    PortCounters MemberCounters(Member member);

    /// <summary>Managed bytes the data path's own thread has allocated since it started, as of its last idle moment.</summary>
    long AllocatedBytes { get; }

    /// <summary>What this path found the kernel to offer, for status --json.</summary>
    IReadOnlyList<KeyValuePair<string, string>> Features { get; }
}
