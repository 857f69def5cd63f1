// iproute2/Cilium style maps (struct bpf_elf_map in SEC("maps")): one pinned in the
// global namespace (tc/globals), one in the object's namespace (tc/<sha1 of the ELF>),
// one not pinned.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

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

#define PIN_NONE 0
#define PIN_OBJECT_NS 1
#define PIN_GLOBAL_NS 2

struct bpf_elf_map legacy_global SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 8, .max_elem = 2,
	.id = 1, .pinning = PIN_GLOBAL_NS,
};

struct bpf_elf_map legacy_object SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 8, .max_elem = 2,
	.id = 2, .pinning = PIN_OBJECT_NS,
};

struct bpf_elf_map legacy_plain SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 8, .max_elem = 2,
	.id = 3, .pinning = PIN_NONE,
};

static __always_inline void bump(void *map, __u32 key, __u64 by)
{
	__u64 *v = bpf_map_lookup_elem(map, &key);

	if (v)
		*v += by;
}

SEC("xdp")
int legacy(struct xdp_md *ctx)
{
	bump(&legacy_global, 0, 1);
	bump(&legacy_object, 0, 10);
	bump(&legacy_plain, 0, 100);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
