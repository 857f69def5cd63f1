// SPDX-License-Identifier: MIT
/*
 * xdp_ctx_access.c -- accesses to struct xdp_md the kernel's verifier allows or refuses.
 *
 * Only aligned 4-byte loads are allowed, no stores, and egress_ifindex only in devmap
 * programs; each bad_* program breaks one rule (tests/test_xdp_helpers.py compares
 * pybpf's fault with the kernel's refusal, "invalid bpf_context access off=N size=M").
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int good_read(struct xdp_md *ctx)
{
	return ctx->ingress_ifindex + ctx->rx_queue_index + 1;
}

SEC("xdp")
int bad_narrow_read(struct xdp_md *ctx)
{
	return *(volatile __u8 *)((char *)ctx + 12);
}

SEC("xdp")
int bad_egress_read(struct xdp_md *ctx)
{
	return *(volatile __u32 *)&ctx->egress_ifindex;
}

SEC("xdp")
int bad_store(struct xdp_md *ctx)
{
	*(volatile __u32 *)&ctx->rx_queue_index = 1;
	return XDP_PASS;
}

SEC("xdp")
int bad_past_end(struct xdp_md *ctx)
{
	return *(volatile __u32 *)((char *)ctx + 24);
}

SEC("xdp/devmap")
int devmap_prog(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
