// SPDX-License-Identifier: MIT
/*
 * xdp_fib.c -- an XDP router: bpf_fib_lookup on IPv4/IPv6 destinations, then forward.
 *
 * On BPF_FIB_LKUP_RET_SUCCESS it decrements the TTL / hop limit (IPv4: with the
 * incremental checksum update of RFC 1624), writes the MACs the lookup returned and
 * redirects to the egress ifindex. Other results pass the packet up. The lookup's
 * return value goes to out[0]; the struct bpf_fib_lookup after the call to params[0].
 * cfg[0]: lookup flags; cfg[1]: non-zero overrides the input ifindex; cfg[2]: tot_len
 * override (0: the packet's); cfg[3]: tbid (with BPF_FIB_LOOKUP_TBID); cfg[4]: family
 * override (0: from the packet).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define AF_INET 2
#define AF_INET6 10

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_fib_lookup);
} params SEC(".maps");

static __always_inline __u64 get(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&cfg, &i);
	return v ? *v : 0;
}

static __always_inline int forward(struct xdp_md *ctx, struct bpf_fib_lookup *fib)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (fib->family == AF_INET) {
		struct iphdr *iph = (void *)(eth + 1);
		__u32 check;

		if ((void *)(iph + 1) > data_end)
			return XDP_DROP;
		/* ttl is the high byte of the 16-bit word (ttl, protocol): lowering it by one
		 * lowers the word by 0x0100, so the checksum rises by 0x0100 (RFC 1624) */
		check = iph->check;
		check += bpf_htons(0x0100);
		iph->check = (__u16)(check + (check >= 0xFFFF));
		iph->ttl--;
	} else {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		if ((void *)(ip6h + 1) > data_end)
			return XDP_DROP;
		ip6h->hop_limit--;
	}
	__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
	return bpf_redirect(fib->ifindex, 0);
}

SEC("xdp")
int xdp_fib(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct bpf_fib_lookup fib = {};
	__u32 zero = 0, flags = get(0);
	__u64 ifindex = get(1), tot_len = get(2), tbid = get(3), family = get(4);
	__s64 rc;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > data_end || iph->ttl <= 1)
			return XDP_PASS;
		fib.family = AF_INET;
		fib.tos = iph->tos;
		fib.l4_protocol = iph->protocol;
		fib.tot_len = bpf_ntohs(iph->tot_len);
		fib.ipv4_src = iph->saddr;
		fib.ipv4_dst = iph->daddr;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		if ((void *)(ip6h + 1) > data_end || ip6h->hop_limit <= 1)
			return XDP_PASS;
		fib.family = AF_INET6;
		fib.l4_protocol = ip6h->nexthdr;
		fib.tot_len = bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h);
		__builtin_memcpy(fib.ipv6_src, &ip6h->saddr, 16);
		__builtin_memcpy(fib.ipv6_dst, &ip6h->daddr, 16);
	} else {
		return XDP_PASS;
	}
	fib.ifindex = ifindex ? ifindex : ctx->ingress_ifindex;
	if (tot_len)
		fib.tot_len = tot_len;
	if (flags & BPF_FIB_LOOKUP_TBID)
		fib.tbid = tbid;
	if (family)
		fib.family = family;

	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), flags);
	bpf_map_update_elem(&out, &zero, &rc, BPF_ANY);
	bpf_map_update_elem(&params, &zero, &fib, BPF_ANY);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_PASS;
	return forward(ctx, &fib);
}

char LICENSE[] SEC("license") = "GPL";
