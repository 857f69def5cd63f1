// Keys and values with structure, for the BTF-decoded map API (tests/test_maps_btf.py).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum verdict { V_ALLOW = 1, V_DENY = 2, V_LOG = 7 };

struct flow_key {
	__u32 addr;
	__u16 port;
	__u8 proto;
	__u8 pad;
};

struct rule {
	__u64 hits;
	enum verdict verdict;
	char label[12];
	__u32 flags : 3, weight : 29;
	union {
		__u32 mark;
		__u8 tos;
	};
	__u16 ports[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct flow_key);
	__type(value, struct rule);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct rule);
} per_cpu SEC(".maps");

SEC("xdp")
int count_rule(struct xdp_md *ctx)
{
	struct flow_key k = { .addr = 0x0100000a, .port = 80, .proto = 6 };
	struct rule *r = bpf_map_lookup_elem(&rules, &k);
	if (!r)
		return XDP_PASS;
	r->hits++;
	r->weight += 2;
	return r->verdict == V_DENY ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
