// SPDX-License-Identifier: MIT
/*
 * xdp_redirect.c -- bpf_redirect and bpf_redirect_map with arguments from a map.
 *
 * cfg[0]: 0 = bpf_redirect(cfg[1], cfg[2]); 1 = bpf_redirect_map(&tx_ports, cfg[1], cfg[2]);
 * 2 = the same on cpus (cpumap), 3 on xsks (xskmap), 4 on tx_hash (devmap_hash).
 * The program returns what the helper returned.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} tx_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

static __always_inline __u64 get(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&cfg, &i);
	return v ? *v : 0;
}

SEC("xdp")
int xdp_redirect(struct xdp_md *ctx)
{
	__u64 op = get(0), key = get(1), flags = get(2);

	switch (op) {
	case 0: return bpf_redirect((__u32)key, flags);
	case 1: return bpf_redirect_map(&tx_ports, key, flags);
	case 2: return bpf_redirect_map(&cpus, key, flags);
	case 3: return bpf_redirect_map(&xsks, key, flags);
	case 4: return bpf_redirect_map(&tx_hash, key, flags);
	}
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
