namespace NetBond.Core;

/// <summary>The bond's timers, by the kernel's work item they stand for (mii_work, arp_work, ad_work, alb_work, mcast_work).</summary>
public enum BondTimer
{
    /// <summary>The MII monitor every miimon ms; with miimon=0 a carrier refresh, since transmission still needs carrier.</summary>
    LinkMonitor,

    /// <summary>802.3ad's state machines, every 100 ms while the bond is up (ad_work).</summary>
    Lacp,

    /// <summary>The ARP/NS monitor, every arp_interval ms while the bond is up (arp_work).</summary>
    ArpMonitor,

    /// <summary>balance-tlb/alb's monitor every 100 ms while the bond is up: learning packets, rebalancing, client updates (alb_work).</summary>
    Alb,

    /// <summary>IGMP memberships reported again after a failover, resend_igmp times 200 ms apart (mcast_work).</summary>
    ResendIgmp,
}

/// <summary>
/// Named timers and when each is due next, on a clock the caller supplies: Core never reads a clock, so a
/// test drives it with a virtual one and the daemon with a monotonic one.
/// </summary>
public sealed class TimerTable
{
    private readonly long[] _due = new long[Enum.GetValues<BondTimer>().Length];

    public TimerTable()
    {
        Array.Fill(_due, long.MaxValue);
    }

    /// <summary>The earliest due time of any armed timer, or <see cref="long.MaxValue"/>.</summary>
    public long NextDue => _due.Min();

    public void Arm(BondTimer timer, long dueMs) => _due[(int)timer] = dueMs;

    public bool IsArmed(BondTimer timer) => _due[(int)timer] != long.MaxValue;

    /// <summary>When <paramref name="timer"/> is due, <see cref="long.MaxValue"/> when not armed.</summary>
    public long DueOf(BondTimer timer) => _due[(int)timer];

    /// <summary>Whether <paramref name="timer"/> is due at <paramref name="nowMs"/>; a due timer is disarmed until armed again.</summary>
    public bool Fire(BondTimer timer, long nowMs)
    {
        if (_due[(int)timer] > nowMs)
        {
            return false;
        }
        _due[(int)timer] = long.MaxValue;
        return true;
    }
}
