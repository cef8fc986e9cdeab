using System.Globalization;

namespace NetBond.Core;

/// <summary>A 48-bit Ethernet address, kept in the low bits of a ulong so it compares and copies as a value.</summary>
public readonly record struct MacAddress(ulong Value)
{
    public static MacAddress Zero => default;
    public static MacAddress Broadcast => new(0xFFFF_FFFF_FFFFUL);

    public bool IsZero => Value == 0;
    public bool IsMulticast => ((Value >> 40) & 0x01) != 0;

    public static MacAddress FromBytes(ReadOnlySpan<byte> bytes)
    {
        ulong v = 0;
        for (int i = 0; i < 6; i++)
        {
            v = (v << 8) | bytes[i];
        }
        return new MacAddress(v);
    }

    public void CopyTo(Span<byte> destination)
    {
        for (int i = 0; i < 6; i++)
        {
            destination[i] = (byte)(Value >> (40 - (8 * i)));
        }
    }

    public byte[] ToBytes()
    {
        byte[] b = new byte[6];
        CopyTo(b);
        return b;
    }

    /// <summary>A locally administered unicast address, as eth_random_addr() makes for a bond without members.</summary>
    public static MacAddress Random(Random rng)
    {
        Span<byte> b = stackalloc byte[8];
        rng.NextBytes(b);
        b[0] = (byte)((b[0] & 0xFE) | 0x02);
        return FromBytes(b);
    }

    public static bool TryParse(string text, out MacAddress mac)
    {
        mac = default;
        string[] parts = text.Split(':');
        if (parts.Length != 6)
        {
            return false;
        }
        ulong v = 0;
        foreach (string p in parts)
        {
            if (p.Length is < 1 or > 2 || !byte.TryParse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b))
            {
                return false;
            }
            v = (v << 8) | b;
        }
        mac = new MacAddress(v);
        return true;
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[6];
        CopyTo(b);
        return string.Create(CultureInfo.InvariantCulture, $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}");
    }
}
