using System.Net;
using System.Net.Sockets;

namespace NetBond.Config;

/// <summary>Addresses, prefixes and netmasks as configuration files write them.</summary>
internal static class AddressParsing
{
    public static bool TryIPv4(string text, out IPAddress address) =>
        IPAddress.TryParse(text, out address!) && address.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') == 3;

    /// <summary>A dotted netmask whose ones are contiguous, as a prefix length.</summary>
    public static int? NetmaskToPrefix(string text)
    {
        if (!TryIPv4(text, out IPAddress mask))
        {
            return null;
        }
        byte[] b = mask.GetAddressBytes();
        uint v = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
        int prefix = System.Numerics.BitOperations.PopCount(v);
        return prefix == 0 || v == uint.MaxValue << (32 - prefix) ? prefix : null;
    }

    /// <summary>"a.b.c.d/n", "x::y/n", or an address alone (then <paramref name="prefix"/> is -1).</summary>
    public static bool TryCidr(string text, out IPAddress address, out int prefix)
    {
        prefix = -1;
        string addr = text;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            addr = text[..slash];
            if (!int.TryParse(text[(slash + 1)..], out prefix))
            {
                address = IPAddress.None;
                return false;
            }
        }
        if (!IPAddress.TryParse(addr, out address!) || (address.AddressFamily == AddressFamily.InterNetwork && !TryIPv4(addr, out _)))
        {
            return false;
        }
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        return prefix <= max && prefix >= -1;
    }

    /// <summary>The network address of an IPv4 address under a prefix.</summary>
    public static IPAddress Network(IPAddress address, int prefix)
    {
        byte[] b = address.GetAddressBytes();
        uint v = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
        uint mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
        v &= mask;
        return new IPAddress(new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v });
    }
}
