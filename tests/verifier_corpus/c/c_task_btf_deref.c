// bpf_get_current_task_btf returns a trusted, never-NULL task pointer: a kprobe adds a
// field offset to it and reads the field directly.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

SEC("kprobe/do_nanosleep")
int task_btf_deref(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return t->tgid == 1;
}

char LICENSE[] SEC("license") = "GPL";
