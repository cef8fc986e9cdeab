using System.Text.Json;
using NetBond.Linux;

namespace NetBond;

/// <summary>What members.json holds: whose namespace it is, and the members changed there.</summary>
internal sealed record JournalFile(string? Namespace, List<MemberOriginalState> Members);

/// <summary>
/// The on-disk record of every member's original state (members.json), rewritten atomically (temp file and
/// rename) before each change to a member, so a new daemon can restore what a killed one left. It names the
/// namespace it belongs to (<see cref="StatePaths.NamespaceIdentity"/>): a namespace that reuses a deleted
/// one's inode finds that one's file in its folder and must never apply it.
/// </summary>
internal sealed class StateJournal : IMemberJournal
{
    private readonly string _path;
    private readonly string? _namespace;
    private readonly Dictionary<string, MemberOriginalState> _entries = [];

    public StateJournal(string directory, string? namespaceIdentity)
    {
        _path = Path.Combine(directory, "members.json");
        _namespace = namespaceIdentity;
    }

    /// <summary>What a previous daemon of this namespace left: members it changed and did not put back.</summary>
    public List<MemberOriginalState> LoadLeftovers(Action<string> log)
    {
        if (!File.Exists(_path))
        {
            return [];
        }
        string text = File.ReadAllText(_path);
        try
        {
            if (text.TrimStart().StartsWith('['))
            {
                // Written by NetBond 0.1 before files named their namespace: only the ifindex-and-name check guards it.
                return JsonSerializer.Deserialize(text, NetBondJson.Default.ListMemberOriginalState) ?? [];
            }
            JournalFile? file = JsonSerializer.Deserialize(text, NetBondJson.Default.JournalFile);
            if (file?.Namespace != null && file.Namespace != _namespace)
            {
                log($"{_path} was written in another network namespace (a deleted one whose inode this one reuses): not applied");
                return [];
            }
            return file?.Members ?? [];
        }
        catch (JsonException e)
        {
            // Members it named may still carry a bond's MAC, the drop filter and disabled IPv6: say so loudly and keep the file.
            string kept = _path + ".broken";
            File.Move(_path, kept, overwrite: true);
            log($"WARNING: {_path} is unreadable ({e.Message}); kept as {kept}. Interfaces a killed daemon had enslaved may "
                + "still carry a bond's MAC, a clsact drop filter and disable_ipv6=1: check them with `ip link` and `tc qdisc`");
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
        PrivateFiles.Write(_path, JsonSerializer.Serialize(new JournalFile(_namespace, [.. _entries.Values]), NetBondJson.Default.JournalFile));
    }
}
