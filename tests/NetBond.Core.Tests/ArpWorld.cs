using System.Buffers.Binary;
using System.Net;
using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>
/// A bond behind a virtual switch with ARP/NS targets: a probe on a member reaches the targets, which answer
/// on that member, and (as a switch floods broadcasts) the other members, unless the member's path is
/// blackholed — its carrier stays up, frames are lost both ways. A virtual clock drives it.
/// </summary>
internal sealed class ArpWorld : IBondHost, IVirtualWorld
{
    public static readonly IPAddress BondIp = IPAddress.Parse("198.18.0.1");
    public static readonly IPAddress BondIp6 = IPAddress.Parse("2001:db8::1");
    private static readonly MacAddress TargetMac = new(0x02_00_00_00_77_77);
    private readonly List<(long At, string Member, byte[] Frame)> _inFlight = [];

    public ArpWorld(string options, params string[] members)
    {
        Bond = new Bond("bond0", new BondOptions(), new MacAddress(0x02_00_00_00_00_99), this, new Random(1));
        Assert.Null(Bond.SetOptions(TestBonds.Parse(options), []));
        Bond.OnAddresses([BondIp, BondIp6]);
        Bond.IsUp = true;
        foreach (string m in members)
        {
            Add(m, adopted: false);
        }
    }

    /// <summary>Enslaves a member with carrier, or adopts it as a new daemon does a previous one's.</summary>
    public void Add(string name, bool adopted)
    {
        int i = Bond.Members.Count + 1;
        Member m = new(name, i, new MacAddress(0x02_00_00_00_00_00UL + (ulong)i));
        if (adopted)
        {
            Bond.Adopt(m, true, Now);
        }
        else
        {
            Bond.Enslave(m, true, Now);
        }
    }

    /// <summary>How long a frame takes to cross the switch, and a target to answer, in ms.</summary>
    public int Latency { get; set; } = 1;

    public Bond Bond { get; }
    public long Now { get; private set; }
    public HashSet<string> Blackholed { get; } = [];
    public HashSet<IPAddress> Silent { get; } = [];
    public Dictionary<string, int> Probes { get; } = [];
    public List<string> Logs { get; } = [];

    public Member M(string name) => Bond.Find(name)!;

    public void Run(long ms)
    {
        long end = Now + ms;
        while (Now < end)
        {
            foreach ((long At, string Member, byte[] Frame) f in _inFlight.Where(f => f.At <= Now).ToList())
            {
                _inFlight.Remove(f);
                if (Bond.Find(f.Member) is { } m && !Blackholed.Contains(f.Member))
                {
                    Bond.OnControlFrame(m, f.Frame, Now);
                }
            }
            if (Now >= Bond.NextDueMs)
            {
                foreach (Member m in Bond.Members)
                {
                    Bond.OnCarrier(m, true);
                }
                Bond.Tick(Now);
            }
            Now++;
        }
    }

    /// <summary>Hands the bond a frame on a member at the next millisecond, as the data path would.</summary>
    public void Inject(string member, byte[] frame) => _inFlight.Add((Now + 1, member, frame));

    public void SendFrame(Member member, ReadOnlySpan<byte> frame)
    {
        bool arpProbe = ProbeFrames.TryReadArp(frame, out ushort op0, out IPAddress s0, out IPAddress t0) && op0 == 1 && !s0.Equals(t0);
        if (arpProbe || (frame.Length > 54 && frame[12] == 0x86 && frame[54] == 135))
        {
            // Probes only: a gratuitous ARP (sender = target) or an unsolicited NA is a peer notification.
            Probes[member.Name] = Probes.GetValueOrDefault(member.Name) + 1;
        }
        if (Blackholed.Contains(member.Name))
        {
            return;
        }
        byte[] copy = frame.ToArray();
        // The switch floods the broadcast or multicast probe to the bond's other members.
        foreach (Member other in Bond.Members.Where(o => o != member))
        {
            _inFlight.Add((Now + Latency, other.Name, copy));
        }
        if (ProbeFrames.TryReadArp(frame, out ushort op, out IPAddress sender, out IPAddress target) && op == 1 && !Silent.Contains(target))
        {
            _inFlight.Add((Now + Latency, member.Name, ArpReply(target, member.CurrentMac, sender)));
        }
        else if (frame.Length > 62 && frame[54] == 135 && new IPAddress(frame.Slice(62, 16)) is { } t6 && !Silent.Contains(t6))
        {
            _inFlight.Add((Now + Latency, member.Name, NeighborAdvertisement(t6, member.CurrentMac, new IPAddress(frame.Slice(22, 16)))));
        }
    }

    public static byte[] ArpReply(IPAddress sender, MacAddress to, IPAddress target)
    {
        byte[] f = ProbeFrames.ArpRequest(TargetMac, sender, target);
        to.CopyTo(f);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(20), 2);
        to.CopyTo(f.AsSpan(32));
        return f;
    }

    public static byte[] NeighborAdvertisement(IPAddress sender, MacAddress to, IPAddress destination)
    {
        byte[] f = PeerNotificationFrames.UnsolicitedNa(sender, TargetMac);
        to.CopyTo(f);
        destination.TryWriteBytes(f.AsSpan(38), out _);
        return f;
    }

    public void SetMemberMac(Member member, MacAddress mac) { }

    public void SetBondMac(MacAddress mac) { }

    public void RejoinMulticastGroups(Member member) { }

    public void SetMemberAddresses(Member member, IReadOnlyList<MacAddress> leave, IReadOnlyList<MacAddress> join) { }

    public void SetMemberRxModes(Member member, bool promisc, bool allmulti) { }

    public void SetBondCarrier(bool up) { }

    public void DataPlanChanged(DataPlan plan) { }

    public void Log(string message) => Logs.Add($"{Now}: {message}");
}
