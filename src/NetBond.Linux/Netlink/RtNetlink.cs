using System.Buffers.Binary;
using System.Net;
using NetBond.Core;
using NetBond.Linux.Interop;

namespace NetBond.Linux.Netlink;

/// <summary>
/// The rtnetlink requests NetBond makes: read and change links, list addresses, read and change a device's own
/// address lists (the fdb's "self" entries), and the tc qdisc/filter that keeps the host stack off members. Message
/// and attribute numbers are from include/uapi/linux/rtnetlink.h, if_link.h, if_addr.h, neighbour.h, pkt_sched.h
/// and pkt_cls.h.
/// </summary>
public sealed class RtNetlink : IDisposable
{
    private const ushort RTM_NEWLINK = 16;
    private const ushort RTM_GETLINK = 18;
    private const ushort RTM_SETLINK = 19;
    private const ushort RTM_NEWADDR = 20;
    private const ushort RTM_DELADDR = 21;
    private const ushort RTM_GETADDR = 22;
    private const ushort RTM_NEWROUTE = 24;
    private const ushort RTM_NEWNEIGH = 28;
    private const ushort RTM_DELNEIGH = 29;
    private const ushort RTM_GETNEIGH = 30;
    private const ushort NDA_LLADDR = 2;
    private const byte NTF_SELF = 0x02;
    private const ushort NUD_PERMANENT = 0x80;
    private const byte AF_BRIDGE = 7;
    private const ushort RTA_DST = 1;
    private const ushort RTA_OIF = 4;
    private const ushort RTA_GATEWAY = 5;
    private const ushort RTM_NEWQDISC = 36;
    private const ushort RTM_DELQDISC = 37;
    private const ushort RTM_GETQDISC = 38;
    private const ushort RTM_NEWTFILTER = 44;
    private const ushort RTM_DELTFILTER = 45;
    private const ushort RTM_GETTFILTER = 46;

    private const ushort IFLA_ADDRESS = 1;
    private const ushort IFLA_IFNAME = 3;
    private const ushort IFLA_MTU = 4;
    private const ushort IFLA_MASTER = 10;
    private const ushort IFLA_LINK = 5;
    private const ushort IFLA_LINKINFO = 18;
    private const ushort IFLA_INFO_KIND = 1;
    private const ushort IFLA_CARRIER = 33;
    private const ushort IFLA_PROMISCUITY = 30;
    private const ushort IFLA_ALLMULTI = 61;
    private const ushort IFLA_NET_NS_FD = 28;
    private const ushort IFLA_GSO_MAX_SEGS = 40;
    private const ushort IFA_ADDRESS = 1;
    private const ushort IFA_LOCAL = 2;
    private const ushort IFA_BROADCAST = 4;
    private const ushort IFA_FLAGS = 8;
    private const uint IFA_F_TENTATIVE = 0x40;
    private const uint IFA_F_DADFAILED = 0x08;
    private const uint IFA_F_PERMANENT = 0x80;

    private const ushort TCA_KIND = 1;
    private const ushort TCA_OPTIONS = 2;
    private const ushort TCA_BPF_OPS_LEN = 4;
    private const ushort TCA_BPF_OPS = 5;
    private const ushort TCA_BPF_CLASSID = 3;
    private const ushort TCA_BPF_FD = 6;
    private const ushort TCA_BPF_NAME = 7;
    private const ushort TCA_BPF_FLAGS = 8;
    private const ushort TCA_BPF_ID = 11;
    private const uint TCA_BPF_FLAG_ACT_DIRECT = 1;
    private const uint TC_H_CLSACT = 0xFFFFFFF1;
    private const uint TC_H_INGRESS_PARENT = 0xFFFFFFF2;
    private const uint TC_H_EGRESS_PARENT = 0xFFFFFFF3;
    private const ushort ETH_P_ALL = 0x0003;

    /// <summary>The preference of NetBond's ingress drop filter; a fixed value so release removes only ours.</summary>
    public const ushort DropFilterPref = 0xBD01 & 0x7FFF;

    /// <summary>The preference of the kernel data path's filters: on a member's ingress it runs before the drop filter.</summary>
    public const ushort KernelPathPref = 0xBD00 & 0x7FFF;

    private readonly NetlinkSocket _socket = new();

    public LinkInfo? GetLink(string name)
    {
        NetlinkMessageWriter w = LinkRequest(RTM_GETLINK, NetlinkSocket.NLM_F_REQUEST, 0);
        w.String(IFLA_IFNAME, name);
        return QueryLink(w);
    }

    public LinkInfo? GetLink(int index) => QueryLink(LinkRequest(RTM_GETLINK, NetlinkSocket.NLM_F_REQUEST, index));

    public List<LinkInfo> GetLinks()
    {
        List<LinkInfo> links = [];
        NetlinkMessageWriter w = LinkRequest(RTM_GETLINK, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP, 0);
        _socket.Query(w, (type, payload) =>
        {
            if (type == RTM_NEWLINK && ParseLink(payload) is { } link)
            {
                links.Add(link);
            }
        });
        return links;
    }

    public void SetUp(int index, bool up)
    {
        NetlinkMessageWriter w = LinkRequest(RTM_SETLINK, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, index,
            up ? LinkInfo.IFF_UP : 0, LinkInfo.IFF_UP);
        Check(_socket.Execute(w), $"set link {index} {(up ? "up" : "down")}");
    }

    public void SetMtu(int index, int mtu)
    {
        NetlinkMessageWriter w = LinkRequest(RTM_SETLINK, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, index);
        w.U32(IFLA_MTU, (uint)mtu);
        Check(_socket.Execute(w), $"set mtu {mtu} on link {index}");
    }

    public void SetMac(int index, MacAddress mac)
    {
        NetlinkMessageWriter w = LinkRequest(RTM_SETLINK, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, index);
        w.Attribute(IFLA_ADDRESS, mac.ToBytes());
        Check(_socket.Execute(w), $"set address {mac} on link {index}");
    }

    /// <summary>The most segments one GSO frame of the link may carry (`ip link set X gso_max_segs N`).</summary>
    public void SetGsoMaxSegs(int index, int segments)
    {
        NetlinkMessageWriter w = LinkRequest(RTM_SETLINK, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, index);
        w.U32(IFLA_GSO_MAX_SEGS, (uint)segments);
        Check(_socket.Execute(w), $"set gso_max_segs {segments} on link {index}");
    }

    /// <summary>The addresses to announce after a failover: IPv4 and IPv6 ones that are not tentative.</summary>
    public List<IPAddress> GetAddresses(int index) =>
        [.. GetAddressInfo(index).Where(a => a.Usable).Select(a => a.Address)];

    public List<AddressInfo> GetAddressInfo(int index)
    {
        List<AddressInfo> result = [];
        NetlinkMessageWriter w = new(RTM_GETADDR, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP);
        w.Reserve(8);
        _socket.Query(w, (type, payload) =>
        {
            if (payload.Length < 8 || BinaryPrimitives.ReadInt32LittleEndian(payload[4..]) != index)
            {
                return;
            }
            NetlinkAttributes a = new(payload[8..]);
            uint flags = a.U32(IFA_FLAGS) ?? payload[2];
            if (a.TryGet(IFA_LOCAL, out ReadOnlySpan<byte> addr) || a.TryGet(IFA_ADDRESS, out addr))
            {
                IPAddress? broadcast = a.TryGet(IFA_BROADCAST, out ReadOnlySpan<byte> b) ? new IPAddress(b) : null;
                result.Add(new AddressInfo(new IPAddress(addr), payload[1], broadcast, (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) == 0,
                    (flags & IFA_F_PERMANENT) != 0));
            }
        });
        return result;
    }

    public void AddAddress(int index, IPAddress address, int prefixLength, IPAddress? broadcast)
    {
        NetlinkMessageWriter w = AddressRequest(RTM_NEWADDR, NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_EXCL, index, address, prefixLength);
        if (broadcast != null)
        {
            w.Attribute(IFA_BROADCAST, broadcast.GetAddressBytes());
        }
        Check(_socket.Execute(w), $"add address {address}/{prefixLength}");
    }

    public void DeleteAddress(int index, IPAddress address, int prefixLength) =>
        Check(_socket.Execute(AddressRequest(RTM_DELADDR, 0, index, address, prefixLength)), $"delete address {address}/{prefixLength}");

    /// <summary>An RTM_NEWADDR/RTM_DELADDR request for one address on a link (IFA_LOCAL too for IPv4, as ip does).</summary>
    private static NetlinkMessageWriter AddressRequest(ushort type, ushort flags, int index, IPAddress address, int prefixLength)
    {
        bool v4 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        NetlinkMessageWriter w = new(type, (ushort)(NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK | flags));
        Span<byte> ifa = w.Reserve(8);
        ifa[0] = (byte)(v4 ? LibC.AF_INET : 10);
        ifa[1] = (byte)prefixLength;
        BinaryPrimitives.WriteInt32LittleEndian(ifa[4..], index);
        byte[] bytes = address.GetAddressBytes();
        if (v4)
        {
            w.Attribute(IFA_LOCAL, bytes);
        }
        w.Attribute(IFA_ADDRESS, bytes);
        return w;
    }

    /// <summary>A default route through <paramref name="gateway"/> on the link (main table, proto boot, as ifup adds it).</summary>
    public void AddDefaultRoute(int index, IPAddress gateway) =>
        AddRoute(index, gateway.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0, gateway);

    /// <summary>A route to <paramref name="destination"/>/<paramref name="prefixLength"/> on the link, through <paramref name="gateway"/> or on-link.</summary>
    public void AddRoute(int index, IPAddress destination, int prefixLength, IPAddress? gateway)
    {
        bool v4 = destination.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        NetlinkMessageWriter w = new(RTM_NEWROUTE, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK | NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_EXCL);
        Span<byte> rtm = w.Reserve(12);
        rtm[0] = (byte)(v4 ? LibC.AF_INET : 10);
        rtm[1] = (byte)prefixLength;
        rtm[4] = 254; // RT_TABLE_MAIN
        rtm[5] = 3;   // RTPROT_BOOT
        rtm[6] = (byte)(gateway == null ? 253 : 0); // RT_SCOPE_LINK on-link, else RT_SCOPE_UNIVERSE
        rtm[7] = 1;   // RTN_UNICAST
        if (prefixLength > 0)
        {
            w.Attribute(RTA_DST, destination.GetAddressBytes());
        }
        if (gateway != null)
        {
            w.Attribute(RTA_GATEWAY, gateway.GetAddressBytes());
        }
        w.U32(RTA_OIF, (uint)index);
        Check(_socket.Execute(w), $"add route {destination}/{prefixLength}{(gateway == null ? "" : $" via {gateway}")}");
    }

    /// <summary>Moves the link into the network namespace <paramref name="namespaceFd"/> refers to (`ip link set X netns`); it arrives down.</summary>
    public void MoveToNamespace(int index, int namespaceFd)
    {
        NetlinkMessageWriter w = LinkRequest(RTM_SETLINK, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, index);
        w.U32(IFLA_NET_NS_FD, (uint)namespaceFd);
        Check(_socket.Execute(w), $"move link {index} to another network namespace");
    }

    /// <summary>Adds a clsact qdisc; returns false if the link already had one (then it is not ours to delete).</summary>
    public bool AddClsact(int index)
    {
        NetlinkMessageWriter w = TcRequest(RTM_NEWQDISC, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK | NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_EXCL,
            index, handle: 0xFFFF0000, parent: TC_H_CLSACT, info: 0);
        w.String(TCA_KIND, "clsact");
        int error = _socket.Execute(w);
        if (error == LibC.EEXIST)
        {
            return false;
        }
        Check(error, $"add clsact qdisc on link {index}");
        return true;
    }

    public void DeleteClsact(int index)
    {
        NetlinkMessageWriter w = TcRequest(RTM_DELQDISC, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, index, 0xFFFF0000, TC_H_CLSACT, 0);
        w.String(TCA_KIND, "clsact");
        int error = _socket.Execute(w);
        if (error is not (0 or LibC.ENOENT or LibC.EINVAL or LibC.ENODEV))
        {
            Check(error, $"delete clsact qdisc on link {index}");
        }
    }

    /// <summary>
    /// An ingress filter that drops every frame after the packet taps saw it: cls_bpf in direct-action mode
    /// running the classic-BPF program "ret #2" (TC_ACT_SHOT). Returns the errno; ENOENT means no cls_bpf.
    /// </summary>
    public int AddIngressDrop(int index)
    {
        NetlinkMessageWriter w = TcRequest(RTM_NEWTFILTER, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK | NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_EXCL,
            index, handle: 0, parent: TC_H_INGRESS_PARENT, info: ((uint)DropFilterPref << 16) | Htons(ETH_P_ALL));
        w.String(TCA_KIND, "bpf");
        w.BeginNest(TCA_OPTIONS);
        w.U16(TCA_BPF_OPS_LEN, 1);
        // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }: BPF_RET|BPF_K (0x06), k = TC_ACT_SHOT (2)
        Span<byte> insn = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(insn, 0x06);
        BinaryPrimitives.WriteUInt32LittleEndian(insn[4..], 2);
        w.Attribute(TCA_BPF_OPS, insn);
        w.U32(TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
        w.EndNest();
        return _socket.Execute(w);
    }

    public void DeleteIngressDrop(int index)
    {
        NetlinkMessageWriter w = TcRequest(RTM_DELTFILTER, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK,
            index, 0, TC_H_INGRESS_PARENT, ((uint)DropFilterPref << 16) | Htons(ETH_P_ALL));
        int error = _socket.Execute(w);
        if (error is not (0 or LibC.ENOENT or LibC.EINVAL or LibC.ENODEV))
        {
            Check(error, $"delete ingress filter on link {index}");
        }
    }

    /// <summary>
    /// Attaches a loaded eBPF program as a direct-action cls_bpf filter on the clsact ingress or egress hook
    /// (what `tc filter add dev X ingress|egress pref P bpf da fd F` does); replaces one at that preference.
    /// </summary>
    /// <param name="classId">Handed to the program as skb->tc_classid (its low 16 bits): which bond it runs for.</param>
    public void AddBpfFilter(int index, bool egress, ushort pref, int programFd, string name, uint classId = 0)
    {
        NetlinkMessageWriter w = TcRequest(RTM_NEWTFILTER, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK | NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_REPLACE,
            index, handle: 1, parent: egress ? TC_H_EGRESS_PARENT : TC_H_INGRESS_PARENT, info: ((uint)pref << 16) | Htons(ETH_P_ALL));
        w.String(TCA_KIND, "bpf");
        w.BeginNest(TCA_OPTIONS);
        w.U32(TCA_BPF_FD, (uint)programFd);
        if (classId != 0)
        {
            w.U32(TCA_BPF_CLASSID, classId);
        }
        w.String(TCA_BPF_NAME, name);
        w.U32(TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
        w.EndNest();
        Check(_socket.Execute(w), $"attach BPF program {name} to link {index} {(egress ? "egress" : "ingress")}");
    }

    /// <summary>
    /// A qdisc someone put at the root of a link (`tc qdisc add dev X root ...`), by kind, or null: the default root
    /// qdisc the kernel attaches itself has handle 0, any added one another handle.
    /// </summary>
    public string? GetAddedRootQdisc(int index)
    {
        NetlinkMessageWriter w = TcRequest(RTM_GETQDISC, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP, index, 0, 0, 0);
        string? kind = null;
        _socket.Query(w, (type, payload) =>
        {
            if (type == RTM_NEWQDISC && payload.Length >= 20
                && BinaryPrimitives.ReadInt32LittleEndian(payload[4..]) == index
                && BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]) == 0xFFFFFFFF
                && BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]) != 0)
            {
                kind = new NetlinkAttributes(payload[20..]).String(TCA_KIND);
            }
        });
        return kind;
    }

    /// <summary>
    /// The id of the eBPF program a cls_bpf filter at <paramref name="pref"/> on a clsact hook runs and the filter's
    /// classid (0 when it has none), or null when there is no such filter.
    /// </summary>
    public (uint Program, uint ClassId)? GetBpfFilter(int index, bool egress, ushort pref)
    {
        NetlinkMessageWriter w = TcRequest(RTM_GETTFILTER, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP,
            index, 0, egress ? TC_H_EGRESS_PARENT : TC_H_INGRESS_PARENT, 0);
        (uint, uint)? found = null;
        _socket.Query(w, (type, payload) =>
        {
            if (type != RTM_NEWTFILTER || payload.Length < 20 || BinaryPrimitives.ReadUInt32LittleEndian(payload[16..]) >> 16 != pref)
            {
                return;
            }
            NetlinkAttributes a = new(payload[20..]);
            if (a.TryGet(TCA_OPTIONS, out ReadOnlySpan<byte> options) && new NetlinkAttributes(options).TryGet(TCA_BPF_ID, out ReadOnlySpan<byte> value) && value.Length == 4)
            {
                uint classId = new NetlinkAttributes(options).TryGet(TCA_BPF_CLASSID, out ReadOnlySpan<byte> c) && c.Length == 4
                    ? BinaryPrimitives.ReadUInt32LittleEndian(c) : 0;
                found = (BinaryPrimitives.ReadUInt32LittleEndian(value), classId);
            }
        });
        return found;
    }

    /// <summary>Removes the filters at <paramref name="pref"/> from a clsact hook; nothing there, or no link, is not an error.</summary>
    public void DeleteBpfFilter(int index, bool egress, ushort pref)
    {
        NetlinkMessageWriter w = TcRequest(RTM_DELTFILTER, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK,
            index, 0, egress ? TC_H_EGRESS_PARENT : TC_H_INGRESS_PARENT, ((uint)pref << 16) | Htons(ETH_P_ALL));
        int error = _socket.Execute(w);
        if (error is not (0 or LibC.ENOENT or LibC.EINVAL or LibC.ENODEV))
        {
            Check(error, $"delete BPF filter on link {index}");
        }
    }

    /// <summary>
    /// A device's own address lists, dev->uc then dev->mc (`bridge fdb show dev X`, the "self" entries): what upper
    /// devices such as a macvlan and the stack's multicast groups put there.
    /// </summary>
    public List<MacAddress> GetAddressLists(int index)
    {
        // An ifinfomsg-sized request names the device to dump (rtnl_fdb_dump's legacy parsing, as bridge(8) sends it).
        NetlinkMessageWriter w = new(RTM_GETNEIGH, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP);
        Span<byte> ifi = w.Reserve(16);
        ifi[0] = AF_BRIDGE;
        BinaryPrimitives.WriteInt32LittleEndian(ifi[4..], index);
        List<MacAddress> lists = [];
        _socket.Query(w, (type, payload) =>
        {
            // struct ndmsg: family, pad, pad, ifindex, state, flags, type; then its attributes.
            if (type == RTM_NEWNEIGH && payload.Length >= 12 && BinaryPrimitives.ReadInt32LittleEndian(payload[4..]) == index
                && (payload[10] & NTF_SELF) != 0 && new NetlinkAttributes(payload[12..]).TryGet(NDA_LLADDR, out ReadOnlySpan<byte> mac) && mac.Length == 6)
            {
                lists.Add(MacAddress.FromBytes(mac));
            }
        });
        return lists;
    }

    /// <summary>Adds a unicast address to a device's own list (`bridge fdb add MAC dev X self permanent`: dev_uc_add_excl).</summary>
    public void AddUnicastAddress(int index, MacAddress mac) =>
        Check(_socket.Execute(NeighRequest(RTM_NEWNEIGH, NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_EXCL, index, mac)), $"add address {mac} to link {index}'s unicast list");

    public void DeleteUnicastAddress(int index, MacAddress mac) =>
        Check(_socket.Execute(NeighRequest(RTM_DELNEIGH, 0, index, mac)), $"delete address {mac} from link {index}'s unicast list");

    private static NetlinkMessageWriter NeighRequest(ushort type, ushort flags, int index, MacAddress mac)
    {
        NetlinkMessageWriter w = new(type, (ushort)(NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK | flags));
        Span<byte> ndm = w.Reserve(12);
        ndm[0] = AF_BRIDGE;
        BinaryPrimitives.WriteInt32LittleEndian(ndm[4..], index);
        BinaryPrimitives.WriteUInt16LittleEndian(ndm[8..], NUD_PERMANENT);
        ndm[10] = NTF_SELF;
        w.Attribute(NDA_LLADDR, mac.ToBytes());
        return w;
    }

    public void Dispose() => _socket.Dispose();

    internal static LinkInfo? ParseLink(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 16)
        {
            return null;
        }
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]);
        int index = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        NetlinkAttributes a = new(payload[16..]);
        MacAddress mac = a.TryGet(IFLA_ADDRESS, out ReadOnlySpan<byte> m) && m.Length == 6 ? MacAddress.FromBytes(m) : default;
        string? kind = null;
        if (a.TryGet(IFLA_LINKINFO, out ReadOnlySpan<byte> info))
        {
            kind = new NetlinkAttributes(info).String(IFLA_INFO_KIND);
        }
        return new LinkInfo(index, a.String(IFLA_IFNAME) ?? "", flags, (int)(a.U32(IFLA_MTU) ?? 0), mac,
            (a.U8(IFLA_CARRIER) ?? 0) != 0, (int)(a.U32(IFLA_MASTER) ?? 0), type, kind, a.U32(IFLA_PROMISCUITY) ?? 0, a.U32(IFLA_ALLMULTI) ?? 0,
            (int)(a.U32(IFLA_LINK) ?? 0));
    }

    private LinkInfo? QueryLink(NetlinkMessageWriter w)
    {
        LinkInfo? link = null;
        int error = _socket.Query(w, (type, payload) =>
        {
            if (type == RTM_NEWLINK)
            {
                link = ParseLink(payload);
            }
        });
        return error == 0 ? link : null;
    }

    private static NetlinkMessageWriter LinkRequest(ushort type, ushort flags, int index, uint ifFlags = 0, uint change = 0)
    {
        NetlinkMessageWriter w = new(type, flags);
        Span<byte> ifi = w.Reserve(16);
        BinaryPrimitives.WriteInt32LittleEndian(ifi[4..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(ifi[8..], ifFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(ifi[12..], change);
        return w;
    }

    private static NetlinkMessageWriter TcRequest(ushort type, ushort flags, int index, uint handle, uint parent, uint info)
    {
        NetlinkMessageWriter w = new(type, flags);
        Span<byte> tcm = w.Reserve(20);
        BinaryPrimitives.WriteInt32LittleEndian(tcm[4..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(tcm[8..], handle);
        BinaryPrimitives.WriteUInt32LittleEndian(tcm[12..], parent);
        BinaryPrimitives.WriteUInt32LittleEndian(tcm[16..], info);
        return w;
    }

    private static ushort Htons(ushort v) => BinaryPrimitives.ReverseEndianness(v);

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            NativeException.Throw(what, error);
        }
    }
}
