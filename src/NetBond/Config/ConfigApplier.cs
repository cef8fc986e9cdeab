using System.Net;
using NetBond.Core;
using NetBond.Linux;
using NetBond.Linux.Interop;

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
        List<string> problems = [.. todo.SelectMany(Check)];
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

    /// <summary>What the live host says against this bond: names, members that are missing or taken.</summary>
    private IEnumerable<string> Check(UpBond b)
    {
        if (!BondRegistry.IsValidName(b.Name))
        {
            yield return $"{b.Where}: '{b.Name}' is not a valid interface name";
        }
        else if (_registry.Netlink.GetLink(b.Name) != null)
        {
            yield return $"{b.Where}: {b.Name} already exists and is not a NetBond bond";
        }
        foreach (UpSetting m in b.Members)
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
