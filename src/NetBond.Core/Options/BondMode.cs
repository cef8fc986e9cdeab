namespace NetBond.Core;

/// <summary>The kernel's bonding modes, with the kernel's numbers (include/uapi/linux/if_bonding.h).</summary>
public enum BondMode
{
    BalanceRr = 0,
    ActiveBackup = 1,
    BalanceXor = 2,
    Broadcast = 3,
    Ieee8023ad = 4,
    BalanceTlb = 5,
    BalanceAlb = 6,
}

public static class BondModeNames
{
    /// <summary>The name printed on the "Bonding Mode:" line (bond_mode_name in bond_main.c).</summary>
    public static string Describe(BondMode mode) => mode switch
    {
        BondMode.BalanceRr => "load balancing (round-robin)",
        BondMode.ActiveBackup => "fault-tolerance (active-backup)",
        BondMode.BalanceXor => "load balancing (xor)",
        BondMode.Broadcast => "fault-tolerance (broadcast)",
        BondMode.Ieee8023ad => "IEEE 802.3ad Dynamic link aggregation",
        BondMode.BalanceTlb => "transmit load balancing",
        BondMode.BalanceAlb => "adaptive load balancing",
        _ => "unknown",
    };
}
