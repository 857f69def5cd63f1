// Ring buffer misuse the kernel's verifier refuses, which pybpf reports at run time.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("xdp")
int leak(struct xdp_md *ctx)
{
	__u32 *p = bpf_ringbuf_reserve(&rb, 4, 0);

	if (p)
		*p = 7;   /* neither submitted nor discarded */
	return XDP_PASS;
}

SEC("xdp")
int bad_submit(struct xdp_md *ctx)
{
	__u64 x = 1;

	bpf_ringbuf_submit(&x, 0);
	return XDP_PASS;
}

SEC("xdp")
int twice(struct xdp_md *ctx)
{
	__u32 *p = bpf_ringbuf_reserve(&rb, 4, 0);

	if (!p)
		return XDP_DROP;
	*p = 9;
	bpf_ringbuf_submit(p, 0);
	bpf_ringbuf_discard(p, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
