// A `const volatile` flag (frozen .rodata) makes the unchecked read dead code:
// the kernel knows the flag's value and does not walk that branch.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile int debug_unchecked = 0;

SEC("xdp")
int rodata_dead(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;

	if (debug_unchecked)
		return data[20];
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
