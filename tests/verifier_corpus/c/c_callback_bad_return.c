// A bpf_loop callback must return 0 or 1; this one returns a byte of its stack.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static long step(__u64 index, void *ctx)
{
	volatile __u8 buf[8];

	buf[0] = index;
	return buf[0];
}

SEC("xdp")
int callback_bad_return(struct xdp_md *ctx)
{
	bpf_loop(4, step, 0, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
