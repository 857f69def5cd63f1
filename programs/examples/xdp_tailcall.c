// SPDX-License-Identifier: MIT
/*
 * xdp_tailcall.c -- a pipeline of XDP stages joined by tail calls through a
 * prog array that is initialised statically (".values"), as Cilium does.
 *
 *   xdp_entry --tail call 0--> stage_l3 --tail call 1--> stage_count
 *
 * stage_l3 drops non-IPv4 frames; stage_count counts packets per IP protocol
 * in an array map and passes them. Slot 2 is left empty on purpose: the entry
 * tries it first, and a tail call to an empty slot falls through.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} stage_hits SEC(".maps");

int stage_l3(struct xdp_md *ctx);
int stage_count(struct xdp_md *ctx);

/* The pipeline: slot -> program, filled by the loader from this initialiser. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} stages SEC(".maps") = {
	.values = {
		[0] = (void *)&stage_l3,
		[1] = (void *)&stage_count,
	},
};

static __always_inline void hit(__u32 stage)
{
	__u64 *v = bpf_map_lookup_elem(&stage_hits, &stage);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int stage_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	__u32 proto;
	__u64 *n;

	hit(2);
	if ((void *)(ip + 1) > data_end)
		return XDP_ABORTED;
	proto = ip->protocol;
	n = bpf_map_lookup_elem(&proto_count, &proto);
	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}

SEC("xdp")
int stage_l3(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	hit(1);
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_DROP;
	bpf_tail_call(ctx, &stages, 1);
	return XDP_ABORTED;	/* only if the tail call failed */
}

SEC("xdp")
int xdp_entry(struct xdp_md *ctx)
{
	hit(0);
	bpf_tail_call(ctx, &stages, 2);	/* empty slot: falls through */
	bpf_tail_call(ctx, &stages, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
