// A tc classifier reading the skb, its packet and writing the mark.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int tc_parse(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	skb->mark = eth->h_proto + skb->len;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
