using Microsoft.Win32.SafeHandles;

namespace NetBond.Linux.Interop;

/// <summary>An owned file descriptor, closed exactly once. Subclasses name what kind of descriptor it is.</summary>
public abstract class FileDescriptorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    protected FileDescriptorHandle()
        : base(true)
    {
    }

    /// <summary>The raw descriptor, for a loop that holds a reference (DangerousAddRef) for its whole life.</summary>
    public int Fd => (int)handle;

    internal void Adopt(int fd) => SetHandle(fd);

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}

public sealed class TapHandle : FileDescriptorHandle;

public sealed class PacketSocketHandle : FileDescriptorHandle;

public sealed class NetlinkHandle : FileDescriptorHandle;

public sealed class EventFdHandle : FileDescriptorHandle;

public sealed class IoctlSocketHandle : FileDescriptorHandle;
