namespace NetBond.Core;

/// <summary>
/// Port keys (ad_update_actor_keys): user key in bits 15–6, a speed code in bits 5–1, full duplex in bit 0.
/// Only equality matters to a partner; the codes are the kernel's (ad_link_speed_type).
/// </summary>
public static class LacpKey
{
    private static readonly int[] s_speeds =
        [1, 10, 100, 1000, 2500, 5000, 10000, 14000, 20000, 25000, 40000, 50000, 56000, 100000, 200000, 400000, 800000];

    /// <summary>
    /// The speed's code (2 for 10 Mbit/s … 17 for 800 Gbit/s), 0 for an unknown or unlisted speed — and for
    /// 1 Mbit/s, whose code the kernel defines but __get_link_speed never gives.
    /// </summary>
    public static ushort SpeedCode(int speedMbps)
    {
        int i = Array.IndexOf(s_speeds, speedMbps);
        return i <= 0 ? (ushort)0 : (ushort)(i + 1);
    }
}
