// bpf_loop with a callback and a context struct; stops early when asked.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct loop_ctx {
	__u64 sum;
	__u32 stop_at;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} result SEC(".maps");

static long add_index(__u64 i, void *data)
{
	struct loop_ctx *c = data;

	if (i == c->stop_at)
		return 1;	/* stop */
	c->sum += i * i;
	return 0;
}

SEC("xdp")
int looper(struct xdp_md *ctx)
{
	struct loop_ctx c = { .sum = 0, .stop_at = (ctx->data_end - ctx->data) };
	__u32 k0 = 0, k1 = 1;
	__u64 *sum, *iters;
	long n;

	n = bpf_loop(40, add_index, &c, 0);
	sum = bpf_map_lookup_elem(&result, &k0);
	iters = bpf_map_lookup_elem(&result, &k1);
	if (sum && iters) {
		*sum = c.sum;
		*iters = n;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
