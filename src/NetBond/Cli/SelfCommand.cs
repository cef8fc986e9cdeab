namespace NetBond;

/// <summary>How to run this netbond again: its apphost, or `dotnet netbond.dll` when started through dotnet.</summary>
internal static class SelfCommand
{
    public static string[] Arguments
    {
        get
        {
            string path = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the netbond executable");
            return Path.GetFileNameWithoutExtension(path) == "dotnet" ? [path, Path.Combine(AppContext.BaseDirectory, "netbond.dll")] : [path];
        }
    }
}
