// SPDX-License-Identifier: MIT
/*
 * parse.c -- benchmark: a typical short XDP fast path.
 *
 * Parses Ethernet / IPv4 / TCP with the bounds checks the verifier demands
 * and applies a handful of header sanity checks, the kind of work a simple
 * XDP firewall does per packet (~60 instructions executed).
 *
 * Verdicts:
 *   XDP_PASS  a well-formed IPv4/TCP packet (and anything that is not IPv4/TCP)
 *   XDP_DROP  truncated headers, a bad IPv4 version/IHL/total length, a
 *             fragment, a multicast (224/4) source address, a bad TCP data
 *             offset, destination port 0, or the SYN+FIN and no-flag ("null
 *             scan") TCP flag combinations
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define IPV4_MF 0x2000
#define IPV4_OFFSET 0x1fff

/* The TCP flags byte (offset 13 of the header). */
#define TCP_FIN 0x01
#define TCP_SYN 0x02

SEC("xdp")
int bench_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct tcphdr *tcp;
	__u32 ihl, tot_len, saddr;
	__u8 flags;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->version != 4)
		return XDP_DROP;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph))
		return XDP_DROP;
	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < ihl || (void *)iph + tot_len > data_end)
		return XDP_DROP;
	if (iph->frag_off & bpf_htons(IPV4_MF | IPV4_OFFSET))
		return XDP_DROP;
	saddr = bpf_ntohl(iph->saddr);
	if ((saddr >> 28) == 0xe)
		return XDP_DROP;
	if (iph->protocol != IPPROTO_TCP)
		return XDP_PASS;

	tcp = (void *)iph + ihl;
	if ((void *)(tcp + 1) > data_end)
		return XDP_DROP;
	if (tcp->doff * 4 < sizeof(*tcp) || tcp->doff * 4 > tot_len - ihl)
		return XDP_DROP;
	if (tcp->dest == 0)
		return XDP_DROP;
	flags = ((__u8 *)tcp)[13];
	if ((flags & (TCP_SYN | TCP_FIN)) == (TCP_SYN | TCP_FIN))
		return XDP_DROP;
	if (flags == 0)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
