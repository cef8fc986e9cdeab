using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetBond.Metrics;

/// <summary>
/// `netbond daemon --metrics ADDR:PORT`: GET /metrics over plain HTTP, one request per connection, answered and
/// closed. A client gets 2 s for its whole request head (at most 8 KiB); anything else than a GET of /metrics (or /)
/// is answered 404 or 405, and a client that sends garbage only loses its answer. Clients are served at once, each
/// on a thread, at most <see cref="MaxClients"/> together and <see cref="MaxPerAddress"/> from one address still
/// sending its request (more are closed unanswered): a slow client holds up nobody else, one host cannot take every
/// slot, and a scraper's next request never finds its last one still counted.
/// </summary>
internal sealed class MetricsServer : IDisposable
{
    private const int MaxRequest = 8192;
    private const int MaxClients = 16;
    private const int MaxPerAddress = 4;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(2);

    private readonly Socket _listener;
    private readonly Func<string> _render;
    private readonly Action<string> _log;
    /// <summary>The clients still sending their requests, by address.</summary>
    private readonly Dictionary<IPAddress, int> _reading = [];

    /// <summary>The clients being served, whatever their stage; guarded by <see cref="_reading"/>.</summary>
    private int _serving;

    private MetricsServer(Socket listener, Func<string> render, Action<string> log)
    {
        _listener = listener;
        _render = render;
        _log = new LogLimiter(log, () => Environment.TickCount64).Log;
        new Thread(Run) { Name = "netbond-metrics", IsBackground = true }.Start();
    }

    /// <summary>Listens on ADDR:PORT ([v6]:PORT for IPv6); null and why when the text or the bind fails.</summary>
    /// <summary>Why <paramref name="endpoint"/> is no address to serve on, or null.</summary>
    public static string? CheckEndpoint(string endpoint) =>
        IPEndPoint.TryParse(endpoint, out IPEndPoint? at) && at.Port != 0 && endpoint.Contains(':', StringComparison.Ordinal) ? null
            : $"--metrics {endpoint}: expected ADDRESS:PORT, such as 127.0.0.1:9103 or [::1]:9103";

    public static MetricsServer? Start(string endpoint, Func<string> render, Action<string> log, out string? error)
    {
        error = CheckEndpoint(endpoint);
        if (error != null)
        {
            return null;
        }
        IPEndPoint at = IPEndPoint.Parse(endpoint);
        Socket listener = new(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(at);
            listener.Listen(16);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            error = $"--metrics {endpoint}: {e.Message}";
            return null;
        }
        log($"serving Prometheus metrics on http://{endpoint}/metrics");
        return new MetricsServer(listener, render, log);
    }

    private void Run()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            IPAddress from = (client.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            lock (_reading)
            {
                if (_serving >= MaxClients || _reading.GetValueOrDefault(from) >= MaxPerAddress)
                {
                    client.Dispose();
                    continue;
                }
                _reading[from] = _reading.GetValueOrDefault(from) + 1;
                _serving++;
            }
            new Thread(() => ServeAndClose(client, from)) { Name = "netbond-metrics", IsBackground = true }.Start();
        }
    }

    private void ServeAndClose(Socket client, IPAddress from)
    {
        bool read = false;
        void RequestRead()
        {
            // Answered from here on, within the send deadline: the address may send its next request.
            lock (_reading)
            {
                read = true;
                if (--_reading[from] == 0)
                {
                    _reading.Remove(from);
                }
            }
        }
        using (client)
        {
            client.SendTimeout = (int)s_deadline.TotalMilliseconds;
            try
            {
                Serve(client, RequestRead);
            }
            catch (SocketException)
            {
                // The client went away or did not send its request in time: nothing to answer.
            }
            catch (Exception e)
            {
                _log($"metrics: {e.Message}");
            }
        }
        if (!read)
        {
            RequestRead();
        }
        lock (_reading)
        {
            _serving--;
        }
    }

    private void Serve(Socket client, Action requestRead)
    {
        string? head = ReadHead(client);
        requestRead();
        string[] requestLine = head?.Split('\n')[0].TrimEnd('\r').Split(' ') ?? [];
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            Send(client, "400 Bad Request", "text/plain", "bad request\n");
        }
        else if (requestLine[0] != "GET")
        {
            Send(client, "405 Method Not Allowed", "text/plain", "only GET\n");
        }
        else if (requestLine[1] is not ("/metrics" or "/"))
        {
            Send(client, "404 Not Found", "text/plain", "metrics are at /metrics\n");
        }
        else
        {
            Send(client, "200 OK", PrometheusText.ContentType, _render());
        }
    }

    /// <summary>The request head up to its blank line, or null when it is longer than <see cref="MaxRequest"/> or ends early.</summary>
    private static string? ReadHead(Socket client)
    {
        RequestDeadline deadline = new(s_deadline);
        byte[] buffer = new byte[MaxRequest];
        int length = 0;
        while (length < buffer.Length)
        {
            int n = deadline.Receive(client, buffer, length, buffer.Length - length);
            if (n == 0)
            {
                return null;
            }
            length += n;
            string text = Encoding.ASCII.GetString(buffer, 0, length);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal) || text.Contains("\n\n", StringComparison.Ordinal))
            {
                return text;
            }
        }
        return null;
    }

    private static void Send(Socket client, string status, string contentType, string body)
    {
        byte[] content = Encoding.UTF8.GetBytes(body);
        byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n");
        client.Send(head);
        client.Send(content);
    }

    public void Dispose() => _listener.Dispose();
}
