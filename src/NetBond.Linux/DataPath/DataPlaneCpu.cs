using System.Globalization;
using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>
/// The CPU the data-plane threads run on. Keeping them on one core spares them cache-line bouncing and
/// leaves the other cores to the traffic's producers and consumers: on the 2-core bench machine single-flow
/// TCP went from 11.5–13.2 to 13.2–13.8 Gbit/s. The last CPU the daemon may use is taken, since CPU 0
/// usually takes the most interrupts; NETBOND_CPU=N picks another, NETBOND_CPU=none leaves threads unpinned.
/// </summary>
public static unsafe class DataPlaneCpu
{
    private const int MaskWords = 16; // 1024 CPUs

    public static int Cpu { get; } = Choose();

    /// <summary>Pins the calling thread; does nothing when pinning is off or the CPU is not allowed.</summary>
    public static void PinCurrentThread()
    {
        if (Cpu < 0)
        {
            return;
        }
        ulong* mask = stackalloc ulong[MaskWords];
        new Span<ulong>(mask, MaskWords).Clear();
        mask[Cpu / 64] = 1UL << (Cpu % 64);
        LibC.SchedSetAffinity(0, MaskWords * sizeof(ulong), mask);
    }

    private static int Choose()
    {
        string? setting = Environment.GetEnvironmentVariable("NETBOND_CPU");
        if (setting == "none")
        {
            return -1;
        }
        ulong* mask = stackalloc ulong[MaskWords];
        new Span<ulong>(mask, MaskWords).Clear();
        if (LibC.SchedGetAffinity(0, MaskWords * sizeof(ulong), mask) != 0)
        {
            return -1;
        }
        int last = -1;
        int count = 0;
        for (int cpu = 0; cpu < MaskWords * 64; cpu++)
        {
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                last = cpu;
                count++;
            }
        }
        if (int.TryParse(setting, NumberStyles.None, CultureInfo.InvariantCulture, out int wanted))
        {
            return wanted < MaskWords * 64 && (mask[wanted / 64] & (1UL << (wanted % 64))) != 0 ? wanted : -1;
        }
        return count > 1 ? last : -1;
    }
}
