// An sk_lookup program reads the socket already selected (ctx->sk, NULL when none was)
// after checking it for NULL.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sk_lookup")
int sk_lookup_sk(struct bpf_sk_lookup *ctx)
{
	struct bpf_sock *sk = ctx->sk;

	if (sk && sk->type == 2)
		return SK_DROP;
	return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
