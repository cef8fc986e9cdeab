namespace NetBond.Linux;

/// <summary>
/// net.ipv6.conf.IFACE.disable_ipv6: set on members so the kernel sends no IPv6 of its own out of them,
/// as bonding's IFF_NO_ADDRCONF does (linux-packet-io.md §9). Read and written in the caller's namespace.
/// </summary>
public static class Ipv6Sysctl
{
    private static string PathOf(string name) => $"/proc/sys/net/ipv6/conf/{name}/disable_ipv6";

    /// <summary>The current value, or null where the kernel has no IPv6.</summary>
    public static int? Get(string name)
    {
        string path = PathOf(name);
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out int v) ? v : null;
    }

    public static void Set(string name, int value)
    {
        string path = PathOf(name);
        if (File.Exists(path))
        {
            File.WriteAllText(path, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
