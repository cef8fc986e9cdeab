namespace NetBond.Linux;

/// <summary>
/// Which network namespaces something other than this process keeps alive — a process living in it, or a bind mount
/// of it (`ip netns add`'s /run/netns/NAME, a container engine's) — by nsfs inode, and where to open each. A
/// namespace that is in neither is one its owners let go of (`ip netns del`, the container gone): only this
/// process's sockets still hold it, and the kernel frees it once those close.
/// </summary>
public static class NamespaceHolders
{
    /// <summary>Every network namespace held from outside this process, with a path that opens it.</summary>
    public static Dictionary<ulong, string> Scan()
    {
        Dictionary<ulong, string> held = [];
        foreach (string line in ReadLines("/proc/self/mountinfo"))
        {
            // "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": an nsfs mount's root is "net:[INODE]".
            string[] f = line.Split(' ');
            if (f.Length > 4 && f[3].StartsWith("net:[", StringComparison.Ordinal) && ulong.TryParse(f[3][5..^1], out ulong inode))
            {
                held.TryAdd(inode, Unescape(f[4]));
            }
        }
        string self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            string pid = Path.GetFileName(dir);
            if (pid != self && pid.All(char.IsAsciiDigit) && NetworkNamespace.InodeAt($"{dir}/ns/net") is { } inode)
            {
                held.TryAdd(inode, $"{dir}/ns/net");
            }
        }
        return held;
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>mountinfo writes a space, tab, newline or backslash in a path as \ooo.</summary>
    private static string Unescape(string path) => System.Text.RegularExpressions.Regex.Replace(path, @"\\([0-7]{3})",
        m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
}
