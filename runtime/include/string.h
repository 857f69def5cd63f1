/* SPDX-License-Identifier: MIT */
/*
 * string.h -- memory functions for BPF C, as compiler builtins.
 *
 * A BPF program cannot call libc: clang expands these builtins inline (for
 * sizes known at compile time). The pinned compiler's freestanding target
 * would otherwise turn a plain memcpy() into a call to an undefined symbol.
 */
#ifndef __PYBPF_STRING_H
#define __PYBPF_STRING_H

#define memcpy(dst, src, n) __builtin_memcpy((dst), (src), (n))
#define memmove(dst, src, n) __builtin_memmove((dst), (src), (n))
#define memset(dst, c, n) __builtin_memset((dst), (c), (n))
/* No memcmp: clang's BPF back end does not expand it inline; compare in a loop. */

#endif /* __PYBPF_STRING_H */
