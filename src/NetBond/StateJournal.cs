using System.Text.Json;
using NetBond.Linux;

namespace NetBond;

/// <summary>
/// The on-disk record of every member's original state (members.json), rewritten atomically (temp file and
/// rename) before each change to a member, so a new daemon can restore what a killed one left.
/// </summary>
internal sealed class StateJournal : IMemberJournal
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };
    private readonly string _path;
    private readonly Dictionary<string, MemberOriginalState> _entries = [];

    public StateJournal(string directory)
    {
        _path = Path.Combine(directory, "members.json");
    }

    /// <summary>What a previous daemon left: members it changed and did not put back.</summary>
    public List<MemberOriginalState> LoadLeftovers()
    {
        if (!File.Exists(_path))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<List<MemberOriginalState>>(File.ReadAllText(_path)) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    public void Record(MemberOriginalState state)
    {
        _entries[state.Name] = state;
        Save();
    }

    public void Forget(string member)
    {
        if (_entries.Remove(member))
        {
            Save();
        }
    }

    public void Clear()
    {
        _entries.Clear();
        Save();
    }

    private void Save()
    {
        string temp = _path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(_entries.Values.ToList(), s_json));
        File.Move(temp, _path, overwrite: true);
    }
}
