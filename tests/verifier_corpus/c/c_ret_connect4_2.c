// The kernel's return-value range for a cgroup program (check_return_code): returns 2.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup/connect4")
int ret_connect4_2(void *ctx)
{
	return 2;
}

char LICENSE[] SEC("license") = "GPL";
