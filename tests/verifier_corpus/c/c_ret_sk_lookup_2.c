// The kernel's return-value range for a sk_lookup program (check_return_code): returns 2.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sk_lookup")
int ret_sk_lookup_2(void *ctx)
{
	return 2;
}

char LICENSE[] SEC("license") = "GPL";
