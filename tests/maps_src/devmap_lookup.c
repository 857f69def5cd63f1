// Program-side lookups in device, CPU and socket maps: NULL for an empty slot (as
// xdp-tutorial's AF_XDP program relies on before bpf_redirect_map).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devs SEC(".maps");

SEC("xdp")
int to_socket(struct xdp_md *ctx)
{
	__u32 q = ctx->rx_queue_index;

	if (bpf_map_lookup_elem(&xsks, &q))
		return bpf_redirect_map(&xsks, q, 0);
	return XDP_PASS;
}

SEC("xdp")
int to_device(struct xdp_md *ctx)
{
	__u32 k = 1;
	__u32 *ifindex = bpf_map_lookup_elem(&devs, &k);

	if (!ifindex)
		return XDP_DROP;
	return *ifindex == 1 ? XDP_TX : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
