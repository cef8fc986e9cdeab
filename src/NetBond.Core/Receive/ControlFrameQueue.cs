namespace NetBond.Core;

/// <summary>
/// Frames the data path hands to the control plane: a bounded single-producer, single-consumer ring of
/// preallocated slots. The producer (the data-path thread) never blocks and never allocates: when the ring
/// is full, or a frame is longer than a slot, the frame is counted in <see cref="Dropped"/> and dropped. No member
/// holds more than three quarters of it: a flood on one member leaves room for the frames of the others (the ARP
/// replies a monitor waits for, LACPDUs).
/// </summary>
public sealed class ControlFrameQueue
{
    /// <summary>Room for any control frame: an LACPDU is 124 bytes, an ARP or NS with two VLAN tags under 128.</summary>
    public const int SlotSize = 256;

    private readonly byte[] _slots;
    private readonly int[] _lengths;
    private readonly Member?[] _senders;
    private long _head;
    private long _tail;
    private long _dropped;

    public ControlFrameQueue(int capacity = 128)
    {
        _slots = new byte[capacity * SlotSize];
        _lengths = new int[capacity];
        _senders = new Member?[capacity];
    }

    public int Capacity => _lengths.Length;

    /// <summary>Called on the producer's thread when a frame lands in an empty queue: the consumer should come and drain it.</summary>
    public Action? Ready { get; set; }

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Producer side: copies the frame into the next free slot; the sender is the member it came from, null for the bond device.</summary>
    public bool TryEnqueue(Member? sender, ReadOnlySpan<byte> frame)
    {
        long tail = _tail;
        if (frame.Length > SlotSize || tail - Volatile.Read(ref _head) >= Capacity
            || (sender != null && Volatile.Read(ref sender.QueuedControlFrames) >= Capacity - (Capacity / 4)))
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }
        int slot = (int)(tail % Capacity);
        frame.CopyTo(_slots.AsSpan(slot * SlotSize, SlotSize));
        _lengths[slot] = frame.Length;
        _senders[slot] = sender;
        if (sender != null)
        {
            Interlocked.Increment(ref sender.QueuedControlFrames);
        }
        Volatile.Write(ref _tail, tail + 1);
        // Store tail, then load head: a full fence, so a consumer that just found the queue empty is always woken.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _head) == tail)
        {
            Ready?.Invoke();
        }
        return true;
    }

    /// <summary>Consumer side: copies the oldest frame into <paramref name="destination"/> and returns its length (and sender), or -1 when empty.</summary>
    public int TryDequeue(Span<byte> destination, out Member? sender)
    {
        long head = _head;
        if (head == Volatile.Read(ref _tail))
        {
            sender = null;
            return -1;
        }
        int slot = (int)(head % Capacity);
        int length = _lengths[slot];
        _slots.AsSpan(slot * SlotSize, length).CopyTo(destination);
        sender = _senders[slot];
        _senders[slot] = null;
        if (sender != null)
        {
            Interlocked.Decrement(ref sender.QueuedControlFrames);
        }
        Volatile.Write(ref _head, head + 1);
        Interlocked.MemoryBarrier();
        return length;
    }
}
