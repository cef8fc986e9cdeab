using NetBond.Core;
using NetBond.Linux.Interop;
using NetBond.Linux.Netlink;

namespace NetBond.Linux;

/// <summary>
/// What enslaving does to a member and what release undoes (bond_enslave / __bond_release_one): MTU set to the
/// bond's, IPv6 off, the host stack kept off by an ingress drop filter, the member brought up; the MAC is set
/// by the bond's MAC rules. Every change is journaled before it is made.
/// </summary>
public static class MemberSetup
{
    public static MemberOriginalState Prepare(RtNetlink rt, IMemberJournal journal, string bond, LinkInfo link, int mtu)
    {
        // Disabling IPv6 drops the member's IPv6 addresses for good; the configured ones are recorded to come back.
        string[] ipv6 = [.. rt.GetAddressInfo(link.Index)
            .Where(a => a.Permanent && a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !a.Address.IsIPv6LinkLocal)
            .Select(a => $"{a.Address}/{a.PrefixLength}")];
        MemberOriginalState state = new(bond, link.Name, link.Index, link.Mac.ToString(), link.Mtu, link.IsUp,
            InterfaceSysctl.Get("ipv6", link.Name, "disable_ipv6"), ClsactCreated: false, DropFilterAdded: false, ipv6);
        journal.Record(state);
        try
        {
            if (link.Mtu != mtu)
            {
                rt.SetMtu(link.Index, mtu);
            }
            InterfaceSysctl.Set("ipv6", link.Name, "disable_ipv6", 1);
            bool created = rt.AddClsact(link.Index);
            state = state with { ClsactCreated = created };
            journal.Record(state);
            int error = rt.AddIngressDrop(link.Index);
            if (error != 0)
            {
                throw new NativeException(error == LibC.ENOENT || error == LibC.EOPNOTSUPP
                    ? $"cannot keep the host stack off {link.Name}: this kernel has no cls_bpf classifier"
                    : $"add ingress drop filter on {link.Name}: {LibC.Describe(error)}");
            }
            state = state with { DropFilterAdded = true };
            journal.Record(state);
            if (!link.IsUp)
            {
                rt.SetUp(link.Index, true);
            }
            return state;
        }
        catch
        {
            Restore(rt, state);
            journal.Forget(link.Name);
            throw;
        }
    }

    /// <summary>Puts a member back as recorded. Best effort per step: one failure must not leave the rest changed.</summary>
    public static List<string> Restore(RtNetlink rt, MemberOriginalState state)
    {
        List<string> problems = [];
        LinkInfo? link = rt.GetLink(state.IfIndex);
        if (link == null || link.Name != state.Name)
        {
            problems.Add($"{state.Name}: interface is gone, nothing to restore");
            return problems;
        }
        void Step(string what, Action action)
        {
            try
            {
                action();
            }
            catch (Exception e) when (e is NativeException or IOException or UnauthorizedAccessException)
            {
                problems.Add($"{state.Name}: {what}: {e.Message}");
            }
        }
        if (link.IsUp)
        {
            Step("set down", () => rt.SetUp(state.IfIndex, false));
        }
        if (MacAddress.TryParse(state.Mac, out MacAddress mac) && link.Mac != mac)
        {
            Step("restore MAC", () => rt.SetMac(state.IfIndex, mac));
        }
        if (link.Mtu != state.Mtu)
        {
            Step("restore MTU", () => rt.SetMtu(state.IfIndex, state.Mtu));
        }
        if (state.ClsactCreated)
        {
            Step("remove clsact qdisc", () => rt.DeleteClsact(state.IfIndex));
        }
        else if (state.DropFilterAdded)
        {
            Step("remove ingress filter", () => rt.DeleteIngressDrop(state.IfIndex));
            // The kernel data path's program, which a killed daemon leaves in front of the drop filter.
            Step("remove kernel data path filter", () => rt.DeleteBpfFilter(state.IfIndex, egress: false, RtNetlink.KernelPathPref));
        }
        if (state.Listed().ToArray() is { Length: > 0 } listed)
        {
            // The link-layer addresses the bond put on the member's lists (the LACPDU address, NS groups, the bond's own).
            using Ethtool ioctl = new();
            foreach (MacAddress address in listed)
            {
                Step($"take {address} off its address list", () => SetListed(rt, ioctl, state.Name, state.IfIndex, address, add: false));
            }
        }
        if (state.DisableIpv6 is int v)
        {
            Step("restore disable_ipv6", () => InterfaceSysctl.Set("ipv6", state.Name, "disable_ipv6", v));
        }
        foreach (string address in state.Ipv6Addresses ?? [])
        {
            string[] parts = address.Split('/');
            Step($"restore address {address}", () => rt.AddAddress(state.IfIndex, System.Net.IPAddress.Parse(parts[0]), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), null));
        }
        if (state.Up)
        {
            Step("set up", () => rt.SetUp(state.IfIndex, true));
        }
        return problems;
    }

    /// <summary>Sets a member's MAC, live where the driver allows it, else with the member briefly down.</summary>
    public static void SetMac(RtNetlink rt, Member member, MacAddress mac)
    {
        try
        {
            rt.SetMac(member.IfIndex, mac);
        }
        catch (NativeException e) when (e.Errno == 16 /* EBUSY */)
        {
            rt.SetUp(member.IfIndex, false);
            rt.SetMac(member.IfIndex, mac);
            rt.SetUp(member.IfIndex, true);
        }
    }

    /// <summary>
    /// Puts a link-layer address on a member's own list or takes it off: a multicast one with SIOCADDMULTI/DELMULTI
    /// (dev_mc_add_global: beside the member's own groups, which keep theirs), a unicast one as `bridge fdb add …
    /// self` does (dev_uc_add_excl).
    /// </summary>
    public static void SetListed(RtNetlink rt, Ethtool ioctl, string name, int ifIndex, MacAddress mac, bool add)
    {
        if (mac.IsMulticast)
        {
            ioctl.SetMulticast(name, mac, add);
        }
        else if (add)
        {
            rt.AddUnicastAddress(ifIndex, mac);
        }
        else
        {
            rt.DeleteUnicastAddress(ifIndex, mac);
        }
    }
}
