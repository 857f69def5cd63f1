// An sk_lookup program reads ctx->sk without checking it for NULL.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sk_lookup")
int sk_lookup_sk_unchecked(struct bpf_sk_lookup *ctx)
{
	return ctx->sk->type == 2 ? SK_DROP : SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
