// The kernel's return-value range for a tp_btf program (check_return_code): returns 5.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tp_btf/sched_switch")
int ret_tp_btf_5(void *ctx)
{
	return 5;
}

char LICENSE[] SEC("license") = "GPL";
