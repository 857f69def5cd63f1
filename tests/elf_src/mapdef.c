/* Old libbpf style: struct bpf_map_def (20 bytes) in section "maps". */
typedef unsigned int __u32;

#define SEC(name) __attribute__((section(name), used))

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;

struct bpf_map_def SEC("maps") old_hash = {
	.type = 1, .key_size = 4, .value_size = 8, .max_entries = 64, .map_flags = 1,
};

struct bpf_map_def SEC("maps") old_array = {
	.type = 2, .key_size = 4, .value_size = 4, .max_entries = 2,
};

SEC("socket")
int sock_prog(void *skb)
{
	__u32 key = 0;
	return bpf_map_lookup_elem(&old_array, &key) && bpf_map_lookup_elem(&old_hash, &key);
}

char _license[] SEC("license") = "GPL";
