// SPDX-License-Identifier: MIT
/*
 * datapath.c -- a small datapath in the manner of Cilium's, for tc (cls_bpf, direct action).
 *
 * Programs:
 *   from_netdev      ingress of the host device: parses Ethernet, counts, and tail-calls the
 *                    IPv4 handler through the `calls` prog array (IPv6 and others: passed, ARP
 *                    too; a missing tail-call target drops with a notification).
 *   tail_ipv4        the IPv4 handler, reached only by tail call:
 *                      1. service translation: a packet to a service (VIP, port, protocol in
 *                         `services`) is DNATed to one of its backends (`backends`), chosen by
 *                         a hash of the flow, with the IPv4 and TCP/UDP checksums fixed through
 *                         bpf_l3_csum_replace / bpf_l4_csum_replace;
 *                      2. connection tracking: `ct4` (LRU, pinned by name) remembers each flow
 *                         with its backend, packet and byte counts;
 *                      3. policy: the source's security identity comes from `ipcache` (LPM
 *                         trie of CIDRs), and `policy` (identity, port, protocol) must allow the
 *                         flow unless the identity is the host's or policy is off (rodata);
 *                         a denied packet is dropped and reported through `events` with its
 *                         first 64 bytes;
 *                      4. delivery: a destination in `endpoints` gets its MAC addresses
 *                         rewritten and is redirected to its interface (bpf_redirect); any
 *                         other destination is passed to the stack (TC_ACT_OK).
 *   to_netdev        egress: replies from a backend get the service address back (reverse
 *                    NAT through `ct4`'s reverse entries), checksums fixed again.
 *
 * Global data: `cfg_*` in .rodata (set with rodata= before load), `drops` and `forwards`
 * counters in .bss. bpf-to-bpf calls: the policy check and the NAT rewrite are real
 * (noinline) functions. skb->mark carries the source identity to the stack, and
 * skb->cb[0] the service id, as Cilium does with its own marks.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define CALL_IPV4 1
#define MAX_BACKENDS_PER_SVC 16
#define HOST_IDENTITY 1
#define WORLD_IDENTITY 2
#define ETH_HLEN_ 14
#define IP_CSUM_OFF (ETH_HLEN_ + offsetof(struct iphdr, check))
#define IP_DST_OFF (ETH_HLEN_ + offsetof(struct iphdr, daddr))
#define IP_SRC_OFF (ETH_HLEN_ + offsetof(struct iphdr, saddr))
#define L4_OFF (ETH_HLEN_ + sizeof(struct iphdr))

enum drop_reason { DROP_POLICY = 1, DROP_NO_TAIL_CALL = 2, DROP_BAD_PACKET = 3, DROP_NAT = 4 };

struct svc_key {
	__be32 vip;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct svc {
	__u32 id;
	__u32 count;		/* backends in slots 0..count-1 */
};

struct backend_key {
	__u32 svc_id;
	__u32 slot;
};

struct backend {
	__be32 addr;
	__be16 port;
	__u16 pad;
};

struct ct_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 reply;		/* 1: the reverse direction of a translated flow */
	__u16 pad;
};

struct ct_entry {
	__u64 packets;
	__u64 bytes;
	__u64 created_ns;
	__be32 orig_addr;	/* reply entries: the service address to put back */
	__be16 orig_port;
	__u16 svc_id;
};

struct lpm_v4 {
	__u32 prefixlen;
	__be32 addr;
};

struct policy_key {
	__u32 identity;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct endpoint {
	__u32 ifindex;
	__u8 mac[ETH_ALEN];
	__u8 node_mac[ETH_ALEN];
};

struct drop_notify {
	__u32 reason;
	__u32 identity;
	__be32 saddr;
	__be32 daddr;
};

#ifndef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif

int tail_ipv4(struct __sk_buff *skb);

/* Tail-call targets, filled at load time as libbpf does for `.values`. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} calls SEC(".maps") = {
	.values = { [CALL_IPV4] = (void *)&tail_ipv4 },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct svc_key);
	__type(value, struct svc);
} services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct backend_key);
	__type(value, struct backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct ct_key);
	__type(value, struct ct_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ct4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__type(key, struct lpm_v4);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} ipcache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct policy_key);
	__type(value, __u8);
} policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __be32);
	__type(value, struct endpoint);
} endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

const volatile __u32 cfg_enable_policy = 1;
const volatile __u32 cfg_host_ifindex = 1;

__u64 drops;
__u64 forwards;

struct flow {
	struct ct_key key;
	__u32 len;
	__u8 l4_csum_off;	/* offset of the TCP/UDP checksum from the L4 header */
	__u8 l4_flags;		/* UDP: a zero checksum means none (BPF_F_MARK_MANGLED_0) */
};

static __always_inline int drop(struct __sk_buff *skb, __u32 reason, __u32 identity,
				__be32 saddr, __be32 daddr)
{
	struct drop_notify n = {
		.reason = reason, .identity = identity, .saddr = saddr, .daddr = daddr,
	};
	__u64 cap = skb->len < 64 ? skb->len : 64;

	__sync_fetch_and_add(&drops, 1);
	bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU | (cap << 32), &n, sizeof(n));
	return TC_ACT_SHOT;
}

/* Parse IPv4 + ports into `f`; 0 or a drop reason. */
static __always_inline int parse_flow(struct __sk_buff *skb, struct flow *f)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *iph = data + ETH_HLEN_;
	__be16 *ports;

	if ((void *)(iph + 1) > data_end)
		return DROP_BAD_PACKET;
	if (iph->ihl != 5)
		return DROP_BAD_PACKET;
	f->key.saddr = iph->saddr;
	f->key.daddr = iph->daddr;
	f->key.proto = iph->protocol;
	f->len = skb->len;
	if (iph->protocol == IPPROTO_TCP)
		f->l4_csum_off = offsetof(struct tcphdr, check);
	else if (iph->protocol == IPPROTO_UDP) {
		f->l4_csum_off = offsetof(struct udphdr, check);
		f->l4_flags = BPF_F_MARK_MANGLED_0;
	}
	else
		return 0;	/* no ports: tracked by addresses only */
	ports = (void *)(iph + 1);
	if ((void *)(ports + 2) > data_end)
		return DROP_BAD_PACKET;
	f->key.sport = ports[0];
	f->key.dport = ports[1];
	return 0;
}

/* One address + port rewrite: where, from what, to what. */
struct nat_op {
	__u32 addr_off;
	__u32 port_off;
	__u32 l4_csum;		/* offset of the L4 checksum in the packet, 0: none */
	__be32 old_addr, new_addr;
	__be16 old_port, new_port;
	__u64 l4_flags;
};

/* Rewrite address and port, fixing the IPv4 and L4 checksums. */
static __attribute__((noinline)) int nat_rewrite(struct __sk_buff *skb, const struct nat_op *op)
{
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, op->old_addr, op->new_addr, 4))
		return -1;
	if (op->l4_csum) {
		if (bpf_l4_csum_replace(skb, op->l4_csum, op->old_addr, op->new_addr,
					op->l4_flags | BPF_F_PSEUDO_HDR | 4))
			return -1;
		if (bpf_l4_csum_replace(skb, op->l4_csum, op->old_port, op->new_port,
					op->l4_flags | 2))
			return -1;
	}
	if (bpf_skb_store_bytes(skb, op->addr_off, &op->new_addr, 4, 0))
		return -1;
	if (op->l4_csum && bpf_skb_store_bytes(skb, op->port_off, &op->new_port, 2, 0))
		return -1;
	return 0;
}

/* Whether the source identity may reach (port, proto). */
static __attribute__((noinline)) int policy_allows(__u32 identity, __be16 port, __u8 proto)
{
	struct policy_key k = { .identity = identity, .port = port, .proto = proto };
	__u8 *verdict;

	if (!cfg_enable_policy || identity == HOST_IDENTITY)
		return 1;
	verdict = bpf_map_lookup_elem(&policy, &k);
	if (!verdict) {
		k.port = 0;	/* a rule for every port of the protocol */
		verdict = bpf_map_lookup_elem(&policy, &k);
	}
	return verdict && *verdict;
}

static __always_inline __u32 identity_of(__be32 addr)
{
	struct lpm_v4 k = { .prefixlen = 32, .addr = addr };
	__u32 *id = bpf_map_lookup_elem(&ipcache, &k);

	return id ? *id : WORLD_IDENTITY;
}

static __always_inline __u32 flow_hash(const struct ct_key *k)
{
	__u32 h = k->saddr * 2654435761u;

	h ^= k->daddr + (h << 6) + (h >> 2);
	h ^= ((__u32)k->sport << 16 | k->dport) + (h << 6) + (h >> 2);
	return h ^ k->proto;
}

SEC("tc")
int from_netdev(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_SHOT;
	skb->cb[0] = 0;
	skb->cb[1] = 0;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;	/* IPv6, ARP, ...: the stack's business here */
	bpf_tail_call(skb, &calls, CALL_IPV4);
	return drop(skb, DROP_NO_TAIL_CALL, 0, 0, 0);
}

SEC("tc")
int tail_ipv4(struct __sk_buff *skb)
{
	struct flow f = {};
	struct ct_entry *ct, fresh = {};
	struct svc_key sk = {};
	struct svc *svc;
	struct endpoint *ep;
	__u32 identity;
	int reason;

	reason = parse_flow(skb, &f);
	if (reason)
		return drop(skb, reason, 0, 0, 0);

	/* 1. service translation */
	sk.vip = f.key.daddr;
	sk.port = f.key.dport;
	sk.proto = f.key.proto;
	svc = bpf_map_lookup_elem(&services, &sk);
	if (svc && svc->count) {
		struct backend_key bk = { .svc_id = svc->id };
		struct backend *be;
		__u32 l4_csum = f.l4_csum_off ? L4_OFF + f.l4_csum_off : 0;

		bk.slot = flow_hash(&f.key) % (svc->count < MAX_BACKENDS_PER_SVC ?
					       svc->count : MAX_BACKENDS_PER_SVC);
		be = bpf_map_lookup_elem(&backends, &bk);
		if (!be)
			return drop(skb, DROP_NAT, 0, f.key.saddr, f.key.daddr);
		struct nat_op op = {
			.addr_off = IP_DST_OFF, .port_off = L4_OFF + offsetof(struct tcphdr, dest),
			.l4_csum = l4_csum, .old_addr = f.key.daddr, .new_addr = be->addr,
			.old_port = f.key.dport, .new_port = be->port, .l4_flags = f.l4_flags,
		};
		if (nat_rewrite(skb, &op))
			return drop(skb, DROP_NAT, 0, f.key.saddr, f.key.daddr);
		/* the reply direction: backend -> client, to be given the service address back */
		struct ct_key rk = {
			.saddr = be->addr, .daddr = f.key.saddr, .sport = be->port,
			.dport = f.key.sport, .proto = f.key.proto, .reply = 1,
		};
		struct ct_entry re = {
			.orig_addr = f.key.daddr, .orig_port = f.key.dport, .svc_id = svc->id,
			.created_ns = bpf_ktime_get_ns(),
		};
		bpf_map_update_elem(&ct4, &rk, &re, BPF_NOEXIST);
		skb->cb[0] = svc->id;
		f.key.daddr = be->addr;
		f.key.dport = be->port;
	}

	/* 2. connection tracking */
	ct = bpf_map_lookup_elem(&ct4, &f.key);
	if (!ct) {
		fresh.created_ns = bpf_ktime_get_ns();
		bpf_map_update_elem(&ct4, &f.key, &fresh, BPF_NOEXIST);
		ct = bpf_map_lookup_elem(&ct4, &f.key);
	}
	if (ct) {
		__sync_fetch_and_add(&ct->packets, 1);
		__sync_fetch_and_add(&ct->bytes, f.len);
	}

	/* 3. policy */
	identity = identity_of(f.key.saddr);
	skb->mark = identity;
	if (!policy_allows(identity, f.key.dport, f.key.proto))
		return drop(skb, DROP_POLICY, identity, f.key.saddr, f.key.daddr);

	/* 4. delivery */
	ep = bpf_map_lookup_elem(&endpoints, &f.key.daddr);
	if (!ep)
		return TC_ACT_OK;
	if (bpf_skb_store_bytes(skb, 0, ep->mac, ETH_ALEN, 0) ||
	    bpf_skb_store_bytes(skb, ETH_ALEN, ep->node_mac, ETH_ALEN, 0))
		return drop(skb, DROP_BAD_PACKET, identity, f.key.saddr, f.key.daddr);
	__sync_fetch_and_add(&forwards, 1);
	return bpf_redirect(ep->ifindex, 0);
}

SEC("tc")
int to_netdev(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct flow f = {};
	struct ct_entry *rev;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_SHOT;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (parse_flow(skb, &f))
		return TC_ACT_OK;	/* egress does not judge what it cannot parse */
	f.key.reply = 1;
	rev = bpf_map_lookup_elem(&ct4, &f.key);
	if (!rev)
		return TC_ACT_OK;
	__sync_fetch_and_add(&rev->packets, 1);
	__sync_fetch_and_add(&rev->bytes, f.len);
	struct nat_op op = {
		.addr_off = IP_SRC_OFF, .port_off = L4_OFF + offsetof(struct tcphdr, source),
		.l4_csum = f.l4_csum_off ? L4_OFF + f.l4_csum_off : 0,
		.old_addr = f.key.saddr, .new_addr = rev->orig_addr,
		.old_port = f.key.sport, .new_port = rev->orig_port, .l4_flags = f.l4_flags,
	};
	if (nat_rewrite(skb, &op))
		return drop(skb, DROP_NAT, 0, f.key.saddr, f.key.daddr);
	skb->cb[0] = rev->svc_id;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
