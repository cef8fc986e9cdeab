using System.Net;

namespace NetBond.Linux.Netlink;

/// <summary>
/// An address of an interface as RTM_NEWADDR gives it; not usable while tentative or after failed DAD; permanent
/// when configured rather than learnt (IFA_F_PERMANENT: not from router advertisements, not link-local's own).
/// </summary>
public sealed record AddressInfo(IPAddress Address, int PrefixLength, IPAddress? Broadcast, bool Usable, bool Permanent = false);
