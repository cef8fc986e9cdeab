namespace NetBond.Core;

/// <summary>A member's link state as the MII monitor sees it (BOND_LINK_* in if_bonding.h).</summary>
public enum LinkState
{
    Up = 0,
    Fail = 1,
    Down = 2,
    Back = 3,
}

public static class LinkStateNames
{
    /// <summary>The text of /proc/net/bonding's "MII Status:" line (bond_slave_link_status).</summary>
    public static string Describe(LinkState state) => state switch
    {
        LinkState.Up => "up",
        LinkState.Fail => "going down",
        LinkState.Down => "down",
        LinkState.Back => "going back",
        _ => "unknown",
    };
}
