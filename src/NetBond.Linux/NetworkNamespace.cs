using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// A network namespace held open by a descriptor (which keeps it alive), known by its nsfs inode, entered with
/// setns(2) — which moves the calling thread only. Everything that takes the namespace from the thread (sockets
/// at creation, /dev/net/tun, /proc/sys/net, /proc/thread-self/net) then acts in it.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    [ThreadStatic]
    private static NetworkNamespace? t_current;

    private static readonly Lazy<NetworkNamespace> s_home = new(() => Open("/proc/self/ns/net"));

    private readonly NamespaceHandle _handle;

    private NetworkNamespace(NamespaceHandle handle, ulong inode)
    {
        _handle = handle;
        Inode = inode;
    }

    /// <summary>The nsfs inode: what `ip netns identify`, `lsns` and /proc/PID/ns/net ("net:[INODE]") name it by.</summary>
    public ulong Inode { get; }

    /// <summary>The descriptor that holds it: what `ip link set X netns` hands the kernel (IFLA_NET_NS_FD).</summary>
    public int Fd => _handle.Fd;

    /// <summary>The namespace the calling thread is in (the last one it entered, else <see cref="Home"/>).</summary>
    public static NetworkNamespace Current => t_current ?? Home;

    /// <summary>The process's own namespace (its first thread's): where a thread that entered no other one is.</summary>
    public static NetworkNamespace Home => s_home.Value;

    /// <summary>The namespace at <paramref name="path"/>: /run/netns/NAME, /proc/PID/ns/net, or any bind mount of one.</summary>
    /// <exception cref="NativeException">The path does not exist or is no network namespace.</exception>
    public static NetworkNamespace Open(string path)
    {
        int fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            throw new NativeException($"open {path}", LibC.Errno);
        }
        NamespaceHandle handle = new();
        handle.Adopt(fd);
        ulong? inode = InodeOf(fd);
        if (inode == null || !IsNetworkNamespace(path))
        {
            handle.Dispose();
            throw new NativeException($"{path} is not a network namespace");
        }
        return new NetworkNamespace(handle, inode.Value);
    }

    /// <summary>The inode of the namespace at <paramref name="path"/> without holding it; null when there is none there.</summary>
    public static unsafe ulong? InodeAt(string path)
    {
        byte* statx = stackalloc byte[LibC.StatxSize];
        return LibC.StatX(LibC.AT_FDCWD, path, 0, LibC.STATX_INO, statx) == 0 ? *(ulong*)(statx + LibC.StatxInodeOffset) : null;
    }

    private static unsafe ulong? InodeOf(int fd)
    {
        byte* statx = stackalloc byte[LibC.StatxSize];
        return LibC.StatX(fd, "", LibC.AT_EMPTY_PATH, LibC.STATX_INO, statx) == 0 ? *(ulong*)(statx + LibC.StatxInodeOffset) : null;
    }

    /// <summary>An nsfs file of a network namespace reads as "net:[INODE]" through /proc/PID/ns; a bind mount does not say, setns does.</summary>
    private static bool IsNetworkNamespace(string path) =>
        new FileInfo(path).LinkTarget is not { } target || target.StartsWith("net:[", StringComparison.Ordinal);

    /// <summary>
    /// Moves the calling thread into this namespace until the returned scope is disposed, which moves it back to
    /// where it was (scopes nest).
    /// </summary>
    /// <exception cref="NativeException">The kernel refused (the namespace is of another user namespace the caller cannot enter).</exception>
    public Scope Enter()
    {
        NetworkNamespace? previous = t_current;
        // Home is read through /proc/self, the first thread's: known before that thread leaves it.
        _ = Home;
        Switch(this);
        t_current = this;
        return new Scope(previous);
    }

    private static void Switch(NetworkNamespace to)
    {
        if (LibC.SetNs(to._handle.Fd, LibC.CLONE_NEWNET) != 0)
        {
            throw new NativeException($"enter the network namespace net:[{to.Inode}]", LibC.Errno);
        }
    }

    public readonly struct Scope(NetworkNamespace? previous) : IDisposable
    {
        public void Dispose()
        {
            Switch(previous ?? Home);
            t_current = previous;
        }
    }

    /// <summary>Runs <paramref name="action"/> on a new thread inside the namespace at <paramref name="path"/> (e.g. /run/netns/NAME).</summary>
    public static void Run(string path, Action action)
    {
        Exception? failure = null;
        Thread thread = new(() =>
        {
            try
            {
                using NetworkNamespace ns = Open(path);
                using Scope inside = ns.Enter();
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Moves the calling thread into this namespace for good: `netbond -n NAME`, as `ip -n`, before anything else happens.</summary>
    public void EnterForGood() => Switch(this);

    public void Dispose() => _handle.Dispose();
}

public sealed class NamespaceHandle : FileDescriptorHandle;
