// A setsockopt program reads the option value without checking it against optval_end.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup/setsockopt")
int sockopt_optval_unchecked(struct bpf_sockopt *ctx)
{
	unsigned char *v = ctx->optval;

	if (v[0] == 1)
		ctx->optlen = 0;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
