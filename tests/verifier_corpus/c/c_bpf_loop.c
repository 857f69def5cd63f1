// bpf_loop with a callback that adds to a counter on the caller's stack.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static long step(__u64 index, void *ctx)
{
	__u64 *total = ctx;

	*total += index;
	return 0;
}

SEC("xdp")
int loop_helper(struct xdp_md *ctx)
{
	__u64 total = 0;

	bpf_loop(16, step, &total, 0);
	return total == 120 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
