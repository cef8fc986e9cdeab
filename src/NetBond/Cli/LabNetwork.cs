namespace NetBond;

/// <summary>
/// The small network the demo and the integration tests build in private namespaces: a host with links
/// eth0..ethN-1 to a switch (a Linux bridge, port swI for host link I) and a peer behind the switch (port swp).
/// </summary>
internal static class LabNetwork
{
    /// <summary>The commands that build it, in order; each is complete for /bin/sh.</summary>
    public static IEnumerable<string> Commands(string host, string @switch, string peer, int members, string peerAddress)
    {
        foreach (string ns in new[] { host, @switch, peer })
        {
            yield return $"ip netns add {ns} && ip -n {ns} link set lo up";
        }
        yield return $"ip -n {@switch} link add br0 type bridge && ip -n {@switch} link set br0 up";
        for (int i = 0; i < members; i++)
        {
            yield return $"ip link add eth{i} netns {host} type veth peer name sw{i} netns {@switch}";
            yield return $"ip -n {@switch} link set sw{i} master br0 && ip -n {@switch} link set sw{i} up";
        }
        yield return $"ip link add eth0 netns {peer} type veth peer name swp netns {@switch}";
        yield return $"ip -n {@switch} link set swp master br0 && ip -n {@switch} link set swp up";
        yield return $"ip -n {peer} addr add {peerAddress}/24 dev eth0 && ip -n {peer} link set eth0 up";
    }
}
