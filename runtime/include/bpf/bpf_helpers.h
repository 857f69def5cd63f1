/* SPDX-License-Identifier: MIT */
/*
 * bpf_helpers.h -- pybpf's own minimal helper header for BPF C programs.
 *
 * Source-compatible with libbpf's <bpf/bpf_helpers.h> for the common basics:
 * SEC(), __always_inline / __noinline, the BTF map-definition macros
 * (__uint, __type, __array), bpf_printk() and helper declarations written in
 * libbpf's style (a const function pointer whose value is the helper id).
 *
 * Programs written against this header also compile against libbpf, and the
 * other way round as long as they only use what is declared here.
 */
#ifndef __PYBPF_BPF_HELPERS_H
#define __PYBPF_BPF_HELPERS_H

/* Like libbpf's header, this one does not include <linux/bpf.h>: programs include
 * it (or a vmlinux.h) themselves, and CO-RE programs must not see both. Only the
 * fixed-width types are needed here. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* ---- libbpf definitions programs rely on ------------------------------ */
#ifndef NULL
#define NULL ((void *)0)
#endif

#ifndef KERNEL_VERSION
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#endif

#ifndef container_of
#define container_of(ptr, type, member)                                          \
	({ void *__pybpf_mptr = (void *)(ptr);                                    \
	   ((type *)(__pybpf_mptr - __builtin_offsetof(type, member))); })
#endif

/* Pinning of BTF-defined maps: __uint(pinning, LIBBPF_PIN_BY_NAME). */
enum libbpf_pin_type {
	LIBBPF_PIN_NONE,
	LIBBPF_PIN_BY_NAME,
};

enum libbpf_tristate {
	TRI_NO = 0,
	TRI_YES = 1,
	TRI_MODULE = 2,
};

/* ---- section placement and function attributes ------------------------ */

/* Place a program, map or license string in the named ELF section. */
#define SEC(name) __attribute__((section(name), used))

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif

#ifndef __weak
#define __weak __attribute__((weak))
#endif

#ifndef __hidden
#define __hidden __attribute__((visibility("hidden")))
#endif

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif

#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#ifndef barrier
#define barrier() asm volatile("" ::: "memory")
#endif

#ifndef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif

/* ---- BTF-defined map descriptions ------------------------------------- *
 *
 *   struct {
 *       __uint(type, BPF_MAP_TYPE_HASH);
 *       __uint(max_entries, 1024);
 *       __type(key, __u32);
 *       __type(value, __u64);
 *   } counters SEC(".maps");
 *
 * The members carry no data: their *types* (visible in BTF) encode the
 * values, which is how libbpf and the pybpf loader read them back.
 */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) __typeof__(val) *name
#define __array(name, val) __typeof__(val) *name[]

/* ---- helper declarations ---------------------------------------------- *
 *
 * Each helper is a const pointer to a function whose address is the helper
 * number from the kernel UAPI (enum bpf_func_id); clang turns a call through
 * it into `call <id>`.
 *
 * The block between the BEGIN/END markers is meant to be regenerated from a
 * table of helpers; keep hand edits out of it.
 */
struct bpf_map;  /* opaque, as in libbpf */

/* Every kernel helper, generated from one table (pybpf.helpers.gen_ids). */
#include "bpf_helper_defs.h"

/* ---- bpf_printk -------------------------------------------------------- *
 *
 * printf-style tracing through bpf_trace_printk (at most three arguments).
 * The format string lives in .rodata, as with libbpf.
 */
#define bpf_printk(fmt, ...)                                        \
	({                                                          \
		static const char ____pybpf_fmt[] = fmt;            \
		bpf_trace_printk(____pybpf_fmt, sizeof(____pybpf_fmt), \
				 ##__VA_ARGS__);                    \
	})

/* ---- kfuncs and open-coded iterators ----------------------------------- *
 *
 * Kernel functions are extern symbols in the .ksyms section; the loader
 * resolves them by name. bpf_for(i, start, end) runs its body for i = start ..
 * end - 1 through the numeric iterator kfuncs, which the kernel verifier
 * accepts without unrolling; bpf_repeat(n) runs it n times.
 */
#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif
#ifndef __kconfig
#define __kconfig __attribute__((section(".kconfig")))
#endif

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

/* The iterator lives in the loop's own scope and is destroyed when the loop
 * is left (cleanup attribute); the dummy pointer initialiser creates it once.
 * Mentioning bpf_iter_num_destroy makes clang emit its BTF. */
#define bpf_for(i, start, end)                                                   \
	for (struct bpf_iter_num __pybpf_it                                      \
		__attribute__((aligned(8), cleanup(bpf_iter_num_destroy))),       \
	     *__pybpf_init __attribute__((unused)) =                             \
		(bpf_iter_num_new(&__pybpf_it, (start), (end)),                   \
		 (void)bpf_iter_num_destroy, (void *)0);                          \
	     ({                                                                  \
		int *__pybpf_cur = bpf_iter_num_next(&__pybpf_it);                \
		__pybpf_cur && ((i) = *__pybpf_cur, (i) >= (start) && (i) < (end)); \
	     });)

#define bpf_repeat(n)                                                            \
	for (struct bpf_iter_num __pybpf_it                                      \
		__attribute__((aligned(8), cleanup(bpf_iter_num_destroy))),       \
	     *__pybpf_init __attribute__((unused)) =                             \
		(bpf_iter_num_new(&__pybpf_it, 0, (n)),                           \
		 (void)bpf_iter_num_destroy, (void *)0);                          \
	     bpf_iter_num_next(&__pybpf_it);)

#endif /* __PYBPF_BPF_HELPERS_H */
