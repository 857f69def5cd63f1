// Program-side LPM operations driven by the packet: after the 14-byte Ethernet
// header, a command says what to do with map `cmd4`; the program writes the
// helper's result (and a looked-up value) back into the packet.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct key4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct cmd {
	__u32 op;       /* 0 lookup, 1 update, 2 delete */
	__u32 flags;
	struct key4 key;
	__u64 value;
	__s64 ret;      /* out: 0 / -errno; lookup: 0 found, -2 missing */
	__u64 out;      /* out: looked-up value */
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct key4);
	__type(value, __u64);
	__uint(max_entries, 4);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cmd4 SEC(".maps");

SEC("xdp")
int lpm_ops(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct cmd *pc = data + 14;
	struct cmd c;
	__u64 *v;

	if ((void *)(pc + 1) > end)
		return XDP_ABORTED;
	__builtin_memcpy(&c, pc, sizeof(c));
	c.out = 0;
	if (c.op == 0) {
		v = bpf_map_lookup_elem(&cmd4, &c.key);
		c.ret = v ? 0 : -2;
		if (v)
			c.out = *v;
	} else if (c.op == 1) {
		c.ret = bpf_map_update_elem(&cmd4, &c.key, &c.value, c.flags);
	} else if (c.op == 2) {
		c.ret = bpf_map_delete_elem(&cmd4, &c.key);
	} else {
		return XDP_DROP;
	}
	pc->ret = c.ret;
	pc->out = c.out;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
