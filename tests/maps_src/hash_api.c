// Hash-family maps driven from the Python API (tests/test_maps_hash.py), and small XDP
// programs touching them from the program side.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct key16 {
	__u32 a, b, c, d;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} small SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1000);
	__type(key, struct key16);
	__type(value, __u32);
} big SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 3);
	__type(key, __u16);
	__type(value, __u64);
} lru_pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} by_len SEC(".maps");

SEC("xdp")
int count_len(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u64 one = 1, *v = bpf_map_lookup_elem(&by_len, &len);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&by_len, &len, &one, BPF_NOEXIST);
	return XDP_PASS;
}

/* A program-side lookup in `lru` (touches the key = packet length). */
SEC("xdp")
int lru_touch(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	return bpf_map_lookup_elem(&lru, &len) ? XDP_PASS : XDP_DROP;
}

/* A program-side update of this CPU's value in `pcpu` (key = packet length). */
SEC("xdp")
int pcpu_set(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data, v = 77;

	return bpf_map_update_elem(&pcpu, &len, &v, BPF_ANY) == 0 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
