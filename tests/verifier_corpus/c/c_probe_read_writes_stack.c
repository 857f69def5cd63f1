// bpf_probe_read_kernel fills its buffer (ARG_PTR_TO_UNINIT_MEM): the zero stored in `v`
// before the call is forgotten, so the unchecked packet read behind `if (v)` is walked
// and refused.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int probe_read_stack(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	__u32 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)(long)ctx->data_meta);
	if (v)
		return data[30];
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
