// An open-coded iterator loop (bpf_for) summing packet bytes into a map value.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} total SEC(".maps");

SEC("xdp")
int bpf_for_sum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 sum = 0;
	__u32 zero = 0;
	__u64 *out;
	int i;

	bpf_for(i, 0, 32) {
		unsigned char *p = data + i;

		if ((void *)(p + 1) > data_end)
			break;
		sum += *p;
	}
	out = bpf_map_lookup_elem(&total, &zero);
	if (out)
		*out += sum;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
