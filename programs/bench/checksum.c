// SPDX-License-Identifier: MIT
/*
 * checksum.c -- benchmark: load-heavy checksum verification.
 *
 * Verifies the IPv4 header checksum and the TCP checksum (pseudo-header plus
 * the whole segment, 16-bit one's complement sum) of an Ethernet/IPv4/TCP
 * frame, reading the packet a byte pair at a time with a bounds check per
 * access. On a 1514-byte frame (a 1500-byte IPv4 datagram) that is ~750
 * loop iterations, ~10,000 instructions executed.
 *
 * Verdicts:
 *   XDP_PASS  both checksums verify (and anything that is not IPv4/TCP)
 *   XDP_DROP  a bad IPv4 or TCP checksum, or a truncated / malformed packet
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Largest IPv4 header (IHL 15) and the largest segment we sum. */
#define MAX_IP_WORDS 30
#define MAX_L4_LEN 4000
#define MAX_L4_WORDS (MAX_L4_LEN / 2)

static __always_inline __u32 fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/*
 * Sum `nwords` big-endian 16-bit words starting at p; each access is checked
 * against data_end (a short packet ends the sum with ok = 0).
 */
static __always_inline __u32 sum_words(__u8 *p, void *data_end, __u32 nwords,
				       __u32 max_words, int *ok)
{
	__u32 sum = 0;
	__u32 i;

	for (i = 0; i < max_words; i++) {
		if (i >= nwords)
			break;
		if ((void *)(p + 2) > data_end) {
			*ok = 0;
			break;
		}
		sum += ((__u32)p[0] << 8) | p[1];
		p += 2;
	}
	return sum;
}

SEC("xdp")
int bench_checksum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u8 *l4;
	__u32 ihl, tot_len, l4_len, sum;
	int ok = 1;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->protocol != IPPROTO_TCP)
		return XDP_PASS;
	ihl = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	if (ihl < sizeof(*iph) || tot_len < ihl + 20 || tot_len - ihl > MAX_L4_LEN)
		return XDP_DROP;

	/* IPv4 header: the sum over it, checksum field included, folds to 0xffff. */
	sum = sum_words((__u8 *)iph, data_end, ihl / 2, MAX_IP_WORDS, &ok);
	if (!ok || fold(sum) != 0xffff)
		return XDP_DROP;

	/* TCP: pseudo-header (addresses, protocol, TCP length) plus the segment. */
	l4 = (__u8 *)iph + ihl;
	l4_len = tot_len - ihl;
	sum = (bpf_ntohl(iph->saddr) >> 16) + (bpf_ntohl(iph->saddr) & 0xffff) +
	      (bpf_ntohl(iph->daddr) >> 16) + (bpf_ntohl(iph->daddr) & 0xffff) +
	      IPPROTO_TCP + l4_len;
	sum += sum_words(l4, data_end, l4_len / 2, MAX_L4_WORDS, &ok);
	if (!ok)
		return XDP_DROP;
	if (l4_len & 1) {
		__u8 *last = l4 + (l4_len - 1);

		if ((void *)(last + 1) > data_end)
			return XDP_DROP;
		sum += (__u32)*last << 8;
	}
	return fold(sum) == 0xffff ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
