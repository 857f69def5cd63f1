// SPDX-License-Identifier: MIT
/*
 * test_tc_snat.bpf.c -- tc/__sk_buff tests of tc_snat.c written in C (Cilium's layout):
 * PKTGEN builds a UDP packet, SETUP adds the NAT entry and tail-calls tc_snat, CHECK
 * looks at the rewritten packet. Run: python -m pytest programs/tests/test_tc_snat.bpf.c
 */
#include <pybpf/test.h>
#include "tc_snat.c"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(struct __sk_buff *));
} entry SEC(".maps") = {
	.values = { [0] = &tc_snat },
};

#define INSIDE 0x0a000005	/* 10.0.0.5 */
#define OUTSIDE 0xc6336401	/* 198.51.100.1 */
#define UDP_LEN (sizeof(struct udphdr) + 4)
#define PKT_LEN (ETH_HLEN + sizeof(struct iphdr) + UDP_LEN)

PKTGEN("tc", "udp_source_rewritten")
int udp_pktgen(struct __sk_buff *skb)
{
	void *data, *data_end;
	struct ethhdr *eth;
	struct iphdr *ip;
	struct udphdr *udp;

	if (bpf_skb_change_tail(skb, PKT_LEN, 0))
		return TEST_ERROR;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data + PKT_LEN > data_end)
		return TEST_ERROR;
	eth = data;
	ip = (void *)(eth + 1);
	udp = (void *)(ip + 1);
	eth->h_proto = bpf_htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = bpf_htons(sizeof(struct iphdr) + UDP_LEN);
	ip->saddr = bpf_htonl(INSIDE);
	ip->daddr = bpf_htonl(0xcb007109);
	udp->source = bpf_htons(40000);
	udp->dest = bpf_htons(53);
	udp->len = bpf_htons(UDP_LEN);
	udp->check = 0;	/* "no checksum": BPF_F_MARK_MANGLED_0 keeps it so */
	return TEST_PASS;
}

SETUP("tc", "udp_source_rewritten")
int udp_setup(struct __sk_buff *skb)
{
	__u32 from = bpf_htonl(INSIDE), to = bpf_htonl(OUTSIDE);

	bpf_map_update_elem(&snat, &from, &to, BPF_ANY);
	bpf_tail_call(skb, &entry, 0);
	return TEST_ERROR;
}

CHECK("tc", "udp_source_rewritten")
int udp_check(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 *status = data;
	struct iphdr *ip = data + 4 + ETH_HLEN;

	test_init();
	if ((void *)(ip + 1) > data_end)
		test_fatal("packet too short");
	assert(*status == TC_ACT_OK);
	TEST("source rewritten", {
		test_log("saddr %x", bpf_ntohl(ip->saddr));
		assert(ip->saddr == bpf_htonl(OUTSIDE));
		assert(ip->daddr == bpf_htonl(0xcb007109));
	});
	TEST("udp checksum none stays none", {
		struct udphdr *udp = (void *)(ip + 1);

		if ((void *)(udp + 1) > data_end)
			test_fatal("no udp header");
		assert(udp->check == 0);
	});
	TEST("counted", {
		__u32 k = 0;
		__u64 *n = bpf_map_lookup_elem(&nat_stats, &k);

		assert(n && *n == 1);
	});
	test_finish();
}
