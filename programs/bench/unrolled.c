// SPDX-License-Identifier: MIT
/*
 * unrolled.c -- benchmark: a ~1,000-instruction program, for compile times.
 *
 * A checksum-like mix over the first bytes of the frame, unrolled by the
 * compiler: every step is a bounds check against data_end, two byte loads, a
 * rotate and an add, so the code is mostly memory accesses (the most code per
 * instruction for pybpf's compiled tier). It serves the benchmark's "cold
 * compile of a 1,000-instruction program" figure; the result only picks a
 * verdict.
 *
 * Verdicts:
 *   XDP_PASS  the mix of the first 2 * STEPS bytes is even (or the frame is
 *             shorter: the mix of what there is)
 *   XDP_DROP  it is odd
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define STEPS 76

SEC("xdp")
int bench_unrolled(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *data_end = (void *)(long)ctx->data_end;
	__u32 mix = 0x9e3779b9;

#pragma clang loop unroll(full)
	for (int i = 0; i < STEPS; i++) {
		if (data + 2 * i + 2 > data_end)
			break;
		mix = (mix << 5 | mix >> 27) ^ ((__u32)data[2 * i] << 8 | data[2 * i + 1]);
		mix += (__u32)i * 0x45d9f3b;
	}
	return (mix & 1) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
