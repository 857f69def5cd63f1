// SPDX-License-Identifier: MIT
/*
 * test_xdp_firewall.bpf.c -- unit tests of programs/examples/xdp_firewall.c, written in C.
 *
 * Run: python -m pytest programs/tests/test_xdp_firewall.bpf.c   (no root needed)
 *
 * Each test builds a packet (PKTGEN), runs the firewall on it through a tail
 * call (SETUP: the firewall's verdict reaches CHECK as the packet's first 4
 * bytes) and checks verdict and counters (CHECK). The layout is Cilium's
 * bpf/tests one, so the same file style runs under Cilium's runner.
 */
#include <pybpf/test.h>
#include "../examples/xdp_firewall.c"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(struct xdp_md *));
} firewall SEC(".maps") = {
	.values = { [0] = &xdp_firewall },
};

#define PKT_LEN (sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct tcphdr))

/* Shrink the runner's 3520-byte buffer to one Ethernet/IPv4/TCP packet to dport. */
static __always_inline int tcp_packet(struct xdp_md *ctx, __u16 dport)
{
	void *data, *data_end;
	struct ethhdr *eth;
	struct iphdr *ip;
	struct tcphdr *tcp;

	if (bpf_xdp_adjust_tail(ctx, (int)PKT_LEN - (int)(ctx->data_end - ctx->data)))
		return TEST_ERROR;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + PKT_LEN > data_end)
		return TEST_ERROR;
	eth = data;
	ip = (void *)(eth + 1);
	tcp = (void *)(ip + 1);
	eth->h_proto = bpf_htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->tot_len = bpf_htons(PKT_LEN - sizeof(struct ethhdr));
	ip->saddr = bpf_htonl(0x0a000001);
	ip->daddr = bpf_htonl(0x0a000002);
	tcp->source = bpf_htons(40000);
	tcp->dest = bpf_htons(dport);
	tcp->doff = 5;
	tcp->syn = 1;
	return TEST_PASS;
}

static __always_inline __u64 packets(__u32 stat)
{
	struct counters *c = bpf_map_lookup_elem(&stats, &stat);

	return c ? c->packets : ~0ULL;
}

PKTGEN("xdp", "telnet_is_dropped")
int telnet_pktgen(struct xdp_md *ctx)
{
	return tcp_packet(ctx, 23);
}

SETUP("xdp", "telnet_is_dropped")
int telnet_setup(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &firewall, 0);
	return TEST_ERROR;
}

CHECK("xdp", "telnet_is_dropped")
int telnet_check(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 *verdict = data;

	test_init();
	if (data + 4 + PKT_LEN > data_end)
		test_fatal("packet too short: %ld bytes", (long)(data_end - data));
	test_log("verdict %u", *verdict);
	assert(*verdict == XDP_DROP);
	TEST("counted as dropped", {
		assert(packets(STAT_DROP) == 1);
		assert(packets(STAT_PASS) == 0);
	});
	test_finish();
}

PKTGEN("xdp", "web_passes")
int web_pktgen(struct xdp_md *ctx)
{
	return tcp_packet(ctx, 80);
}

SETUP("xdp", "web_passes")
int web_setup(struct xdp_md *ctx)
{
	__u32 extra = 8080;
	__u8 yes = 1;

	/* ports in extra_ports are blocked too: 80 is not one of them */
	bpf_map_update_elem(&extra_ports, &extra, &yes, BPF_ANY);
	bpf_tail_call(ctx, &firewall, 0);
	return TEST_ERROR;
}

CHECK("xdp", "web_passes")
int web_check(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 *verdict = data;
	__u32 saddr = bpf_htonl(0x0a000001);
	__u64 *seen;

	test_init();
	if (data + 4 + PKT_LEN > data_end)
		test_fatal("packet too short");
	assert(*verdict == XDP_PASS);
	TEST("counters keep state across tests", {
		/* telnet_is_dropped ran first (tests run in name order) */
		assert(packets(STAT_DROP) == 1);
		assert(packets(STAT_PASS) == 1);
	});
	TEST("source recorded", {
		seen = bpf_map_lookup_elem(&sources, &saddr);
		if (!seen)
			test_fatal("10.0.0.1 not in sources");
		assert(*seen == 2);
	});
	test_finish();
}
