using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>A daemon's stdout and stderr when they are its log file, opened by the shell that started it.</summary>
public static class StandardStreams
{
    /// <summary>
    /// Moves the log aside to <paramref name="path"/>.1 and points stdout and stderr at a new file at
    /// <paramref name="path"/>; where that cannot be made, writing goes on into the moved file.
    /// </summary>
    public static void Rotate(string path)
    {
        File.Move(path, path + ".1", overwrite: true);
        int fd = LibC.Open(path, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND | LibC.O_CLOEXEC, 0b110_000_000);
        if (fd < 0)
        {
            return;
        }
        LibC.Dup2(fd, 1);
        LibC.Dup2(fd, 2);
        LibC.Close(fd);
    }
}
