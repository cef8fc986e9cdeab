namespace NetBond;

/// <summary>
/// Where the host's daemon lives: its control socket, pid, lock and log in one root-owned directory (/run/netbond,
/// or NETBOND_STATE_DIR), and one folder per network namespace it has bonds in, named after the namespace's inode.
/// </summary>
internal static class StatePaths
{
    public static string Root
    {
        get
        {
            string root = Environment.GetEnvironmentVariable("NETBOND_STATE_DIR") ?? "/run/netbond";
#pragma warning disable CA1416 // NetBond runs on Linux only
            System.IO.Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
#pragma warning restore CA1416
            return root;
        }
    }

    /// <summary>
    /// The control socket: a file in the root-owned directory, which only root can create — an abstract name would be
    /// per namespace, and anyone's to take first.
    /// </summary>
    public static string SocketPath => Path.Combine(Root, "control");

    public static string PidFile => Path.Combine(Root, "daemon.pid");

    /// <summary>Held (flock) for the daemon's whole life: the one way to know that no other daemon serves this directory.</summary>
    public static string LockFile => Path.Combine(Root, "daemon.lock");

    public static string LogPath => Path.Combine(Root, "daemon.log");

    public const string NamespacePrefix = "netns-";

    public static string DirectoryOf(ulong namespaceInode) => Path.Combine(Root, NamespacePrefix + namespaceInode);

    /// <summary>
    /// What tells the calling thread's namespace from an earlier one that had the same inode: the boot and the
    /// namespace's cookie (SO_NETNS_COOKIE, of a socket the thread makes), which the kernel never hands out twice in
    /// a boot. Null where the kernel has no cookie (before 5.14).
    /// </summary>
    public static string? NamespaceIdentity
    {
        get
        {
            try
            {
                using System.Net.Sockets.Socket probe = new(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);
                byte[] cookie = new byte[8];
                probe.GetRawSocketOption(1 /* SOL_SOCKET */, 71 /* SO_NETNS_COOKIE */, cookie);
                string boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
                return $"{boot}/{BitConverter.ToUInt64(cookie)}";
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
            {
                return null;
            }
        }
    }
}
