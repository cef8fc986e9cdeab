using System.Buffers.Binary;
using System.Net;

namespace NetBond.Core;

/// <summary>
/// Membership reports for a list of IPv4 groups, as a host's stack sends them from the bond device: IGMPv3
/// (one report to 224.0.0.22, a "change to exclude" record per group: a join) or IGMPv2 (one report per
/// group, to the group). IP header with Router Alert and TTL 1. 224.0.0.1 is never reported.
/// </summary>
public static class IgmpReport
{
    private static readonly IPAddress s_allHosts = IPAddress.Parse("224.0.0.1");

    public static IReadOnlyList<byte[]> For(MacAddress source, IPAddress? sourceIp, IEnumerable<IPAddress> groups, bool version3)
    {
        IPAddress[] reported = [.. groups.Where(g => !g.Equals(s_allHosts))];
        if (reported.Length == 0)
        {
            return [];
        }
        if (!version3)
        {
            return [.. reported.Select(g => Frame(source, sourceIp, g, V2(g)))];
        }
        byte[] igmp = new byte[8 + (8 * reported.Length)];
        igmp[0] = 0x22;
        BinaryPrimitives.WriteUInt16BigEndian(igmp.AsSpan(6), (ushort)reported.Length);
        for (int i = 0; i < reported.Length; i++)
        {
            igmp[8 + (8 * i)] = 4; // CHANGE_TO_EXCLUDE_MODE with no sources: join
            reported[i].TryWriteBytes(igmp.AsSpan(8 + (8 * i) + 4), out _);
        }
        BinaryPrimitives.WriteUInt16BigEndian(igmp.AsSpan(2), PeerNotificationFrames.InternetChecksum(igmp));
        return [Frame(source, sourceIp, IPAddress.Parse("224.0.0.22"), igmp)];
    }

    private static byte[] V2(IPAddress group)
    {
        byte[] igmp = new byte[8];
        igmp[0] = 0x16;
        group.TryWriteBytes(igmp.AsSpan(4), out _);
        BinaryPrimitives.WriteUInt16BigEndian(igmp.AsSpan(2), PeerNotificationFrames.InternetChecksum(igmp));
        return igmp;
    }

    private static byte[] Frame(MacAddress source, IPAddress? sourceIp, IPAddress destination, byte[] igmp)
    {
        const int Ip = 14;
        const int IpLength = 24;
        byte[] f = new byte[Ip + IpLength + igmp.Length];
        Span<byte> dst = stackalloc byte[4];
        destination.TryWriteBytes(dst, out _);
        // 01:00:5e and the group's low 23 bits.
        f[0] = 0x01;
        f[1] = 0x00;
        f[2] = 0x5E;
        f[3] = (byte)(dst[1] & 0x7F);
        f[4] = dst[2];
        f[5] = dst[3];
        source.CopyTo(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0800);
        Span<byte> ip = f.AsSpan(Ip, IpLength);
        ip[0] = 0x46;
        ip[1] = 0xC0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(IpLength + igmp.Length));
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // don't fragment
        ip[8] = 1;
        ip[9] = 2;
        sourceIp?.TryWriteBytes(ip[12..], out _);
        dst.CopyTo(ip[16..]);
        ip[20] = 0x94; // Router Alert
        ip[21] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], PeerNotificationFrames.InternetChecksum(ip));
        igmp.CopyTo(f.AsSpan(Ip + IpLength));
        return f;
    }

}
