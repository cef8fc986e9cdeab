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

    public static byte[]? Receive(Socket socket, int maxLength = MaxMessage)
    {
        byte[] header = new byte[4];
        if (!ReadExactly(socket, header))
        {
            return null;
        }
        int length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 0 || length > maxLength)
        {
            return null;
        }
        byte[] payload = new byte[length];
        return ReadExactly(socket, payload) ? payload : null;
    }

    public static byte[] EncodeRequest(IReadOnlyList<string> args) => JsonSerializer.SerializeToUtf8Bytes([.. args], NetBondJson.Default.StringArray);

    public static string[]? DecodeRequest(byte[] payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, NetBondJson.Default.StringArray);
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

    private static bool ReadExactly(Socket socket, byte[] buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = socket.Receive(buffer, read, buffer.Length - read, SocketFlags.None);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }
}
