// SPDX-License-Identifier: MIT
/*
 * xdp_meta_chain.c -- metadata handed from XDP to tc, as a NIC driver does for one packet.
 *
 * xdp_mark: pushes 8 bytes of metadata (bpf_xdp_adjust_meta): a mark and the packet
 *   length, and passes the packet up.
 * tc_read_mark: reads the metadata through __sk_buff.data_meta; when present, sets
 *   skb->mark from it and cb[0] to the length it recorded. Without metadata (a plain
 *   BPF_PROG_TEST_RUN of tc) it leaves them alone.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct meta {
	__u32 mark;
	__u32 len;
};

SEC("xdp")
int xdp_mark(struct xdp_md *ctx)
{
	struct meta *m;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return XDP_ABORTED;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return XDP_ABORTED;
	m->mark = 0xC0FFEE;
	m->len = (long)ctx->data_end - (long)ctx->data;
	return XDP_PASS;
}

SEC("tc")
int tc_read_mark(struct __sk_buff *skb)
{
	struct meta *m = (void *)(long)skb->data_meta;

	if ((void *)(m + 1) <= (void *)(long)skb->data) {
		skb->mark = m->mark;
		skb->cb[0] = m->len;
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
