using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace NetBond;

/// <summary>
/// CLI ↔ daemon messages on the control socket: a 4-byte length, then UTF-8 JSON. The request is the command
/// line as a string array; the answer is {"exit":N,"out":"...","err":"..."}.
/// </summary>
internal static class ControlProtocol
{
    private const int MaxMessage = 4 << 20;

    /// <summary>A request is a command line: a megabyte is far more than any needs.</summary>
    public const int MaxRequest = 1 << 20;

    public static void Send(Socket socket, byte[] payload) => socket.Send(Frame(payload));

    /// <summary>A message as it goes on the socket: the 4-byte length, then the payload.</summary>
    public static byte[] Frame(byte[] payload)
    {
        byte[] frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>One message, or null when the peer closed or sent a length over <paramref name="maxLength"/>.</summary>
    public static byte[]? Receive(Socket socket, int maxLength = MaxMessage, RequestDeadline deadline = default)
    {
        byte[] header = new byte[4];
        if (!ReadExactly(socket, header, deadline))
        {
            return null;
        }
        int length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 0 || length > maxLength)
        {
            return null;
        }
        byte[] payload = new byte[length];
        return ReadExactly(socket, payload, deadline) ? payload : null;
    }

    public static byte[] EncodeRequest(IReadOnlyList<string> args) => JsonSerializer.SerializeToUtf8Bytes([.. args], NetBondJson.Default.StringArray);

    /// <summary>The command line, or null when the payload is no JSON array of strings (a null among them included).</summary>
    public static string[]? DecodeRequest(byte[] payload)
    {
        try
        {
            string[]? args = JsonSerializer.Deserialize(payload, NetBondJson.Default.StringArray);
            return args != null && Array.TrueForAll(args, a => a != null) ? args : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static byte[] EncodeResult(CommandResult r)
    {
        using MemoryStream stream = new();
        using (Utf8JsonWriter w = new(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("exit", r.ExitCode);
            w.WriteString("out", r.Out.ToString());
            w.WriteString("err", r.Err.ToString());
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>The daemon's answer; one that is not {"exit": N, "out": "...", "err": "..."} is a failure that says so.</summary>
    public static (int Exit, string Out, string Err) DecodeResult(byte[] payload)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(payload);
            JsonElement root = doc.RootElement;
            return (root.GetProperty("exit").GetInt32(), root.GetProperty("out").GetString() ?? "", root.GetProperty("err").GetString() ?? "");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return (1, "", $"netbond: the daemon's answer is malformed ({e.Message})\n");
        }
    }

    private static bool ReadExactly(Socket socket, byte[] buffer, RequestDeadline deadline)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = deadline.Receive(socket, buffer, read, buffer.Length - read);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }
}
