namespace NetBond.Core;

/// <summary>
/// NetBond's lacp_fallback (Open vSwitch's lacp-fallback-ab, SONiC's LACP fallback): when no member has received a
/// LACPDU for lacp_fallback_timeout seconds while a link was up, the bond runs as active-backup over its members,
/// so a peer that does not speak LACP (a host booting by PXE, a switch not configured yet) still gets one link.
/// It ends once a partner speaking LACP has the aggregation distributing, or lacp_fallback_timeout after the
/// first LACPDU if it never does (the bond is then an 802.3ad bond as the kernel's: the partner is there).
/// The member is the one with the highest actor_port_prio (the member priority an 802.3ad bond has, as ad_select
/// actor_port_prio weighs it; prio and primary are refused in 802.3ad, as by the kernel), then the first in enslave
/// order; it is kept while its link is up unless a member with a higher actor_port_prio comes up.
/// </summary>
internal sealed class LacpFallback
{
    private int _silentTicks;
    private int _sinceHeardTicks = -1;

    /// <summary>Whether the bond runs as active-backup now.</summary>
    public bool IsOn { get; private set; }

    /// <summary>The member that carries the bond's traffic in fallback, or null (not in fallback, or no link up).</summary>
    public Member? Active { get; private set; }

    /// <summary>A LACPDU was received on a member.</summary>
    public void Heard()
    {
        _silentTicks = 0;
        if (IsOn && _sinceHeardTicks < 0)
        {
            _sinceHeardTicks = 0;
        }
    }

    /// <summary>One 100 ms tick. Returns whether fallback began or ended, or its member changed.</summary>
    /// <param name="aggregated">A partner speaking LACP has ports of the active aggregator collecting and distributing.</param>
    public bool Tick(BondOptions o, IReadOnlyList<Member> members, bool aggregated)
    {
        int timeoutTicks = o.LacpFallbackTimeout * LacpPort.TicksPerSecond;
        bool anyUp = members.Any(m => m.Link == LinkState.Up);
        _silentTicks = anyUp ? _silentTicks + 1 : 0;
        if (!o.LacpFallback)
        {
            _silentTicks = 0;
            return Leave();
        }
        if (!IsOn)
        {
            if (_silentTicks < timeoutTicks)
            {
                return false;
            }
            IsOn = true;
            _sinceHeardTicks = -1;
            Active = null;
            Choose(members);
            return true;
        }
        if (_sinceHeardTicks >= 0 && (aggregated || ++_sinceHeardTicks >= timeoutTicks))
        {
            return Leave();
        }
        return Choose(members);
    }

    /// <summary>Links changed or a member left: the member of the fallback is chosen again at once. Returns whether it changed.</summary>
    public bool Choose(IReadOnlyList<Member> members)
    {
        if (!IsOn)
        {
            return false;
        }
        Member? current = Active != null && members.Contains(Active) && Active.Link == LinkState.Up ? Active : null;
        Member? best = null;
        foreach (Member m in members)
        {
            if (m.Link == LinkState.Up && (best == null || Rank(m) > Rank(best)))
            {
                best = m;
            }
        }
        Member? chosen = current != null && (best == null || Rank(best) <= Rank(current)) ? current : best;
        if (chosen == Active)
        {
            return false;
        }
        Active = chosen;
        return true;
    }

    /// <summary>A previous daemon's fallback, taken over with its bond: the silence already counted is not counted again.</summary>
    public void Restore(bool on, Member? active)
    {
        IsOn = on;
        Active = on ? active : null;
        _sinceHeardTicks = -1;
    }

    private static int Rank(Member m) => m.Lacp?.PortPriority ?? 0;

    private bool Leave()
    {
        bool was = IsOn;
        IsOn = false;
        Active = null;
        _sinceHeardTicks = -1;
        return was;
    }
}
