namespace NetBond.Core;

/// <summary>fail_over_mac (BOND_FOM_*).</summary>
public enum FailOverMac
{
    None = 0,
    Active = 1,
    Follow = 2,
}

/// <summary>primary_reselect (BOND_PRI_RESELECT_*).</summary>
public enum PrimaryReselect
{
    Always = 0,
    Better = 1,
    Failure = 2,
}

/// <summary>xmit_hash_policy (BOND_XMIT_POLICY_*).</summary>
public enum XmitHashPolicy
{
    Layer2 = 0,
    Layer34 = 1,
    Layer23 = 2,
    Encap23 = 3,
    Encap34 = 4,
    VlanSrcMac = 5,
}

/// <summary>arp_validate (BOND_ARP_VALIDATE_* and BOND_ARP_FILTER*): bit 0 active, bit 1 backup, 4 filter.</summary>
public enum ArpValidate
{
    None = 0,
    Active = 1,
    Backup = 2,
    All = 3,
    Filter = 4,
    FilterActive = 5,
    FilterBackup = 6,
}

/// <summary>arp_all_targets (BOND_ARP_TARGETS_*).</summary>
public enum ArpAllTargets
{
    Any = 0,
    All = 1,
}

/// <summary>lacp_rate (AD_LACP_*): which LACPDU period we ask of the partner.</summary>
public enum LacpRate
{
    Slow = 0,
    Fast = 1,
}

/// <summary>ad_select (BOND_AD_*).</summary>
public enum AdSelect
{
    Stable = 0,
    Bandwidth = 1,
    Count = 2,
    ActorPortPrio = 3,
}

/// <summary>NetBond's datapath option: which data path carries the bond's frames.</summary>
public enum DataPathChoice
{
    /// <summary>The kernel data path where the kernel offers it (BPF, cls_bpf, clsact) and the mode is one it carries, else user.</summary>
    Auto = 0,
    /// <summary>eBPF programs carry the frames; refused where the kernel cannot.</summary>
    Kernel = 1,
    /// <summary>The daemon's own thread carries the frames.</summary>
    User = 2,
}
