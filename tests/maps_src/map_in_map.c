// array_of_maps with an inner array per slot, initialised statically (".values").
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner inner_a SEC(".maps");
struct inner inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

SEC("xdp")
int pick(struct xdp_md *ctx)
{
	__u32 slot = (ctx->data_end - ctx->data) & 3, zero = 0;
	void *m = bpf_map_lookup_elem(&outer, &slot);
	__u64 *v;

	if (!m)
		return XDP_DROP;	/* empty slot */
	v = bpf_map_lookup_elem(m, &zero);
	if (v)
		*v += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
