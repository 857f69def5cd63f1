// A pinned hash map: packets counted by length (exercises M_AUX and the row's count/free list).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, 1);     /* LIBBPF_PIN_BY_NAME */
} pin_by_len SEC(".maps");

SEC("xdp")
int by_len(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u64 one = 1, *v = bpf_map_lookup_elem(&pin_by_len, &len);

	if (v)
		*v += 1;
	else
		bpf_map_update_elem(&pin_by_len, &len, &one, BPF_NOEXIST);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
