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

    /// <summary>The control socket: an abstract Unix socket, which the kernel scopes to the network namespace.</summary>
    public static string SocketName => "\0netbond-control";
}
