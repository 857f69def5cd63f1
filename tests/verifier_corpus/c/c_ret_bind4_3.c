// The kernel's return-value range for a cgroup program (check_return_code): returns 3.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup/bind4")
int ret_bind4_3(void *ctx)
{
	return 3;
}

char LICENSE[] SEC("license") = "GPL";
