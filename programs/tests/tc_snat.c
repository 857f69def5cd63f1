// SPDX-License-Identifier: MIT
/*
 * tc_snat.c -- source NAT for IPv4 TCP/UDP at tc egress, with counters.
 *
 * The hash map `snat` maps an IPv4 source address (network order) to the
 * address that replaces it. The program rewrites the source with
 * bpf_skb_store_bytes and patches the IPv4 checksum (bpf_l3_csum_replace) and
 * the TCP or UDP checksum (bpf_l4_csum_replace with BPF_F_PSEUDO_HDR: the
 * address is part of the pseudo-header; for UDP also BPF_F_MARK_MANGLED_0, so a
 * zero checksum, "none", stays zero). `nat_stats[0]` counts rewritten
 * packets, `nat_stats[1]` packets left alone. Tests: test_tc_snat.py.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))
#define IP_SRC_OFF (ETH_HLEN + offsetof(struct iphdr, saddr))
#define L4_OFF (ETH_HLEN + sizeof(struct iphdr))

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u32);
} snat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} nat_stats SEC(".maps");

static __always_inline int count(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&nat_stats, &what);

	if (n)
		__sync_fetch_and_add(n, 1);
	return TC_ACT_OK;
}

SEC("tc")
int tc_snat(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 old, *new;
	int l4_csum, l4_flags = BPF_F_PSEUDO_HDR | sizeof(__u32);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5)
		return count(1);
	if (ip->protocol == IPPROTO_TCP)
		l4_csum = L4_OFF + offsetof(struct tcphdr, check);
	else if (ip->protocol == IPPROTO_UDP) {
		l4_csum = L4_OFF + offsetof(struct udphdr, check);
		l4_flags |= BPF_F_MARK_MANGLED_0;
	} else
		return count(1);
	old = ip->saddr;
	new = bpf_map_lookup_elem(&snat, &old);
	if (!new)
		return count(1);
	if (bpf_l4_csum_replace(skb, l4_csum, old, *new, l4_flags) ||
	    bpf_l3_csum_replace(skb, IP_CSUM_OFF, old, *new, sizeof(*new)) ||
	    bpf_skb_store_bytes(skb, IP_SRC_OFF, new, sizeof(*new), 0))
		return TC_ACT_SHOT;
	return count(0);
}

char LICENSE[] SEC("license") = "GPL";
