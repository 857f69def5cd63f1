// SPDX-License-Identifier: MIT
/*
 * xdp_stale.c -- reads a packet pointer taken before bpf_xdp_adjust_head moved the packet.
 *
 * The kernel's verifier refuses this program (the helper invalidates every packet
 * pointer); pybpf, running it unverified, must fault on the stale read instead of
 * reading whatever the old buffer holds (tests/test_xdp_helpers.py).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_stale(struct xdp_md *ctx)
{
	volatile unsigned char *data = (void *)(long)ctx->data;

	if ((void *)(data + 14) > (void *)(long)ctx->data_end)
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, 4))
		return XDP_ABORTED;
	return data[0];
}

char LICENSE[] SEC("license") = "GPL";
