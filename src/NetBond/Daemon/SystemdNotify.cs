using System.Net.Sockets;
using System.Text;

namespace NetBond;

/// <summary>
/// sd_notify(3) without libsystemd: datagrams to $NOTIFY_SOCKET (a path, or '@' for an abstract name) — READY=1
/// once the bonds are up, STATUS= with their state, WATCHDOG=1 from the control loop every half $WATCHDOG_USEC.
/// Outside systemd (no NOTIFY_SOCKET) every call does nothing.
/// </summary>
internal sealed class SystemdNotify : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _target;
    private readonly long _watchdogMs;
    private long _lastWatchdog;
    private string? _lastStatus;

    public SystemdNotify()
    {
        string? path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }
        _target = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        if (long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out long usec) && usec > 0)
        {
            _watchdogMs = Math.Max(1, usec / 2000);
        }
    }

    public void Ready(string status) => Send($"READY=1\nSTATUS={status}");

    /// <summary>A new STATUS= when it changed, and the watchdog's keep-alive when it is due.</summary>
    public void Tick(long nowMs, Func<string> status)
    {
        if (_socket == null)
        {
            return;
        }
        string text = status();
        if (text != _lastStatus)
        {
            Send($"STATUS={text}");
        }
        if (_watchdogMs > 0 && nowMs - _lastWatchdog >= _watchdogMs)
        {
            _lastWatchdog = nowMs;
            Send("WATCHDOG=1");
        }
    }

    public void Stopping() => Send("STOPPING=1");

    private void Send(string message)
    {
        if (_socket == null)
        {
            return;
        }
        if (message.Contains("STATUS=", StringComparison.Ordinal))
        {
            _lastStatus = message[(message.IndexOf("STATUS=", StringComparison.Ordinal) + 7)..];
        }
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _target!);
        }
        catch (SocketException)
        {
            // systemd gone or the socket full: the next tick tries again.
        }
    }

    public void Dispose() => _socket?.Dispose();
}
