// SPDX-License-Identifier: MIT
/*
 * alu_loop.c -- benchmark: pure register arithmetic, no memory traffic.
 *
 * 760 iterations of a small mixing function (add, xor, shifts, multiply,
 * rotate-by-shift) over four 64-bit lanes, 25 instructions per iteration
 * (clang adds register-to-register moves to the 18 ALU operations),
 * ~19,000 instructions executed per packet. The state is seeded from the
 * first packet bytes and its parity picks the verdict, so clang can neither
 * fold the loop nor drop it; the loop is kept rolled (unroll(disable)) so
 * the instruction count stays what the source says.
 *
 * Verdict: XDP_PASS when the final mix is even, XDP_DROP when odd; XDP_DROP
 * for packets shorter than 8 bytes.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ITERATIONS 760

SEC("xdp")
int bench_alu_loop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 a, b, c, d;
	__u32 i;

	if (data + 8 > data_end)
		return XDP_DROP;
	a = *(__u64 *)data;
	b = a ^ 0x9e3779b97f4a7c15ULL;
	c = 0x243f6a8885a308d3ULL;
	d = 0x13198a2e03707344ULL;

#pragma clang loop unroll(disable)
	for (i = 0; i < ITERATIONS; i++) {
		a += b;
		b ^= a;
		b = (b << 13) | (b >> 51);
		c += b;
		d ^= c;
		d = (d << 32) | (d >> 32);
		a *= 0x100000001b3ULL;
		c ^= d >> 17;
	}
	return ((a ^ b ^ c ^ d) & 1) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
