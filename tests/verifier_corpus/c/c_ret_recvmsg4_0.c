// The kernel's return-value range for a cgroup program (check_return_code): returns 0.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup/recvmsg4")
int ret_recvmsg4_0(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
