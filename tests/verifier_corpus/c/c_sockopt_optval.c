// A getsockopt program reads the option value it checked against optval_end.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup/getsockopt")
int sockopt_optval(struct bpf_sockopt *ctx)
{
	unsigned char *v = ctx->optval;

	if (v + 4 > (unsigned char *)ctx->optval_end)
		return 1;
	v[0] = 0;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
