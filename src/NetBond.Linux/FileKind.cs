using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>What a path is, as stat(2) says after following links: configuration readers read regular files only.</summary>
public static unsafe class FileKind
{
    private const int S_IFMT = 0xF000;
    private const int S_IFREG = 0x8000;

    /// <summary>True for a regular file; false for a FIFO, a device, a socket, a directory, or a path that does not resolve.</summary>
    public static bool IsRegularFile(string path)
    {
        byte* statx = stackalloc byte[LibC.StatxSize];
        if (LibC.StatX(LibC.AT_FDCWD, path, 0, LibC.STATX_TYPE, statx) != 0)
        {
            return false;
        }
        return (*(ushort*)(statx + LibC.StatxModeOffset) & S_IFMT) == S_IFREG;
    }
}
