namespace NetBond.Core;

/// <summary>One entry of balance-alb's client table (rlb_client_info): a client the bond talks ARP with, and the member it was placed on.</summary>
public sealed class RlbClient
{
    /// <summary>ip_src: the bond's address the ARP was for, as <see cref="ArpMessage"/> keeps addresses.</summary>
    public uint ServerIp { get; internal set; }

    /// <summary>ip_dst: the client's address; its hash is the entry's place in the table.</summary>
    public uint ClientIp { get; internal set; }

    /// <summary>mac_src: the sender MAC of the bond's ARP; a received ARP for the same address from another MAC purges the entry.</summary>
    public MacAddress ServerMac { get; internal set; }

    /// <summary>mac_dst: the client's MAC, zero or broadcast until its ARP reply is seen.</summary>
    public MacAddress ClientMac { get; internal set; }

    /// <summary>The member whose MAC the client is told, so its traffic arrives there.</summary>
    public Member? Member { get; internal set; }

    /// <summary>Needs to be told (again) which MAC to use.</summary>
    public bool Ntt { get; internal set; }

    public bool Assigned { get; internal set; }

    internal int UsedNext { get; set; } = -1;
    internal int UsedPrev { get; set; } = -1;
}

/// <summary>
/// balance-alb's client table (rx_hashtbl): a fixed 256 entries indexed by the XOR of the client address's bytes,
/// so a flood of new clients only ever overwrites entries, never grows it. Entries in use are kept in a list,
/// newest first, the order the kernel walks them in.
/// </summary>
public sealed class RlbTable
{
    public const int Size = 256;

    private readonly RlbClient[] _entries = [.. Enumerable.Range(0, Size).Select(_ => new RlbClient())];
    private int _usedHead = -1;

    public RlbClient this[int index] => _entries[index];

    /// <summary>Entries in use, newest first; an entry may be deleted while walking.</summary>
    public IEnumerable<RlbClient> Used
    {
        get
        {
            for (int i = _usedHead; i >= 0;)
            {
                RlbClient c = _entries[i];
                i = c.UsedNext;
                yield return c;
            }
        }
    }

    public int Count => Used.Count();

    /// <summary>Puts an entry at the head of the used list.</summary>
    public void Link(RlbClient c)
    {
        int index = Array.IndexOf(_entries, c);
        c.UsedNext = _usedHead;
        c.UsedPrev = -1;
        if (_usedHead >= 0)
        {
            _entries[_usedHead].UsedPrev = index;
        }
        _usedHead = index;
        c.Assigned = true;
    }

    /// <summary>rlb_delete_table_entry(): off the used list and unassigned.</summary>
    public void Delete(RlbClient c)
    {
        if (!c.Assigned)
        {
            return;
        }
        if (c.UsedPrev >= 0)
        {
            _entries[c.UsedPrev].UsedNext = c.UsedNext;
        }
        else
        {
            _usedHead = c.UsedNext;
        }
        if (c.UsedNext >= 0)
        {
            _entries[c.UsedNext].UsedPrev = c.UsedPrev;
        }
        c.UsedNext = c.UsedPrev = -1;
        c.Assigned = false;
        c.Member = null;
        c.Ntt = false;
    }

    public void Clear()
    {
        foreach (RlbClient c in Used)
        {
            Delete(c);
        }
    }
}
