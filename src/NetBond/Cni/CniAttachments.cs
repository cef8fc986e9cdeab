using System.Text.Json;

namespace NetBond.Cni;

/// <summary>A host link as it was before ADD moved it into a container: what DEL puts back.</summary>
internal sealed record AttachedLink(string Name, int Mtu, string Mac, bool Up);

/// <summary>One ADD that succeeded: enough to undo it in a DEL without a namespace path, or in a GC.</summary>
internal sealed record Attachment(string ContainerId, string IfName, string Netns, string Network, string Config, List<AttachedLink> Links);

/// <summary>
/// The attachments this host's plugin made, one file each under the daemon's root-only state directory
/// (cni/NETWORK/CONTAINERID-IFNAME.json): DEL reads what it must restore there, GC what exists.
/// </summary>
internal static class CniAttachments
{
    private static string Folder(string network) => Path.Combine(StatePaths.Root, "cni", Safe(network));

    private static string FileOf(string network, string containerId, string ifName) =>
        Path.Combine(Folder(network), $"{Safe(containerId)}-{Safe(ifName)}.json");

    /// <summary>Only what cannot leave the folder: a name is the runtime's, not a path.</summary>
    private static string Safe(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')).TrimStart('.');

    public static Attachment? Find(string network, string containerId, string ifName) =>
        Read(FileOf(network, containerId, ifName));

    public static List<Attachment> All(string network) =>
        Directory.Exists(Folder(network)) ? [.. Directory.GetFiles(Folder(network), "*.json").Select(Read).OfType<Attachment>()] : [];

    public static void Save(Attachment a)
    {
        PrivateFiles.CreateFolder(Folder(a.Network));
        PrivateFiles.Write(FileOf(a.Network, a.ContainerId, a.IfName), JsonSerializer.Serialize(a, NetBondJson.Default.Attachment));
    }

    public static void Remove(string network, string containerId, string ifName) => File.Delete(FileOf(network, containerId, ifName));

    private static Attachment? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), NetBondJson.Default.Attachment);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }
}
