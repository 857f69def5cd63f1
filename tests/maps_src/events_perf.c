// bpf_perf_event_output from XDP: samples with and without packet bytes, and the error paths.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
	__u32 len;
	__u16 proto;
	__u8 kind : 4, flags : 4;
	char tag[5];
	__s32 delta;
	__u64 ts;
};

struct event *_event_type __attribute__((unused));  /* keeps struct event in BTF */

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 4);
} events SEC(".maps");

/* rc[i]: what the i-th helper call returned */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __s64);
} rc SEC(".maps");

static __always_inline void put(__u32 k, __s64 v)
{
	bpf_map_update_elem(&rc, &k, &v, BPF_ANY);
}

SEC("xdp")
int perf(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct event ev = {};
	__u32 marker = 0xa1b2c3d4;

	if (data + 14 > end)
		return XDP_ABORTED;
	ev.len = end - data;
	ev.proto = *(__u16 *)(data + 12);
	ev.kind = 3;
	ev.flags = 0xa;
	__builtin_memcpy(ev.tag, "evt!", 5);
	ev.delta = -42;
	ev.ts = bpf_ktime_get_ns();
	put(0, bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &ev, sizeof(ev)));
	/* the marker, then the first 14 packet bytes */
	put(1, bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU | (14ULL << 32), &marker, 4));
	put(2, bpf_perf_event_output(ctx, &events, 2, &marker, 3));
	put(3, bpf_perf_event_output(ctx, &events, 4, &marker, 4));                    /* -E2BIG */
	put(4, bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU | (3000ULL << 32), &marker, 4)); /* -EFAULT */
	put(5, bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU | (1ULL << 60), &marker, 4));    /* -EINVAL */
	put(6, bpf_perf_event_output(ctx, &events, 7 | (3000ULL << 32), &marker, 4));  /* -EFAULT first */
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
