using System.Runtime.InteropServices;
using NetBond.Core;
using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>recvmmsg's arrays for one batch: each buffer keeps 4 spare bytes in front for a restored VLAN tag.</summary>
internal sealed unsafe class ReceiveBuffers : IDisposable
{
    public const int AddressSize = 20;
    private const int ControlSize = 64;
    private const int VlanTag = VnetFrame.VlanTagLength;

    private readonly int _bufferSize;
    private readonly byte* _buffers;
    private readonly byte* _controls;
    private readonly LibC.IoVec* _iovs;

    public ReceiveBuffers(int count, int bufferSize)
    {
        Count = count;
        _bufferSize = bufferSize;
        _buffers = (byte*)NativeMemory.AlignedAlloc((nuint)count * (nuint)bufferSize, 4096);
        _controls = (byte*)NativeMemory.Alloc((nuint)count * ControlSize);
        Addresses = (byte*)NativeMemory.Alloc((nuint)count * AddressSize);
        _iovs = (LibC.IoVec*)NativeMemory.Alloc((nuint)count, (nuint)sizeof(LibC.IoVec));
        Messages = (LibC.MMsgHdr*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(LibC.MMsgHdr));
        for (int i = 0; i < count; i++)
        {
            _iovs[i] = new LibC.IoVec { Base = Buffer(i) + VlanTag, Length = (nuint)(bufferSize - VlanTag) };
        }
    }

    public int Count { get; }
    public LibC.MMsgHdr* Messages { get; }
    public byte* Addresses { get; }

    public byte* Buffer(int i) => _buffers + ((nint)i * _bufferSize);

    /// <summary>recvmmsg writes back name, control and flags lengths: restore them before each call.</summary>
    public void Reset()
    {
        for (int i = 0; i < Count; i++)
        {
            LibC.MsgHdr* m = &Messages[i].Header;
            m->Name = Addresses + (i * AddressSize);
            m->NameLen = AddressSize;
            m->Iov = &_iovs[i];
            m->IovLen = 1;
            m->Control = _controls + (i * ControlSize);
            m->ControlLen = ControlSize;
            m->Flags = 0;
        }
    }

    public void Dispose()
    {
        NativeMemory.Free(Messages);
        NativeMemory.Free(_iovs);
        NativeMemory.Free(Addresses);
        NativeMemory.Free(_controls);
        NativeMemory.AlignedFree(_buffers);
    }
}

