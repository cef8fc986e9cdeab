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

    /// <summary>
    /// True for a directory that only root can change: owned by root, writable by nobody else, reached without a
    /// link — where a socket can only have been put by root.
    /// </summary>
    public static bool IsRootOnlyDirectory(string path)
    {
        const int S_IFDIR = 0x4000;
        const int GroupOrOtherWrite = 0x12; // S_IWGRP | S_IWOTH
        byte* statx = stackalloc byte[LibC.StatxSize];
        if (LibC.StatX(LibC.AT_FDCWD, path, LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_TYPE | LibC.STATX_MODE | LibC.STATX_UID, statx) != 0)
        {
            return false;
        }
        ushort mode = *(ushort*)(statx + LibC.StatxModeOffset);
        return (mode & S_IFMT) == S_IFDIR && (mode & GroupOrOtherWrite) == 0 && *(uint*)(statx + LibC.StatxUidOffset) == 0;
    }
}
