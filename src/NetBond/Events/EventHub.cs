using System.Net.Sockets;
using System.Text;
using NetBond.Core;
using NetBond.Linux;

namespace NetBond.Events;

/// <summary>
/// The `netbond events` subscribers of a daemon. While anyone listens, every control-loop pass and every command
/// compares each bond's snapshot with the last one and sends the differences as lines, text or JSON. A
/// subscriber's socket never blocks the control thread: one that stops reading until its buffer is full is
/// dropped. Called under the daemon's gate only.
/// </summary>
internal sealed class EventHub : IDisposable
{
    public const int MaxSubscribers = 16;

    private sealed record Subscriber(Socket Socket, string? Bond, bool Json);

    private readonly List<Subscriber> _subscribers = [];
    private Dictionary<string, BondSnapshot> _last = [];

    /// <summary>Whether all <see cref="MaxSubscribers"/> places are taken by listeners still there.</summary>
    public bool IsFull()
    {
        DropGone();
        return _subscribers.Count >= MaxSubscribers;
    }

    public bool HasSubscribers => _subscribers.Count > 0;

    /// <summary>
    /// Lets go of listeners that hung up, without waiting for an event to fail on their sockets: a listener never
    /// speaks after its request, so a socket that reads as ready holds its end (or junk it had no business sending).
    /// </summary>
    private void DropGone()
    {
        foreach (Subscriber s in _subscribers.ToArray())
        {
            bool gone;
            try
            {
                gone = s.Socket.Poll(0, SelectMode.SelectRead);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                gone = true;
            }
            if (gone)
            {
                _subscribers.Remove(s);
                s.Socket.Dispose();
            }
        }
    }

    public void Subscribe(Socket socket, string? bond, bool json, IEnumerable<BondRuntime> bonds)
    {
        if (_subscribers.Count == 0)
        {
            _last = bonds.ToDictionary(b => b.Bond.Name, b => b.Snapshot());
        }
        socket.Blocking = false;
        _subscribers.Add(new Subscriber(socket, bond, json));
    }

    public void Publish(IEnumerable<BondRuntime> bonds)
    {
        DropGone();
        if (_subscribers.Count == 0)
        {
            return;
        }
        DateTimeOffset now = DateTimeOffset.Now;
        Dictionary<string, BondSnapshot> next = bonds.ToDictionary(b => b.Bond.Name, b => b.Snapshot());
        List<BondEvent> events = [];
        foreach (string name in _last.Keys.Union(next.Keys))
        {
            events.AddRange(BondEvent.Between(now, name, _last.GetValueOrDefault(name), next.GetValueOrDefault(name)));
        }
        _last = next;
        foreach (Subscriber s in _subscribers.ToArray())
        {
            foreach (BondEvent e in events.Where(e => s.Bond == null || e.Bond == s.Bond))
            {
                if (!TrySend(s.Socket, (s.Json ? e.ToJson() : e.ToText()) + "\n"))
                {
                    _subscribers.Remove(s);
                    s.Socket.Dispose();
                    break;
                }
            }
        }
    }

    /// <summary>One framed line, all of it or nothing: a subscriber whose buffer is full, or who went away, is done.</summary>
    private static bool TrySend(Socket socket, string line)
    {
        byte[] frame = ControlProtocol.Frame(Encoding.UTF8.GetBytes(line));
        try
        {
            return socket.Send(frame, SocketFlags.None, out SocketError error) == frame.Length && error == SocketError.Success;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (Subscriber s in _subscribers)
        {
            s.Socket.Dispose();
        }
        _subscribers.Clear();
    }
}
