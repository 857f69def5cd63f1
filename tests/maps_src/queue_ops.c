// Queue and stack helpers driven by the packet: after the 14-byte Ethernet header,
// a command names the map (0: queue `q`, 1: stack `s`) and the operation; the
// program writes the helper's result and the popped/peeked value into the packet.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct cmd {
	__u32 which;    /* 0 queue, 1 stack */
	__u32 op;       /* 0 push, 1 pop, 2 peek */
	__u32 flags;
	__u32 value;
	__s32 ret;      /* out */
	__u32 out;      /* out: popped or peeked value (the helper's output buffer) */
};

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__type(value, __u32);
	__uint(max_entries, 3);
} q SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__type(value, __u32);
	__uint(max_entries, 3);
} s SEC(".maps");

SEC("xdp")
int queue_ops(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct cmd *pc = data + 14;
	struct cmd c;
	void *map;

	if ((void *)(pc + 1) > end)
		return XDP_ABORTED;
	__builtin_memcpy(&c, pc, sizeof(c));
	map = c.which ? (void *)&s : (void *)&q;
	c.out = 0xdeadbeef;     /* an empty pop/peek must clear it, as the kernel does */
	if (c.op == 0)
		c.ret = bpf_map_push_elem(map, &c.value, c.flags);
	else if (c.op == 1)
		c.ret = bpf_map_pop_elem(map, &c.out);
	else if (c.op == 2)
		c.ret = bpf_map_peek_elem(map, &c.out);
	else
		return XDP_DROP;
	pc->ret = c.ret;
	pc->out = c.out;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
