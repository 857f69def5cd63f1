// An LPM trie without BPF_F_NO_PREALLOC: the kernel refuses to create it (EINVAL).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct key4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct key4);
	__type(value, __u32);
	__uint(max_entries, 16);
} bad SEC(".maps");

SEC("xdp")
int lpm_prealloc(struct xdp_md *ctx)
{
	struct key4 k = { .prefixlen = 32 };

	return bpf_map_lookup_elem(&bad, &k) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
