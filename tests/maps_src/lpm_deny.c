// CIDR deny lists: IPv4 and IPv6 LPM tries looked up by the packet's source address.
// A matching rule's action is the verdict (XDP_DROP, XDP_PASS, XDP_TX); the program
// counts hits through the value pointer. No match: XDP_PASS.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct key4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct key6 {
	__u32 prefixlen;
	__u8 addr[16];
};

struct rule {
	__u32 action;
	__u32 hits;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct key4);
	__type(value, struct rule);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} deny4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct key6);
	__type(value, struct rule);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} deny6 SEC(".maps");

SEC("xdp")
int lpm_deny(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct rule *r = 0;

	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		struct key4 k = { .prefixlen = 32 };

		if ((void *)(ip + 1) > end)
			return XDP_PASS;
		__builtin_memcpy(k.addr, &ip->saddr, 4);
		r = bpf_map_lookup_elem(&deny4, &k);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct key6 k = { .prefixlen = 128 };

		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		__builtin_memcpy(k.addr, &ip6->saddr, 16);
		r = bpf_map_lookup_elem(&deny6, &k);
	}
	if (!r)
		return XDP_PASS;
	r->hits += 1;
	return r->action;
}

char LICENSE[] SEC("license") = "GPL";
