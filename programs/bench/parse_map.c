// SPDX-License-Identifier: MIT
/*
 * parse_map.c -- benchmark: the XDP parse fast path plus per-flow state in a hash map.
 *
 * Parses Ethernet / IPv4 / TCP or UDP with the verifier's bounds checks, then
 * counts packets and bytes per flow (5-tuple) in a hash map: a lookup, and an
 * insert for a flow seen for the first time (~90 instructions executed).
 * A flow table that is full drops the new flow's packet.
 *
 * Verdicts: XDP_PASS for counted packets and for anything not IPv4/TCP/UDP,
 * XDP_DROP for truncated headers, IP options and a full flow table.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct flow {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u32 proto;
};

struct flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow);
	__type(value, struct flow_stats);
} flows SEC(".maps");

SEC("xdp")
int bench_parse_map(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct flow key = {};
	struct flow_stats *st;
	__be16 *ports;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->ihl != 5)
		return XDP_DROP;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return XDP_PASS;
	ports = (void *)(iph + 1);
	if ((void *)(ports + 2) > data_end)
		return XDP_DROP;
	key.saddr = iph->saddr;
	key.daddr = iph->daddr;
	key.sport = ports[0];
	key.dport = ports[1];
	key.proto = iph->protocol;

	st = bpf_map_lookup_elem(&flows, &key);
	if (!st) {
		struct flow_stats fresh = { .packets = 1, .bytes = data_end - data };

		if (bpf_map_update_elem(&flows, &key, &fresh, BPF_NOEXIST))
			return XDP_DROP;
		return XDP_PASS;
	}
	__sync_fetch_and_add(&st->packets, 1);
	__sync_fetch_and_add(&st->bytes, data_end - data);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
