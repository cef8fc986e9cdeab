using System.Runtime.InteropServices;
using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// The frames one pass read from the TAP, each with the member the mode picked for it, and sendmmsg's arrays
/// to send a member's share of them in one call.
/// </summary>
internal sealed unsafe class TransmitBuffers : IDisposable
{
    private readonly byte* _buffers;
    private readonly nint* _lengths;
    private readonly int* _targets;
    private readonly LibC.IoVec* _iovs;

    public TransmitBuffers(int capacity, int bufferSize)
    {
        Capacity = capacity;
        BufferSize = bufferSize;
        _buffers = (byte*)NativeMemory.AlignedAlloc((nuint)capacity * (nuint)bufferSize, 4096);
        _lengths = (nint*)NativeMemory.Alloc((nuint)capacity, (nuint)sizeof(nint));
        _targets = (int*)NativeMemory.Alloc((nuint)capacity, sizeof(int));
        _iovs = (LibC.IoVec*)NativeMemory.Alloc((nuint)capacity, (nuint)sizeof(LibC.IoVec));
        Messages = (LibC.MMsgHdr*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(LibC.MMsgHdr));
    }

    public int Capacity { get; }
    public int Count { get; private set; }
    public LibC.MMsgHdr* Messages { get; }

    /// <summary>Where the next frame read from the TAP goes.</summary>
    public byte* Next => _buffers + ((nint)Count * BufferSize);

    public int BufferSize { get; }

    /// <summary>Keeps the frame just read into <see cref="Next"/>, to go to <paramref name="target"/>.</summary>
    public void Keep(nint length, int target)
    {
        _lengths[Count] = length;
        _targets[Count] = target;
        Count++;
    }

    public void Clear() => Count = 0;

    public int Target(int frame) => _targets[frame];

    public nint Length(int frame) => _lengths[frame];

    /// <summary>Puts frame <paramref name="frame"/> in message slot <paramref name="slot"/> of the next sendmmsg.</summary>
    public void Queue(int slot, int frame)
    {
        _iovs[slot] = new LibC.IoVec { Base = _buffers + ((nint)frame * BufferSize), Length = (nuint)_lengths[frame] };
        LibC.MsgHdr* m = &Messages[slot].Header;
        m->Iov = &_iovs[slot];
        m->IovLen = 1;
    }

    public void Dispose()
    {
        NativeMemory.Free(Messages);
        NativeMemory.Free(_iovs);
        NativeMemory.Free(_targets);
        NativeMemory.Free(_lengths);
        NativeMemory.AlignedFree(_buffers);
    }
}
