// An array index the verifier cannot bound.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct slots {
	__u64 v[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct slots);
} table SEC(".maps");

SEC("xdp")
int map_unbounded(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct slots *s = bpf_map_lookup_elem(&table, &key);

	if (!s)
		return XDP_PASS;
	s->v[ctx->ingress_ifindex] += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
