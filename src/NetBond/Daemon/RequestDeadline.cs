using System.Net.Sockets;

namespace NetBond;

/// <summary>
/// One deadline for a whole request, not one per read: a client that trickles a byte at a time holds its server no
/// longer than one that sends nothing. Each read may wait only for what is left of the time.
/// </summary>
internal readonly struct RequestDeadline
{
    private readonly long _endMs;

    public RequestDeadline(TimeSpan time) => _endMs = Environment.TickCount64 + (long)time.TotalMilliseconds;

    /// <summary>No deadline: reads wait as long as the socket's own timeout says.</summary>
    public static RequestDeadline None => default;

    /// <summary>socket.Receive within what is left; a SocketException (TimedOut) once the time is up.</summary>
    public int Receive(Socket socket, byte[] buffer, int offset, int count)
    {
        if (_endMs != 0)
        {
            long left = _endMs - Environment.TickCount64;
            if (left <= 0)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }
            socket.ReceiveTimeout = (int)Math.Min(left, int.MaxValue);
        }
        return socket.Receive(buffer, offset, count, SocketFlags.None);
    }
}
