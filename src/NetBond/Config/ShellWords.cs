using System.Text;

namespace NetBond.Config;

/// <summary>
/// The right-hand side of a shell assignment as network-scripts source it: single quotes literal, double
/// quotes with \" \\ \$ \` escapes, backslash escapes outside quotes, pieces concatenated, a trailing comment.
/// Expansions ($VAR, $(...)) are refused: the value would depend on the environment the scripts run in.
/// </summary>
internal static class ShellWords
{
    public static bool TryParseValue(string text, out string value, out string? error)
    {
        StringBuilder b = new();
        error = null;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                string rest = text[i..].TrimStart();
                if (rest.Length > 0 && rest[0] != '#')
                {
                    value = "";
                    error = $"unquoted space in value: use quotes around '{text.Trim()}'";
                    return false;
                }
                break;
            }
            if (c == '\'')
            {
                int end = text.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    return Fail("unterminated single quote", out value, out error);
                }
                b.Append(text, i + 1, end - i - 1);
                i = end + 1;
            }
            else if (c == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        return Fail("unterminated double quote", out value, out error);
                    }
                    char d = text[i];
                    if (d == '"')
                    {
                        i++;
                        break;
                    }
                    if (d == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        b.Append(text[i + 1]);
                        i += 2;
                        continue;
                    }
                    if (d is '$' or '`')
                    {
                        return Fail("shell expansions ($, `) are not supported in values", out value, out error);
                    }
                    b.Append(d);
                    i++;
                }
            }
            else if (c == '\\')
            {
                if (i + 1 < text.Length)
                {
                    b.Append(text[i + 1]);
                }
                i += 2;
            }
            else if (c is '$' or '`')
            {
                return Fail("shell expansions ($, `) are not supported in values", out value, out error);
            }
            else
            {
                b.Append(c);
                i++;
            }
        }
        value = b.ToString();
        return true;
    }

    private static bool Fail(string message, out string value, out string? error)
    {
        value = "";
        error = message;
        return false;
    }
}
