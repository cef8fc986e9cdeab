using NetBond.Linux.Interop;

namespace NetBond.Linux;

/// <summary>Process-level calls the daemon needs.</summary>
public static class Session
{
    /// <summary>setsid(): a daemon started in the background leaves the caller's session and terminal.</summary>
    public static void Detach() => LibC.SetSid();
}
