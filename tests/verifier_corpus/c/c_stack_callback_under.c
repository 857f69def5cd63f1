// A bpf_loop callback's stack counts in the combined stack of the call chain:
// 384 bytes in the program and 96 in the callback are 480, under 512.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static long fill(__u64 index, void *ctx)
{
	__u8 buf[96];

	__builtin_memset(buf, index, sizeof(buf));
	bpf_csum_diff(0, 0, (void *)buf, sizeof(buf), 0);
	return 0;
}

SEC("xdp")
int stack_callback_under(struct xdp_md *ctx)
{
	__u8 big[384];

	__builtin_memset(big, 1, sizeof(big));
	bpf_loop(4, fill, 0, 0);
	return bpf_csum_diff(0, 0, (void *)big, sizeof(big), 0) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
