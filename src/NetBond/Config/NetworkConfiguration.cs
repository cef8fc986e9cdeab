using NetBond.Core;

namespace NetBond.Config;

/// <summary>
/// Every bond that the distribution's files below a root describe: module options (modprobe), Red Hat
/// network-scripts, Debian /etc/network/interfaces, netplan, systemd-networkd and NetworkManager keyfiles, merged
/// with one precedence and checked as a whole.
/// Reading never changes anything; the problems list says what is wrong, each at its file:line.
/// </summary>
internal sealed class NetworkConfiguration
{
    private readonly List<BondDefinition> _order = [];
    private readonly Dictionary<string, BondDefinition> _bonds = [];

    public NetworkConfiguration(string root)
    {
        Root = root;
    }

    public string Root { get; }
    public IReadOnlyList<BondDefinition> Bonds => _order;
    public List<OptionSetting> ModuleDefaults { get; } = [];
    public List<ConfigProblem> Problems { get; } = [];

    /// <summary>What a file says that NetBond leaves to others (DNS, say): told, not refused.</summary>
    public List<ConfigProblem> Notes { get; } = [];

    public static NetworkConfiguration Read(string root)
    {
        NetworkConfiguration config = new(root);
        ModuleOptionsReader.Read(config);
        IfcfgReader.Read(config);
        DebianInterfacesReader.Read(config);
        NetplanReader.Read(config);
        NetworkdReader.Read(config);
        NetworkManagerReader.Read(config);
        config.Validate();
        return config;
    }

    /// <summary>`netbond apply`: one nmstate desired-state file, read and checked as the distribution's files are.</summary>
    public static NetworkConfiguration ReadNmstate(string file, string text)
    {
        NetworkConfiguration config = new("/");
        NmstateReader.Read(config, file, text);
        config.Validate();
        return config;
    }

    /// <summary>Bonds an nmstate state wants gone (`state: absent`).</summary>
    public List<(string Name, SourceLocation Where)> Absent { get; } = [];

    public BondDefinition? Find(string name) => _bonds.GetValueOrDefault(name);

    /// <summary>The bonds `up --all` (and reload) bring up: described by an interface file and marked to start at boot.</summary>
    public IEnumerable<BondDefinition> BootBonds => _order.Where(b => b.OnBoot && b.HasInterfaceFile);

    public BondDefinition Declare(string name, SourceLocation where)
    {
        if (!_bonds.TryGetValue(name, out BondDefinition? bond))
        {
            bond = new BondDefinition(name, where);
            _bonds.Add(name, bond);
            _order.Add(bond);
        }
        return bond;
    }

    /// <summary>
    /// A bond one of the newer formats (netplan, systemd-networkd, NetworkManager) describes, read whole into
    /// <paramref name="incoming"/>: added to what the files read before say of it; when another format's interface
    /// file already describes it, the two must say the same, else it is a problem naming both files.
    /// </summary>
    public void Describe(BondDefinition incoming)
    {
        BondDefinition bond = Declare(incoming.Name, incoming.DeclaredAt);
        if (bond.Description is { } first)
        {
            if (!bond.DescribesSame(incoming))
            {
                Problem(incoming.DeclaredAt, $"{incoming.Name} is described by {first.Format} ({first.Where}) and differently by {incoming.Description?.Format} here");
            }
            return;
        }
        bond.TakeFrom(incoming);
    }

    /// <summary>The path as the user sees it (below the root), for reading.</summary>
    public string PathOf(string absolute) => Path.Join(Root, absolute);

    /// <summary>Problems past this many are counted, not listed: a binary file must not bury the first ones.</summary>
    public const int MaxProblems = 50;

    private const int MaxMessage = 240;

    /// <summary>Problems found beyond <see cref="MaxProblems"/>.</summary>
    public int MoreProblems { get; private set; }

    public void Problem(SourceLocation where, string message)
    {
        if (Problems.Count >= MaxProblems)
        {
            MoreProblems++;
            return;
        }
        // A message may echo what the file says; a line of megabytes must not come back whole.
        Problems.Add(new ConfigProblem(where, message.Length > MaxMessage ? message[..MaxMessage] + "…" : message));
    }

    public void Note(SourceLocation where, string message) => Notes.Add(new ConfigProblem(where, message));

    /// <summary>An option named in a file must be one of the kernel's; its value is checked once the layers merge.</summary>
    public bool CheckOptionName(string name, SourceLocation where)
    {
        if (!OptionTable.IsKnown(name))
        {
            Problem(where, $"unknown bonding option '{name}'");
            return false;
        }
        return true;
    }

    private void Validate()
    {
        Dictionary<string, (string Bond, SourceLocation Where)> claimed = [];
        foreach (BondDefinition bond in _order)
        {
            ValidateOptions(bond);
            foreach (MemberClaim m in bond.Members.ToArray())
            {
                if (InLoop(bond, m))
                {
                    Problem(m.Where, $"{m.Name} cannot be a member of {bond.Name}: {bond.Name} is a member of it, directly or through another bond");
                }
                else if (claimed.TryGetValue(m.Name, out (string Bond, SourceLocation Where) first) && first.Bond != bond.Name)
                {
                    Problem(m.Where, $"{m.Name} is claimed by {bond.Name} and by {first.Bond} ({first.Where})");
                }
                else
                {
                    claimed.TryAdd(m.Name, (bond.Name, m.Where));
                }
            }
        }
        OrderNested();
    }

    /// <summary>Whether member <paramref name="m"/> of <paramref name="bond"/> is the bond itself or has it among its members: a loop of bonds.</summary>
    private bool InLoop(BondDefinition bond, MemberClaim m) => m.Name == bond.Name || Contains(m.Name, bond.Name, []);

    /// <summary>Whether bond <paramref name="outer"/> has <paramref name="name"/> among its members, at any depth of bonds in bonds.</summary>
    private bool Contains(string outer, string name, HashSet<string> seen) =>
        seen.Add(outer) && _bonds.TryGetValue(outer, out BondDefinition? bond)
        && bond.Members.Any(m => m.Name == name || Contains(m.Name, name, seen));

    /// <summary>A bond after every bond it has as a member (bonds nest): the order bonds are brought up in.</summary>
    private void OrderNested()
    {
        List<BondDefinition> ordered = [];
        void Place(BondDefinition bond)
        {
            if (ordered.Contains(bond))
            {
                return;
            }
            // A member bond in a loop (refused above) is not followed, so this cannot recurse forever.
            foreach (MemberClaim m in bond.Members.Where(m => _bonds.ContainsKey(m.Name) && !InLoop(bond, m)))
            {
                Place(_bonds[m.Name]);
            }
            ordered.Add(bond);
        }
        _order.ForEach(Place);
        _order.Clear();
        _order.AddRange(ordered);
    }

    /// <summary>Applies the merged options in the kernel's order to fresh defaults, so each refusal lands on its line.</summary>
    private void ValidateOptions(BondDefinition bond)
    {
        BondOptions options = new();
        foreach ((OptionSetting s, OptionAssignment a) in bond.EffectiveOptions(ModuleDefaults)
            .Select(s => (s, OptionTable.Assign(s.Name, s.Value))).OrderBy(p => p.Item2.Option))
        {
            if (OptionTable.IsState(a.Option))
            {
                continue;
            }
            if (OptionTable.IsModuleOnly(a.Option))
            {
                Problem(s.Where, $"{bond.Name}: {OptionTable.Canonical(s.Name)} is a module parameter: write it as 'options bonding {s.Name}={s.Value}'");
                continue;
            }
            List<string> warnings = [];
            BondOptions? next = OptionTable.Apply(options, [a], new OptionContext(false, false), warnings, out string? error);
            if (next == null)
            {
                Problem(s.Where, $"{bond.Name}: {error}");
            }
            else
            {
                options = next;
            }
        }
    }
}
