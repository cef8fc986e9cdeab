namespace NetBond.Linux;

/// <summary>
/// An interface's sysctls, net.FAMILY.conf.IFACE.KEY ("ipv4" or "ipv6"), read and written in the caller's namespace.
/// A key this kernel lacks (no IPv6, an older kernel) reads as null and is not written.
/// </summary>
public static class InterfaceSysctl
{
    private static string PathOf(string family, string name, string key) => $"/proc/sys/net/{family}/conf/{name}/{key}";

    public static int? Get(string family, string name, string key)
    {
        string path = PathOf(family, name, key);
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out int v) ? v : null;
    }

    public static void Set(string family, string name, string key, int value)
    {
        string path = PathOf(family, name, key);
        if (File.Exists(path))
        {
            File.WriteAllText(path, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
