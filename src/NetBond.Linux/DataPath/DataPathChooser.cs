using NetBond.Core;
using NetBond.Linux.Interop;
using NetBond.Linux.Netlink;

namespace NetBond.Linux;

/// <summary>
/// Makes the data path the datapath option asks for: user as asked; kernel where the kernel loads and attaches
/// the programs; auto the kernel one where it can be had, else user with the reason, which status shows.
/// NETBOND_KERNEL_PATH=unavailable stands for a kernel without BPF (tests).
/// </summary>
public static class DataPathChooser
{
    public const string OverrideVariable = "NETBOND_KERNEL_PATH";

    /// <returns>The data path, and why it is not the kernel one when auto chose user; datapath=kernel refuses instead.</returns>
    public static (IDataPath Path, string? Reason) Choose(BondOptions options, TapDevice tap, int bondIndex, RtNetlink rt)
    {
        if (options.DataPath == DataPathChoice.User)
        {
            return (new UserDataPath(tap), null);
        }
        string? why = Environment.GetEnvironmentVariable(OverrideVariable) == "unavailable"
            ? $"the kernel offers no BPF ({OverrideVariable}=unavailable)"
            : null;
        if (why == null)
        {
            try
            {
                return (KernelDataPath.Create(tap, bondIndex, rt), null);
            }
            catch (Exception e) when (e is NativeException or InvalidDataException)
            {
                why = e.Message.Split('\n')[0];
            }
        }
        if (options.DataPath == DataPathChoice.Kernel)
        {
            throw new NativeException($"datapath=kernel: {why}");
        }
        return (new UserDataPath(tap), $"{OptionTable.Show(options, "datapath")}: {why}");
    }

    /// <summary>The data path a killed daemon left running on a bond, taken over; only the kernel path outlives a daemon.</summary>
    public static IDataPath Adopt(TapDevice tap, int bondIndex, RtNetlink rt, IEnumerable<int> memberIndexes) =>
        KernelDataPath.Adopt(tap, bondIndex, rt, memberIndexes);
}
