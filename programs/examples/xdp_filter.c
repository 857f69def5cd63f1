// SPDX-License-Identifier: MIT
/*
 * xdp_filter.c -- pybpf's bundled default XDP program.
 *
 * Parses Ethernet (with at most one 802.1Q/802.1ad VLAN tag), IPv4 and IPv6,
 * then TCP, UDP, ICMP and ICMPv6, bounds-checking every header against
 * data_end the way the kernel verifier insists on.
 *
 * Verdicts:
 *   XDP_DROP  TCP to port 23 (telnet)
 *   XDP_DROP  UDP to port 19 (chargen, a classic amplification vector)
 *   XDP_DROP  frames too short for the headers they announce
 *   XDP_PASS  everything else (including non-IP and non-first IP fragments)
 *
 * The L4 inspection is a real bpf-to-bpf call (parse_l4 is __noinline), so
 * this object also exercises subprogram calls and their relocations.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define PORT_CHARGEN 19
#define PORT_TELNET 23

/* IPv4 fragment-offset field: "more fragments" flag and the offset bits. */
#define IPV4_MF 0x2000
#define IPV4_OFFSET 0x1fff

#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif

/* Common first 8 bytes of ICMP and ICMPv6 (linux/icmp.h needs libc). */
struct icmp_min {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 rest;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* Where the parser currently is in the packet. */
struct cursor {
	void *pos;
	void *end;
};

/*
 * Ethernet header plus one optional VLAN tag. Returns the (network byte
 * order) EtherType of the payload, or -1 when the frame is too short.
 */
static __always_inline int parse_eth(struct cursor *c)
{
	struct ethhdr *eth = c->pos;
	__be16 proto;

	if ((void *)(eth + 1) > c->end)
		return -1;
	proto = eth->h_proto;
	c->pos = eth + 1;

	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = c->pos;

		if ((void *)(vh + 1) > c->end)
			return -1;
		proto = vh->encap_proto;
		c->pos = vh + 1;
	}
	return proto;
}

/*
 * IPv4 or IPv6 header. Returns the L4 protocol number, 0 when there is no
 * L4 header to look at (a non-first fragment), or -1 when truncated/bogus.
 */
static __always_inline int parse_ip(struct cursor *c, __be16 eth_proto)
{
	if (eth_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = c->pos;
		__u32 hdr_len;

		if ((void *)(iph + 1) > c->end)
			return -1;
		hdr_len = iph->ihl * 4;
		if (hdr_len < sizeof(*iph))
			return -1;
		if (c->pos + hdr_len > c->end)
			return -1;
		c->pos += hdr_len;
		if (iph->frag_off & bpf_htons(IPV4_OFFSET))
			return 0; /* a later fragment: no L4 header in here */
		return iph->protocol;
	}

	if (eth_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = c->pos;

		if ((void *)(ip6h + 1) > c->end)
			return -1;
		c->pos = ip6h + 1;
		return ip6h->nexthdr;
	}

	return 0;
}

/* Verdict from the transport header at l4 (a real subprogram call). */
static __noinline int parse_l4(void *l4, void *data_end, int proto)
{
	switch (proto) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return XDP_DROP;
		if (tcp->doff * 4 < sizeof(*tcp))
			return XDP_DROP;
		if (tcp->dest == bpf_htons(PORT_TELNET))
			return XDP_DROP;
		return XDP_PASS;
	}
	case IPPROTO_UDP: {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return XDP_DROP;
		if (udp->dest == bpf_htons(PORT_CHARGEN))
			return XDP_DROP;
		return XDP_PASS;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		struct icmp_min *icmp = l4;

		if ((void *)(icmp + 1) > data_end)
			return XDP_DROP;
		return XDP_PASS;
	}
	default:
		return XDP_PASS;
	}
}

SEC("xdp")
int xdp_filter(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	int eth_proto, l4_proto;

	eth_proto = parse_eth(&c);
	if (eth_proto < 0)
		return XDP_DROP;

	l4_proto = parse_ip(&c, eth_proto);
	if (l4_proto < 0)
		return XDP_DROP;
	if (l4_proto == 0)
		return XDP_PASS;

	return parse_l4(c.pos, c.end, l4_proto);
}

char LICENSE[] SEC("license") = "GPL";
