// XDP may not write ctx->data.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int ctx_write(struct xdp_md *ctx)
{
	ctx->data = ctx->data_end;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
