using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NetBond.Config;

/// <summary>What the YAML formats (netplan, nmstate) share: the first document parsed with positions, child lookup, lines.</summary>
internal static class YamlText
{
    /// <summary>The first document's root; null (a problem said at its line) when the text is not YAML, or null when it is empty.</summary>
    public static YamlNode? Load(NetworkConfiguration config, string file, string text)
    {
        try
        {
            YamlStream yaml = [];
            yaml.Load(new StringReader(text));
            return yaml.Documents.Count == 0 ? null : yaml.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            config.Problem(new SourceLocation(file, (int)e.Start.Line), $"not valid YAML: {e.Message}");
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet gives up on some broken input (an unclosed flow sequence, a repeated key) without a position.
            config.Problem(new SourceLocation(file, 1), $"not valid YAML: {e.Message}");
            return null;
        }
    }

    public static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child) ? child : null;

    public static SourceLocation At(string file, YamlNode node) => new(file, (int)node.Start.Line);
}
