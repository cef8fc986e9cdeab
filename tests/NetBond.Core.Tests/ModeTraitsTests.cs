namespace NetBond.Core.Tests;

/// <summary>The modes' table against the kernel's tests of the mode it stands for.</summary>
public class ModeTraitsTests
{
    [Fact]
    public void Every_mode_has_a_row_that_says_what_the_kernels_mode_tests_say()
    {
        foreach (BondMode mode in Enum.GetValues<BondMode>())
        {
            ModeTraits t = ModeTraits.Of(mode);
            // bond_uses_primary, bond_is_lb, BOND_MODE_8023AD, BOND_MODE_ALB, bond_mode_can_use_xmit_hash.
            Assert.Equal(mode is BondMode.ActiveBackup or BondMode.BalanceTlb or BondMode.BalanceAlb, t.UsesPrimary);
            Assert.Equal(mode is BondMode.BalanceTlb or BondMode.BalanceAlb, t.LoadBalancing);
            Assert.Equal(mode is BondMode.Ieee8023ad, t.Lacp);
            Assert.Equal(mode is BondMode.BalanceAlb, t.ReceiveBalancing);
            Assert.Equal(mode is BondMode.BalanceXor or BondMode.Ieee8023ad, t.Hashes);
            Assert.Equal(mode is not (BondMode.BalanceRr or BondMode.ActiveBackup or BondMode.Broadcast), t.UsableArray);
        }
    }
}
