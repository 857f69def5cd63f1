// SPDX-License-Identifier: MIT
/*
 * l4lb.c -- benchmark and example: an XDP layer-4 load balancer in the manner of Katran.
 *
 * A packet to a virtual IP (address, port, protocol in the `vips` hash map) is
 * sent to one of the VIP's real servers and encapsulated IP-in-IP toward it:
 *
 *   1. the flow (5-tuple) is looked up in `conns`, an LRU hash that keeps every
 *      flow on the real it was first given;
 *   2. a new flow hashes its 5-tuple onto the VIP's slice of `ring` (RING_SIZE
 *      slots of real indices per VIP, filled by the control plane), and is
 *      remembered in `conns` with the time it was seen;
 *   3. `reals` gives the real's address; the packet gets an outer IPv4 header
 *      (protocol IPPROTO_IPIP, source `encap_src`, checksum computed here) in
 *      front of the original one, an Ethernet header toward `gw_mac`, and
 *      leaves as XDP_TX.
 *
 * Anything else passes (XDP_PASS): not IPv4, IP options or fragments, no VIP.
 * A VIP whose ring slot names an unknown real drops the packet (XDP_DROP).
 * `stats` (per CPU) counts packets and bytes per outcome.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define RING_SIZE 64
#define MAX_VIPS 32
#define MAX_REALS 256

enum lb_stat { STAT_FORWARDED, STAT_PASSED, STAT_NEW_FLOW, STAT_DROPPED, STAT_MAX };

struct vip_key {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct vip_meta {
	__u32 flags;
	__u32 vip_num;		/* which RING_SIZE slice of `ring` is this VIP's */
};

struct flow_key {
	__be32 src;
	__be32 dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct conn {
	__u32 real;
	__u32 pad;
	__u64 first_seen_ns;
};

struct real {
	__be32 addr;
	__u32 flags;
};

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_VIPS);
	__type(key, struct vip_key);
	__type(value, struct vip_meta);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_VIPS * RING_SIZE);
	__type(key, __u32);
	__type(value, __u32);
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_REALS);
	__type(key, __u32);
	__type(value, struct real);
} reals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, struct conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, struct counter);
} stats SEC(".maps");

/* Set by the control plane before load (libbpf skeleton style, pybpf: rodata=). */
const volatile __u8 gw_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0xfe };
const volatile __be32 encap_src = 0;	/* network order */

static __always_inline void count(__u32 what, __u64 bytes)
{
	struct counter *c = bpf_map_lookup_elem(&stats, &what);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/* A 32-bit mix of the flow (not cryptographic; the same on every run). */
static __always_inline __u32 flow_hash(const struct flow_key *f)
{
	__u32 h = 0x9e3779b9u;

	h ^= f->src;
	h *= 0x85ebca6bu;
	h ^= f->dst + (h >> 13);
	h *= 0xc2b2ae35u;
	h ^= ((__u32)f->sport << 16 | f->dport) + (h >> 16);
	h *= 0x27d4eb2du;
	h ^= f->proto + (h >> 15);
	return h ^ (h >> 16);
}

static __always_inline __u16 ip_checksum(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int l4lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	struct ethhdr *eth = data;
	struct iphdr *iph, inner;
	struct vip_key vk = {};
	struct flow_key fk = {};
	struct vip_meta *vip;
	struct conn *cn;
	struct real *rl;
	__u8 src_mac[ETH_ALEN];
	__u32 real_idx, slot;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		goto pass;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->ihl != 5 || iph->frag_off & bpf_htons(0x3fff))
		goto pass;
	fk.src = iph->saddr;
	fk.dst = iph->daddr;
	fk.proto = iph->protocol;
	if (iph->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(iph + 1);

		if ((void *)(th + 1) > data_end)
			return XDP_DROP;
		fk.sport = th->source;
		fk.dport = th->dest;
	} else if (iph->protocol == IPPROTO_UDP) {
		struct udphdr *uh = (void *)(iph + 1);

		if ((void *)(uh + 1) > data_end)
			return XDP_DROP;
		fk.sport = uh->source;
		fk.dport = uh->dest;
	} else {
		goto pass;
	}

	vk.addr = fk.dst;
	vk.port = fk.dport;
	vk.proto = fk.proto;
	vip = bpf_map_lookup_elem(&vips, &vk);
	if (!vip)
		goto pass;

	cn = bpf_map_lookup_elem(&conns, &fk);
	if (cn) {
		real_idx = cn->real;
	} else {
		struct conn fresh = {};

		slot = vip->vip_num * RING_SIZE + flow_hash(&fk) % RING_SIZE;
		__u32 *r = bpf_map_lookup_elem(&ring, &slot);

		if (!r)
			goto drop;
		real_idx = *r;
		fresh.real = real_idx;
		fresh.first_seen_ns = bpf_ktime_get_ns();
		bpf_map_update_elem(&conns, &fk, &fresh, BPF_ANY);
		count(STAT_NEW_FLOW, len);
	}
	rl = bpf_map_lookup_elem(&reals, &real_idx);
	if (!rl || !rl->addr)
		goto drop;

	/* Keep what the new headers need before the packet moves. */
	__builtin_memcpy(src_mac, eth->h_dest, ETH_ALEN);
	inner = *iph;

	if (bpf_xdp_adjust_head(ctx, 0 - (int)sizeof(struct iphdr)))
		goto drop;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		goto drop;

	__builtin_memcpy(eth->h_source, src_mac, ETH_ALEN);
	eth->h_dest[0] = gw_mac[0];
	eth->h_dest[1] = gw_mac[1];
	eth->h_dest[2] = gw_mac[2];
	eth->h_dest[3] = gw_mac[3];
	eth->h_dest[4] = gw_mac[4];
	eth->h_dest[5] = gw_mac[5];
	eth->h_proto = bpf_htons(ETH_P_IP);

	iph->version = 4;
	iph->ihl = 5;
	iph->tos = inner.tos;
	iph->tot_len = bpf_htons(bpf_ntohs(inner.tot_len) + sizeof(struct iphdr));
	iph->id = 0;
	iph->frag_off = 0;
	iph->ttl = 64;
	iph->protocol = IPPROTO_IPIP;
	iph->check = 0;
	iph->saddr = encap_src;
	iph->daddr = rl->addr;
	iph->check = ip_checksum(iph);

	count(STAT_FORWARDED, len);
	return XDP_TX;
pass:
	count(STAT_PASSED, len);
	return XDP_PASS;
drop:
	count(STAT_DROPPED, len);
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
