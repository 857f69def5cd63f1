// SPDX-License-Identifier: MIT
/* tc_sock.c -- socket lookups from tc (against the sockets the environment declares),
 * sk_assign/sk_release, and the identity helpers (cookies, cgroup, clocks). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("tc")
int tc_lookup(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	__u16 *ports;

	if ((void *)(ip + 1) + 4 > end || ip->ihl != 5)
		return TC_ACT_OK;
	ports = (void *)(ip + 1);
	t.ipv4.saddr = ip->saddr;
	t.ipv4.daddr = ip->daddr;
	t.ipv4.sport = ports[0];
	t.ipv4.dport = ports[1];
	if (ip->protocol == IPPROTO_TCP)
		sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	else
		sk = bpf_sk_lookup_udp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk) {
		skb->mark = 0xdead;
		return TC_ACT_OK;
	}
	skb->cb[0] = sk->family | (sk->type << 8) | (sk->protocol << 16);
	skb->cb[1] = sk->src_port | (bpf_ntohs(sk->dst_port) << 16);
	skb->cb[2] = sk->src_ip4;
	skb->cb[3] = sk->dst_ip4;
	skb->cb[4] = sk->state;
	skb->mark = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	return TC_ACT_OK;
}

SEC("tc")
int tc_ids(struct __sk_buff *skb)
{
	skb->cb[0] = bpf_get_socket_cookie(skb) != 0;
	skb->cb[1] = bpf_skb_cgroup_id(skb) != 0;
	skb->cb[2] = bpf_get_netns_cookie(skb);
	skb->cb[3] = bpf_get_cgroup_classid(skb);
	skb->cb[4] = bpf_ktime_get_tai_ns() >= bpf_ktime_get_ns();
	skb->tstamp = bpf_jiffies64();
	skb->mark = bpf_get_hash_recalc(skb);
	skb->priority = skb->hash == skb->mark;
	return TC_ACT_OK;
}

/* FIB lookup of the packet's IPv4 destination; on success rewrite the MACs and redirect. */
SEC("tc")
int tc_fib(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	struct bpf_fib_lookup p = {};
	long rc;

	if ((void *)(ip + 1) > end)
		return TC_ACT_OK;
	p.family = 2;
	p.tos = ip->tos;
	p.l4_protocol = ip->protocol;
	p.ipv4_src = ip->saddr;
	p.ipv4_dst = ip->daddr;
	p.ifindex = skb->ingress_ifindex;
	rc = bpf_fib_lookup(skb, &p, sizeof(p), 0);
	skb->cb[0] = rc;
	skb->cb[1] = p.ifindex;
	skb->cb[2] = p.mtu_result;
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return TC_ACT_OK;
	bpf_skb_store_bytes(skb, 0, p.dmac, 6, 0);
	bpf_skb_store_bytes(skb, 6, p.smac, 6, 0);
	return bpf_redirect(p.ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
