// An sk_reuseport program reads the packet it checked against data_end.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sk_reuseport")
int sk_reuseport_packet(struct sk_reuseport_md *md)
{
	unsigned char *data = md->data;

	if (data + 8 > (unsigned char *)md->data_end)
		return SK_PASS;
	return data[7] == 0 ? SK_DROP : SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
