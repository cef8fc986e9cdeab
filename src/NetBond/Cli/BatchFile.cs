using System.Text;

namespace NetBond;

/// <summary>
/// `netbond -batch FILE` (as `ip -batch`): the commands of FILE, or of standard input for "-", one per line, in one
/// process — a hundred bonds without a hundred processes. A line is a command line without "netbond" (it may start
/// with `-n NETNS`, which holds for that line only); blank lines and lines starting with # are skipped; words split at
/// white space, and quotes ('…' or "…") keep it inside a word. The first failing line ends the batch with its exit
/// code; with -force every line runs and the batch exits 1 when any failed. A failure names its FILE:LINE.
/// </summary>
internal static class BatchFile
{
    public static int Run(string file, bool force, Func<List<string>, int> run)
    {
        string text;
        try
        {
            text = file == "-" ? Console.In.ReadToEnd() : File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.Write($"netbond: cannot read {file}: {e.Message}\n");
            return 1;
        }
        string name = file == "-" ? "<stdin>" : file;
        string[] lines = text.Split('\n');
        int failed = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            int exit = Words(line) is { } words ? run(words) : Unterminated();
            if (exit == 0)
            {
                continue;
            }
            Console.Error.Write($"netbond: command failed {name}:{i + 1}\n");
            if (!force)
            {
                return exit;
            }
            failed++;
        }
        return failed == 0 ? 0 : 1;
    }

    private static int Unterminated()
    {
        Console.Error.Write("netbond: unterminated quote\n");
        return 2;
    }

    /// <summary>The line's words, or null when a quote is left open.</summary>
    internal static List<string>? Words(string line)
    {
        List<string> words = [];
        StringBuilder word = new();
        bool inWord = false;
        char quote = '\0';
        foreach (char c in line)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (quote != '\0')
        {
            return null;
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }
}
