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

public sealed class EpollHandle : FileDescriptorHandle;

/// <summary>An eventfd: one thread signals it, another wakes from poll() on it.</summary>
public sealed class EventFdHandle : FileDescriptorHandle
{
    public static EventFdHandle Create()
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

    public unsafe void Signal()
    {
        ulong one = 1;
        LibC.Write(this, (byte*)&one, 8);
    }

    /// <summary>Reads the count back to zero, so poll() blocks again.</summary>
    public unsafe void Clear()
    {
        ulong value;
        LibC.Read(Fd, (byte*)&value, 8);
    }
}

public sealed class IoctlSocketHandle : FileDescriptorHandle;
