// bpf_for_each_map_elem over an array and a hash map, with an early stop.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} tbl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} out SEC(".maps");

struct walk {
	__u64 keys;
	__u64 values;
	__u32 stop_key;		/* the callback stops after visiting this key */
};

static long visit(void *map, __u32 *key, __u64 *value, struct walk *w)
{
	w->keys += *key;
	w->values += *value;
	*value += 1;		/* callbacks may write the value */
	return *key == w->stop_key;
}

static void put(__u32 k, __u64 v)
{
	__u64 *slot = bpf_map_lookup_elem(&out, &k);

	if (slot)
		*slot = v;
}

SEC("xdp")
int walk(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	struct walk a = { .stop_key = 5 }, h = { .stop_key = 0xffffffff };
	__u32 k = len;
	__u64 v = len * 10;
	long na, nh;

	bpf_map_update_elem(&tbl, &k, &v, BPF_ANY);
	na = bpf_for_each_map_elem(&arr, visit, &a, 0);
	nh = bpf_for_each_map_elem(&tbl, visit, &h, 0);
	put(0, (na << 32) | a.keys);
	put(1, a.values);
	put(2, (nh << 32) | h.keys);
	put(3, h.values);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
