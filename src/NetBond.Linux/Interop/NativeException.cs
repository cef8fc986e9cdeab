using System.Diagnostics.CodeAnalysis;

namespace NetBond.Linux.Interop;

/// <summary>A failed system call: what was attempted and the errno the kernel gave.</summary>
public sealed class NativeException : Exception
{
    public NativeException(string operation, int errno)
        : base($"{operation}: {LibC.Describe(errno)}")
    {
        Errno = errno;
    }

    /// <summary>A failure whose whole message is given, with the errno behind it.</summary>
    public NativeException(int errno, string message)
        : base(message)
    {
        Errno = errno;
    }

    public NativeException()
    {
    }

    public NativeException(string message)
        : base(message)
    {
    }

    public NativeException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public int Errno { get; }

    [DoesNotReturn]
    internal static void Throw(string operation) => throw new NativeException(operation, LibC.Errno);

    [DoesNotReturn]
    internal static void Throw(string operation, int errno) => throw new NativeException(operation, errno);
}
