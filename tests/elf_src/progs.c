/* Test object for pybpf's ELF reader: programs, subprograms, BTF maps, globals. */
typedef unsigned int __u32;
typedef unsigned long long __u64;

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
#define __noinline __attribute__((noinline))

#define BPF_MAP_TYPE_HASH 1
#define BPF_MAP_TYPE_ARRAY 2
#define BPF_MAP_TYPE_PROG_ARRAY 3
#define LIBBPF_PIN_BY_NAME 1

#define XDP_DROP 1
#define XDP_PASS 2
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_tail_call)(void *ctx, void *map, __u32 index) = (void *)12;

struct xdp_md { __u32 data; __u32 data_end; __u32 data_meta; __u32 ingress_ifindex; __u32 rx_queue_index; };
struct __sk_buff { __u32 len; __u32 pkt_type; __u32 mark; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 16);
	__uint(max_entries, 8);
	__uint(map_flags, 1024);
} arr SEC(".maps");

int tail_a(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jmp_table SEC(".maps") = {
	.values = { [2] = (void *)&tail_a },
};

int global_counter = 7;                 /* .data */
int second_counter = 9;                 /* .data, offset 4 */
static volatile int hidden_static = 5;  /* .data, via the section symbol */
const volatile __u32 limit = 100;       /* .rodata */
__u64 zeroed;                           /* .bss */
__u32 foo_value SEC(".data.foo") = 42;  /* custom .data.foo */

static __noinline int shared_helper(int x)
{
	return x * 3 + global_counter;
}

__noinline int global_fn(int x)
{
	return x + (int)limit;
}

SEC("xdp")
int xdp_prog(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	if (!v)
		return XDP_PASS;
	zeroed += 1;
	foo_value++;
	if (shared_helper(ctx->rx_queue_index) > 10)
		return XDP_DROP;
	return XDP_PASS;
}

SEC("xdp")
int tail_a(struct xdp_md *ctx)
{
	return XDP_PASS;
}

static __noinline int drop_packet(struct xdp_md *ctx)
{
	zeroed += ctx->ingress_ifindex;
	return XDP_DROP; /* line-info target */
}

SEC("xdp.frags")
int xdp_small(struct xdp_md *ctx)
{
	__u32 key = 3;
	second_counter += hidden_static;
	if (ctx->data_end - ctx->data < 64)
		return drop_packet(ctx);
	bpf_map_lookup_elem(&arr, &key);
	return XDP_PASS;
}

SEC("tc")
int tc_prog(struct __sk_buff *skb)
{
	__u32 key = 1;
	void *v = bpf_map_lookup_elem(&arr, &key);
	if (v && shared_helper(skb->len) + global_fn(skb->mark) > 5)
		return TC_ACT_SHOT;
	bpf_tail_call(skb, &jmp_table, 2);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
