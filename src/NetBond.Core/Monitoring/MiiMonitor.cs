namespace NetBond.Core;

/// <summary>
/// The MII link monitor's inspection (bond_miimon_inspect): each miimon tick it walks the members' carriers, which
/// the host pushed in before the tick, through the kernel's link states — up, going down for downdelay, down, going
/// back for updelay — and proposes the links to commit. The bond commits them (bond_miimon_commit): what a link
/// change does to the active member, LACP and alb is the bond's to decide. Its only state is the members' link
/// state and delay, which status shows.
/// </summary>
public sealed class MiiMonitor
{
    private readonly string _name;
    private readonly IBondHost _host;

    internal MiiMonitor(string name, IBondHost host)
    {
        _name = name;
        _host = host;
    }

    /// <param name="ignoreUpdelay">No usable member: the first link to come back is taken at once.</param>
    /// <returns>
    /// The members whose link goes definitely up or down now, in member order, and whether any member's link state
    /// changed at all (going down or back changes what the data path may use too).
    /// </returns>
    internal (List<(Member Member, bool Up)> Commits, bool Changed) Inspect(IReadOnlyList<Member> members, BondOptions options, bool ignoreUpdelay,
        long nowMs)
    {
        List<(Member, bool)> commits = [];
        bool changed = false;
        foreach (Member m in members)
        {
            bool carrier = m.Carrier;
            if (carrier)
            {
                m.LastCarrierMs = nowMs;
            }
            switch (m.Link)
            {
                case LinkState.Up:
                    if (carrier)
                    {
                        break;
                    }
                    m.Link = LinkState.Fail;
                    m.Delay = options.DowndelayTicks;
                    changed = true;
                    if (m.Delay > 0)
                    {
                        string role = options.Mode == BondMode.ActiveBackup ? m.IsActive ? "active " : "backup " : "";
                        _host.Log($"{_name}: link status down for {role}interface {m.Name}, disabling it in {Ms(options, m.Delay)} ms");
                    }
                    goto case LinkState.Fail;
                case LinkState.Fail:
                    if (carrier)
                    {
                        _host.Log($"{_name}: link status up again after {Ms(options, options.DowndelayTicks - m.Delay)} ms for interface {m.Name}");
                        commits.Add((m, true));
                        break;
                    }
                    if (m.Delay <= 0)
                    {
                        commits.Add((m, false));
                        break;
                    }
                    m.Delay--;
                    break;
                case LinkState.Down:
                    if (!carrier)
                    {
                        break;
                    }
                    m.Link = LinkState.Back;
                    m.Delay = options.UpdelayTicks;
                    changed = true;
                    if (m.Delay > 0)
                    {
                        _host.Log($"{_name}: link status up for interface {m.Name}, enabling it in {(ignoreUpdelay ? "0" : Ms(options, m.Delay))} ms");
                    }
                    goto case LinkState.Back;
                case LinkState.Back:
                    if (!carrier)
                    {
                        // Proposed down and committed as any fall to down: it counts as a link failure.
                        _host.Log($"{_name}: link status down again after {Ms(options, options.UpdelayTicks - m.Delay)} ms for interface {m.Name}");
                        commits.Add((m, false));
                        break;
                    }
                    if (ignoreUpdelay)
                    {
                        m.Delay = 0;
                    }
                    if (m.Delay <= 0)
                    {
                        commits.Add((m, true));
                        ignoreUpdelay = false;
                        break;
                    }
                    m.Delay--;
                    break;
            }
        }
        return (commits, changed || commits.Count > 0);
    }

    /// <summary>Ticks of the MII monitor as milliseconds, for the log.</summary>
    internal static string Ms(BondOptions options, int ticks) => (ticks * options.Miimon).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
