// CO-RE: a local view of __sk_buff with its fields in another order and one the kernel
// does not have; relocations give the kernel's offsets (tests/test_core.py).
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define field_exists(f) __builtin_preserve_field_info(f, 2)
#define field_size(f) __builtin_preserve_field_info(f, 1)

struct __sk_buff___local {
	__u32 priority;
	__u32 mark;
	__u32 len;
	__u32 cb[5];
	__u32 made_up_field;
} __attribute__((preserve_access_index));

struct pair {			/* no kernel counterpart: its own layout stays */
	__u32 a;
	__u16 b;
	__u16 c;
} __attribute__((preserve_access_index));

SEC("tc")
int core_read(struct __sk_buff *skb)
{
	struct __sk_buff___local *s = (void *)skb;
	__u32 v = s->len + s->cb[2] * 1000;
#ifdef LOCAL_TYPES	/* libbpf would fail this one: the kernel has no struct pair */
	struct pair p = { .a = 1, .b = 2, .c = 3 };

	v += p.c * 100000;
#endif

	if (field_exists(s->made_up_field))
		v += 10000000;
	s->mark = v;
	s->priority = field_size(s->cb) + field_exists(s->cb[4]);
	return TC_ACT_OK;
}

#ifdef POISONED
SEC("tc")
int core_poisoned(struct __sk_buff *skb)
{
	struct __sk_buff___local *s = (void *)skb;

	if (skb->len > 100)
		return s->made_up_field;	/* the kernel has no such field */
	return TC_ACT_OK;
}
#endif

char LICENSE[] SEC("license") = "GPL";
