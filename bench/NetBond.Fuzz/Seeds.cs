using System.Buffers.Binary;
using System.Net;
using System.Text;
using NetBond.Core;

namespace NetBond.Fuzz;

/// <summary>The starting corpora of the frame targets and the control protocol: valid inputs of each kind.</summary>
public static class Seeds
{
    private static readonly MacAddress s_a = new(0x02_00_00_00_00_01);
    private static readonly MacAddress s_b = new(0x02_00_00_00_00_02);

    public static void Write(string dir)
    {
        byte[][] lacp = [.. Lacp()];
        byte[][] arp = [.. Arp()];
        Save(dir, "frames", [.. Traffic(), .. lacp, .. arp]);
        Save(dir, "lacp", lacp);
        Save(dir, "arp", arp);
        Save(dir, "control",
        [
            Encoding.UTF8.GetBytes("""["status","bond0","--json"]"""),
            Encoding.UTF8.GetBytes("""["add","bond0","mode=802.3ad","lacp_rate=fast"]"""),
            Encoding.UTF8.GetBytes("""{"Bonds":[{"Name":"bond0","Members":["eth0"],"Options":[{"Name":"mode","Value":"1"}]}]}"""),
            Encoding.UTF8.GetBytes("""[0, "exit", "out", "err"]"""),
        ]);
    }

    private static void Save(string dir, string target, byte[][] inputs)
    {
        string path = Path.Combine(dir, target);
        Directory.CreateDirectory(path);
        for (int i = 0; i < inputs.Length; i++)
        {
            File.WriteAllBytes(Path.Combine(path, $"seed-{i:D2}"), inputs[i]);
        }
    }

    private static byte[] Eth(ushort type, byte[] payload)
    {
        byte[] f = new byte[14 + payload.Length];
        s_a.CopyTo(f);
        s_b.CopyTo(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), type);
        payload.CopyTo(f.AsSpan(14));
        return f;
    }

    private static IEnumerable<byte[]> Traffic()
    {
        byte[] tcp4 = [0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2, 0x9c, 0x40, 0, 80, .. new byte[16]];
        byte[] udp6 = [0x60, 0, 0, 0, 0, 8, 17, 64, .. new byte[32], 0x30, 0x39, 0, 53, 0, 8, 0, 0];
        byte[] icmpErr = [0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 3, 3, 0, 0, 0, 0, 0, 0, .. tcp4];
        yield return Eth(0x0800, tcp4);
        yield return Eth(0x86DD, udp6);
        yield return Eth(0x8100, [0, 10, 0x08, 0x00, .. tcp4]);
        yield return Eth(0x88A8, [0, 10, 0x81, 0x00, 0, 20, 0x86, 0xDD, .. udp6]);
        yield return Eth(0x0800, [0x45, 0, 0, 60, 0, 0, 0, 0, 64, 47, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x20, 0, 0x65, 0x58, 0, 0, 0, 1, .. Eth(0x0800, tcp4)]);
        yield return Eth(0x8864, [0x11, 0, 0, 1, 0, 42, 0, 0x21, .. tcp4]);
        yield return Eth(0x8847, [0, 0, 0x11, 64, .. tcp4]);
        yield return Eth(0x0800, icmpErr);
        foreach (byte[] igmp in IgmpReport.For(s_a, IPAddress.Parse("198.18.0.1"), [IPAddress.Parse("239.1.2.3")], version3: true))
        {
            yield return igmp;
        }
    }

    private static IEnumerable<byte[]> Lacp()
    {
        LacpPortInfo actor = new(65535, s_a, 15, 255, 1, LacpState.Activity | LacpState.Timeout | LacpState.Aggregation | LacpState.Synchronization);
        LacpPortInfo partner = new(32768, s_b, 1, 255, 2, LacpState.Activity | LacpState.Aggregation);
        yield return LacpPdu.Build(s_b, actor, partner);
        yield return LacpPdu.Build(s_b, partner, LacpPortInfo.AdminDefault);
        byte[] marker = LacpPdu.Build(s_b, actor, partner);
        marker[14] = 2;
        marker[16] = 1;
        marker[17] = 16;
        yield return marker;
        yield return LacpPdu.MarkerResponse(marker, s_b);
    }

    private static IEnumerable<byte[]> Arp()
    {
        IPAddress target = IPAddress.Parse("198.18.0.254");
        IPAddress bond = IPAddress.Parse("198.18.0.1");
        yield return ProbeFrames.ArpRequest(s_a, bond, target);
        byte[] reply = ProbeFrames.ArpRequest(s_b, target, bond);
        s_a.CopyTo(reply);
        reply[21] = 2;
        s_a.CopyTo(reply.AsSpan(32));
        yield return reply;
        yield return PeerNotificationFrames.GratuitousArp(bond, s_a);
        yield return ProbeFrames.NeighborSolicitation(s_a, IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::fe"));
        yield return ProbeFrames.NeighborSolicitation(s_a, null, IPAddress.Parse("2001:db8::fe"));
        yield return PeerNotificationFrames.UnsolicitedNa(IPAddress.Parse("2001:db8::fe"), s_b);
    }
}
