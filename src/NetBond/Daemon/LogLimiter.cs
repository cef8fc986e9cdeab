namespace NetBond;

/// <summary>
/// A kind of log line that clients cause at whatever rate they like (a connection that hangs up, a broken scrape):
/// at most <paramref name="burst"/> such lines per window go to the log; the rest are counted, and the count rides
/// on the next line let through.
/// </summary>
internal sealed class LogLimiter(Action<string> log, Func<long> clockMs, int burst = 10, long windowMs = 10_000)
{
    private readonly object _gate = new();
    private long _windowStart = long.MinValue / 2;
    private int _logged;
    private long _held;

    public void Log(string message)
    {
        lock (_gate)
        {
            long now = clockMs();
            if (now - _windowStart >= windowMs)
            {
                _windowStart = now;
                _logged = 0;
            }
            if (_logged >= burst)
            {
                _held++;
                return;
            }
            _logged++;
            log(_held > 0 ? $"{message} (and {_held} more like it, not logged)" : message);
            _held = 0;
        }
    }
}
