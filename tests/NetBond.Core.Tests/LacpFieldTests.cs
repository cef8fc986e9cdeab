using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>
/// 802.3ad in the field, on a virtual clock: lacp_fallback (active-backup while no partner speaks LACP), what the
/// partner's LACPDUs look like from here (gaps, expiries), transitions a switch would punish, partners that make no
/// sense, and restarts the partner never sees.
/// </summary>
public sealed class LacpFieldTests
{
    private const string Fallback = "mode=802.3ad lacp_rate=fast miimon=100 lacp_fallback=on";

    /// <summary>A bond of two members whose far ends answer no LACPDU (a partner that does not speak LACP).</summary>
    private static (LacpWorld World, LacpSide A) Alone(string options = Fallback)
    {
        LacpWorld w = new();
        LacpSide a = w.Side("bondA", 0x02_AA_00_00_00_01, options);
        a.Add("a1", 1);
        a.Add("a2", 2);
        a.Bond.IsUp = true;
        return (w, a);
    }

    /// <summary>Bond A (with lacp_fallback) wired to bond B, whose LACPDUs are lost until the test lets them through.</summary>
    private static (LacpWorld World, LacpSide A, LacpSide B) Silenced(string options = Fallback)
    {
        (LacpWorld w, LacpSide a, LacpSide b) = LacpWorld.BackToBack(options, "mode=802.3ad lacp_rate=fast miimon=100");
        w.Cut.UnionWith(["b1", "b2"]);
        return (w, a, b);
    }

    /// <summary>Runs <paramref name="ms"/>, checking every 10 ms that fallback never sends or delivers on two members.</summary>
    private static int RunChecked(LacpWorld w, LacpSide a, long ms)
    {
        int changes = 0;
        bool was = a.Bond.Lacp.InFallback;
        for (long t = 0; t < ms; t += 10)
        {
            w.Run(10);
            if (a.Bond.Lacp.InFallback)
            {
                Assert.True(a.Bond.Plan.Usable.Length <= 1, $"fallback transmits on {a.Bond.Plan.Usable.Length} members at {w.Now} ms");
                Assert.True(a.Bond.Plan.Delivers.Count(d => d) <= 1, $"fallback delivers from two members at {w.Now} ms");
            }
            changes += a.Bond.Lacp.InFallback != was ? 1 : 0;
            was = a.Bond.Lacp.InFallback;
        }
        return changes;
    }

    [Fact]
    public void Without_lacpdus_the_bond_runs_as_active_backup_on_its_first_member_once_the_timeout_has_passed()
    {
        (LacpWorld w, LacpSide a) = Alone();

        w.Run(2900);
        Assert.False(a.Bond.Lacp.InFallback);
        long took = w.RunUntil(() => a.Bond.Lacp.InFallback, 1000);

        Assert.InRange(2900 + took, 2900, 3100);
        Assert.Equal("a1", a.Bond.Lacp.FallbackMember!.Name);
        Assert.Equal([0], a.Bond.Plan.Usable);
        Assert.Equal([true, false], a.Bond.Plan.Delivers);
        Assert.True(a.Carrier);
        Assert.Contains("bondA: lacp_fallback: no LACPDU for 3 s, running as active-backup on a1", a.Logs);
        string status = ProcStatus.Render(TestBonds.Snapshot(a.Bond));
        Assert.Contains("\nAggregator selection policy (ad_select): stable\nLACP fallback: active-backup on a1\nSystem priority:", status, StringComparison.Ordinal);
        Assert.Equal(0, RunChecked(w, a, 30_000));
    }

    [Fact]
    public void Without_lacp_fallback_the_bond_never_falls_back_and_its_status_is_the_kernels()
    {
        (LacpWorld w, LacpSide a) = Alone("mode=802.3ad lacp_rate=fast miimon=100");

        w.Run(30_000);

        Assert.False(a.Bond.Lacp.InFallback);
        Assert.DoesNotContain("fallback", ProcStatus.Render(TestBonds.Snapshot(a.Bond)), StringComparison.Ordinal);
    }

    [Fact]
    public void Lacp_fallback_set_off_ends_fallback_and_set_on_again_counts_the_silence_from_then()
    {
        (LacpWorld w, LacpSide a) = Alone();
        w.RunUntil(() => a.Bond.Lacp.InFallback, 5000);

        Assert.Null(a.Bond.SetOptions(TestBonds.Parse("lacp_fallback=off"), []));
        w.Run(200);
        Assert.False(a.Bond.Lacp.InFallback);
        Assert.Single(a.Bond.Plan.Usable);
        w.Run(10_000);
        Assert.Null(a.Bond.SetOptions(TestBonds.Parse("lacp_fallback=on"), []));
        long took = w.RunUntil(() => a.Bond.Lacp.InFallback, 5000);

        Assert.InRange(took, 2900, 3100);
    }

    [Fact]
    public void In_fallback_a_lost_link_moves_the_traffic_at_once_and_actor_port_prio_ranks_the_members()
    {
        (LacpWorld w, LacpSide a) = Alone();
        w.RunUntil(() => a.Bond.Lacp.InFallback, 5000);

        w.SetLink(a, "a1", false);
        long took = w.RunUntil(() => a.Bond.Plan.Usable.SequenceEqual([1]), 1000);

        Assert.True(took <= 110, $"{took} ms");
        Assert.Equal("a2", a.Bond.Lacp.FallbackMember!.Name);
        Assert.Equal([false, true], a.Bond.Plan.Delivers);
        // a1 back: the member that carries the traffic keeps it; a member ranked higher by actor_port_prio takes it.
        w.SetLink(a, "a1", true);
        RunChecked(w, a, 1000);
        Assert.Equal("a2", a.Bond.Lacp.FallbackMember!.Name);
        Assert.Null(a.Bond.SetMemberOptions(a.Bond.Find("a1")!, TestBonds.Parse("actor_port_prio=300"), []));
        RunChecked(w, a, 200);
        Assert.Equal("a1", a.Bond.Lacp.FallbackMember!.Name);
        Assert.Equal([0], a.Bond.Plan.Usable);
        // Every link down: no member, no carrier, still in fallback.
        w.SetLink(a, "a1", false);
        w.SetLink(a, "a2", false);
        w.Run(300);
        Assert.True(a.Bond.Lacp.InFallback);
        Assert.Null(a.Bond.Lacp.FallbackMember);
        Assert.False(a.Carrier);
        Assert.Contains("LACP fallback: active-backup, no member up", ProcStatus.Render(TestBonds.Snapshot(a.Bond)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_partner_that_starts_speaking_lacp_ends_fallback_and_the_bond_aggregates_and_falls_back_when_it_stops()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = Silenced();
        w.RunUntil(() => a.Bond.Lacp.InFallback, 5000);
        RunChecked(w, a, 2000);

        w.Cut.Clear();
        long start = w.Now;
        while (a.Bond.Lacp.InFallback && w.Now - start < 10_000)
        {
            RunChecked(w, a, 10);
        }

        // Fallback ends when the aggregation distributes, not before: until then its member carries on.
        Assert.False(a.Bond.Lacp.InFallback);
        Assert.True(a.Bond.Lacp.ActiveAggregator!.HasPartner);
        w.RunUntil(() => a.Bond.Plan.Usable.SequenceEqual([0, 1]), 5000);
        Assert.True(a.Carrier);
        Assert.Contains("bondA: lacp_fallback: back to 802.3ad", a.Logs);

        w.Cut.UnionWith(["b1", "b2"]);
        w.RunUntil(() => a.Bond.Lacp.InFallback, 5000);
        long lastHeard = Math.Max(a.Port("a1").RxGaps.LastRxMs!.Value, a.Port("a2").RxGaps.LastRxMs!.Value);
        Assert.InRange(w.Now - lastHeard, 2900, 3100);
        Assert.Equal([0], a.Bond.Plan.Usable);
    }

    [Fact]
    public void A_partner_that_speaks_lacp_but_never_syncs_ends_fallback_after_the_timeout_as_the_kernels_bond_would_be()
    {
        (LacpWorld w, LacpSide a) = Alone();
        w.RunUntil(() => a.Bond.Lacp.InFallback, 5000);
        // A partner heard every second on a1 that never says it is in sync: the aggregation never distributes.
        LacpPortInfo partner = new(0x8000, new MacAddress(0x02_CC_00_00_00_01), 7, 0xFF, 1, LacpState.Activity | LacpState.Timeout | LacpState.Aggregation);
        long heard = w.Now;
        int changes = 0;
        long ended = -1;
        for (int s = 0; s < 50; s++)
        {
            if (s % 10 == 0)
            {
                a.Bond.OnControlFrame(a.Bond.Find("a1")!, LacpPdu.Build(new MacAddress(0x02_CC_00_00_00_02), partner, LacpPortInfo.AdminDefault), w.Now);
            }
            changes += RunChecked(w, a, 100);
            ended = ended < 0 && !a.Bond.Lacp.InFallback ? w.Now - heard : ended;
        }

        Assert.InRange(ended, 2900, 3100);
        Assert.Equal(1, changes);
        Assert.False(a.Bond.Lacp.InFallback);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(5000)]
    public void A_partner_flapping_between_lacp_and_silence_churns_boundedly_and_fallback_never_uses_two_members(int periodMs)
    {
        (LacpWorld w, LacpSide a, _) = Silenced();
        int changes = 0;
        for (int i = 0; i < 60_000 / periodMs; i++)
        {
            if (i % 2 == 0)
            {
                w.Cut.Clear();
            }
            else
            {
                w.Cut.UnionWith(["b1", "b2"]);
            }
            changes += RunChecked(w, a, periodMs);
        }

        // Silent for a second at a time never reaches the 3 s timeout; silent for 5 s does, once per silence.
        Assert.InRange(changes, 0, periodMs == 1000 ? 0 : 60_000 / periodMs);
    }

    [Fact]
    public void Lacp_fallback_is_an_802_3ad_option_with_a_timeout_of_1_to_3600_seconds()
    {
        Assert.Contains("mode dependency failed", TestBonds.Make("mode=active-backup", "eth0").Bond.SetOptions(TestBonds.Parse("lacp_fallback=on"), []));
        (Bond bond, _) = TestBonds.Make("mode=802.3ad", "eth0");
        Assert.NotNull(bond.SetOptions(TestBonds.Parse("lacp_fallback_timeout=0"), []));
        Assert.NotNull(bond.SetOptions(TestBonds.Parse("lacp_fallback_timeout=3601"), []));
        Assert.Null(bond.SetOptions(TestBonds.Parse("lacp_fallback=on lacp_fallback_timeout=10"), []));
        Assert.Equal("10", OptionTable.Show(bond.Options, "lacp_fallback_timeout"));
        Assert.Equal("on", OptionTable.Show(bond.Options, "lacp_fallback"));
    }

    [Fact]
    public void Each_port_records_its_partners_lacpdu_gaps_expiries_and_defaults()
    {
        (LacpWorld w, LacpSide a, _) = Silenced("mode=802.3ad lacp_rate=fast miimon=100");
        w.Cut.Clear();
        w.Run(20_000);

        LacpPduGaps gaps = a.Port("a1").RxGaps.Copy();
        // A fast-rate partner sends every second, and at once on a change of its state while converging.
        Assert.InRange(gaps.Count, 17, 30);
        Assert.InRange(gaps.MaxMs, 900, 1100);
        Assert.Equal(gaps.Count, gaps.Counts[0] + gaps.Counts[1] + gaps.Counts[2]);
        int expired = a.Port("a1").ExpiredCount, defaulted = a.Port("a1").DefaultedCount;

        w.Cut.Add("b1");
        w.Run(7000);

        Assert.Equal(expired + 1, a.Port("a1").ExpiredCount);
        Assert.Equal(defaulted + 1, a.Port("a1").DefaultedCount);
        w.Cut.Clear();
        w.RunUntil(() => a.Port("a1").RxState == LacpRxState.Current, 2000);
        Assert.InRange(a.Port("a1").RxGaps.MaxMs, 7000, 8100);
        Assert.Equal(1, a.Port("a1").RxGaps.Counts[7]);
    }

    [Fact]
    public void A_set_that_changes_nothing_for_lacp_sends_no_extra_lacpdu_and_no_state_change()
    {
        (LacpWorld w, LacpSide a, _) = Silenced("mode=802.3ad lacp_rate=fast miimon=100");
        w.Cut.Clear();
        w.Run(10_000);
        int before = a.LacpduTimes("a1").Count;

        Assert.Null(a.Bond.SetOptions(TestBonds.Parse("miimon=50 xmit_hash_policy=layer3+4 min_links=1 ad_actor_sys_prio=65535"), []));
        w.Run(5000);

        List<byte[]> sent = [.. a.Sent.Where(s => s.Member == "a1" && LacpPdu.Classify(s.Frame) == SlowFrameKind.Lacpdu).Skip(before).Select(s => s.Frame)];
        Assert.InRange(sent.Count, 4, 6);
        Assert.All(sent, f => Assert.Equal(LacpPdu.ReadActor(a.Sent[before].Frame).State, LacpPdu.ReadActor(f).State));
    }

    [Fact]
    public void Enslaving_a_member_never_takes_the_others_out_of_distributing()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = Silenced("mode=802.3ad lacp_rate=fast miimon=100");
        w.Cut.Clear();
        w.RunUntil(() => a.Bond.Plan.Usable.Length == 2 && b.Bond.Plan.Usable.Length == 2, 10_000);

        a.Add("a3", 3);
        b.Add("b3", 13);
        w.Wire(a, "a3", b, "b3");
        for (int t = 0; t < 10_000; t += 10)
        {
            w.Run(10);
            Assert.True(a.Bond.Plan.Usable.Take(2).SequenceEqual([0, 1]), $"at {t} ms A transmits on {string.Join(",", a.Bond.Plan.Usable)}");
            Assert.True(b.Bond.Plan.Usable.Take(2).SequenceEqual([0, 1]), $"at {t} ms B transmits on {string.Join(",", b.Bond.Plan.Usable)}");
        }
        Assert.Equal([0, 1, 2], a.Bond.Plan.Usable);
    }

    /// <summary>A saved state as the next daemon reads it: through JSON, as the state file carries it.</summary>
    private static LacpSavedState RoundTrip(LacpSavedState s) =>
        System.Text.Json.JsonSerializer.Deserialize<LacpSavedState>(System.Text.Json.JsonSerializer.Serialize(s))!;

    [Theory]
    [InlineData("fast", 10_000)]
    [InlineData("slow", 100_000)]
    public void A_restarted_bond_takes_over_its_machines_and_the_partner_sees_no_change(string rate, int watchMs)
    {
        string options = $"mode=802.3ad lacp_rate={rate} miimon=100";
        (LacpWorld w, LacpSide a, LacpSide b) = LacpWorld.BackToBack(options);
        w.RunUntil(() => a.Bond.Plan.Usable.Length == 2 && b.Bond.Plan.Usable.Length == 2, 10_000);
        w.Run(5000);
        LacpSavedState saved = RoundTrip(a.Bond.Lacp.Save());
        byte[] last = a.Sent.Last(f => f.Member == "a1" && LacpPdu.Classify(f.Frame) == SlowFrameKind.Lacpdu).Frame;
        int[] expired = [b.Port("b1").ExpiredCount, b.Port("b2").ExpiredCount];
        LacpPortInfo partner = a.Port("a1").Partner;

        // The daemon is killed; 700 ms later the next one adopts the members and takes the machines over.
        w.Remove(a);
        w.Run(700);
        LacpSide next = w.Side("bondA", 0x02_AA_00_00_00_01, options);
        next.Bond.IsUp = true;
        next.Add("a1", 1, adopt: true);
        next.Add("a2", 2, adopt: true);
        Assert.Null(next.Bond.RestoreLacp(saved));
        w.Wire(next, "a1", b, "b1");
        w.Wire(next, "a2", b, "b2");

        Assert.Equal([0, 1], next.Bond.Plan.Usable);
        Assert.True(next.Carrier);
        Assert.Equal(a.Bond.Lacp.StateStamp(), next.Bond.Lacp.StateStamp());
        for (int t = 0; t < watchMs; t += 10)
        {
            w.Run(10);
            Assert.True(b.Bond.Plan.Usable.SequenceEqual([0, 1]) && next.Bond.Plan.Usable.SequenceEqual([0, 1]), $"at {t} ms after the restart");
        }
        List<byte[]> sent = [.. next.Sent.Where(f => f.Member == "a1" && LacpPdu.Classify(f.Frame) == SlowFrameKind.Lacpdu).Select(f => f.Frame)];
        // The first LACPDU goes at the first tick, then at the partner's rate; each says of us what the last one before
        // the restart said, and of the partner what we last heard (at slow rate, newer than our last LACPDU).
        Assert.Equal(w.Now - watchMs, next.LacpduTimes("a1")[0]);
        Assert.InRange(sent.Count, rate == "fast" ? watchMs / 1000 : watchMs / 30_000, watchMs / (rate == "fast" ? 1000 : 30_000) + 1);
        Assert.All(sent, f => Assert.Equal(LacpPdu.ReadActor(last), LacpPdu.ReadActor(f)));
        Assert.All(sent, f => Assert.Equal(partner, LacpPdu.ReadPartner(f)));
        Assert.Equal(expired, new[] { b.Port("b1").ExpiredCount, b.Port("b2").ExpiredCount });
        Assert.DoesNotContain(next.Logs, l => l.Contains("Mux Machine", StringComparison.Ordinal));
    }

    [Fact]
    public void A_saved_state_for_other_members_is_refused_and_the_machines_start_over()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = Silenced("mode=802.3ad lacp_rate=fast miimon=100");
        w.Cut.Clear();
        w.Run(10_000);
        LacpSavedState saved = a.Bond.Lacp.Save();
        LacpSide other = w.Side("bondC", 0x02_CC_00_00_00_01, "mode=802.3ad lacp_rate=fast miimon=100");
        other.Add("c1", 21, adopt: true);
        other.Add("a2", 2, adopt: true);
        int stamp = other.Bond.Lacp.StateStamp();

        Assert.Equal("port 1 was saved for a1, the member is c1", other.Bond.RestoreLacp(saved));
        Assert.Equal(stamp, other.Bond.Lacp.StateStamp());
        Assert.Contains("2 ports saved, 1 members adopted", TestBonds.Make("mode=802.3ad", "eth0").Bond.RestoreLacp(saved));
        Assert.Equal("not an 802.3ad bond", TestBonds.Make("mode=active-backup", "a1", "a2").Bond.RestoreLacp(saved));
        Assert.Contains("unreadable port state", other.Bond.RestoreLacp(saved with { Ports = [saved.Ports[0] with { Member = "c1", Number = 1, Mux = "Sideways" }, saved.Ports[1]] }));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_partner_with_a_changing_system_id_and_zero_key_priority_and_port_churns_boundedly_and_says_so(bool fallback)
    {
        (LacpWorld w, LacpSide a) = Alone(fallback ? Fallback : "mode=802.3ad lacp_rate=fast miimon=100");
        Random random = new(7);
        for (int s = 0; s < 90; s++)
        {
            foreach (string member in new[] { "a1", "a2" })
            {
                LacpPortInfo partner = new(0, new MacAddress(0x02_00_00_00_00_00UL | (ulong)random.NextInt64(1L << 40)), 0, 0, 0,
                    LacpState.Activity | LacpState.Timeout | LacpState.Aggregation | LacpState.Synchronization | LacpState.Collecting | LacpState.Distributing);
                a.Bond.OnControlFrame(a.Bond.Find(member)!, LacpPdu.Build(new MacAddress(0x02_DD_00_00_00_01), partner, LacpPortInfo.AdminDefault), w.Now);
            }
            RunChecked(w, a, 1000);
        }

        // Our LACPDUs stay within the kernel's three a second per port, whatever the partner does.
        foreach (string member in new[] { "a1", "a2" })
        {
            List<long> times = a.LacpduTimes(member);
            Assert.All(times.Zip(times.Skip(3)), p => Assert.True(p.Second - p.First >= 900, $"{member}: 4 LACPDUs within {p.Second - p.First} ms"));
        }
        // The churn machine says the partner never settles, as /proc and the metrics show it.
        Assert.Contains(a.Bond.Members, m => m.Lacp!.PartnerChurnCount + m.Lacp.ActorChurnCount > 0);
        Assert.Contains("Churn State: churned", ProcStatus.Render(TestBonds.Snapshot(a.Bond)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("slow", "on")]
    [InlineData("fast", "off")]
    public void Every_change_of_the_actors_state_goes_out_at_the_next_chance_within_three_lacpdus_a_second(string rate, string coupled)
    {
        LacpWorld w = new();
        string options = $"mode=802.3ad lacp_rate={rate} coupled_control={coupled}";
        LacpSide a = w.Side("bondA", 0x02_AA_00_00_00_01, options);
        LacpSide b = w.Side("bondB", 0x02_BB_00_00_00_01, options);
        a.Add("a1", 1);
        b.Add("b1", 11);
        w.Wire(a, "a1", b, "b1");
        a.Bond.IsUp = b.Bond.IsUp = true;
        List<(long At, LacpState State)> changes = [];
        LacpState last = a.Port("a1").ActorState;
        void Watch(long ms)
        {
            for (long t = 0; t < ms; t++)
            {
                w.Run(1);
                if (a.Port("a1").ActorState != last)
                {
                    last = a.Port("a1").ActorState;
                    changes.Add((w.Now, last));
                }
            }
        }
        // Converge, then the partner goes silent until expired and defaulted, and speaks again.
        Watch(10_000);
        w.Cut.Add("b1");
        Watch(rate == "slow" ? 95_000 : 8000);
        w.Cut.Clear();
        Watch(rate == "slow" ? 40_000 : 10_000);

        // Each state that lasted goes out at the first tick the rate limit (300 ms since the last LACPDU) allows.
        List<(long At, LacpState Actor)> sent = [.. a.Sent.Where(f => LacpPdu.Classify(f.Frame) == SlowFrameKind.Lacpdu).Select(f => (f.At, LacpPdu.ReadActor(f.Frame).State))];
        Assert.True(changes.Count >= 6, string.Join(", ", changes));
        for (int i = 0; i < changes.Count; i++)
        {
            (long at, LacpState state) = changes[i];
            long until = i + 1 < changes.Count ? changes[i + 1].At : w.Now;
            long previous = sent.LastOrDefault(p => p.At < at, (-1000, LacpState.None)).At;
            long due = Math.Max(at, previous + 300) + 100;
            if (until > due)
            {
                Assert.True(sent.Exists(p => p.Actor == state && p.At >= at - 1 && p.At <= due), $"state {state} from {at} ms not sent by {due} ms");
            }
        }
        Assert.True(a.Bond.Plan.Usable.SequenceEqual([0]) && b.Bond.Plan.Usable.SequenceEqual([0]));
    }

    /// <summary>
    /// bond_3ad_unbind_slave reads is_active before it detaches the leaving port: the last port of the active
    /// aggregator leaving makes the bond choose another (issue 25, item 5). Three ports hear one partner and share
    /// a1's aggregator; a1 and then a2 hear another partner and move to a2's; a3 alone keeps the active aggregator
    /// (ad_select=stable) and is released.
    /// </summary>
    [Fact]
    public void The_last_port_of_the_active_aggregator_leaving_makes_the_bond_choose_another()
    {
        LacpWorld w = new();
        LacpSide a = w.Side("bondA", 0x02_AA_00_00_00_01, "mode=802.3ad lacp_rate=fast miimon=100");
        a.Add("a1", 1);
        a.Add("a2", 2);
        a.Add("a3", 3);
        a.Bond.IsUp = true;
        const LacpState Working = LacpState.Activity | LacpState.Timeout | LacpState.Aggregation | LacpState.Synchronization | LacpState.Collecting | LacpState.Distributing;
        Dictionary<string, ulong> partnerOf = new() { ["a1"] = 0x02_CC_00_00_00_01, ["a2"] = 0x02_CC_00_00_00_01, ["a3"] = 0x02_CC_00_00_00_01 };
        void Speak(int seconds)
        {
            for (int s = 0; s < seconds; s++)
            {
                foreach ((string member, ulong system) in partnerOf)
                {
                    if (a.Bond.Find(member) is { } m)
                    {
                        LacpPortInfo partner = new(0x8000, new MacAddress(system), 9, 0xFF, (ushort)m.IfIndex, Working);
                        LacpPort p = m.Lacp!;
                        LacpPortInfo us = new(0xFFFF, a.Bond.Lacp.LacpSystem, p.OperKey, p.PortPriority, p.Number, p.ActorState);
                        a.Bond.OnControlFrame(m, LacpPdu.Build(new MacAddress(system + 1), partner, us), w.Now);
                    }
                }
                w.Run(1000);
            }
        }
        Speak(10);
        Assert.Equal(3, a.Bond.Lacp.ActiveAggregator!.Ports.Count);
        Assert.Equal([0, 1, 2], a.Bond.Plan.Usable);
        partnerOf["a1"] = 0x02_DD_00_00_00_01;
        Speak(5);
        partnerOf["a2"] = 0x02_DD_00_00_00_01;
        Speak(5);
        Aggregator lone = a.Port("a3").Aggregator!;
        Assert.True(lone.IsActive);
        Assert.Single(lone.Ports);
        Assert.Equal(a.Port("a1").Aggregator, a.Port("a2").Aggregator);

        a.Bond.Release(a.Bond.Find("a3")!);

        Assert.Same(a.Port("a1").Aggregator, a.Bond.Lacp.ActiveAggregator);
        Speak(3);
        Assert.Equal([0, 1], a.Bond.Plan.Usable);
        Assert.True(a.Carrier);
    }
}
