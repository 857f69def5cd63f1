// The kernel's return-value range for a cgroup program (check_return_code): returns 1.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup/recvmsg4")
int ret_recvmsg4_1(void *ctx)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
