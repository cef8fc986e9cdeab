namespace NetBond;

/// <summary>
/// Where a daemon keeps its state: one folder per network namespace, named after the namespace's inode, so
/// daemons under different `ip netns exec` never share a journal. NETBOND_STATE_DIR overrides the root.
/// </summary>
internal static class StatePaths
{
    public static string NamespaceId
    {
        get
        {
            string? target = new FileInfo("/proc/self/ns/net").LinkTarget; // "net:[4026531840]"
            return target == null ? "default" : new string([.. target.Where(char.IsAsciiDigit)]);
        }
    }

    public static string Directory
    {
        get
        {
            string root = Environment.GetEnvironmentVariable("NETBOND_STATE_DIR") ?? "/run/netbond";
            string dir = Path.Combine(root, "netns-" + NamespaceId);
            System.IO.Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>
    /// What tells this namespace from an earlier one that had the same inode: the boot and the namespace's
    /// cookie (SO_NETNS_COOKIE), which the kernel never hands out twice in a boot. Null where the kernel has
    /// no cookie (before 5.14).
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

    /// <summary>The control socket: an abstract Unix socket, which the kernel scopes to the network namespace.</summary>
    public static string SocketName => "\0netbond-control";
}
