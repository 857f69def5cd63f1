// The kernel's return-value range for a cgroup_skb program (check_return_code): returns 4.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup_skb/egress")
int ret_cgskb_egress_4(void *ctx)
{
	return 4;
}

char LICENSE[] SEC("license") = "GPL";
