// A packet pointer kept across bpf_skb_store_bytes: the kernel's verifier refuses the
// program (the helper changes packet data); run without verifying, the read faults.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int store_stale(struct __sk_buff *skb)
{
	volatile __u8 *p = (__u8 *)(long)skb->data;
	__u32 v = 0xAB;

	if ((void *)(p + 1) > (void *)(long)skb->data_end)
		return TC_ACT_OK;
	bpf_skb_store_bytes(skb, 0, &v, 1, 0);
	return *p;
}

char LICENSE[] SEC("license") = "GPL";
