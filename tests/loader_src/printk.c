// trace_printk, the virtual clock, the seeded PRNG and a helper pybpf lacks.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int printk(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u64 now = bpf_ktime_get_ns();
	__u32 rnd = bpf_get_prandom_u32();

	bpf_printk("len=%u now=%llu cpu=%d", len, now, bpf_get_smp_processor_id());
	bpf_printk("rnd=%x neg=%d", rnd, -5);
	return XDP_PASS;
}

SEC("xdp")
int needs_fib(struct xdp_md *ctx)
{
	struct bpf_fib_lookup p = {};
	return bpf_fib_lookup(ctx, &p, sizeof(p), 0) == 0 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
