// SPDX-License-Identifier: MIT
/*
 * xdp_firewall.c -- a port-blocking XDP firewall with counters.
 *
 * Drops IPv4 TCP and UDP packets (without IP options) to a blocked destination port: the port in
 * the read-only global `blocked_port` (set it before load, as a libbpf
 * skeleton does; pybpf: load(..., rodata={"blocked_port": 22})) and any port
 * in the hash map `extra_ports` (key: port in host order, value: ignored).
 * Counts packets and bytes per verdict in a per-CPU array, and packets per
 * IPv4 source in an LRU hash.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

volatile const __u16 blocked_port = 23;

enum { STAT_PASS, STAT_DROP, STAT_MAX };

struct counters {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, struct counters);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} extra_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} sources SEC(".maps");

static __always_inline int account(__u32 verdict_stat, __u64 len, int action)
{
	struct counters *c = bpf_map_lookup_elem(&stats, &verdict_stat);

	if (c) {
		c->packets += 1;
		c->bytes += len;
	}
	return action;
}

static __always_inline int port_blocked(__u16 port)
{
	__u32 key = port;

	return port == blocked_port || bpf_map_lookup_elem(&extra_ports, &key) != (void *)0;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u64 one = 1, *seen;
	__u16 dport = 0;
	__u32 saddr;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return account(STAT_PASS, len, XDP_PASS);
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return account(STAT_DROP, len, XDP_DROP);

	saddr = ip->saddr;
	seen = bpf_map_lookup_elem(&sources, &saddr);
	if (seen)
		__sync_fetch_and_add(seen, 1);
	else
		bpf_map_update_elem(&sources, &saddr, &one, BPF_NOEXIST);

	if (ip->ihl != 5)	/* IP options: not inspected by this example */
		return account(STAT_PASS, len, XDP_PASS);
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = (void *)(ip + 1);

		if ((void *)(tcp + 1) > data_end)
			return account(STAT_DROP, len, XDP_DROP);
		dport = bpf_ntohs(tcp->dest);
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = (void *)(ip + 1);

		if ((void *)(udp + 1) > data_end)
			return account(STAT_DROP, len, XDP_DROP);
		dport = bpf_ntohs(udp->dest);
	}
	if (dport && port_blocked(dport))
		return account(STAT_DROP, len, XDP_DROP);
	return account(STAT_PASS, len, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
