namespace NetBond.Linux;

/// <summary>
/// Everything NetBond changes on a member, as it was before: recorded on disk before the first change so a
/// daemon killed with SIGKILL is followed by one that puts the member back.
/// </summary>
public sealed record MemberOriginalState(
    string Bond,
    string Name,
    int IfIndex,
    string Mac,
    int Mtu,
    bool Up,
    int? DisableIpv6,
    bool ClsactCreated,
    bool DropFilterAdded,
    string[]? Ipv6Addresses = null,
    string[]? Multicast = null,
    string[]? Unicast = null)
{
    /// <summary>The link-layer addresses the bond put on the member's lists, multicast and unicast, as journaled.</summary>
    public IEnumerable<Core.MacAddress> Listed() =>
        (Multicast ?? []).Concat(Unicast ?? []).Select(a => Core.MacAddress.TryParse(a, out Core.MacAddress mac) ? mac : default).Where(mac => !mac.IsZero);
}

/// <summary>Where original states are kept (the daemon's state file).</summary>
public interface IMemberJournal
{
    void Record(MemberOriginalState state);

    void Forget(string member);
}
