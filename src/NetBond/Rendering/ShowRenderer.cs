using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NetBond.Core;
using NetBond.Linux;
using NetBond.Linux.Netlink;

namespace NetBond;

/// <summary>
/// `show`: ifconfig-style blocks as the classic bonding guide prints them (MASTER on the bond, SLAVE on
/// members, NOARP on backups), with NetBond's own counters instead of the kernel's.
/// </summary>
internal static class ShowRenderer
{
    public static string Render(BondRegistry registry, string? only, out string? error)
    {
        error = null;
        StringBuilder s = new();
        bool found = false;
        foreach (BondRuntime runtime in registry.Bonds.OrderBy(b => b.Bond.Name, StringComparer.Ordinal))
        {
            BondSnapshot b = runtime.Snapshot();
            if (only == null || only == b.Name)
            {
                Block(s, registry.Netlink, runtime.IfIndex, "MASTER", null, b.Counters);
                found = true;
            }
            foreach (MemberSnapshot m in b.Members)
            {
                if (only != null && only != b.Name && only != m.Name)
                {
                    continue;
                }
                bool backup = b.Options.Mode == BondMode.ActiveBackup && !m.IsActive;
                Block(s, registry.Netlink, m.IfIndex, backup ? "NOARP SLAVE" : "SLAVE", b.Name, m.Counters);
                found = true;
            }
        }
        if (!found)
        {
            error = only == null ? "no bonds" : $"{only}: not a bond or a member of one";
        }
        return s.ToString();
    }

    private static void Block(StringBuilder s, RtNetlink rt, int index, string role, string? master, PortCounters c)
    {
        LinkInfo? link = rt.GetLink(index);
        if (link == null)
        {
            return;
        }
        CultureInfo ci = CultureInfo.InvariantCulture;
        s.Append(ci, $"{link.Name,-10}Link encap:Ethernet  HWaddr {link.Mac.ToString().ToUpperInvariant()}");
        s.Append(master == null ? "\n" : $"  (member of {master})\n");
        foreach (AddressInfo a in rt.GetAddressInfo(index))
        {
            if (a.Address.AddressFamily == AddressFamily.InterNetwork)
            {
                s.Append(ci, $"          inet addr:{a.Address}");
                if (a.Broadcast != null)
                {
                    s.Append(ci, $"  Bcast:{a.Broadcast}");
                }
                s.Append(ci, $"  Mask:{Mask(a.PrefixLength)}\n");
            }
            else
            {
                s.Append(ci, $"          inet6 addr: {a.Address}/{a.PrefixLength}\n");
            }
        }
        List<string> flags = [];
        if (link.IsUp)
        {
            flags.Add("UP");
        }
        flags.Add("BROADCAST");
        if (link.IsRunning)
        {
            flags.Add("RUNNING");
        }
        flags.Add(role);
        flags.Add("MULTICAST");
        s.Append(ci, $"          {string.Join(' ', flags)}  MTU:{link.Mtu}  Metric:1\n");
        s.Append(ci, $"          RX packets:{c.RxPackets} errors:{c.RxErrors} dropped:{c.RxDropped} overruns:0 frame:0\n");
        s.Append(ci, $"          TX packets:{c.TxPackets} errors:{c.TxErrors} dropped:{c.TxDropped} overruns:0 carrier:0\n");
        s.Append(ci, $"          RX bytes:{c.RxBytes}  TX bytes:{c.TxBytes}\n\n");
    }

    private static IPAddress Mask(int prefix) =>
        new(BitConverterBig(prefix == 0 ? 0u : uint.MaxValue << (32 - prefix)));

    private static byte[] BitConverterBig(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];
}
