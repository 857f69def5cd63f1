// SPDX-License-Identifier: MIT
/* tc_badctx.c -- tc programs the kernel's verifier refuses: context accesses it does not
 * allow and a packet pointer used after a helper changed the packet. pybpf stops each at
 * run time with an error naming the field (or the stale pointer). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int write_len(struct __sk_buff *skb)
{
	skb->len = 5;                                   /* read-only field */
	return TC_ACT_OK;
}

SEC("tc")
int wide_mark(struct __sk_buff *skb)
{
	return *(volatile __u64 *)&skb->mark != 0;      /* 8 bytes of a 4-byte field */
}

SEC("tc")
int read_family(struct __sk_buff *skb)
{
	return skb->family;                             /* sk_skb only */
}

SEC("tc")
int narrow_write(struct __sk_buff *skb)
{
	*(volatile __u16 *)&skb->mark = 1;              /* stores must be whole */
	return TC_ACT_OK;
}

SEC("tc")
int stale_pointer(struct __sk_buff *skb)
{
	volatile __u8 *p = (__u8 *)(long)skb->data;

	if ((void *)(p + 1) > (void *)(long)skb->data_end)
		return TC_ACT_OK;
	bpf_skb_pull_data(skb, 0);
	return *p;                                      /* the packet may have moved */
}

char LICENSE[] SEC("license") = "GPL";
