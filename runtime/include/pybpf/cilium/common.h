/* SPDX-License-Identifier: MIT */
/*
 * pybpf/cilium/common.h -- the subset of Cilium's bpf/tests "common.h" API that
 * pybpf provides: PKTGEN/SETUP/CHECK, test_init/TEST/test_finish, test_log,
 * test_fail[_now], test_skip[_now], test_error, test_fatal, assert, plus the
 * small Cilium compiler macros those tests use. pybpf's pytest plugin puts
 * this directory last on the include path of test_*.bpf.c files, so
 * `#include "common.h"` finds it unless a Cilium tree provides its own.
 */
#ifndef __PYBPF_CILIUM_COMMON_H
#define __PYBPF_CILIUM_COMMON_H

#include <pybpf/test.h>

#define BPF_TEST
#define NR_CPUS 128

#ifndef __section
#define __section(name) SEC(name)
#endif
#ifndef __section_maps_btf
#define __section_maps_btf SEC(".maps")
#endif
#ifndef __maybe_unused
#define __maybe_unused __attribute__((__unused__))
#endif
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Define __NAME(addr): true when LOOKUP_FN(&MAP, addr, prefix) matches for any of the
 * prefix lengths in PREFIXES (a comma-terminated list such as "32, 24,"), tried in order. */
#define LPM_LOOKUP_FN(NAME, IPTYPE, PREFIXES, MAP, LOOKUP_FN)			\
static __always_inline int __##NAME(IPTYPE addr)				\
{										\
	const int __plen[] = { PREFIXES };					\
										\
	_Pragma("unroll")							\
	for (int __i = 0; __i < (int)ARRAY_SIZE(__plen); __i++)			\
		if (LOOKUP_FN(&(MAP), addr, __plen[__i]))			\
			return 1;						\
	return 0;								\
}

#endif /* __PYBPF_CILIUM_COMMON_H */
