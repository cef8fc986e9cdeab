using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>A simulated world for a bond: virtual links whose carrier tests flip, a virtual clock, and a record of effects.</summary>
internal sealed class VirtualHost : IBondHost
{
    private readonly Dictionary<string, bool> _carrier = [];

    public long Now { get; private set; }
    public List<string> Notified { get; } = [];
    public List<(long At, string Member)> NotifyTimes { get; } = [];
    public List<string> Logs { get; } = [];
    public Dictionary<string, MacAddress> MemberMacs { get; } = [];
    public MacAddress? BondMac { get; private set; }
    public bool? BondCarrier { get; private set; }
    public DataPlan? Plan { get; private set; }

    public void SetCarrier(string member, bool up) => _carrier[member] = up;

    public bool ReadCarrier(Member member) => _carrier.GetValueOrDefault(member.Name, true);

    /// <summary>Pushes every member's carrier into the bond, as the Linux host does before each due tick.</summary>
    public void PushCarriers(Bond bond)
    {
        foreach (Member m in bond.Members)
        {
            bond.OnCarrier(m, ReadCarrier(m));
        }
    }

    public void SetMemberMac(Member member, MacAddress mac) => MemberMacs[member.Name] = mac;

    public void SetBondMac(MacAddress mac) => BondMac = mac;

    public void SetBondCarrier(bool up) => BondCarrier = up;

    /// <summary>When, and on which member, the bond asked for its multicast memberships to be reported again.</summary>
    public List<(long At, string Member)> Rejoins { get; } = [];

    public void RejoinMulticastGroups(Member member) => Rejoins.Add((Now, member.Name));

    /// <summary>The link-layer addresses the bond left on each member's address lists.</summary>
    public Dictionary<string, HashSet<MacAddress>> AddressLists { get; } = [];

    public void SetMemberAddresses(Member member, IReadOnlyList<MacAddress> leave, IReadOnlyList<MacAddress> join)
    {
        HashSet<MacAddress> set = AddressLists.TryGetValue(member.Name, out HashSet<MacAddress>? s) ? s : AddressLists[member.Name] = [];
        Assert.All(leave, mac => Assert.True(set.Remove(mac), $"{member.Name} leaves {mac}, which it had not joined"));
        Assert.All(join, mac => Assert.True(set.Add(mac), $"{member.Name} joins {mac} twice"));
    }

    /// <summary>The promiscuous and all-multicast modes the bond left on each member.</summary>
    public Dictionary<string, (bool Promisc, bool Allmulti)> RxModes { get; } = [];

    public void SetMemberRxModes(Member member, bool promisc, bool allmulti) => RxModes[member.Name] = (promisc, allmulti);

    /// <summary>Every frame the bond sent, by member; peer notifications (one address, so one frame a round) also by time.</summary>
    public void SendFrame(Member member, ReadOnlySpan<byte> frame)
    {
        Frames.Add((member.Name, frame.ToArray()));
        Notified.Add(member.Name);
        NotifyTimes.Add((Now, member.Name));
    }

    public List<(string Member, byte[] Frame)> Frames { get; } = [];

    public void DataPlanChanged(DataPlan plan) => Plan = plan;

    public void Log(string message) => Logs.Add(message);

    /// <summary>Takes a member's carrier away and runs the bond 100 ms: one tick at miimon=100.</summary>
    public void Fail(Bond bond, string member)
    {
        SetCarrier(member, false);
        Run(bond, 100);
    }

    /// <summary>Gives a member its carrier back and runs the bond 100 ms.</summary>
    public void Recover(Bond bond, string member)
    {
        SetCarrier(member, true);
        Run(bond, 100);
    }

    /// <summary>
    /// As <see cref="Run"/>, but as the Linux host reads carriers: only those the bond says are due
    /// (<see cref="Bond.CarrierReadDue"/>), each read recorded in <paramref name="reads"/>.
    /// </summary>
    public void RunReadingWhenDue(Bond bond, long ms, List<(long At, string Member)> reads)
    {
        long end = Now + ms;
        while (Now < end)
        {
            if (Now >= bond.NextDueMs)
            {
                foreach (Member m in bond.Members.Where(m => bond.CarrierReadDue(m, Now)))
                {
                    reads.Add((Now, m.Name));
                    bond.OnCarrier(m, ReadCarrier(m));
                }
                bond.Tick(Now);
            }
            Now++;
        }
    }

    /// <summary>
    /// Advances the virtual clock 1 ms at a time, ticking the bond whenever it is due. A carrier a test changed
    /// reaches the bond at once (as a quiet bond's next tick waits for it), and the bond looks at it at its next
    /// miimon tick: the kernel's polling, which these tests check.
    /// </summary>
    public void Run(Bond bond, long ms)
    {
        long end = Now + ms;
        while (Now < end)
        {
            if (bond.Members.Any(m => m.Carrier != ReadCarrier(m)))
            {
                PushCarriers(bond);
            }
            if (Now >= bond.NextDueMs)
            {
                PushCarriers(bond);
                bond.Tick(Now);
            }
            Now++;
        }
    }
}

internal static class TestBonds
{
    public static (Bond Bond, VirtualHost Host) Make(string options, params string[] members)
    {
        VirtualHost host = new();
        Bond bond = new("bond0", new BondOptions(), new MacAddress(0x02_00_00_00_00_99), host, new Random(1));
        List<string> warnings = [];
        string? error = bond.SetOptions(Parse(options), warnings);
        Assert.Null(error);
        bond.IsUp = true;
        bond.OnAddresses([System.Net.IPAddress.Parse("198.18.0.1")]);
        int i = 1;
        foreach (string m in members)
        {
            bond.Enslave(new Member(m, i + 10, new MacAddress(0x02_00_00_00_00_00UL + (ulong)i)), host.ReadCarrier(new Member(m, 0, default)), host.Now);
            i++;
        }
        return (bond, host);
    }

    public static BondSnapshot Snapshot(Bond bond) => BondSnapshot.Of(bond, default, _ => default, 0);

    public static List<OptionAssignment> Parse(string options) =>
        [.. options.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Select(kv => OptionTable.Assign(kv[0], kv.Length > 1 ? kv[1] : ""))];
}
