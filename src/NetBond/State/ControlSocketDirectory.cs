using NetBond.Linux;

namespace NetBond;

/// <summary>
/// The one check both ends make of the control socket's directory: a CLI trusts a socket there, and a daemon serves
/// from it, only if nobody but root could have put it there.
/// </summary>
internal static class ControlSocketDirectory
{
    /// <summary>Why <paramref name="directory"/> cannot hold the control socket, or null when it can.</summary>
    public static string? Problem(string directory) => FileKind.IsRootOnlyDirectory(directory) ? null
        : $"{directory} is not a directory that only root can write (owner root, no group or other write, no symlink): refusing the control socket there";
}
