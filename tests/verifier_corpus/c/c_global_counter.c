// A global counter in .bss, incremented atomically.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 packets = 0;

SEC("xdp")
int global_counter(struct xdp_md *ctx)
{
	__sync_fetch_and_add(&packets, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
