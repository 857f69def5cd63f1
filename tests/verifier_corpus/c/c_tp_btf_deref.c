// A tp_btf program's arguments are typed kernel pointers (PTR_TO_BTF_ID): the program
// reads through them directly, without bpf_probe_read_kernel.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct net_device {
	int ifindex;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} last_ifindex SEC(".maps");

SEC("tp_btf/xdp_exception")
int tp_btf_deref(unsigned long long *ctx)
{
	const struct net_device *dev = (void *)ctx[0];
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&last_ifindex, &key);

	if (v)
		*v = dev->ifindex;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
