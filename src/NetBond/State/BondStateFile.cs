using System.Text.Json;
using NetBond.Core;
using NetBond.Linux;

namespace NetBond;

/// <summary>One recorded request of options, as name=value texts.</summary>
internal sealed record OptionRequestRecord(List<string> Options, bool OneRequest);

/// <summary>What a next daemon needs to adopt a bond running on the kernel data path (in 802.3ad, with its LACP machines).</summary>
internal sealed record BondRecord(string Name, int IfIndex, List<OptionRequestRecord> Options, List<string> Members, string? Active, LacpSavedState? Lacp = null);

internal sealed record BondStateContents(string? Namespace, List<BondRecord> Bonds);

/// <summary>
/// bonds.json: the bonds on the kernel data path — their options as requested, members in enslave order, active
/// member and 802.3ad machines — rewritten atomically whenever one of these changes. The kernel keeps such a bond's frames
/// moving after a SIGKILL; this file is how the next daemon takes it over instead of tearing it down. Bonds on
/// the userspace data path die with their daemon and are not recorded. It names its namespace as members.json does.
/// </summary>
internal sealed class BondStateFile
{
    private readonly string _path;
    private readonly string? _namespace;
    /// <summary>What the file holds now; null until the first save, which always writes (a previous daemon's file goes).</summary>
    private List<(BondRuntime Bond, int Members, Member? Active, int Requests, int Lacp)>? _saved;

    public BondStateFile(string directory, string? namespaceIdentity)
    {
        _path = Path.Combine(directory, "bonds.json");
        _namespace = namespaceIdentity;
    }

    /// <summary>The bonds a previous daemon of this namespace left on the kernel data path.</summary>
    public List<BondRecord> Load(Action<string> log)
    {
        if (!File.Exists(_path))
        {
            return [];
        }
        try
        {
            BondStateContents? file = JsonSerializer.Deserialize(File.ReadAllText(_path), NetBondJson.Default.BondStateContents);
            if (file?.Namespace != _namespace)
            {
                log($"{_path} was written in another network namespace: not applied");
                return [];
            }
            List<BondRecord> records = [];
            foreach (BondRecord? record in file?.Bonds ?? [])
            {
                if (Problem(record, records) is string problem)
                {
                    log($"WARNING: {_path}: {problem}: not adopted");
                }
                else
                {
                    records.Add(record!);
                }
            }
            return records;
        }
        catch (JsonException e)
        {
            log($"WARNING: {_path} is unreadable ({e.Message}): the bonds it named are taken down, not adopted");
            return [];
        }
    }

    /// <summary>What makes a record no bond to adopt: the file is the daemon's own, but may have been damaged or edited.</summary>
    private static string? Problem(BondRecord? r, List<BondRecord> before) =>
        r == null ? "an empty entry"
        : string.IsNullOrEmpty(r.Name) ? "an entry without a name"
        : before.Exists(b => b.Name == r.Name) ? $"{r.Name} is named twice"
        : r.Options == null || r.Options.Exists(o => o?.Options == null || o.Options.Exists(v => v == null || !v.Contains('=', StringComparison.Ordinal)))
            ? $"{r.Name}: unreadable options"
        : r.Members == null || r.Members.Exists(m => string.IsNullOrEmpty(m)) ? $"{r.Name}: unreadable members"
        : r.Members.Distinct().Count() != r.Members.Count ? $"{r.Name}: a member named twice"
        : null;

    /// <summary>Writes the file when a recorded bond, member list, active member or option request changed; cheap otherwise.</summary>
    public void Save(IEnumerable<BondRuntime> bonds)
    {
        if (_saved != null && Unchanged(bonds, _saved))
        {
            return;
        }
        _saved = [.. bonds.Where(b => b.DataPath.OutlivesDaemon).Select(Key)];
        List<(BondRuntime, int, Member?, int, int)> now = _saved;
        List<BondRecord> records = [.. now.Select(e => Record(e.Item1))];
        PrivateFiles.Write(_path, JsonSerializer.Serialize(new BondStateContents(_namespace, records), NetBondJson.Default.BondStateContents));
    }

    /// <summary>What a change of makes the file out of date.</summary>
    private static (BondRuntime, int, Member?, int, int) Key(BondRuntime b) =>
        (b, b.Bond.Members.Count, b.Bond.Active, b.OptionHistory.Count, IsLacp(b) ? b.Bond.Lacp.StateStamp() : 0);

    private static bool IsLacp(BondRuntime b) => ModeTraits.Of(b.Bond.Options.Mode).Lacp;

    /// <summary>Compared in place: the daemon asks at every tick of every namespace, and almost always nothing changed.</summary>
    private static bool Unchanged(IEnumerable<BondRuntime> bonds, List<(BondRuntime, int, Member?, int, int)> saved)
    {
        int i = 0;
        foreach (BondRuntime b in bonds)
        {
            if (!b.DataPath.OutlivesDaemon)
            {
                continue;
            }
            if (i >= saved.Count || saved[i] != Key(b))
            {
                return false;
            }
            i++;
        }
        return i == saved.Count;
    }

    private static BondRecord Record(BondRuntime b) => new(
        b.Bond.Name, b.IfIndex,
        [.. b.OptionHistory.Select(r => new OptionRequestRecord([.. r.Options.Select(a => $"{OptionTable.NameOf(a.Option)}={a.Value}")], r.OneRequest))],
        [.. b.Bond.Members.Select(m => m.Name)],
        b.Bond.Active?.Name,
        IsLacp(b) ? b.Bond.Lacp.Save() : null);
}
