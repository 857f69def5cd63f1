// Program-side hash maps compared with the kernel (tests/test_maps_hash.py):
// packets counted per IPv4 source, per length (per-CPU) and per flow (LRU).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

struct flow {
	__u32 saddr, daddr;
};

struct counters {
	__u64 packets, bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} by_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} by_len SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 512);
	__type(key, struct flow);
	__type(value, struct counters);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 512);
	__type(key, __u8);
	__type(value, __u32);
} by_ttl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} pscratch SEC(".maps");

SEC("xdp")
int count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	__u32 len = end - data, saddr;
	__u64 one = 1, *n;

	if ((void *)(ip + 1) > end)
		return XDP_ABORTED;
	saddr = ip->saddr;
	if (eth->h_dest[0] == 0xde) {          /* "delete" packets */
		bpf_map_delete_elem(&by_src, &saddr);
		return XDP_DROP;
	}
	n = bpf_map_lookup_elem(&by_src, &saddr);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&by_src, &saddr, &one, BPF_NOEXIST);

	n = bpf_map_lookup_elem(&by_len, &len);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&by_len, &len, &one, BPF_NOEXIST);

	struct flow f = { ip->saddr, ip->daddr };
	struct counters *c = bpf_map_lookup_elem(&flows, &f);
	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, len);
	} else {
		struct counters init = { 1, len };
		bpf_map_update_elem(&flows, &f, &init, BPF_ANY);
	}

	__u8 ttl = ip->ttl;
	__u32 *t = bpf_map_lookup_elem(&by_ttl, &ttl);
	if (t) {
		*t += len;
	} else {
		__u32 v = len;
		bpf_map_update_elem(&by_ttl, &ttl, &v, BPF_NOEXIST);
	}
	return XDP_PASS;
}

/* Value pointers across an update: the hash swaps in a new element (the old pointer
 * keeps the old value), the per-CPU hash updates in place. Returns old*100 + pcpu. */
SEC("xdp")
int stale(struct xdp_md *ctx)
{
	__u32 k = 7;
	__u64 v1 = 1, v2 = 2, *p, *q, r;

	bpf_map_update_elem(&scratch, &k, &v1, BPF_ANY);
	p = bpf_map_lookup_elem(&scratch, &k);
	if (!p)
		return 9999;
	bpf_map_update_elem(&scratch, &k, &v2, BPF_ANY);
	r = *p * 100;
	bpf_map_update_elem(&pscratch, &k, &v1, BPF_ANY);
	q = bpf_map_lookup_elem(&pscratch, &k);
	if (!q)
		return 9998;
	bpf_map_update_elem(&pscratch, &k, &v2, BPF_ANY);
	return r + *q;
}

/* Error codes of updates and deletes, 5 bits each. */
SEC("xdp")
int codes(struct xdp_md *ctx)
{
	__u32 k = 1, k2 = 2, k3 = 3;
	__u64 v = 5;
	__u32 out = 0;

	bpf_map_delete_elem(&scratch, &k);
	out |= (__u32)-bpf_map_update_elem(&scratch, &k, &v, BPF_NOEXIST);
	out |= (__u32)-bpf_map_update_elem(&scratch, &k, &v, BPF_NOEXIST) << 5;
	out |= (__u32)-bpf_map_update_elem(&scratch, &k2, &v, BPF_EXIST) << 10;
	out |= (__u32)-bpf_map_update_elem(&scratch, &k, &v, BPF_F_LOCK) << 15;
	out |= (__u32)-bpf_map_update_elem(&pscratch, &k3, &v, 8) << 20;
	out |= (__u32)-bpf_map_delete_elem(&scratch, &k2) << 25;
	return out;
}

char LICENSE[] SEC("license") = "GPL";
