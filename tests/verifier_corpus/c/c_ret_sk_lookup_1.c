// The kernel's return-value range for a sk_lookup program (check_return_code): returns 1.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sk_lookup")
int ret_sk_lookup_1(void *ctx)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
