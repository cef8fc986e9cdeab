using System.Net;
using NetBond.Core;
using NetBond.Linux;
using NetBond.Linux.Interop;
using NetBond.Linux.Netlink;

namespace NetBond.Config;

/// <summary>
/// The daemon side of `up` and `down`. `up` checks everything against the live host first, then creates each
/// bond, applies its options, MTU and MAC, enslaves its members, assigns addresses, brings it up and adds the
/// default route; if any step fails, every bond it made is taken down again. Both are idempotent.
/// </summary>
internal sealed class ConfigApplier
{
    private readonly BondRegistry _registry;

    public ConfigApplier(BondRegistry registry)
    {
        _registry = registry;
    }

    public CommandResult Up(UpRequest request, CommandResult r)
    {
        List<UpBond> todo = [];
        foreach (UpBond b in request.Bonds)
        {
            if (_registry.Find(b.Name) != null)
            {
                r.Line($"{b.Name} is already up");
            }
            else
            {
                todo.Add(b);
            }
        }
        HashSet<string> building = [.. todo.Select(b => b.Name)];
        List<string> problems = [.. todo.SelectMany(b => Check(b, building))];
        if (problems.Count > 0)
        {
            problems.ForEach(p => r.Err.Append(p).Append('\n'));
            return r.Fail("nothing was applied");
        }
        List<string> made = [];
        foreach (UpBond b in todo)
        {
            string? error = Build(b, r);
            if (error != null)
            {
                foreach (string name in made.Append(b.Name))
                {
                    _registry.Delete(name, new CommandResult());
                }
                return r.Fail($"{error}; nothing was applied");
            }
            made.Add(b.Name);
            r.Line($"{b.Name} is up");
            if (b.Dhcp)
            {
                r.Line($"{b.Name}: BOOTPROTO=dhcp: addressing is left to a DHCP client (for example: dhclient {b.Name})");
            }
        }
        return r;
    }

    /// <summary>
    /// `reload` (systemctl reload): the files read again, each bond brought to what they say now. A new bond is
    /// built; for a running one, changed options are set (and when the kernel would refuse that on a live bond —
    /// the mode, say — the bond is built again), members enslaved or released, addresses added or removed, MTU,
    /// MAC and default route set. Bonds the files do not describe are left as they are.
    /// </summary>
    public CommandResult Reload(UpRequest request, CommandResult r)
    {
        List<UpBond> fresh = [.. request.Bonds.Where(b => _registry.Find(b.Name) == null)];
        Up(new UpRequest { Bonds = fresh }, r);
        if (r.ExitCode != 0)
        {
            return r;
        }
        foreach (UpBond b in request.Bonds.Except(fresh))
        {
            int before = r.Out.Length;
            string? error = Update(b, r);
            if (error != null)
            {
                return r.Fail(error);
            }
            if (r.Out.Length == before)
            {
                r.Line($"{b.Name}: unchanged");
            }
        }
        foreach (BondRuntime other in _registry.Bonds.Where(x => !request.Partial && request.Bonds.All(b => b.Name != x.Bond.Name)))
        {
            r.Line($"{other.Bond.Name}: not described by the files; left as it is");
        }
        return request.Absent.Count > 0 ? Down(request.Absent, r) : r;
    }

    private string? Update(UpBond b, CommandResult r)
    {
        BondRuntime bond = _registry.Find(b.Name)!;
        if (Desired(b, out string? invalid) is not { } desired)
        {
            return $"{b.Where}: {invalid}";
        }
        List<string> changed = Changed(desired, bond.Bond.Options);
        if (changed.Count > 0)
        {
            CommandResult set = _registry.Set(b.Name, [.. changed.Select(n => OptionTable.Assign(n, OptionTable.Show(desired, n)))], new CommandResult());
            if (set.ExitCode != 0)
            {
                // What a live bond with members cannot take (mode, fail_over_mac, the 802.3ad ones): built again.
                _registry.Delete(b.Name, new CommandResult());
                string? error = Build(b, r);
                r.Line($"{b.Name}: built again ({set.Err.ToString().Trim()})");
                return error;
            }
            changed.ForEach(n => r.Line($"{b.Name}: {n} {OptionTable.Show(desired, n)}"));
        }
        string[] members = [.. bond.Bond.Members.Select(m => m.Name)];
        string[] added = [.. b.Members.Select(m => m.Name).Distinct().Except(members)];
        string[] removed = [.. members.Except(b.Members.Select(m => m.Name))];
        if (removed.Length > 0)
        {
            _registry.Release(b.Name, removed, r);
            r.Line($"{b.Name}: released {string.Join(' ', removed)}");
        }
        if (added.Length > 0)
        {
            CommandResult step = _registry.Enslave(b.Name, added, new CommandResult());
            if (step.ExitCode != 0)
            {
                return $"{b.Members.First(m => added.Contains(m.Name)).Where}: {step.Err.ToString().Trim()}";
            }
            r.Line($"{b.Name}: enslaved {string.Join(' ', added)}");
        }
        // A member's prio and queue_id (IFACE:N) as described, where they differ.
        foreach (UpSetting o in b.Options)
        {
            OptionAssignment a = OptionTable.Assign(o.Name, o.Value);
            string[] parts = o.Value.Split(':');
            if (a.Option is BondOption.Prio or BondOption.QueueId && parts.Length == 2 && bond.Bond.Find(parts[0]) is { } member
                && (a.Option == BondOption.Prio ? member.Prio : member.QueueId).ToString(System.Globalization.CultureInfo.InvariantCulture) != parts[1].Trim())
            {
                CommandResult step = _registry.Set(b.Name, [a], new CommandResult());
                if (step.ExitCode != 0)
                {
                    return $"{o.Where}: {step.Err.ToString().Trim()}";
                }
                r.Line($"{b.Name}: {OptionTable.NameOf(a.Option)} {o.Value}");
            }
        }
        try
        {
            UpdateLink(b, bond, r);
        }
        catch (NativeException e)
        {
            return $"{b.Where}: {e.Message}";
        }
        return null;
    }

    /// <summary>MTU, MAC, addresses (unless DHCP owns them) and the default route.</summary>
    private void UpdateLink(UpBond b, BondRuntime bond, CommandResult r)
    {
        LinkInfo link = _registry.Netlink.GetLink(bond.IfIndex)!;
        if (b.Mtu != null && int.Parse(b.Mtu.Value, System.Globalization.CultureInfo.InvariantCulture) is int mtu && mtu != link.Mtu)
        {
            bond.SetMtu(mtu);
            r.Line($"{b.Name}: mtu {mtu}");
        }
        if (b.Mac != null && MacAddress.TryParse(b.Mac.Value, out MacAddress mac) && mac != link.Mac)
        {
            bond.SetMac(mac);
            r.Line($"{b.Name}: address {mac}");
        }
        if (!b.Dhcp)
        {
            List<AddressInfo> have = [.. _registry.Netlink.GetAddressInfo(bond.IfIndex).Where(a => a.Permanent && !a.Address.IsIPv6LinkLocal && b.Decides(a.Address))];
            foreach (UpAddress a in b.Addresses.Where(a => !have.Exists(h => Same(h, a))))
            {
                _registry.Netlink.AddAddress(bond.IfIndex, IPAddress.Parse(a.Address), a.Prefix, a.Broadcast == null ? null : IPAddress.Parse(a.Broadcast));
                r.Line($"{b.Name}: added {a.Address}/{a.Prefix}");
            }
            foreach (AddressInfo h in have.Where(h => !b.Addresses.Exists(a => Same(h, a))))
            {
                _registry.Netlink.DeleteAddress(bond.IfIndex, h.Address, h.PrefixLength);
                r.Line($"{b.Name}: removed {h.Address}/{h.PrefixLength}");
            }
        }
        if (b.Gateway != null)
        {
            try
            {
                _registry.Netlink.AddDefaultRoute(bond.IfIndex, IPAddress.Parse(b.Gateway.Value));
                r.Line($"{b.Name}: default route via {b.Gateway.Value}");
            }
            catch (NativeException e) when (e.Errno == 17)
            {
                // EEXIST: a default route is there already.
            }
        }
    }

    public CommandResult Down(IReadOnlyList<string> names, CommandResult r)
    {
        foreach (string name in names)
        {
            if (_registry.Find(name) == null)
            {
                r.Line($"{name} is not up");
                continue;
            }
            _registry.Delete(name, r);
            if (r.ExitCode != 0)
            {
                return r;
            }
            r.Line($"{name} is down");
        }
        return r;
    }

    /// <summary>
    /// `verify` (a CNI CHECK): each way the running bonds differ from the request — a bond missing, an option
    /// (defaults included) other than described, members, addresses it lacks, MTU; fails with one line each.
    /// </summary>
    public CommandResult Verify(UpRequest request, CommandResult r)
    {
        List<string> differences = [.. request.Bonds.SelectMany(Differences)];
        differences.ForEach(d => r.Err.Append(d).Append('\n'));
        return differences.Count > 0 ? r.Fail($"{differences.Count} difference(s) from the configuration") : r.Line("as configured");
    }

    private IEnumerable<string> Differences(UpBond b)
    {
        if (_registry.Find(b.Name) is not { } bond)
        {
            yield return $"{b.Name}: no such bond";
            yield break;
        }
        if (Desired(b, out string? invalid) is not { } desired)
        {
            yield return $"{b.Where}: {invalid}";
            yield break;
        }
        foreach (string n in Changed(desired, bond.Bond.Options))
        {
            yield return $"{b.Name}: {n} is '{OptionTable.Show(bond.Bond.Options, n)}', configured '{OptionTable.Show(desired, n)}'";
        }
        string[] members = [.. bond.Bond.Members.Select(m => m.Name)];
        string[] configured = [.. b.Members.Select(m => m.Name)];
        if (!members.Order(StringComparer.Ordinal).SequenceEqual(configured.Distinct().Order(StringComparer.Ordinal)))
        {
            yield return $"{b.Name}: members are [{string.Join(' ', members)}], configured [{string.Join(' ', configured)}]";
        }
        LinkInfo link = _registry.Netlink.GetLink(bond.IfIndex)!;
        if (b.Mtu != null && b.Mtu.Value != link.Mtu.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            yield return $"{b.Name}: mtu is {link.Mtu}, configured {b.Mtu.Value}";
        }
        List<AddressInfo> have = _registry.Netlink.GetAddressInfo(bond.IfIndex);
        foreach (UpAddress a in b.Addresses.Where(a => !have.Exists(h => Same(h, a))))
        {
            yield return $"{b.Name}: has no address {a.Address}/{a.Prefix}";
        }
        if (!link.IsUp)
        {
            yield return $"{b.Name}: is down";
        }
    }

    /// <summary>The options a description asks for, on the kernel's defaults (a member's own aside); null, and why, when invalid.</summary>
    private static BondOptions? Desired(UpBond b, out string? invalid) =>
        OptionTable.Apply(new BondOptions(), [.. b.Options.Select(o => OptionTable.Assign(o.Name, o.Value)).Where(o => !OptionTable.IsState(o.Option))],
            new OptionContext(false, false, OneRequest: false), [], out invalid);

    /// <summary>The options whose value differs between the two, by name.</summary>
    private static List<string> Changed(BondOptions desired, BondOptions running) =>
        [.. OptionTable.Names.Where(n => OptionTable.Show(desired, n) != OptionTable.Show(running, n))];

    private static bool Same(AddressInfo have, UpAddress wanted) => have.Address.Equals(IPAddress.Parse(wanted.Address)) && have.PrefixLength == wanted.Prefix;

    /// <summary>What the live host says against this bond: names, members that are missing or taken.</summary>
    /// <param name="building">The bonds built with it: a member that is one of them exists by the time it is enslaved (bonds nest, inner first).</param>
    private IEnumerable<string> Check(UpBond b, HashSet<string> building)
    {
        if (!BondRegistry.IsValidName(b.Name))
        {
            yield return $"{b.Where}: '{b.Name}' is not a valid interface name";
        }
        else if (_registry.Netlink.GetLink(b.Name) != null)
        {
            yield return $"{b.Where}: {b.Name} already exists and is not a NetBond bond";
        }
        foreach (UpSetting m in b.Members.Where(m => !building.Contains(m.Name)))
        {
            if (_registry.CheckMember(b.Name, m.Name, out _) is { } problem)
            {
                yield return $"{m.Where}: {problem}";
            }
        }
    }

    private string? Build(UpBond b, CommandResult r)
    {
        List<OptionAssignment> options = [.. b.Options
            .Select(o => OptionTable.Assign(o.Name, o.Value))
            .Where(o => !OptionTable.IsState(o.Option))];
        CommandResult step = _registry.Add(b.Name, options, new CommandResult(), oneRequest: false);
        if (step.ExitCode != 0)
        {
            return $"{b.Where}: {step.Err.ToString().Trim()}";
        }
        BondRuntime bond = _registry.Find(b.Name)!;
        try
        {
            if (b.Mtu != null)
            {
                bond.SetMtu(int.Parse(b.Mtu.Value, System.Globalization.CultureInfo.InvariantCulture));
            }
            if (b.Mac != null && MacAddress.TryParse(b.Mac.Value, out MacAddress mac))
            {
                bond.SetMac(mac);
            }
        }
        catch (NativeException e)
        {
            return $"{(b.Mtu ?? b.Mac)!.Where}: {e.Message}";
        }
        if (b.Members.Count > 0)
        {
            step = _registry.Enslave(b.Name, [.. b.Members.Select(m => m.Name)], new CommandResult());
            if (step.ExitCode != 0)
            {
                return $"{b.Members[0].Where}: {step.Err.ToString().Trim()}";
            }
        }
        // active_slave, queue_id and prio act on members, so they come once the members are in.
        foreach (UpSetting o in b.Options.Where(o => OptionTable.IsState(OptionTable.Assign(o.Name, o.Value).Option) && o.Value.Length > 0))
        {
            step = _registry.Set(b.Name, [OptionTable.Assign(o.Name, o.Value)], new CommandResult());
            if (step.ExitCode != 0)
            {
                return $"{o.Where}: {step.Err.ToString().Trim()}";
            }
        }
        UpAddress? current = null;
        try
        {
            foreach (UpAddress a in b.Addresses)
            {
                current = a;
                _registry.Netlink.AddAddress(bond.IfIndex, IPAddress.Parse(a.Address), a.Prefix, a.Broadcast == null ? null : IPAddress.Parse(a.Broadcast));
            }
            current = null;
            _registry.Netlink.SetUp(bond.IfIndex, true);
            if (b.Gateway != null)
            {
                _registry.Netlink.AddDefaultRoute(bond.IfIndex, IPAddress.Parse(b.Gateway.Value));
            }
        }
        catch (NativeException e)
        {
            return $"{current?.Where ?? b.Gateway?.Where ?? b.Where}: {e.Message}";
        }
        return null;
    }
}
