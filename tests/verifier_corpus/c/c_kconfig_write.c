// __kconfig variables live in a map the program may only read: a store is refused.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int LINUX_HAS_BPF_COOKIE __kconfig;

SEC("xdp")
int kconfig_write(struct xdp_md *ctx)
{
	*(volatile int *)&LINUX_HAS_BPF_COOKIE = 0;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
