// SPDX-License-Identifier: MIT
/* tc_skb.c -- tc (cls_bpf direct-action) programs exercising __sk_buff fields and the skb
 * helpers. Each program reports what it saw through ctx_out (mark, priority, cb[], tstamp),
 * its return value and the packet, so tests compare pybpf with BPF_PROG_TEST_RUN. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define IP_OFF ETH_HLEN
#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))
#define IP_DST_OFF (ETH_HLEN + offsetof(struct iphdr, daddr))

/* Field reads (whole and narrow) and writes of every writable field. */
SEC("tc")
int tc_fields(struct __sk_buff *skb)
{
	__u8 *p = (__u8 *)(long)skb->data;
	__u8 *end = (__u8 *)(long)skb->data_end;
	__u16 lo_len = *(volatile __u16 *)&skb->len;          /* narrow read */
	__u8 b1 = *((volatile __u8 *)&skb->protocol + 1);

	skb->cb[0] = skb->len | (skb->pkt_type << 16) | (skb->vlan_present << 24);
	skb->cb[1] = skb->protocol | (skb->ifindex << 16) | (skb->ingress_ifindex << 24);
	skb->cb[2] = skb->hash ^ skb->wire_len ^ (skb->gso_segs << 8) ^ (skb->gso_size << 12);
	skb->cb[3] = (__u32)(end - p) | (lo_len << 16);
	skb->cb[4] = b1 | (skb->napi_id << 8) | (skb->queue_mapping << 16) | (skb->tstamp_type << 24);
	skb->tc_index = 0x12345;        /* 16 bits kept */
	skb->tc_classid = 0xabcdef;
	*(volatile __u32 *)&skb->queue_mapping = 7;
	*(volatile __u32 *)&skb->queue_mapping = 0x1ffff;   /* ignored: >= 0xffff */
	skb->mark = skb->tc_index | (skb->tc_classid << 16);
	skb->priority = *(volatile __u32 *)&skb->queue_mapping | (skb->vlan_tci << 8) |
			(skb->data_meta == skb->data) << 31;
	skb->tstamp = skb->tstamp + 1000 + skb->hwtstamp;
	return TC_ACT_PIPE;
}

/* DNAT of IPv4 TCP/UDP to 10.9.9.9:8080 with checksum fixes through the helpers. */
SEC("tc")
int tc_nat(struct __sk_buff *skb)
{
	struct iphdr ip;
	__u32 new_ip = bpf_htonl(0x0a090909);
	__u16 new_port = bpf_htons(8080), old_port;
	int l4_csum_off, flags = BPF_F_PSEUDO_HDR;

	if (bpf_skb_load_bytes(skb, IP_OFF, &ip, sizeof(ip)) < 0)
		return TC_ACT_OK;
	if (ip.protocol == IPPROTO_TCP)
		l4_csum_off = IP_OFF + ip.ihl * 4 + 16;
	else if (ip.protocol == IPPROTO_UDP) {
		l4_csum_off = IP_OFF + ip.ihl * 4 + 6;
		flags |= BPF_F_MARK_MANGLED_0;
	} else
		return TC_ACT_UNSPEC;
	if (bpf_skb_load_bytes(skb, IP_OFF + ip.ihl * 4 + 2, &old_port, 2) < 0)
		return TC_ACT_SHOT;
	skb->cb[0] = bpf_l4_csum_replace(skb, l4_csum_off, ip.daddr, new_ip, flags | 4);
	skb->cb[1] = bpf_l4_csum_replace(skb, l4_csum_off, old_port, new_port, flags | 2);
	skb->cb[2] = bpf_l3_csum_replace(skb, IP_CSUM_OFF, ip.daddr, new_ip, 4);
	skb->cb[3] = bpf_skb_store_bytes(skb, IP_DST_OFF, &new_ip, 4, BPF_F_INVALIDATE_HASH);
	skb->cb[4] = bpf_skb_store_bytes(skb, IP_OFF + ip.ihl * 4 + 2, &new_port, 2, 0);
	skb->mark = bpf_skb_store_bytes(skb, skb->len - 1, &new_ip, 4, 0);       /* -EFAULT */
	skb->priority = bpf_l3_csum_replace(skb, IP_CSUM_OFF + 1, 0, 0, 2);       /* odd: -EFAULT */
	return TC_ACT_OK;
}

/* Two pushes (the second writes the first tag into the packet), then one pop. */
SEC("tc")
int tc_vlan(struct __sk_buff *skb)
{
	skb->cb[0] = bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 100);
	skb->cb[1] = skb->vlan_present | (skb->vlan_tci << 8) | (skb->vlan_proto << 16);
	skb->cb[2] = bpf_skb_vlan_push(skb, bpf_htons(0x1234), 200);   /* -> 802.1Q */
	skb->cb[3] = skb->len | (skb->protocol << 16);
	skb->cb[4] = skb->vlan_tci | (skb->vlan_proto << 16);
	skb->mark = bpf_skb_vlan_pop(skb);
	skb->priority = skb->vlan_present | (skb->vlan_tci << 8) | (skb->len << 20);
	return TC_ACT_OK;
}

/* Pop an in-band tag (the input carries one or two). */
SEC("tc")
int tc_vlan_pop(struct __sk_buff *skb)
{
	skb->cb[0] = skb->protocol;
	skb->cb[1] = bpf_skb_vlan_pop(skb);
	skb->cb[2] = skb->protocol | (skb->vlan_present << 16);
	skb->cb[3] = skb->vlan_tci | (skb->vlan_proto << 16);
	skb->cb[4] = skb->len;
	return TC_ACT_OK;
}

/* GRE-in-IPv4 encapsulation with adjust_room, and error cases. */
SEC("tc")
int tc_encap(struct __sk_buff *skb)
{
	struct iphdr outer = {};
	__u8 gre[4] = {0, 0, 0x08, 0x00};
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 |
		      BPF_F_ADJ_ROOM_ENCAP_L4_GRE;

	skb->cb[0] = bpf_skb_adjust_room(skb, 24, 7, 0);                     /* bad mode */
	skb->cb[1] = bpf_skb_adjust_room(skb, 0x1000, BPF_ADJ_ROOM_MAC, 0);  /* too big */
	skb->cb[2] = bpf_skb_adjust_room(skb, 24, BPF_ADJ_ROOM_MAC, flags);
	skb->cb[3] = bpf_skb_adjust_room(skb, 24, BPF_ADJ_ROOM_MAC, flags);  /* -EALREADY */
	outer.version = 4;
	outer.ihl = 5;
	outer.ttl = 64;
	outer.protocol = IPPROTO_GRE;
	outer.tot_len = bpf_htons(skb->len - ETH_HLEN);
	outer.saddr = bpf_htonl(0xc0000201);
	outer.daddr = bpf_htonl(0xc0000202);
	outer.check = 0;
	bpf_skb_store_bytes(skb, IP_OFF, &outer, sizeof(outer), 0);
	bpf_skb_store_bytes(skb, IP_OFF + sizeof(outer), gre, sizeof(gre), 0);
	skb->cb[4] = bpf_l3_csum_replace(skb, IP_CSUM_OFF, 0,
					 bpf_csum_diff(0, 0, (__be32 *)&outer, sizeof(outer), 0), 0);
	skb->mark = bpf_skb_change_tail(skb, skb->len + 4, 0);             /* -ENOTSUPP: encap */
	skb->priority = skb->len | (skb->protocol << 16);
	return TC_ACT_OK;
}

/* Remove an outer IPv4 header (IPIP) and a NET-mode shrink of the options room. */
SEC("tc")
int tc_decap(struct __sk_buff *skb)
{
	skb->cb[0] = bpf_skb_adjust_room(skb, -20, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_DECAP_L3_IPV4);
	skb->cb[1] = bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_NET, 0);
	skb->cb[2] = bpf_skb_adjust_room(skb, -8, BPF_ADJ_ROOM_NET, 0);
	skb->cb[3] = bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_DECAP_L3_IPV4);
	skb->cb[4] = bpf_skb_adjust_room(skb, -8000, BPF_ADJ_ROOM_MAC, 0);
	skb->mark = skb->len;
	return TC_ACT_OK;
}

/* More adjust_room modes: UDP/L2 encap, IPv6 outer, csum level interplay, bad flags. */
SEC("tc")
int tc_room(struct __sk_buff *skb)
{
	__u64 udp_eth = BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP |
			BPF_F_ADJ_ROOM_ENCAP_L2_ETH | BPF_F_ADJ_ROOM_ENCAP_L2(14);

	skb->cb[0] = bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
					 BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L2(4));
	skb->cb[1] = bpf_skb_adjust_room(skb, 4, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 |
					 BPF_F_ADJ_ROOM_ENCAP_L3_IPV6);
	skb->cb[2] = bpf_csum_level(skb, BPF_CSUM_LEVEL_INC) |
		     (bpf_skb_adjust_room(skb, 4, BPF_ADJ_ROOM_NET, BPF_F_ADJ_ROOM_NO_CSUM_RESET) << 8) |
		     (bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) << 16);
	skb->cb[3] = bpf_skb_adjust_room(skb, -4, BPF_ADJ_ROOM_NET, 0) |
		     (bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) << 16);
	skb->cb[4] = bpf_skb_adjust_room(skb, 40 + 8 + 14, BPF_ADJ_ROOM_MAC, udp_eth);
	skb->mark = skb->len | (skb->protocol << 16);
	skb->priority = bpf_skb_adjust_room(skb, 4, BPF_ADJ_ROOM_MAC, 1ULL << 9) |
			(bpf_skb_adjust_room(skb, -4, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L4_GRE) << 8);
	return TC_ACT_OK;
}

/* Tail growth and trim, head growth, pulls. */
SEC("tc")
int tc_tail(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__u32 tag = 0xdeadbeef;

	skb->cb[0] = bpf_skb_change_tail(skb, len + 60, 0);
	skb->cb[1] = bpf_skb_store_bytes(skb, len + 56, &tag, 4, 0);
	skb->cb[2] = bpf_skb_change_tail(skb, len + 58, 0);
	skb->cb[3] = bpf_skb_change_tail(skb, 10, 0);                       /* below headers */
	skb->cb[4] = bpf_skb_change_tail(skb, 20000, 0);
	skb->mark = bpf_skb_change_head(skb, 14, 0);
	skb->priority = bpf_skb_pull_data(skb, skb->len + 1) ^ (bpf_skb_pull_data(skb, 0) << 8)
			^ (skb->len << 16);
	skb->tstamp = bpf_skb_change_head(skb, 20000, 0);
	return TC_ACT_OK;
}

/* Protocol translation, type change, checksum level, hash, ECN, relative loads. */
SEC("tc")
int tc_misc(struct __sk_buff *skb)
{
	__u8 buf[4];

	skb->cb[0] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) & 0xff;
	skb->cb[0] |= (bpf_csum_level(skb, BPF_CSUM_LEVEL_INC) & 0xff) << 8;
	skb->cb[0] |= (bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) & 0xff) << 16;
	skb->cb[0] |= (bpf_csum_level(skb, 9) & 0xff) << 24;
	skb->cb[1] = bpf_csum_update(skb, 5) ^ (bpf_skb_change_type(skb, 1) << 16);
	skb->cb[2] = bpf_skb_ecn_set_ce(skb) | (bpf_skb_change_type(skb, 7) << 8)
		     | (skb->pkt_type << 16);
	skb->cb[3] = bpf_skb_load_bytes_relative(skb, 0, buf, 4, BPF_HDR_START_NET);
	skb->cb[3] ^= *(__u32 *)buf;
	skb->cb[4] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0);
	skb->mark = skb->len | (skb->protocol << 16);
	skb->priority = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0)
			| (bpf_skb_change_proto(skb, bpf_htons(ETH_P_ARP), 0) << 8);
	bpf_set_hash(skb, 0x5eed);
	skb->tstamp = skb->hash | ((__u64)bpf_get_hash_recalc(skb) << 32);
	return TC_ACT_OK;
}

/* Tunnel metadata set and read back, options, redirects. */
SEC("tc")
int tc_tunnel(struct __sk_buff *skb)
{
	struct bpf_tunnel_key key = {}, back = {};
	__u32 opt[2] = {0x11223344, 0x55667788}, opt_back[4];

	skb->cb[0] = bpf_skb_get_tunnel_key(skb, &back, sizeof(back), 0);      /* none: -EINVAL */
	key.tunnel_id = 42;
	key.remote_ipv4 = 0xc0000201;
	key.local_ipv4 = 0xc0000202;
	key.tunnel_tos = 3;
	key.tunnel_ttl = 9;
	skb->cb[1] = bpf_skb_get_tunnel_opt(skb, opt_back, sizeof(opt_back));
	skb->cb[1] |= bpf_skb_set_tunnel_key(skb, &key, sizeof(key), BPF_F_ZERO_CSUM_TX) << 8;
	skb->cb[2] = bpf_skb_get_tunnel_key(skb, &back, sizeof(back), 0);
	skb->cb[3] = back.remote_ipv4 ^ back.tunnel_id ^ (back.tunnel_ttl << 8) ^ back.tunnel_tos;
	skb->cb[4] = back.local_ipv4;
	skb->mark = bpf_skb_set_tunnel_opt(skb, opt, sizeof(opt)) | (bpf_skb_set_tunnel_opt(skb, opt, 6) << 8);
	skb->priority = bpf_skb_get_tunnel_opt(skb, opt_back, sizeof(opt_back)) ^ opt_back[1];
	skb->tstamp = bpf_skb_get_tunnel_key(skb, &back, sizeof(back), BPF_F_TUNINFO_IPV6)
		      & 0xffff;
	skb->tstamp |= (__u64)(bpf_clone_redirect(skb, 1, 0) & 0xff) << 16;
	skb->tstamp |= (__u64)(bpf_clone_redirect(skb, 77, 0) & 0xff) << 24;
	skb->tstamp |= (__u64)(bpf_redirect_neigh(1, 0, 0, 1) & 0xff) << 32;
	return bpf_redirect(1, BPF_F_INGRESS);
}

/* IPv6 tunnel metadata, tunnel flags, old key layouts, relative loads, peer redirect. */
SEC("tc")
int tc_tunnel6(struct __sk_buff *skb)
{
	struct bpf_tunnel_key key = {}, back = {};
	__u8 rel[4];

	key.tunnel_id = 7;
	key.remote_ipv6[0] = 0x20010db8;
	key.remote_ipv6[3] = 1;
	key.local_ipv6[3] = 2;
	key.tunnel_label = 0xfffff123;
	key.tunnel_ttl = 33;
	skb->cb[0] = bpf_skb_set_tunnel_key(skb, &key, sizeof(key),
					    BPF_F_TUNINFO_IPV6 | BPF_F_SEQ_NUMBER | BPF_F_DONT_FRAGMENT);
	skb->cb[1] = bpf_skb_get_tunnel_key(skb, &back, sizeof(back),
					    BPF_F_TUNINFO_IPV6 | BPF_F_TUNINFO_FLAGS);
	skb->cb[2] = back.remote_ipv6[0] ^ back.remote_ipv6[3] ^ back.local_ipv6[3] ^ back.tunnel_label;
	skb->cb[3] = back.tunnel_flags | (back.tunnel_id << 16) | (back.tunnel_ttl << 24);
	skb->cb[4] = bpf_skb_get_tunnel_key(skb, &back, 24, BPF_F_TUNINFO_IPV6) |
		     (bpf_skb_get_tunnel_key(skb, &back, 8, BPF_F_TUNINFO_IPV6) << 8) |
		     (bpf_skb_get_tunnel_key(skb, &back, 30, BPF_F_TUNINFO_IPV6) << 16);
	skb->mark = bpf_skb_load_bytes_relative(skb, 12, rel, 2, BPF_HDR_START_MAC) |
		    (bpf_skb_load_bytes_relative(skb, 0xffff, rel, 2, BPF_HDR_START_NET) << 8) |
		    (bpf_skb_load_bytes_relative(skb, 0, rel, 2, 5) << 16) | (rel[0] << 24);
	skb->priority = bpf_redirect_peer(2, 1) | (bpf_redirect(3, 2) << 8) |
			(bpf_clone_redirect(skb, 1, BPF_F_INGRESS) << 16) |
			(bpf_redirect_neigh(5, (struct bpf_redir_neigh *)&key, 4, 0) << 24);
	key.tunnel_label = 5;
	skb->tstamp = bpf_skb_set_tunnel_key(skb, &key, sizeof(key), 0) |
		      (bpf_skb_set_tunnel_key(skb, &key, 16, BPF_F_TUNINFO_IPV6) << 8);
	return bpf_redirect_peer(2, 0);
}

/* Metadata in front of the packet (left there by an XDP program), before and after a helper
 * that moves the packet. */
SEC("tc")
int tc_meta(struct __sk_buff *skb)
{
	__u32 *meta = (void *)(long)skb->data_meta;

	if ((void *)(meta + 1) > (void *)(long)skb->data) {
		skb->cb[0] = 0xffffffff;
		return TC_ACT_OK;
	}
	skb->cb[0] = *meta;
	skb->cb[1] = (long)skb->data - (long)meta;
	skb->cb[2] = bpf_skb_change_tail(skb, skb->len + 2, 0);
	meta = (void *)(long)skb->data_meta;
	if ((void *)(meta + 1) > (void *)(long)skb->data)
		return TC_ACT_SHOT;
	skb->cb[3] = *meta;
	return TC_ACT_OK;
}

/* bpf_check_mtu from tc: the skb against its device (lo: MTU 65536) and error cases. */
SEC("tc")
int tc_mtu(struct __sk_buff *skb)
{
	__u32 mtu = 0;

	skb->cb[0] = bpf_check_mtu(skb, 0, &mtu, 0, 0);
	skb->cb[1] = mtu;
	skb->cb[2] = bpf_check_mtu(skb, 0, &mtu, 65536 - skb->len + 14, 0) | (mtu << 8);
	mtu = 1500;
	skb->cb[3] = bpf_check_mtu(skb, 1, &mtu, 64050, 0) | (bpf_check_mtu(skb, 1, &mtu, 64051, 0) << 8);
	skb->cb[4] = bpf_check_mtu(skb, 99, &mtu, 0, 0) & 0xff;
	mtu = 5;
	skb->cb[4] |= (bpf_check_mtu(skb, 0, &mtu, 0, BPF_MTU_CHK_SEGS) & 0xff) << 8;
	skb->cb[4] |= (mtu & 0xff) << 16;
	skb->mark = bpf_check_mtu(skb, 0, &mtu, 0, 4);
	skb->priority = bpf_check_mtu(skb, 0, &mtu, 1 << 20, BPF_MTU_CHK_SEGS);
	return TC_ACT_OK;
}

/* skb->sk: the socket BPF_PROG_TEST_RUN attaches, read as sock_common, then as a full
 * socket. */
SEC("tc")
int tc_sk(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return TC_ACT_SHOT;
	skb->cb[0] = sk->family | (sk->state << 8) | (sk->bound_dev_if << 16);
	skb->cb[1] = sk->src_ip4 ^ sk->src_ip6[3];
	skb->cb[2] = sk->dst_ip4 ^ sk->dst_ip6[0];
	skb->cb[3] = sk->src_port | (sk->dst_port << 16);
	skb->cb[4] = sk->rx_queue_mapping;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return TC_ACT_UNSPEC;
	skb->mark = sk->type | (sk->protocol << 8);
	skb->priority = sk->mark ^ sk->priority;
	return TC_ACT_OK;
}

/* A tc action (sched_act) program: the same context and test-run rules as a classifier. */
SEC("action")
int tc_act(struct __sk_buff *skb)
{
	skb->cb[0] = skb->len | (skb->protocol << 16);
	skb->mark = bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021AD), 3) | (skb->vlan_proto << 8);
	skb->priority = bpf_skb_change_head(skb, 4, 0) | (skb->len << 8);
	return TC_ACT_STOLEN;
}

/* One or two helper calls with arguments from ctx_in's cb[] (cb[0]: the operation, and
 * a second one in its second byte; cb[1..4]: arguments), for randomised comparisons with
 * the kernel: mark and priority get the return values, cb[] the fields that follow the
 * packet, tstamp what a load returned. */
/* set (set=1) or get tunnel metadata with one of the key sizes the kernel knows (or not) */
static __noinline long fuzz_tunnel(struct __sk_buff *skb, int set, const __u32 *args,
				   __u64 *buf)
{
	__u32 a = args[0], b = args[1], c = args[2], d = args[3];
	struct bpf_tunnel_key key = {};
	long ret = -1;

	if (set) {
		key.tunnel_id = a;
		key.remote_ipv6[0] = b;
		key.remote_ipv6[3] = a ^ b;
		key.local_ipv6[0] = ~b;
		key.tunnel_tos = a;
		key.tunnel_ttl = b;
		key.tunnel_label = c & 0x1000 ? a : 0;
		key.tunnel_ext = c & 0x2000 ? 1 : 0;
	}
	switch (c & 7) {
	case 0: ret = set ? bpf_skb_set_tunnel_key(skb, &key, 44, d) :
			    bpf_skb_get_tunnel_key(skb, &key, 44, d); break;
	case 1: ret = set ? bpf_skb_set_tunnel_key(skb, &key, 28, d) :
			    bpf_skb_get_tunnel_key(skb, &key, 28, d); break;
	case 2: ret = set ? bpf_skb_set_tunnel_key(skb, &key, 24, d) :
			    bpf_skb_get_tunnel_key(skb, &key, 24, d); break;
	case 3: ret = set ? bpf_skb_set_tunnel_key(skb, &key, 22, d) :
			    bpf_skb_get_tunnel_key(skb, &key, 22, d); break;
	case 4: ret = set ? bpf_skb_set_tunnel_key(skb, &key, 8, d) :
			    bpf_skb_get_tunnel_key(skb, &key, 8, d); break;
	case 5: ret = set ? bpf_skb_set_tunnel_key(skb, &key, 12, d) :
			    bpf_skb_get_tunnel_key(skb, &key, 12, d); break;
	case 6: ret = set ? bpf_skb_set_tunnel_opt(skb, &key, 8) :
			    bpf_skb_get_tunnel_opt(skb, &key, 8); break;
	case 7: ret = set ? bpf_skb_set_tunnel_opt(skb, &key, 6) :
			    bpf_skb_get_tunnel_opt(skb, &key, 4); break;
	}
	if (!set)
		*buf = key.tunnel_id ^ ((__u64)key.remote_ipv6[0] << 32) ^ key.remote_ipv6[1] ^
		       ((__u64)key.remote_ipv6[3] << 16) ^ ((__u64)key.tunnel_tos << 40) ^
		       ((__u64)key.tunnel_ttl << 48) ^ ((__u64)key.tunnel_ext << 8) ^
		       key.tunnel_label ^ ((__u64)key.local_ipv6[0] << 24) ^ key.local_ipv6[3];
	return ret;
}

static __noinline long fuzz_op(struct __sk_buff *skb, __u32 op, const __u32 *args, __u64 *buf)
{
	__u32 a = args[0], b = args[1], c = args[2], d = args[3], m = b;
	__u64 flags = c | ((__u64)d << 32);

	switch (op) {
	case 0: return bpf_skb_adjust_room(skb, (__s32)a, b, flags);
	case 1: return bpf_skb_change_tail(skb, a, flags);
	case 2: return bpf_skb_change_head(skb, a, flags);
	case 3: return bpf_l3_csum_replace(skb, a, b, c, d);
	case 4: return bpf_l4_csum_replace(skb, a, b, c, d);
	case 5: return bpf_skb_store_bytes(skb, a, buf, 4, d);
	case 6: return bpf_skb_load_bytes(skb, a, buf, 8);
	case 7: return bpf_skb_change_proto(skb, a, flags);
	case 8: return bpf_skb_vlan_push(skb, a, b);
	case 9: return bpf_skb_vlan_pop(skb);
	case 10: return bpf_skb_load_bytes_relative(skb, a, buf, 8, b);
	case 11: return bpf_csum_level(skb, flags);
	case 12: return bpf_skb_pull_data(skb, a);
	case 13: return bpf_skb_change_type(skb, a);
	case 14: return bpf_skb_ecn_set_ce(skb);
	case 15: {
		long ret = bpf_check_mtu(skb, a, &m, c, d);

		*buf = m;
		return ret;
	}
	case 16: return bpf_redirect(a, flags);
	case 17: return bpf_clone_redirect(skb, a, flags);
	case 18: return bpf_l3_csum_replace(skb, a, 0, bpf_csum_diff(0, 0, (__be32 *)buf, 8, b), 0);
	case 19: return fuzz_tunnel(skb, 1, args, buf);
	case 20: return fuzz_tunnel(skb, 0, args, buf);
	case 21: return bpf_redirect_peer(a, flags);
	case 22: return bpf_redirect_neigh(a, (struct bpf_redir_neigh *)buf, b & 1 ? 20 : b & 2 ? 8 : 0, d);
	}
	return -1;
}

SEC("tc")
int tc_fuzz(struct __sk_buff *skb)
{
	__u32 op = skb->cb[0];
	__u32 args[4] = {skb->cb[1], skb->cb[2], skb->cb[3], skb->cb[4]};
	__u64 buf = 0x1122334455667788ULL;

	skb->mark = fuzz_op(skb, op & 0xff, args, &buf);
	skb->priority = op >> 8 ? fuzz_op(skb, (op >> 8) - 1, args, &buf) : skb->len;
	skb->tstamp = buf;
	skb->cb[0] = skb->protocol | (skb->pkt_type << 16);
	skb->cb[1] = skb->vlan_present | (skb->vlan_tci << 8);
	skb->cb[2] = skb->vlan_proto | (skb->hash != 0) << 16;
	skb->cb[3] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	skb->cb[4] = (long)skb->data_end - (long)skb->data;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
