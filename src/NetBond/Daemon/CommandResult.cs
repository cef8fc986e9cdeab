using System.Text;

namespace NetBond;

/// <summary>What a command prints and how it exits; carried from the daemon back to the CLI.</summary>
internal sealed class CommandResult
{
    public StringBuilder Out { get; } = new();
    public StringBuilder Err { get; } = new();
    public int ExitCode { get; set; }

    public CommandResult Fail(string message, int code = 1)
    {
        Err.Append("netbond: ").Append(message).Append('\n');
        ExitCode = code;
        return this;
    }

    public CommandResult Line(string text)
    {
        Out.Append(text).Append('\n');
        return this;
    }

    public CommandResult Warn(string text)
    {
        Err.Append("netbond: warning: ").Append(text).Append('\n');
        return this;
    }
}
