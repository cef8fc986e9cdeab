using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NetBond.Integration.Tests;

/// <summary>
/// A hostile ARP sender for the flood tests: at a given rate, from ever-new MACs and addresses on 198.18.0.0/16,
/// requests for the bond, replies claiming the bond's own address, truncated and oversized frames, and replies
/// to other hosts. It prints how many frames it sent. The script is a temporary file, removed on dispose.
/// </summary>
internal sealed class ArpFlood : IDisposable
{
    private readonly string _script = Path.Combine(Path.GetTempPath(), $"netbond-arp-flood-{Environment.ProcessId}-{Guid.NewGuid():N}.py");

    public ArpFlood()
    {
        File.WriteAllText(_script, """
            import socket, struct, sys, time, random
            iface, bond_ip, rate, seconds = sys.argv[1], socket.inet_aton(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind((iface, 0))
            def arp(op, smac, sip, tip, dst=b'\xff' * 6, hlen=6):
                return dst + smac + b'\x08\x06' + struct.pack('!HHBBH', 1, 0x0800, hlen, 4, op) + smac + sip + bytes(6) + tip
            sent, start = 0, time.monotonic()
            while time.monotonic() - start < seconds:
                for _ in range(100):
                    mac = bytes([2]) + random.randbytes(5)
                    ip = bytes([198, 18, random.randrange(256), random.randrange(1, 255)])
                    kind = sent % 5
                    if kind == 0: f = arp(1, mac, ip, bond_ip)                      # a new client asks for the bond
                    elif kind == 1: f = arp(2, mac, bond_ip, bond_ip)                # claims the bond's own address
                    elif kind == 2: f = arp(1, mac, ip, bond_ip)[:30]                # truncated
                    elif kind == 3: f = arp(1, mac, ip, bond_ip, hlen=200) + bytes(1400)  # oversized, bad lengths
                    else: f = arp(2, mac, ip, bond_ip, dst=mac)                      # a reply to some other host
                    s.send(f)
                    sent += 1
                time.sleep(max(0, start + sent / rate - time.monotonic()))
            print(sent)
            """);
    }

    /// <summary>Floods from <paramref name="iface"/> in namespace <paramref name="ns"/> toward the bond's address.</summary>
    public Process Start(Topology t, string ns, string iface, int rate, int seconds) =>
        t.Start($"ip netns exec {ns} python3 {_script} {iface} {Topology.BondAddress} {rate} {seconds}");

    /// <summary>
    /// What a leak would show: the daemon's resident memory grows by 4 MiB or more across each of three more floods
    /// like the first. The daemon's working heap grows over the first floods too (the collector sizes its budgets to
    /// the allocation rate, further on a busy machine), then stops; a leak of 100 bytes a frame never does.
    /// </summary>
    public void AssertMemorySettles(Topology t, System.Diagnostics.Process daemon, string ns, string iface, int rate, int seconds)
    {
        List<string> growth = [];
        for (int flood = 0; flood < 3; flood++)
        {
            long before = Rss(daemon.Id);
            Process sender = Start(t, ns, iface, rate, seconds);
            Assert.True(Topology.Finish(sender) && sender.ExitCode == 0, t.OutputOf(sender));
            long grown = Rss(daemon.Id) - before;
            if (grown < 4 << 20)
            {
                return;
            }
            growth.Add($"{grown >> 10} KiB during {t.OutputOf(sender).Trim()} frames");
        }
        Assert.Fail($"daemon RSS grew across every flood: {string.Join(", ", growth)}");
    }

    public static long Rss(int pid) =>
        long.Parse(Regex.Match(File.ReadAllText($"/proc/{pid}/status"), @"VmRSS:\s+(\d+) kB").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * 1024;

    public void Dispose() => File.Delete(_script);
}
