// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * NetBond's kernel data path: frames between the bond's TAP device and its members never leave the kernel.
 *
 *   bond_egress    clsact egress of the bond TAP: picks the member as the mode's xmit function would and
 *                  bpf_redirect()s the frame to it; TC_ACT_OK hands a frame to the daemon's TAP reader.
 *   member_ingress clsact ingress of every member: bpf_redirect(bond, BPF_F_INGRESS) for what the bond
 *                  accepts (bond_handle_frame), TC_ACT_SHOT for the rest and for LACPDUs the daemon took.
 *   hash_probe     returns the transmit hash of a frame, so tests compare it with Core's XmitHash
 *                  (BPF_PROG_TEST_RUN).
 *
 * The daemon (src/NetBond.Linux/Bpf/) loads this object itself: no libbpf. It loads the programs once and every
 * bond's filters run them: a bond's maps (the "bond_maps" section, one set per bond) sit in the outer maps of the
 * "maps" section at the bond's id, which its filters carry as their classid (skb->tc_classid). Maps are declared
 * as struct map_def, the layout the loader reads; everything the programs decide comes from the bond's config
 * map, which the control plane writes on every change of plan. The maps' values, the mode and hash
 * numbering and the flags are netbond_contract.h, rendered from src/NetBond.Linux/Bpf/BpfContract.cs.
 * Regenerate the checked-in object (and the header) with bpf/build.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#define SEC(name) __attribute__((section(name), used))
#define INLINE static inline __attribute__((always_inline))

#include "netbond_contract.h"

struct map_def {
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 flags;
};

/* One bond's maps, made for each bond from these definitions. */
struct map_def config_def SEC("bond_maps") = { BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct config), 1, 0 };
struct map_def members_def SEC("bond_maps") = { BPF_MAP_TYPE_HASH, sizeof(__u32), sizeof(struct member), MAX_MEMBERS, 0 };
struct map_def counters_def SEC("bond_maps") = { BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(struct counters), MAX_MEMBERS + 1, 0 };
/* The round-robin counter, per CPU as the kernel's rr_tx_counter. */
struct map_def rr_counter_def SEC("bond_maps") = { BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(__u32), 1, 0 };
/* balance-tlb/alb: the member position of each bucket, written by the daemon's TlbTable; bytes per bucket (and,
 * at index TLB_BUCKETS, bytes sent unbalanced through the active member) it places by. */
struct map_def tlb_def SEC("bond_maps") = { BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct tlb_table), 1, 0 };
struct map_def tlb_load_def SEC("bond_maps") = { BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(struct tlb_bytes), 1, 0 };
/* balance-alb: the members' MACs (in the low 48 bits), to readdress received frames to the bond. */
struct map_def member_macs_def SEC("bond_maps") = { BPF_MAP_TYPE_HASH, sizeof(__u64), sizeof(__u32), MAX_MEMBERS * 2, 0 };
/* When each member last received an IPv6 frame (ns): arp_validate's filter bit counts those as heard. A map of its
 * own rather than a field of struct counters, so that a daemon adopting an older one's maps can add it. */
struct map_def rx_ipv6_def SEC("bond_maps") = { BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(__u64), MAX_MEMBERS + 1, 0 };

/* Every bond's maps of each kind, at the bond's id: what the programs reference. */
#define OUTER(name) struct map_def name SEC("maps") = { BPF_MAP_TYPE_ARRAY_OF_MAPS, sizeof(__u32), sizeof(__u32), MAX_BONDS, 0 }
OUTER(config);
OUTER(members);
OUTER(counters);
OUTER(rr_counter);
OUTER(tlb);
OUTER(tlb_load);
OUTER(member_macs);
OUTER(rx_ipv6);

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;
static __u64 (*bpf_ktime_get_ns)(void) = (void *)BPF_FUNC_ktime_get_ns;
static __u32 (*bpf_get_prandom_u32)(void) = (void *)BPF_FUNC_get_prandom_u32;
static long (*bpf_skb_load_bytes)(const void *skb, __u32 offset, void *to, __u32 len) = (void *)BPF_FUNC_skb_load_bytes;
static long (*bpf_clone_redirect)(struct __sk_buff *skb, __u32 ifindex, __u64 flags) = (void *)BPF_FUNC_clone_redirect;
static long (*bpf_redirect)(__u32 ifindex, __u64 flags) = (void *)BPF_FUNC_redirect;
static long (*bpf_skb_store_bytes)(struct __sk_buff *skb, __u32 offset, const void *from, __u32 len, __u64 flags) =
	(void *)BPF_FUNC_skb_store_bytes;

char _license[] SEC("license") = "Dual MIT/GPL";

/* The bond a program runs for: the classid its filter carries (cls_bpf sets it before running the program). */
INLINE __u32 bond_of(struct __sk_buff *skb)
{
	return skb->tc_classid;
}

/* An entry of the bond's map of one kind. */
INLINE void *lookup(void *outer, __u32 bond, const void *key)
{
	void *inner = bpf_map_lookup_elem(outer, &bond);
	return inner ? bpf_map_lookup_elem(inner, key) : 0;
}

INLINE struct config *plan(__u32 bond)
{
	__u32 zero = 0;
	return lookup(&config, bond, &zero);
}

INLINE void count_tx(__u32 bond, __u32 slot, __u32 bytes, __u64 now)
{
	struct counters *c = lookup(&counters, bond, &slot);
	if (c) {
		c->tx_packets++;
		c->tx_bytes += bytes;
		c->last_tx_ns = now;
	}
}

INLINE void count_rx(__u32 bond, __u32 slot, __u32 bytes, __u64 now)
{
	struct counters *c = lookup(&counters, bond, &slot);
	if (c) {
		c->rx_packets++;
		c->rx_bytes += bytes;
		c->last_rx_ns = now;
	}
}

INLINE void count_tx_drop(__u32 bond, __u32 slot)
{
	struct counters *c = lookup(&counters, bond, &slot);
	if (c)
		c->tx_dropped++;
}

/* A frame a member received and the bond does not take still counts as heard on it (slave->last_rx). */
INLINE void count_rx_drop(__u32 bond, __u32 slot, __u64 now, int dropped)
{
	struct counters *c = lookup(&counters, bond, &slot);
	if (c) {
		c->rx_dropped += dropped;
		c->last_rx_ns = now;
	}
}

/* ---- bond_xmit_hash(), bit for bit Core's XmitHash.Compute ---- */

struct flow {
	__u32 addresses;
	__u32 ports;
	__u32 icmp_type;
	__u32 icmp_code;
	__u32 icmp_id;
};

/* Four bytes at off read as the kernel reads a __be32 on a little-endian CPU; 0 when past the end. */
INLINE int word(struct __sk_buff *skb, __u32 off, __u32 *w)
{
	return bpf_skb_load_bytes(skb, off, w, 4) == 0;
}

/* skb_flow_get_ports(): four bytes at the protocol's offset, or 0. */
INLINE __u32 ports(struct __sk_buff *skb, __u32 thoff, int proto)
{
	__u32 off, w = 0;
	switch (proto) {
	case 6: case 17: case 136: case 132: case 33: case 50:
		off = 0;
		break;
	case 51:
		off = 4;
		break;
	default:
		return 0;
	}
	if (thoff + off > 0xFFFF || !word(skb, thoff + off, &w))
		return 0;
	return w;
}

/* skb_flow_get_icmp_tci(): type, code and echo id (1 standing for a zero id), nothing when short. */
INLINE void icmp_key(struct __sk_buff *skb, __u32 thoff, struct flow *f)
{
	__u8 b[8];
	if (thoff > 0xFFFF || bpf_skb_load_bytes(skb, thoff, b, 8))
		return;
	f->icmp_type = b[0];
	f->icmp_code = b[1];
	__u32 id = (__u32)b[4] << 8 | b[5];
	switch (b[0]) {
	case 0: case 8: case 13: case 14: case 128: case 129:
		f->icmp_id = id ? id : 1;
		break;
	default:
		f->icmp_id = 0;
	}
}

/* bond_flow_ip(): the addresses, the next header offset and protocol (unchanged for a fragment), the ports. */
INLINE int flow_ip(struct __sk_buff *skb, __u32 proto, __u32 *nhoff, int *ip_proto, int l34, struct flow *f)
{
	if (*nhoff > 0xFFFF)
		return 0;
	if (proto == 0x0800) {
		__u8 ip[20];
		if (bpf_skb_load_bytes(skb, *nhoff, ip, 20))
			return 0;
		f->addresses = *(__u32 *)&ip[16] ^ *(__u32 *)&ip[12];
		*nhoff += (ip[0] & 0x0F) * 4;
		if ((((__u32)ip[6] << 8 | ip[7]) & 0x3FFF) == 0)
			*ip_proto = ip[9];
	} else if (proto == 0x86DD) {
		__u32 ip[10];
		if (bpf_skb_load_bytes(skb, *nhoff, ip, 40))
			return 0;
		f->addresses = ip[2] ^ ip[3] ^ ip[4] ^ ip[5] ^ ip[6] ^ ip[7] ^ ip[8] ^ ip[9];
		*nhoff += 40;
		*ip_proto = ((__u8 *)ip)[6];
	} else {
		return 0;
	}
	if (l34 && *ip_proto >= 0)
		f->ports = ports(skb, *nhoff, *ip_proto);
	return 1;
}

/* bond_flow_dissect() but encap: the IP header; ICMP keys; an ICMP error hashed by the header it carries. */
INLINE int dissect(struct __sk_buff *skb, __u32 proto, __u32 nhoff, int l34, struct flow *f)
{
	int ip_proto = -1;
	if (!flow_ip(skb, proto, &nhoff, &ip_proto, l34, f))
		return 0;
	if (ip_proto != 1 && ip_proto != 58)
		return 1;
	icmp_key(skb, nhoff, f);
	int error = ip_proto == 1
		? f->icmp_type == 3 || f->icmp_type == 4 || f->icmp_type == 5 || f->icmp_type == 11 || f->icmp_type == 12
		: f->icmp_type >= 1 && f->icmp_type <= 4; /* icmpv6_is_err(); type 0 when short */
	if (!error)
		return 1;
	nhoff += 8;
	return flow_ip(skb, proto, &nhoff, &ip_proto, l34, f);
}

INLINE __u32 xmit_hash(struct __sk_buff *skb, __u32 policy)
{
	__u8 eth[14];
	if (bpf_skb_load_bytes(skb, 0, eth, 14))
		return 0;
	__u32 proto = (__u32)eth[12] << 8 | eth[13];
	__u32 tci = 0, nhoff = 14;
	/* The tag a VLAN device or a receive path put out of band (skb_vlan_tag_get), as at the TAP's egress; else an
	 * outer tag in the frame, which is how the userspace path sees the same frame (tun writes the tag inline). */
	if (skb->vlan_present) {
		tci = skb->vlan_tci;
	} else if (proto == 0x8100 || proto == 0x88A8) {
		__u8 tag[4];
		if (bpf_skb_load_bytes(skb, 14, tag, 4) == 0) {
			tci = (__u32)tag[0] << 8 | tag[1];
			proto = (__u32)tag[2] << 8 | tag[3];
			nhoff = 18;
		}
	}
	if (policy == HASH_VLAN_SRC_MAC)
		return tci ^ ((__u32)eth[6] << 16 | (__u32)eth[7] << 8 | eth[8]) ^ ((__u32)eth[9] << 16 | (__u32)eth[10] << 8 | eth[11]);
	__u32 eth_hash = eth[5] ^ eth[11] ^ proto;
	if (policy == HASH_LAYER2)
		return eth_hash;
	int l34 = policy == HASH_LAYER34;
	struct flow f = {};
	if (!dissect(skb, proto, nhoff, l34, &f))
		return eth_hash;
	__u32 h = policy == HASH_LAYER23 ? eth_hash
		: f.icmp_id ? f.icmp_type | f.icmp_code << 8 | f.icmp_id << 16 : f.ports;
	h ^= f.addresses;
	h ^= h >> 16;
	h ^= h >> 8;
	return l34 ? h >> 1 : h;
}

/* ---- transmit ---- */

INLINE __u32 ethertype(struct __sk_buff *skb)
{
	__u8 t[2];
	if (bpf_skb_load_bytes(skb, 12, t, 2))
		return 0;
	return (__u32)t[0] << 8 | t[1];
}

/* ARP or an ICMPv6 neighbour solicitation/advertisement (ReceiveClassifier.KindOf). */
INLINE int is_neighbor(struct __sk_buff *skb, __u32 type)
{
	if (type == 0x0806)
		return 1;
	__u8 b[2];
	if (type != 0x86DD || bpf_skb_load_bytes(skb, 14 + 6, &b[0], 1) || bpf_skb_load_bytes(skb, 14 + 40, &b[1], 1))
		return 0;
	return b[0] == 58 && (b[1] == 135 || b[1] == 136);
}

INLINE int is_igmp(struct __sk_buff *skb, __u32 type)
{
	__u8 p;
	return type == 0x0800 && skb->len >= 34 && bpf_skb_load_bytes(skb, 23, &p, 1) == 0 && p == 2;
}

INLINE int send_on(__u32 bond, struct config *c, __u32 pos, __u32 bytes, __u64 now)
{
	if (pos >= MAX_MEMBERS)
		return TC_ACT_SHOT;
	count_tx(bond, c->slot[pos], bytes, now);
	return bpf_redirect(c->ifindex[pos], 0);
}

/* Every member that can transmit (the usable list) gets a copy; the last one the frame itself. */
INLINE int send_all(struct __sk_buff *skb, __u32 bond, struct config *c, __u32 bytes, __u64 now)
{
	__u32 n = c->usable_count;
	if (n == 0 || n > MAX_MEMBERS)
		return TC_ACT_SHOT;
	for (__u32 i = 0; i < MAX_MEMBERS - 1; i++) {
		if (i + 1 >= n)
			break;
		__u32 pos = c->usable[i];
		if (pos < MAX_MEMBERS && bpf_clone_redirect(skb, c->ifindex[pos], 0) == 0)
			count_tx(bond, c->slot[pos], bytes, now);
	}
	return send_on(bond, c, c->usable[(n - 1) & (MAX_MEMBERS - 1)], bytes, now);
}

/* bond_get_slave_by_id(): from start to the first member that can transmit, wrapping. */
INLINE int first_can_transmit(struct config *c, __u32 start)
{
	return start < MAX_MEMBERS ? c->next_can[start] : -1;
}

INLINE int round_robin(struct __sk_buff *skb, __u32 bond, struct config *c, __u32 type)
{
	if (c->member_count == 0 || c->member_count > MAX_MEMBERS)
		return -1;
	if (is_igmp(skb, type))
		return c->active >= 0 ? c->active : first_can_transmit(c, 0);
	__u32 zero = 0, id;
	__u32 *counter = lookup(&rr_counter, bond, &zero);
	if (!counter)
		return -1;
	if (c->packets_per_slave == 0)
		id = bpf_get_prandom_u32();
	else if (c->packets_per_slave == 1)
		id = ++*counter;
	else
		id = ++*counter / c->packets_per_slave;
	return first_can_transmit(c, id % c->member_count);
}

/* ---- balance-tlb / balance-alb (LoadBalancing.cs) ---- */

/* alb_determine_nd(): an IPv6 frame too short to tell counts as neighbour discovery. */
INLINE int is_nd6(struct __sk_buff *skb, __u32 l3)
{
	__u8 next, type;
	if (skb->len < l3 + 40 || bpf_skb_load_bytes(skb, l3 + 6, &next, 1))
		return 1;
	if (next != 58)
		return 0;
	if (skb->len < l3 + 48 || bpf_skb_load_bytes(skb, l3 + 40, &type, 1))
		return 1;
	return type == 135 || type == 136;
}

INLINE int hash_usable(struct __sk_buff *skb, struct config *c)
{
	if (c->usable_count == 0 || c->usable_count > MAX_MEMBERS)
		return -1;
	__u32 u = xmit_hash(skb, c->hash_policy) % c->usable_count;
	return u < MAX_MEMBERS ? (int)c->usable[u] : -1;
}

#define LB_ACTIVE -1   /* not balanced: out the active member */
#define LB_DAEMON -2   /* the bond's ARP in balance-alb: the daemon places it (rlb_arp_xmit) */
#define LB_ENCAP -3    /* the hash needs the flow dissector: the daemon sends it */

/* The bucket (0..255) of a balanced frame, or LB_*; *pos gets the member when tlb_dynamic_lb=0 decided it. */
INLINE int lb_bucket(struct __sk_buff *skb, struct config *c, __u32 type, int *pos)
{
	__u8 eth[6];
	if (bpf_skb_load_bytes(skb, 0, eth, 6))
		return LB_ACTIVE;
	__u32 proto = type, l3 = 14;
	if ((type == 0x8100 || type == 0x88A8) && skb->len >= 18) {
		__u8 t[2];
		if (bpf_skb_load_bytes(skb, 16, t, 2))
			return LB_ACTIVE;
		proto = (__u32)t[0] << 8 | t[1];
		l3 = 18;
	}
	int table = c->flags & F_TLB_TABLE;
	int encap = c->hash_policy == HASH_ENCAP23 || c->hash_policy == HASH_ENCAP34;
	if (c->mode == MODE_BALANCE_TLB) {
		if ((eth[0] & 1) || !(proto == 0x0800 || (proto == 0x86DD && !is_nd6(skb, l3))))
			return LB_ACTIVE;
		/* The bucket only spreads load: with an encap policy it is taken from layer3+4 here, where the daemon's
		 * table must not be shared with the daemon's own transmit. */
		if (table)
			return xmit_hash(skb, encap ? HASH_LAYER34 : c->hash_policy) & 0xFF;
		if (encap)
			return LB_ENCAP;
		*pos = hash_usable(skb, c);
		return *pos < 0 ? LB_ACTIVE : 0;
	}
	int broadcast = (eth[0] & eth[1] & eth[2] & eth[3] & eth[4] & eth[5]) == 0xFF;
	__u8 bucket = 0;
	if (proto == 0x0800) {
		__u8 ip[20];
		if (broadcast || skb->len < l3 + 20 || bpf_skb_load_bytes(skb, l3, ip, 20) || ip[9] == 2
		    || (ip[16] & ip[17] & ip[18] & ip[19]) == 0xFF)
			return LB_ACTIVE;
		bucket = ip[16] ^ ip[17] ^ ip[18] ^ ip[19];
	} else if (proto == 0x86DD) {
		int all_nodes = eth[0] == 0x33 && eth[1] == 0x33 && eth[2] == 0 && eth[3] == 0 && eth[4] == 0 && eth[5] == 1;
		__u32 a[8];
		if (broadcast || all_nodes || is_nd6(skb, l3) || bpf_skb_load_bytes(skb, l3 + 8, a, 32))
			return LB_ACTIVE;
		if ((a[0] | a[1] | a[2] | a[3]) == 0)
			return LB_ACTIVE; /* DAD: from the unspecified address */
		__u32 x = a[4] ^ a[5] ^ a[6] ^ a[7];
		bucket = (x ^ (x >> 8) ^ (x >> 16) ^ (x >> 24)) & 0xFF;
	} else if (proto == 0x0806) {
		return l3 == 14 ? LB_DAEMON : LB_ACTIVE;
	} else {
		return LB_ACTIVE;
	}
	if (table)
		return bucket;
	if (encap)
		return LB_ENCAP;
	*pos = hash_usable(skb, c);
	return *pos < 0 ? LB_ACTIVE : 0;
}

INLINE void count_bucket(__u32 bond, __u32 index, __u32 bytes)
{
	__u32 zero = 0;
	struct tlb_bytes *load = lookup(&tlb_load, bond, &zero);
	if (load && index <= TLB_BUCKETS)
		load->bytes[index] += bytes;
}

/* bond_tlb_xmit / bond_alb_xmit: the member the table or the hash names, else the active one; a member other
 * than the active one sends from its own MAC. */
INLINE int load_balance(struct __sk_buff *skb, __u32 bond, struct config *c, __u32 type, __u32 bytes, __u64 now)
{
	int pos = -1;
	int bucket = lb_bucket(skb, c, type, &pos);
	if (bucket == LB_DAEMON || bucket == LB_ENCAP)
		return TC_ACT_OK;
	if (bucket >= 0 && (c->flags & F_TLB_TABLE)) {
		__u32 zero = 0, b = bucket;
		/* The mask the compiler would drop as redundant, kept for the verifier, which cannot see bucket < 256. */
		asm volatile("%0 &= 0xff" : "+r"(b));
		struct tlb_table *t = lookup(&tlb, bond, &zero);
		pos = t ? t->pos[b] : -1;
		/* A bucket the daemon has not placed yet goes out the active member until its next tick places it. */
		count_bucket(bond, b, bytes);
	} else if (bucket == LB_ACTIVE) {
		count_bucket(bond, TLB_BUCKETS, bytes);
	}
	if (pos < 0 || pos >= MAX_MEMBERS || !(c->can_transmit & (1u << pos)))
		pos = c->active;
	if (pos < 0 || pos >= MAX_MEMBERS || !(c->can_transmit & (1u << pos))) {
		count_tx_drop(bond, 0);
		return TC_ACT_SHOT;
	}
	__u32 p = (__u32)pos & (MAX_MEMBERS - 1); /* the same value, in a form the verifier can bound */
	if ((int)p != c->active && bpf_skb_store_bytes(skb, 6, c->mac[p], 6, 0))
		return TC_ACT_SHOT;
	count_tx(bond, 0, bytes, now);
	return send_on(bond, c, p, bytes, now);
}

SEC("tc/egress")
int bond_egress(struct __sk_buff *skb)
{
	__u32 bond = bond_of(skb);
	struct config *c = plan(bond);
	if (!c)
		return TC_ACT_SHOT;
	__u64 now = bpf_ktime_get_ns();
	__u32 bytes = skb->len;
	__u32 type = ethertype(skb);
	int pos = -1;
	switch (c->mode) {
	case MODE_ACTIVE_BACKUP:
		pos = c->active;
		break;
	case MODE_BALANCE_RR:
		pos = round_robin(skb, bond, c, type);
		break;
	case MODE_BROADCAST:
		count_tx(bond, 0, bytes, now);
		return send_all(skb, bond, c, bytes, now);
	case MODE_BALANCE_XOR:
	case MODE_IEEE8023AD:
		if ((c->flags & F_BROADCAST_NEIGHBOR) && is_neighbor(skb, type)) {
			if (c->usable_count == 0) {
				pos = -1;
				break;
			}
			count_tx(bond, 0, bytes, now);
			return send_all(skb, bond, c, bytes, now);
		}
		/* encap2+3/encap3+4 need the whole flow dissector: Core's, in the daemon's transmit. */
		if (c->hash_policy == HASH_ENCAP23 || c->hash_policy == HASH_ENCAP34)
			return TC_ACT_OK;
		if (c->usable_count == 0 || c->usable_count > MAX_MEMBERS) {
			pos = -1;
			break;
		}
		__u32 u = xmit_hash(skb, c->hash_policy) % c->usable_count;
		pos = u < MAX_MEMBERS ? c->usable[u] : -1;
		break;
	case MODE_BALANCE_TLB:
	case MODE_BALANCE_ALB:
		return load_balance(skb, bond, c, type, bytes, now);
	default:
		return TC_ACT_SHOT;
	}
	if (pos < 0 || pos >= MAX_MEMBERS) {
		/* No member to send on: the kernel bond drops and counts it as the bond's tx_dropped. */
		count_tx_drop(bond, 0);
		return TC_ACT_SHOT;
	}
	count_tx(bond, 0, bytes, now);
	return send_on(bond, c, pos, bytes, now);
}

/* ---- receive ---- */

/* To 01:80:c2:00:00:02, long enough for struct lacpdu (110 bytes after the Ethernet header), subtype 1 or 2. */
INLINE int is_lacpdu_or_marker(struct __sk_buff *skb)
{
	__u8 h[15];
	if (skb->len < 14 + 110 || bpf_skb_load_bytes(skb, 0, h, 15))
		return 0;
	return h[0] == 0x01 && h[1] == 0x80 && h[2] == 0xC2 && h[3] == 0 && h[4] == 0 && h[5] == 0x02 && (h[14] == 1 || h[14] == 2);
}

SEC("tc/ingress")
int member_ingress(struct __sk_buff *skb)
{
	__u32 bond = bond_of(skb);
	__u32 ifindex = skb->ifindex;
	struct member *m = lookup(&members, bond, &ifindex);
	struct config *c = plan(bond);
	if (!m || !c)
		return TC_ACT_UNSPEC; /* not (or no longer) a member: NetBond's drop filter behind this one decides */
	__u32 bytes = skb->len;
	/* A LACPDU or Marker the daemon takes is consumed (bond_3ad_lacpdu_recv): its socket saw it already. Any other
	 * slow-protocols frame (another subtype, too short, to another address) goes on to the bond. */
	__u64 now = bpf_ktime_get_ns();
	/* bond_rcv_validate's is_ipv6 (skb->protocol: the inner type of a frame whose tag was taken off). */
	if (skb->protocol == __builtin_bswap16(0x86DD)) {
		__u64 *t = lookup(&rx_ipv6, bond, &m->slot);
		if (t)
			*t = now;
	}
	if ((c->flags & F_CONSUME_SLOW) && ethertype(skb) == 0x8809 && is_lacpdu_or_marker(skb)) {
		count_rx_drop(bond, m->slot, now, 0);
		return TC_ACT_SHOT;
	}
	if (c->mode == MODE_BALANCE_ALB) {
		/* bond_should_deliver_exact_match: an inactive member delivers unicast, the traffic of the clients RLB
		 * placed on it; a frame for a member's MAC is readdressed to the bond's, which the bond device accepts. */
		__u8 dst[8] = {};
		if (bpf_skb_load_bytes(skb, 0, dst, 6)) {
			count_rx_drop(bond, m->slot, now, 1);
			return TC_ACT_SHOT;
		}
		int unicast = !(dst[0] & 1);
		if (!m->delivers && !unicast) {
			count_rx_drop(bond, m->slot, now, 1);
			return TC_ACT_SHOT;
		}
		__u64 key = *(__u64 *)dst;
		if (unicast && lookup(&member_macs, bond, &key) && bpf_skb_store_bytes(skb, 0, c->bond_mac, 6, 0)) {
			count_rx_drop(bond, m->slot, now, 1);
			return TC_ACT_SHOT;
		}
	} else if (!m->delivers) {
		count_rx_drop(bond, m->slot, now, 1);
		return TC_ACT_SHOT;
	}
	count_rx(bond, m->slot, bytes, now);
	count_rx(bond, 0, bytes, now);
	return bpf_redirect(c->bond_ifindex, BPF_F_INGRESS);
}

SEC("tc/hash")
int hash_probe(struct __sk_buff *skb)
{
	struct config *c = plan(bond_of(skb));
	return c ? xmit_hash(skb, c->hash_policy) : 0;
}
