// SPDX-License-Identifier: MIT
/*
 * xdp_tunnel.c -- IPv4-in-IPv4 (IPIP) encapsulation and decapsulation in XDP.
 *
 * xdp_ipip_encap: an IPv4 packet gets an outer IPv4 header (192.0.2.1 -> 192.0.2.2,
 *   protocol 4, TTL 64) in front of the inner one: bpf_xdp_adjust_head(-20), the
 *   Ethernet header moved to the new front, the outer header's checksum computed with
 *   bpf_csum_diff. It then pushes 4 bytes of metadata (bpf_xdp_adjust_meta) holding the
 *   inner packet's length, which a later program (or tc) can read. Returns XDP_TX.
 * xdp_ipip_decap: removes the outer header of an IPIP packet (bpf_xdp_adjust_head(+20)),
 *   keeping any metadata in front (the helper carries it along), and counts the
 *   metadata it saw in `seen`. Returns XDP_PASS, or XDP_DROP for a non-IPIP packet.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} seen SEC(".maps");

static __always_inline __u16 fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

SEC("xdp")
int xdp_ipip_encap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data, eth_copy;
	struct iphdr *inner = (void *)(eth + 1), *outer;
	__u32 *meta;
	__u16 inner_len;

	if ((void *)(inner + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	inner_len = bpf_ntohs(inner->tot_len);
	__builtin_memcpy(&eth_copy, eth, sizeof(eth_copy));

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	outer = (void *)(eth + 1);
	if ((void *)(outer + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(eth, &eth_copy, sizeof(*eth));
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = 0;
	outer->tot_len = bpf_htons(inner_len + sizeof(struct iphdr));
	outer->id = 0;
	outer->frag_off = bpf_htons(0x4000);  /* DF */
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->check = 0;
	outer->saddr = bpf_htonl(0xc0000201);
	outer->daddr = bpf_htonl(0xc0000202);
	outer->check = fold(bpf_csum_diff(0, 0, (__be32 *)outer, sizeof(*outer), 0));

	if (bpf_xdp_adjust_meta(ctx, -4))
		return XDP_ABORTED;
	meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) > (void *)(long)ctx->data)
		return XDP_ABORTED;
	*meta = inner_len;
	return XDP_TX;
}

SEC("xdp")
int xdp_ipip_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data, eth_copy;
	struct iphdr *outer = (void *)(eth + 1);
	__u32 *meta = (void *)(long)ctx->data_meta, zero = 0, *count;

	if ((void *)(outer + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    outer->protocol != IPPROTO_IPIP || outer->ihl != 5)
		return XDP_DROP;
	if ((void *)(meta + 1) <= data) {
		count = bpf_map_lookup_elem(&seen, &zero);
		if (count)
			*count = *meta;
	}
	__builtin_memcpy(&eth_copy, eth, sizeof(eth_copy));
	if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct iphdr)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(eth, &eth_copy, sizeof(*eth));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
