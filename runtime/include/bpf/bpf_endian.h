/* SPDX-License-Identifier: MIT */
/*
 * bpf_endian.h -- byte-order conversion for BPF C programs (pybpf's own).
 *
 * Same names as libbpf's <bpf/bpf_endian.h>. Every macro expands to a
 * __builtin_bswap* call (or to nothing on big-endian targets), which clang
 * folds at compile time for constant arguments, so they can be used in
 * `case bpf_htons(ETH_P_IP):` labels and static initializers.
 */
#ifndef __PYBPF_BPF_ENDIAN_H
#define __PYBPF_BPF_ENDIAN_H

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ___pybpf_be16(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define ___pybpf_be32(x) ((__u32)__builtin_bswap32((__u32)(x)))
#define ___pybpf_be64(x) ((__u64)__builtin_bswap64((__u64)(x)))
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ___pybpf_be16(x) ((__u16)(x))
#define ___pybpf_be32(x) ((__u32)(x))
#define ___pybpf_be64(x) ((__u64)(x))
#else
#error "bpf_endian.h: cannot determine the target byte order"
#endif

#define bpf_htons(x) ___pybpf_be16(x)
#define bpf_ntohs(x) ___pybpf_be16(x)
#define bpf_htonl(x) ___pybpf_be32(x)
#define bpf_ntohl(x) ___pybpf_be32(x)

/* The other spellings libbpf's header offers. */
#define __bpf_htons(x) ___pybpf_be16(x)
#define __bpf_ntohs(x) ___pybpf_be16(x)
#define __bpf_htonl(x) ___pybpf_be32(x)
#define __bpf_ntohl(x) ___pybpf_be32(x)
#define __bpf_constant_htons(x) ___pybpf_be16(x)
#define __bpf_constant_ntohs(x) ___pybpf_be16(x)
#define __bpf_constant_htonl(x) ___pybpf_be32(x)
#define __bpf_constant_ntohl(x) ___pybpf_be32(x)
#define __bpf_cpu_to_be64(x) ___pybpf_be64(x)
#define __bpf_be64_to_cpu(x) ___pybpf_be64(x)

#define bpf_cpu_to_be16(x) ___pybpf_be16(x)
#define bpf_be16_to_cpu(x) ___pybpf_be16(x)
#define bpf_cpu_to_be32(x) ___pybpf_be32(x)
#define bpf_be32_to_cpu(x) ___pybpf_be32(x)
#define bpf_cpu_to_be64(x) ___pybpf_be64(x)
#define bpf_be64_to_cpu(x) ___pybpf_be64(x)

#endif /* __PYBPF_BPF_ENDIAN_H */
