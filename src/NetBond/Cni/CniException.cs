namespace NetBond.Cni;

/// <summary>
/// A CNI error: the plugin prints it as the spec's error JSON ({cniVersion, code, msg, details}) and exits non-zero.
/// Codes 1–99 are the spec's; 100 and above are this plugin's own.
/// </summary>
internal sealed class CniException(int code, string message, string details = "") : Exception(message)
{
    public const int IncompatibleVersion = 1;
    public const int UnsupportedField = 2;
    public const int UnknownContainer = 3;
    public const int InvalidEnvironment = 4;
    public const int IoFailure = 5;
    public const int DecodeFailure = 6;
    public const int InvalidConfig = 7;
    public const int TryAgainLater = 11;
    public const int NotAvailable = 50;

    /// <summary>CHECK found the attachment other than its configuration says.</summary>
    public const int NotAsConfigured = 100;

    public int Code { get; } = code;
    public string Details { get; } = details;
}
