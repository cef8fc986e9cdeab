using NetBond.Core;
using NetBond.Linux.Interop;
using NetBond.Linux.Netlink;

namespace NetBond.Linux;

/// <summary>
/// Makes the data path the datapath option asks for: user as asked; kernel where the kernel loads and attaches
/// the programs and the mode is one they carry; auto the kernel one where it can be had, else user with the
/// reason, which status shows. NETBOND_KERNEL_PATH=unavailable stands for a kernel without BPF (tests).
/// </summary>
public static class DataPathChooser
{
    public const string OverrideVariable = "NETBOND_KERNEL_PATH";

    /// <param name="strict">datapath=kernel when the bond is made: refuse instead of falling back.</param>
    /// <returns>The data path, and why it is not the kernel one when auto (or a later mode change) chose user.</returns>
    public static (IDataPath Path, string? Reason) Choose(BondOptions options, TapDevice tap, int bondIndex, RtNetlink rt, bool strict)
    {
        if (options.DataPath == DataPathChoice.User)
        {
            return (new UserDataPath(tap), null);
        }
        string? why = Unavailable(options);
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
        if (strict && options.DataPath == DataPathChoice.Kernel)
        {
            throw new NativeException($"datapath=kernel: {why}");
        }
        return (new UserDataPath(tap), $"{OptionTable.Show(options, "datapath")}: {why}");
    }

    /// <summary>Whether the options ask for a data path other than <paramref name="current"/> (after a mode change).</summary>
    public static bool WantsOtherThan(BondOptions options, IDataPath current) =>
        (current is KernelDataPath) != (options.DataPath != DataPathChoice.User && Unavailable(options) == null);

    private static string? Unavailable(BondOptions options)
    {
        if (Environment.GetEnvironmentVariable(OverrideVariable) == "unavailable")
        {
            return $"the kernel offers no BPF ({OverrideVariable}=unavailable)";
        }
        return options.Mode is BondMode.BalanceTlb or BondMode.BalanceAlb
            ? $"{OptionTable.NameOf(BondOption.Mode, (long)options.Mode)} is not carried by the kernel data path yet"
            : null;
    }
}
