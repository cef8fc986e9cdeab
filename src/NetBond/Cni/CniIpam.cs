using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace NetBond.Cni;

/// <summary>
/// Delegation to an IPAM plugin (host-local, static, dhcp …), found by its type in CNI_PATH and run as the spec's
/// delegation says: the same environment but for the command, the same configuration on stdin. It runs in the
/// caller's own network namespace (the host's), never in the container's.
/// </summary>
internal static class CniIpam
{
    /// <summary>Runs the IPAM plugin; its result for ADD, null for the others.</summary>
    /// <exception cref="CniException">Not found (7), or the plugin's own error, code and message passed on.</exception>
    public static CniResult? Run(string command, CniConfig config, IReadOnlyDictionary<string, string> environment)
    {
        string type = config.IpamType!;
        string? path = (environment.GetValueOrDefault("CNI_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, type)).FirstOrDefault(File.Exists);
        if (path == null)
        {
            throw CniConfig.Invalid($"IPAM plugin '{type}' not found in CNI_PATH ({environment.GetValueOrDefault("CNI_PATH")})");
        }
        (int exit, JsonObject? answer, string errors) = Exec(path, command, config.Raw, environment);
        if (exit != 0 && answer?["code"]?.GetValue<int>() == CniException.IncompatibleVersion && Negotiate(path, config, environment) is { } older)
        {
            (exit, answer, errors) = Exec(path, command, older, environment);
        }
        if (exit != 0)
        {
            string message = (answer != null ? CniConfig.String(answer, "msg") : null) ?? (errors.Length > 0 ? errors : $"exit {exit}");
            int code = answer?["code"]?.GetValue<int>() ?? CniException.IoFailure;
            throw new CniException(code, $"IPAM plugin {type} ({command}): {message}", answer != null ? CniConfig.String(answer, "details") ?? "" : "");
        }
        if (command != "ADD")
        {
            return null;
        }
        CniResult result = answer != null ? CniResult.Parse(answer, $"IPAM plugin {type}") : throw new CniException(CniException.DecodeFailure, $"IPAM plugin {type} gave no result");
        return result.Ips.Count > 0 ? result : throw new CniException(CniException.InvalidConfig, $"IPAM plugin {type} gave no address");
    }

    /// <summary>
    /// For an IPAM plugin that refused the configuration's version (Debian 12's standard plugins stop at 1.0.0): the
    /// configuration in the newest version both speak, which its VERSION tells; null when there is none.
    /// </summary>
    private static byte[]? Negotiate(string path, CniConfig config, IReadOnlyDictionary<string, string> environment)
    {
        (int exit, JsonObject? answer, _) = Exec(path, "VERSION", Encoding.UTF8.GetBytes($"{{\"cniVersion\":\"{config.CniVersion}\"}}"), environment);
        string[] theirs = exit == 0 && answer?["supportedVersions"] is JsonArray list ? [.. list.Select(v => v?.GetValue<string>() ?? "")] : [];
        string? common = CniConfig.SupportedVersions.Where(v => theirs.Contains(v) && CniConfig.Compare(v, config.CniVersion) < 0).LastOrDefault();
        if (common == null)
        {
            return null;
        }
        JsonObject copy = (JsonObject)config.Json.DeepClone();
        copy["cniVersion"] = common;
        return Encoding.UTF8.GetBytes(copy.ToJsonString());
    }

    private static (int Exit, JsonObject? Answer, string Errors) Exec(string path, string command, byte[] input, IReadOnlyDictionary<string, string> environment)
    {
        ProcessStartInfo start = new(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }
        start.Environment["CNI_COMMAND"] = command;
        using Process p = Process.Start(start) ?? throw new CniException(CniException.IoFailure, $"cannot run {path}");
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> errors = p.StandardError.ReadToEndAsync();
        try
        {
            p.StandardInput.BaseStream.Write(input);
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // A plugin that does not read its input (VERSION) may be gone before it is written: its answer still counts.
        }
        p.WaitForExit();
        JsonObject? answer = null;
        try
        {
            answer = JsonNode.Parse(output.Result) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return (p.ExitCode, answer, errors.Result.Trim());
    }
}
