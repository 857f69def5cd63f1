// The kernel's return-value range for a cgroup_skb program (check_return_code): returns 3.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup_skb/egress")
int ret_cgskb_egress_3(void *ctx)
{
	return 3;
}

char LICENSE[] SEC("license") = "GPL";
