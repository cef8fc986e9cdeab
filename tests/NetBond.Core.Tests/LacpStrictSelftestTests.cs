using NetBond.Core;

namespace NetBond.Core.Tests;

/// <summary>
/// The kernel's selftest bond_lacp_strict.sh, step by step on the virtual clock: the device under test (bond A) and
/// its partner (bond B), min_links 1, fast rate, their links taken down and up (the script shuts a port of the bridge
/// between them) and their LACPDUs stopped and let through again (the bridge's group_fwd_mask), first with
/// lacp_strict off, then on. After each step the script checks each member's actor state for Collecting and
/// Distributing, both or neither, and the bond's carrier — as here, within the script's retries (1 s each).
/// </summary>
public class LacpStrictSelftestTests
{
    private const LacpState CollectingDistributing = LacpState.Collecting | LacpState.Distributing;
    private const LacpState Failed = LacpState.None;

    [Fact]
    public void Bond_lacp_strict()
    {
        (LacpWorld w, LacpSide a, LacpSide b) = LacpWorld.BackToBack("mode=802.3ad miimon=100 lacp_rate=fast min_links=1");
        string step = "";

        // test_lacp_port_state and test_master_carrier: the states within `retry` seconds, then the carrier.
        void Expect(LacpState? a1, LacpState? a2, bool carrier, int retry)
        {
            bool Holds() => (a1 is not { } s1 || (a.Port("a1").ActorState & CollectingDistributing) == s1)
                && (a2 is not { } s2 || (a.Port("a2").ActorState & CollectingDistributing) == s2);
            for (int i = 0; i < retry && !Holds(); i++)
            {
                w.Run(1000);
            }
            Assert.True(Holds(), $"{step}: a1 {a.Port("a1").ActorState}, a2 {a.Port("a2").ActorState}");
            Assert.True(carrier == a.Carrier, $"{step}: expected carrier {(carrier ? "up" : "down")}");
        }
        void Link(string member, bool up)
        {
            w.SetLink(a, member, up);
        }
        void Lacp(string member, bool through)
        {
            string partner = member == "a1" ? "b1" : "b2";
            if (through)
            {
                w.Cut.Remove(member);
                w.Cut.Remove(partner);
            }
            else
            {
                w.Cut.Add(member);
                w.Cut.Add(partner);
            }
        }
        void Strict(string mode) => Assert.Null(a.Bond.SetOptions(TestBonds.Parse($"lacp_strict={mode}"), []));

        step = "lacp_strict off - eth0 and eth1 up";
        w.Run(1000);
        Expect(CollectingDistributing, CollectingDistributing, true, 3);

        foreach (string mode in new[] { "off", "on" })
        {
            if (mode == "on")
            {
                step = "lacp_strict on - eth0 and eth1 up";
                Expect(CollectingDistributing, CollectingDistributing, true, 1);
            }
            step = $"lacp_strict {mode} - eth0 down";
            Link("a1", false);
            Expect(Failed, null, true, 5);
            Expect(null, CollectingDistributing, true, 1);
            step = $"lacp_strict {mode} - eth0 and eth1 down";
            Link("a2", false);
            Expect(Failed, Failed, false, 5); // down because of min_links
            step = $"lacp_strict {mode} - eth0 up, eth1 down";
            Link("a1", true);
            Expect(CollectingDistributing, null, true, 60);
            Expect(null, Failed, true, 1);
            step = $"lacp_strict {mode} - eth0 and eth1 up";
            Link("a2", true);
            Expect(CollectingDistributing, CollectingDistributing, true, 60);
            step = $"lacp_strict {mode} - eth0 stopped sending LACP";
            Lacp("a1", false);
            Expect(Failed, null, true, 5);
            Expect(null, CollectingDistributing, true, 1);
            step = $"lacp_strict {mode} - eth0 and eth1 stopped sending LACP";
            Lacp("a2", false);
            // Without a partner anywhere lacp_strict off keeps the carrier (each port an aggregator of its own, as
            // 802.3ad's individual links); lacp_strict on takes it away.
            Expect(Failed, Failed, mode == "off", 5);
            if (mode == "off")
            {
                step = "lacp_strict on - eth0 and eth1 stopped sending LACP";
                Strict("on");
                Expect(Failed, Failed, false, 1);
                step = "lacp_strict off - eth0 and eth1 stopped sending LACP";
                Strict("off");
                Expect(Failed, Failed, true, 1);
            }
            step = $"lacp_strict {mode} - eth0 recovered and eth1 stopped sending LACP";
            Lacp("a1", true);
            Expect(CollectingDistributing, null, true, 60);
            Expect(null, Failed, true, 1);
            step = $"lacp_strict {mode} - eth0 and eth1 recovered LACP";
            Lacp("a2", true);
            Expect(CollectingDistributing, CollectingDistributing, true, 60);
            if (mode == "off")
            {
                Strict("on");
            }
        }
    }
}
