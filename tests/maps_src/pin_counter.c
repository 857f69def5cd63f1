// Pinned BTF maps: an array and a per-CPU array pinned by name (LIBBPF_PIN_BY_NAME),
// and an unpinned array. -DCOUNTS_MAX / -DCOUNTS_VALUE / -DCOUNTS_FLAGS build an
// incompatible definition of pin_counts (the mismatch tests).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define PIN_BY_NAME 1   /* LIBBPF_PIN_BY_NAME in libbpf's bpf_helpers.h */

#ifndef COUNTS_MAX
#define COUNTS_MAX 4
#endif
#ifndef COUNTS_VALUE
#define COUNTS_VALUE __u64
#endif
#ifndef COUNTS_FLAGS
#define COUNTS_FLAGS 0
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COUNTS_MAX);
	__uint(map_flags, COUNTS_FLAGS);
	__type(key, __u32);
	__type(value, COUNTS_VALUE);
	__uint(pinning, PIN_BY_NAME);
} pin_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, PIN_BY_NAME);
} pin_percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} unpinned_counts SEC(".maps");

SEC("xdp")
int count(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u32 k0 = 0, k1 = 1;
	COUNTS_VALUE *v;
	__u64 *p;

	v = bpf_map_lookup_elem(&pin_counts, &k0);
	if (v)
		*v += 1;                 /* packets */
	v = bpf_map_lookup_elem(&pin_counts, &k1);
	if (v)
		*v += len;               /* bytes */
	p = bpf_map_lookup_elem(&pin_percpu, &k0);
	if (p)
		*p += 1;
	p = bpf_map_lookup_elem(&unpinned_counts, &k0);
	if (p)
		*p += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
