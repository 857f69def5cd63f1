// A bounded loop over the first bytes of the packet, each access checked.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int loop_sum(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *data_end = (void *)(long)ctx->data_end;
	__u32 sum = 0;

	for (int i = 0; i < 64; i++) {
		if (data + i + 1 > data_end)
			break;
		sum += data[i];
	}
	return sum & 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
