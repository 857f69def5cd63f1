// xdp_md.egress_ifindex is readable by a program libbpf loads for a devmap entry
// (SEC("xdp/devmap"): expected attach type BPF_XDP_DEVMAP); plain XDP may not read it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp/devmap")
int devmap_egress(struct xdp_md *ctx)
{
	return ctx->egress_ifindex == 3 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
