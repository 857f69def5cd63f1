// A cgroup_skb program reads the IPv4 header it checked against data_end (direct packet
// access, read only, as root or with CAP_BPF).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup_skb/ingress")
int cgroup_skb_packet(struct __sk_buff *skb)
{
	unsigned char *data = (void *)(long)skb->data;
	unsigned char *end = (void *)(long)skb->data_end;

	if (data + 20 > end)
		return 1;
	return (data[0] >> 4) == 4 || data[9] != 17;
}

char LICENSE[] SEC("license") = "GPL";
