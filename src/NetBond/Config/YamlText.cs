using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace NetBond.Config;

/// <summary>What the YAML formats (netplan, nmstate) share: the first document parsed with positions, child lookup, lines.</summary>
internal static class YamlText
{
    /// <summary>Deeper than any configuration nests; the tree is built by recursion, so a deeper file could overflow the stack.</summary>
    private const int MaxDepth = 64;

    /// <summary>The first document's root; null (a problem said at its line) when the text is not YAML, or null when it is empty.</summary>
    public static YamlNode? Load(NetworkConfiguration config, string file, string text)
    {
        try
        {
            if (Refusal(text) is (string why, Mark at))
            {
                config.Problem(new SourceLocation(file, (int)at.Line), why);
                return null;
            }
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

    /// <summary>
    /// What the file may not hold, found by the parser's events before any tree is built: nesting deeper than
    /// <see cref="MaxDepth"/>, and a mapping key that is not a plain value (a key made of aliases costs time
    /// exponential in their nesting to compare; no configuration needs one).
    /// </summary>
    private static (string Why, Mark At)? Refusal(string text)
    {
        Parser parser = new(new StringReader(text));
        // Per open collection: whether it is a mapping, and then whether its next node is a key.
        Stack<(bool Mapping, bool KeyNext)> open = new();
        while (parser.MoveNext())
        {
            ParsingEvent e = parser.Current!;
            if (e is NodeEvent or AnchorAlias && open.TryPop(out (bool Mapping, bool KeyNext) parent))
            {
                if (parent.Mapping && parent.KeyNext && e is not Scalar)
                {
                    return ("a mapping key must be a plain value", e.Start);
                }
                open.Push((parent.Mapping, parent.Mapping && !parent.KeyNext));
            }
            if (e is MappingStart or SequenceStart)
            {
                open.Push((e is MappingStart, true));
                if (open.Count > MaxDepth)
                {
                    return ($"nested deeper than {MaxDepth} levels", e.Start);
                }
            }
            else if (e is MappingEnd or SequenceEnd)
            {
                open.Pop();
            }
        }
        return null;
    }

    public static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child) ? child : null;

    public static SourceLocation At(string file, YamlNode node) => new(file, (int)node.Start.Line);
}
