using System.Text;
using NetBond.Linux;

namespace NetBond.Config;

/// <summary>
/// The one way configuration readers read a file: only a regular file (never a FIFO that would block, or a
/// device that never ends), only below --root (links included), at most 1 MiB of text. Anything else is a
/// `file:1: what is wrong` problem and no lines.
/// </summary>
internal static class ConfigFiles
{
    private const long MaxSize = 1 << 20;

    public static string[] ReadLines(NetworkConfiguration config, string path)
    {
        string? problem = Check(config, path);
        if (problem != null)
        {
            config.Problem(new SourceLocation(path, 1), problem);
            return [];
        }
        byte[] bytes = File.ReadAllBytes(path);
        if (Array.IndexOf(bytes, (byte)0) >= 0)
        {
            config.Problem(new SourceLocation(path, 1), "a binary file, not a configuration file");
            return [];
        }
        string[] lines = Encoding.UTF8.GetString(bytes).ReplaceLineEndings("\n").Split('\n');
        return lines[^1].Length == 0 ? lines[..^1] : lines;
    }

    /// <summary>
    /// The files matching <paramref name="patterns"/> in the folders below the root, in file-name order; a name seen
    /// in an earlier folder hides the same name in later ones (netplan, networkd and NetworkManager all shadow so).
    /// </summary>
    public static List<string> Shadowed(NetworkConfiguration config, IEnumerable<string> folders, params string[] patterns)
    {
        Dictionary<string, string> files = [];
        foreach (string folder in folders.Select(config.PathOf).Where(Directory.Exists))
        {
            foreach (string file in patterns.SelectMany(p => Directory.GetFiles(folder, p)))
            {
                files.TryAdd(Path.GetFileName(file), file);
            }
        }
        return [.. files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Value)];
    }

    /// <summary>Whether a path (after links) stays below the configuration's root.</summary>
    private static bool IsBelowRoot(NetworkConfiguration config, string path)
    {
        string root = Path.GetFullPath(config.Root).TrimEnd('/') + "/";
        return root == "/" || (Path.GetFullPath(path) + "/").StartsWith(root, StringComparison.Ordinal);
    }

    private static string? Check(NetworkConfiguration config, string path)
    {
        string real;
        try
        {
            real = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException e)
        {
            return $"cannot follow the link: {e.Message}";
        }
        if (!IsBelowRoot(config, path) || !IsBelowRoot(config, real))
        {
            return $"leads outside of {config.Root} (to {real}): not read";
        }
        if (!File.Exists(real))
        {
            return "a link to nothing";
        }
        if (!FileKind.IsRegularFile(real))
        {
            return "not a regular file (a FIFO, device or socket): not read";
        }
        long size = new FileInfo(real).Length;
        return size > MaxSize ? $"{size} bytes: larger than any configuration file NetBond reads (1 MiB)" : null;
    }
}
