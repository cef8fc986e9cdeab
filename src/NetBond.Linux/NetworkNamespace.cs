using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>Network namespaces: a thread's own, entered with setns(2), which moves the calling thread only.</summary>
public static class NetworkNamespace
{
    /// <summary>Runs <paramref name="action"/> on a new thread inside the namespace at <paramref name="path"/> (e.g. /run/netns/NAME).</summary>
    public static void Run(string path, Action action)
    {
        Exception? failure = null;
        Thread thread = new(() =>
        {
            try
            {
                Enter(path);
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Moves the calling thread into the namespace at <paramref name="path"/>; it never comes back.</summary>
    private static void Enter(string path)
    {
        int fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            throw new NativeException($"open {path}", LibC.Errno);
        }
        try
        {
            if (LibC.SetNs(fd, LibC.CLONE_NEWNET) != 0)
            {
                throw new NativeException($"enter the network namespace {path}", LibC.Errno);
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }
}
