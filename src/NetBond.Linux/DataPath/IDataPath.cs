using NetBond.Core;

namespace NetBond.Linux;

/// <summary>
/// How frames cross between the bond device and its members. The control plane computes the plan; a data
/// path carries it out per frame: the userspace path (<see cref="UserDataPath"/>) on any kernel with TUN and
/// AF_PACKET, the kernel path (<see cref="KernelDataPath"/>, eBPF) where the kernel offers it. Only
/// <see cref="DataPathChooser"/> knows which one a bond has. Called on the control thread.
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

    /// <summary>
    /// True when the bond's frames keep crossing after the daemon is gone (the kernel path): its TAP is made
    /// persistent, it is recorded for the next daemon to adopt, and a hand-over leaves it running.
    /// </summary>
    bool OutlivesDaemon { get; }

    /// <summary>What status should say about this path (a setting of the bond it bypasses), or null.</summary>
    string? Note();

    /// <summary>The bond's tick, after Core's: work the data path does at the control plane's pace (tlb bucket placement).</summary>
    void Tick();

    /// <summary>An adopted bond is whole again: the plan this daemon made takes over from the previous daemon's.</summary>
    void EndAdoption();

    /// <summary>
    /// Lets go without stopping: this daemon's descriptors close, what carries the frames stays for the next
    /// daemon. Only for a path that <see cref="OutlivesDaemon"/>.
    /// </summary>
    void LeaveRunning();
}
