namespace NetBond.Core;

/// <summary>Whether a frame received on a member feeds the bond (bond_handle_frame's inactive-member rule).</summary>
public static class RxPolicy
{
    private const int MinFrame = 14;

    public static bool Deliver(DataPlan plan, int memberIndex, ReadOnlySpan<byte> frame) =>
        frame.Length >= MinFrame && (uint)memberIndex < (uint)plan.Delivers.Length && plan.Delivers[memberIndex];
}
