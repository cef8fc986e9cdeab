namespace NetBond;

/// <summary>
/// The daemon's state under its root-only directory: folders 0700 and files 0600, whatever the umask, so that nobody
/// else reads what it records or places a link where it writes. Files are replaced whole (a temporary, then a rename).
/// </summary>
internal static class PrivateFiles
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (and its parents) if needed and makes it the owner's alone, also one an earlier umask left open.</summary>
    public static void CreateFolder(string path)
    {
#pragma warning disable CA1416 // NetBond runs on Linux only
        Directory.CreateDirectory(path, Folder);
        File.SetUnixFileMode(path, Folder);
#pragma warning restore CA1416
    }

    public static void Write(string path, string text)
    {
        string temp = path + ".tmp";
#pragma warning disable CA1416
        using (FileStream f = new(temp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = File0600 }))
        using (StreamWriter w = new(f))
        {
            w.Write(text);
        }
        // A temporary an earlier run left is truncated, not recreated: its mode is set again.
        File.SetUnixFileMode(temp, File0600);
#pragma warning restore CA1416
        File.Move(temp, path, overwrite: true);
    }
}
