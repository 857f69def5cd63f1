// In a tp_btf program a number is still not a pointer: reading through a constant
// address is refused.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tp_btf/xdp_exception")
int tp_btf_const_deref(unsigned long long *ctx)
{
	return *(volatile int *)(long)64;
}

char LICENSE[] SEC("license") = "GPL";
