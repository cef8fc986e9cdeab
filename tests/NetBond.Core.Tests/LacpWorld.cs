using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>One bond of a <see cref="LacpWorld"/>: its effects, and the carriers of its members' links.</summary>
internal sealed class LacpSide : IBondHost
{
    private readonly LacpWorld _world;

    public LacpSide(LacpWorld world, string name, ulong mac, string options)
    {
        _world = world;
        Bond = new Bond(name, new BondOptions(), new MacAddress(mac), this, new Random(1));
        string? error = Bond.SetOptions(TestBonds.Parse(options), []);
        Assert.Null(error);
    }

    public Bond Bond { get; }
    public Dictionary<string, bool> Carriers { get; } = [];
    public List<(long At, string Member, byte[] Frame)> Sent { get; } = [];
    public List<string> Logs { get; } = [];
    public bool Carrier { get; private set; }

    /// <param name="adopt">Taken over from a previous daemon's bond (<see cref="Bond.Adopt"/>) rather than enslaved.</param>
    public Member Add(string name, int ifIndex, int speed = 10000, int duplex = 1, bool adopt = false)
    {
        Member m = new(name, ifIndex, new MacAddress(0x02_00_00_00_10_00UL + (ulong)ifIndex)) { Speed = speed, Duplex = duplex };
        Carriers[name] = true;
        if (adopt)
        {
            Bond.Adopt(m, true, _world.Now);
        }
        else
        {
            Bond.Enslave(m, true, _world.Now);
        }
        return m;
    }

    public LacpPort Port(string member) => Bond.Find(member)!.Lacp!;

    /// <summary>LACPDUs this bond sent on <paramref name="member"/>, with when.</summary>
    public List<long> LacpduTimes(string member) =>
        [.. Sent.Where(s => s.Member == member && LacpPdu.Classify(s.Frame) == SlowFrameKind.Lacpdu).Select(s => s.At)];

    public void SetMemberMac(Member member, MacAddress mac) { }

    public void SetBondMac(MacAddress mac) { }

    public void RejoinMulticastGroups(Member member) { }

    public void SetMemberAddresses(Member member, IReadOnlyList<MacAddress> leave, IReadOnlyList<MacAddress> join) { }

    public void SetMemberRxModes(Member member, bool promisc, bool allmulti) { }

    public void SetBondCarrier(bool up) => Carrier = up;

    public void SendFrame(Member member, ReadOnlySpan<byte> frame)
    {
        Sent.Add((_world.Now, member.Name, frame.ToArray()));
        _world.Carry(this, member.Name, frame.ToArray());
    }

    public void DataPlanChanged(DataPlan plan) { }

    public void Log(string message) => Logs.Add(message);
}

/// <summary>
/// Bonds wired member to member on a virtual clock: what one sends on a member arrives at the other end 1 ms
/// later, unless the wire is cut (frames lost, carrier kept: a partner that went silent).
/// </summary>
internal sealed class LacpWorld : IVirtualWorld
{
    private readonly List<LacpSide> _sides = [];
    private readonly Dictionary<(LacpSide, string), (LacpSide, string)> _wires = [];
    private readonly List<(long At, LacpSide To, string Member, byte[] Frame)> _inFlight = [];

    public long Now { get; private set; }
    public HashSet<string> Cut { get; } = [];

    /// <summary>Bond A (a1, a2) wired member to member to bond B (b1, b2), both up.</summary>
    public static (LacpWorld World, LacpSide A, LacpSide B) BackToBack(string options, string? optionsB = null)
    {
        LacpWorld w = new();
        LacpSide a = w.Side("bondA", 0x02_AA_00_00_00_01, options);
        LacpSide b = w.Side("bondB", 0x02_BB_00_00_00_01, optionsB ?? options);
        a.Add("a1", 1);
        a.Add("a2", 2);
        b.Add("b1", 11);
        b.Add("b2", 12);
        w.Wire(a, "a1", b, "b1");
        w.Wire(a, "a2", b, "b2");
        a.Bond.IsUp = true;
        b.Bond.IsUp = true;
        return (w, a, b);
    }

    public LacpSide Side(string name, ulong mac, string options)
    {
        LacpSide side = new(this, name, mac, options);
        _sides.Add(side);
        return side;
    }

    /// <summary>A bond's daemon is gone: it runs no more, and what was on its wires is lost.</summary>
    public void Remove(LacpSide side)
    {
        _sides.Remove(side);
        foreach ((LacpSide, string) end in _wires.Keys.Where(k => k.Item1 == side || _wires[k].Item1 == side).ToList())
        {
            _wires.Remove(end);
        }
        _inFlight.RemoveAll(f => f.To == side);
    }

    public void Wire(LacpSide a, string am, LacpSide b, string bm)
    {
        _wires[(a, am)] = (b, bm);
        _wires[(b, bm)] = (a, am);
    }

    /// <summary>Takes a wire's carrier away (or gives it back) at both ends.</summary>
    public void SetLink(LacpSide a, string am, bool up)
    {
        a.Carriers[am] = up;
        if (_wires.TryGetValue((a, am), out (LacpSide Side, string Member) far))
        {
            far.Side.Carriers[far.Member] = up;
        }
    }

    public void Carry(LacpSide from, string member, byte[] frame)
    {
        if (!Cut.Contains(member) && from.Carriers.GetValueOrDefault(member) && _wires.TryGetValue((from, member), out (LacpSide Side, string Member) to))
        {
            _inFlight.Add((Now + 1, to.Side, to.Member, frame));
        }
    }

    public void Run(long ms)
    {
        long end = Now + ms;
        while (Now < end)
        {
            foreach ((long At, LacpSide To, string Member, byte[] Frame) f in _inFlight.Where(f => f.At <= Now).ToList())
            {
                _inFlight.Remove(f);
                if (f.To.Bond.Find(f.Member) is { } m)
                {
                    f.To.Bond.OnControlFrame(m, f.Frame, Now);
                }
            }
            foreach (LacpSide s in _sides)
            {
                if (Now >= s.Bond.NextDueMs)
                {
                    foreach (Member m in s.Bond.Members)
                    {
                        s.Bond.OnCarrier(m, s.Carriers[m.Name]);
                    }
                    s.Bond.Tick(Now);
                }
            }
            Now++;
        }
    }
}
