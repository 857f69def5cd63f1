// A __kconfig variable libbpf defines (LINUX_KERNEL_VERSION) is a read from the frozen
// .kconfig map, so the kernel knows its value: the branch for kernels older than 4.0
// (an unchecked packet read) is dead code and the program is accepted.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

SEC("xdp")
int kconfig_known(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;

	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(4, 0, 0))
		return data[20];
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
