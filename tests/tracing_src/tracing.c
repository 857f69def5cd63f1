// bpf_tracing.h: typed arguments of kprobe, kretprobe and fentry programs.
#include <linux/types.h>

/* struct pt_regs as vmlinux.h declares it on x86-64 */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di;
	unsigned long orig_ax, ip, cs, flags, sp, ss;
};
#define __VMLINUX_H__

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __s64);
} seen SEC(".maps");

static __always_inline void put(__u32 k, __s64 v)
{
	bpf_map_update_elem(&seen, &k, &v, BPF_ANY);
}

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(on_unlink, int dfd, const char *name, unsigned int flags, long a4, short a5)
{
	put(0, dfd);
	put(1, (long)name);
	put(2, flags);
	put(3, a4 + a5);
	put(4, PT_REGS_IP(ctx));
	return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(on_unlink_ret, long ret)
{
	put(5, ret);
	return 0;
}

#ifndef NO_FENTRY	/* fentry needs privileges this machine's sandbox may not give */
SEC("fentry/do_unlinkat")
int BPF_PROG(on_entry, int dfd, void *name)
{
	put(6, dfd);
	put(7, (long)name + ctx[1]);
	return 0;
}
#endif

char LICENSE[] SEC("license") = "GPL";
