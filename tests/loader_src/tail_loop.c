// A program that tail-calls itself: the kernel allows 33 tail calls in a chain
// (MAX_TAIL_CALL_CNT), after which bpf_tail_call returns and the program goes on.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int tail_loop(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} loop_jmp SEC(".maps") = {
	.values = { [0] = (void *)&tail_loop },
};

__u32 rounds;

SEC("xdp")
int tail_loop(struct xdp_md *ctx)
{
	rounds++;
	bpf_tail_call(ctx, &loop_jmp, 1);	/* an empty slot: falls through */
	bpf_tail_call(ctx, &loop_jmp, 0);	/* (its return value is not the program's to read) */
	return rounds == 34 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
