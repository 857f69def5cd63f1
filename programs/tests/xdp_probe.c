// SPDX-License-Identifier: MIT
/*
 * xdp_probe.c -- call one XDP packet helper with arguments from a map, record its answer.
 *
 * cfg[0] selects the helper (enum op), cfg[1..3] are its arguments. out[0] gets the
 * helper's return value, out[1] the packet length (data_end - data) after it, out[2]
 * the metadata length (data - data_meta), out[3] bytes the helper produced (load_bytes,
 * check_mtu's mtu_len). Returns XDP_PASS, so data_out shows what the helper did.
 * Tests drive the same object in pybpf and in the kernel (tests/test_xdp_helpers.py).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum op {
	OP_ADJUST_HEAD, OP_ADJUST_META, OP_ADJUST_TAIL, OP_LOAD_BYTES, OP_STORE_BYTES,
	OP_GET_BUFF_LEN, OP_CHECK_MTU, OP_CSUM_DIFF, OP_META_THEN_HEAD,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __s64);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __s64);
} out SEC(".maps");

static __always_inline __s64 get(__u32 i)
{
	__s64 *v = bpf_map_lookup_elem(&cfg, &i);
	return v ? *v : 0;
}

static __always_inline void put(__u32 i, __s64 value)
{
	bpf_map_update_elem(&out, &i, &value, BPF_ANY);
}

SEC("xdp")
int xdp_probe(struct xdp_md *ctx)
{
	__s64 op = get(0), a = get(1), b = get(2), c = get(3);
	__u8 buf[64] = {};
	__u32 mtu = 0;
	__s64 ret = -1;

	switch (op) {
	case OP_ADJUST_HEAD:
		ret = bpf_xdp_adjust_head(ctx, (int)a);
		break;
	case OP_ADJUST_META:
		ret = bpf_xdp_adjust_meta(ctx, (int)a);
		if (ret == 0 && b) {  /* write b into the new metadata, as a u32 per 4 bytes */
			__u32 *meta = (void *)(long)ctx->data_meta;
			if ((void *)(meta + 1) <= (void *)(long)ctx->data)
				*meta = (__u32)b;
		}
		break;
	case OP_ADJUST_TAIL:
		ret = bpf_xdp_adjust_tail(ctx, (int)a);
		break;
	case OP_LOAD_BYTES:
		ret = bpf_xdp_load_bytes(ctx, (__u32)a, buf, 8);
		put(3, *(__s64 *)buf);
		break;
	case OP_STORE_BYTES:
		*(__s64 *)buf = b;
		ret = bpf_xdp_store_bytes(ctx, (__u32)a, buf, 8);
		break;
	case OP_GET_BUFF_LEN:
		ret = bpf_xdp_get_buff_len(ctx);
		break;
	case OP_CHECK_MTU:
		mtu = (__u32)b;
		ret = bpf_check_mtu(ctx, (__u32)a, &mtu, (__s32)c, 0);
		put(3, mtu);
		break;
	case OP_CSUM_DIFF:
		/* from: the first a bytes after the Ethernet header, to: b bytes from offset 32 of
		 * the same copy, seed c */
		if (bpf_xdp_load_bytes(ctx, 14, buf, 64) == 0)
			ret = bpf_csum_diff((__be32 *)buf, a & 31, (__be32 *)(buf + 32), b & 31,
					    (__wsum)c);
		break;
	case OP_META_THEN_HEAD:  /* metadata of a bytes, then move data by b */
		ret = bpf_xdp_adjust_meta(ctx, (int)a);
		if (ret == 0) {
			__u32 *meta = (void *)(long)ctx->data_meta;
			if ((void *)(meta + 1) <= (void *)(long)ctx->data)
				*meta = 0xa1b2c3d4;
			ret = bpf_xdp_adjust_head(ctx, (int)b);
		}
		break;
	}
	put(0, ret);
	put(1, (long)ctx->data_end - (long)ctx->data);
	put(2, (long)ctx->data - (long)ctx->data_meta);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
