// The kernel's return-value range for a cgroup program (check_return_code): returns 4.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup/bind4")
int ret_bind4_4(void *ctx)
{
	return 4;
}

char LICENSE[] SEC("license") = "GPL";
