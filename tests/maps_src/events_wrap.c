// Ring buffer records that wrap around the end of the ring: a reserved sample the program
// fills byte by byte, and an output copied from the stack.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 3000);   /* libbpf rounds this up to 4096 */
} ring SEC(".maps");

SEC("xdp")
int wrap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 head[24];
	__u8 seed, *p;
	int i;

	if (data + 14 > end)
		return XDP_ABORTED;
	seed = *(__u8 *)data;
	p = bpf_ringbuf_reserve(&ring, 1000, 0);
	if (!p)
		return XDP_DROP;
	for (i = 0; i < 1000; i++)
		p[i] = seed + i;
	bpf_ringbuf_submit(p, 0);
	for (i = 0; i < 24; i++)
		head[i] = seed ^ i;
	if (bpf_ringbuf_output(&ring, head, sizeof(head), 0))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
