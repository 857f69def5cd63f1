/* Legacy iproute2/Cilium style object: struct bpf_elf_map in "maps", static
 * entry functions in numbered sections, bpf_loop callback, a kfunc extern. */
typedef unsigned int __u32;
typedef unsigned long long __u64;

#define SEC(name) __attribute__((section(name), used))
#define __noinline __attribute__((noinline))
#define __ksym __attribute__((section(".ksyms")))

struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};

#define PIN_GLOBAL_NS 2

static void *(*map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_loop)(__u32 nr, void *cb, void *ctx, __u64 flags) = (void *)181;

extern void bpf_rcu_read_lock(void) __ksym;

struct bpf_elf_map cilium_calls SEC("maps") = {
	.type = 3, .size_key = 4, .size_value = 4, .max_elem = 16,
	.pinning = PIN_GLOBAL_NS, .id = 7,
};

struct bpf_elf_map cilium_metrics SEC("maps") = {
	.type = 6, .size_key = 8, .size_value = 16, .max_elem = 1024,
	.flags = 0, .pinning = 0, .id = 8,
};

static int count_cb(__u32 idx, void *ctx)
{
	*(int *)ctx += idx;
	return 0;
}

SEC("2/1")
static int tail_handle(void *skb)
{
	__u64 key = 3;
	void *v = map_lookup_elem(&cilium_metrics, &key);
	return v ? 1 : 0;
}

SEC("from-container")
int handle_xgress(void *ctx)
{
	int sum = 0;
	__u32 key = 0;
	bpf_loop(10, count_cb, &sum, 0);
	if (map_lookup_elem(&cilium_calls, &key))
		return 2;
	bpf_rcu_read_lock();
	return sum;
}

char __license[] SEC("license") = "Dual BSD/GPL";
