// Global data in .data, .rodata and .bss, a bpf-to-bpf call and a loop.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

volatile const __u32 threshold = 60;     /* .rodata */
__u32 seen = 7;                          /* .data */
__u64 total_bytes;                       /* .bss */

static __noinline __u32 classify(__u32 len)
{
	return len > threshold ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int globals(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	seen += 1;
	total_bytes += len;
	return classify(len);
}

char LICENSE[] SEC("license") = "GPL";
