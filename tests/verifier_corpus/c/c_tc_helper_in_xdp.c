// bpf_skb_load_bytes is a tc helper; XDP programs cannot call it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int tc_helper(struct xdp_md *ctx)
{
	char buf[4];

	if (bpf_skb_load_bytes(ctx, 0, buf, sizeof(buf)))
		return XDP_DROP;
	return buf[0] ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
