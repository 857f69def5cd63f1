// bpf_map_push_elem on an array map: the kernel's verifier refuses the program;
// pybpf stops it at the call with a helper error.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} arr SEC(".maps");

SEC("xdp")
int queue_wrongmap(struct xdp_md *ctx)
{
	__u32 v = 1;

	return bpf_map_push_elem(&arr, &v, 0) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
