// kfuncs (here the iterator behind bpf_for) are for GPL-compatible programs only: the
// kernel refuses the call before it walks a single instruction.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int kfunc_non_gpl(struct xdp_md *ctx)
{
	int i, n = 0;

	bpf_for(i, 0, 4)
		n += i;
	return n == 6 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "BSD";
