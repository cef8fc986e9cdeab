/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/* Rendered from src/NetBond.Linux/Bpf/BpfContract.cs, which says what each field means: edit that file, never this
 * one (a test compares them; its failure message says how to render this file again). */
#ifndef NETBOND_CONTRACT_H
#define NETBOND_CONTRACT_H

#define MAX_MEMBERS 32
#define TLB_BUCKETS 256
#define MAX_BONDS 4096

enum {
	MODE_BALANCE_RR = 0,
	MODE_ACTIVE_BACKUP = 1,
	MODE_BALANCE_XOR = 2,
	MODE_BROADCAST = 3,
	MODE_IEEE8023AD = 4,
	MODE_BALANCE_TLB = 5,
	MODE_BALANCE_ALB = 6,
};

enum {
	HASH_LAYER2 = 0,
	HASH_LAYER34 = 1,
	HASH_LAYER23 = 2,
	HASH_ENCAP23 = 3,
	HASH_ENCAP34 = 4,
	HASH_VLAN_SRC_MAC = 5,
};

enum {
	F_NONE = 0,
	F_BROADCAST_NEIGHBOR = 1,
	F_CONSUME_SLOW = 2,
	F_TLB_TABLE = 4,
};

struct config {
	__s32 mode;
	__s32 hash_policy;
	__u32 bond_ifindex;
	__u32 flags;
	__s32 active;
	__u32 packets_per_slave;
	__u32 member_count;
	__u32 usable_count;
	__u32 ifindex[MAX_MEMBERS];
	__u32 slot[MAX_MEMBERS];
	__s32 next_can[MAX_MEMBERS];
	__u32 usable[MAX_MEMBERS];
	__u32 can_transmit;
	__u8 bond_mac[8];
	__u8 mac[MAX_MEMBERS][8];
};
_Static_assert(sizeof(struct config) == 812, "struct config is 812 bytes in C#");

struct member {
	__u32 slot;
	__u32 delivers;
};
_Static_assert(sizeof(struct member) == 8, "struct member is 8 bytes in C#");

struct counters {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 rx_dropped;
	__u64 tx_dropped;
	__u64 last_rx_ns;
	__u64 last_tx_ns;
};
_Static_assert(sizeof(struct counters) == 64, "struct counters is 64 bytes in C#");

struct tlb_table {
	__s32 pos[TLB_BUCKETS];
};
_Static_assert(sizeof(struct tlb_table) == 1024, "struct tlb_table is 1024 bytes in C#");

struct tlb_bytes {
	__u64 bytes[TLB_BUCKETS + 1];
};
_Static_assert(sizeof(struct tlb_bytes) == 2056, "struct tlb_bytes is 2056 bytes in C#");

#endif
