namespace NetBond;

/// <summary>
/// The syslog priority of a daemon log line for journald (sd-daemon(3) prefixes), by what it says, as the kernel's
/// bonding driver ranks the same messages: no active member is an error (netdev_err), a lost link, a failed
/// step or a refused frame a warning, everything else information.
/// </summary>
internal static class JournalPriority
{
    public const int Error = 3;
    public const int Warning = 4;
    public const int Info = 6;

    private static readonly string[] s_errors = ["now running without any active interface", "problem(s) in the configuration", "up --all failed"];
    private static readonly string[] s_warnings = ["definitely down", "cannot ", "failed", "is gone", "still in use by bond", "No 802.3ad response", "lost "];

    public static int Of(string message) =>
        s_errors.Any(e => message.Contains(e, StringComparison.Ordinal)) ? Error
        : s_warnings.Any(w => message.Contains(w, StringComparison.Ordinal)) ? Warning
        : Info;
}
