// BPF ring buffer: output, reserve + submit, reserve + discard, queries, a full ring.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sample {
	__u32 seq;
	__u16 proto;
	__u8 first;
	__u8 last;
};

struct sample *_sample_type __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __s64);
} rc SEC(".maps");

static __always_inline void put(__u32 k, __s64 v)
{
	bpf_map_update_elem(&rc, &k, &v, BPF_ANY);
}

SEC("xdp")
int ring(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct sample s = {};
	struct sample *r;
	__u64 *big;
	int i, n = 0;

	if (data + 14 > end)
		return XDP_ABORTED;
	s.seq = 1;
	s.proto = *(__u16 *)(data + 12);
	s.first = *(__u8 *)data;
	s.last = *(__u8 *)(data + 13);
	put(0, bpf_ringbuf_output(&rb, &s, sizeof(s), 0));            /* 16-byte record */

	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);                  /* 16-byte record */
	put(1, r != 0);
	if (r) {
		r->seq = 2;
		r->proto = s.proto;
		r->first = 0xee;
		r->last = 0xff;
		bpf_ringbuf_submit(r, 0);
	}
	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);                  /* 16 bytes, discarded */
	put(2, r != 0);
	if (r) {
		r->seq = 3;
		bpf_ringbuf_discard(r, 0);
	}
	put(3, bpf_ringbuf_output(&rb, &s, sizeof(s), 4));            /* bad flags: -EINVAL */
	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 1);                  /* bad flags: NULL */
	put(4, r != 0);
	if (r)
		bpf_ringbuf_discard(r, 0);
	put(5, bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE));
	put(6, bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA));
	put(7, bpf_ringbuf_query(&rb, BPF_RB_PROD_POS));
	put(8, bpf_ringbuf_query(&rb, BPF_RB_CONS_POS));
	put(9, bpf_ringbuf_query(&rb, 9));
	for (i = 0; i < 8; i++) {                                    /* 1008-byte records */
		big = bpf_ringbuf_reserve(&rb, 1000, 0);
		if (!big)
			break;
		big[0] = 0x1000 + i;
		bpf_ringbuf_submit(big, BPF_RB_NO_WAKEUP);
		n++;
	}
	put(10, n);
	put(11, bpf_ringbuf_output(&rb, &s, 0, BPF_RB_FORCE_WAKEUP));         /* 8 bytes: fits */
	put(12, bpf_ringbuf_output(&rb, &s, 6, 0));                          /* full: -EAGAIN */
	put(13, bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA));
	r = bpf_ringbuf_reserve(&rb, 0, 0);                                     /* 1 byte left: NULL */
	put(14, r != 0);
	if (r)
		bpf_ringbuf_discard(r, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
