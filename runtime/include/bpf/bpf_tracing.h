/* SPDX-License-Identifier: MIT */
/*
 * bpf_tracing.h -- the basics of libbpf's <bpf/bpf_tracing.h>, pybpf's own.
 *
 * For x86-64 (the only target pybpf's fixtures assume; define __TARGET_ARCH_x86
 * or nothing):
 *
 *   PT_REGS_PARM1(x) .. PT_REGS_PARM5(x), PT_REGS_RC(x), PT_REGS_SP(x),
 *   PT_REGS_FP(x), PT_REGS_IP(x)     registers of a `struct pt_regs *`
 *                                    (kernel field names with vmlinux.h,
 *                                    the UAPI's 64-bit names otherwise)
 *   BPF_KPROBE(name, args...)        a kprobe program taking typed arguments
 *                                    from the registers (up to 5)
 *   BPF_KRETPROBE(name, ret)         a kretprobe taking the return value
 *   BPF_PROG(name, args...)          fentry/fexit/tp_btf/lsm programs: typed
 *                                    arguments from the u64 context array (up to 12)
 *
 * Each macro declares the program `name` with the context the kernel passes
 * and an inlined body `____name` with the typed arguments, so `ctx` stays
 * usable inside the body.
 */
#ifndef __PYBPF_BPF_TRACING_H
#define __PYBPF_BPF_TRACING_H

#if defined(__TARGET_ARCH_arm64) || defined(__TARGET_ARCH_s390) || \
	defined(__TARGET_ARCH_riscv) || defined(__TARGET_ARCH_powerpc)
#error "pybpf's bpf_tracing.h knows x86-64 registers only"
#endif

#if defined(__VMLINUX_H__) || defined(__KERNEL__)
/* struct pt_regs as the kernel names its fields (vmlinux.h) */
#define PT_REGS_PARM1(x) ((x)->di)
#define PT_REGS_PARM2(x) ((x)->si)
#define PT_REGS_PARM3(x) ((x)->dx)
#define PT_REGS_PARM4(x) ((x)->cx)
#define PT_REGS_PARM5(x) ((x)->r8)
#define PT_REGS_RC(x) ((x)->ax)
#define PT_REGS_SP(x) ((x)->sp)
#define PT_REGS_FP(x) ((x)->bp)
#define PT_REGS_IP(x) ((x)->ip)
#else
/* struct pt_regs as x86-64 user space names its fields (<asm/ptrace.h>) */
#define PT_REGS_PARM1(x) ((x)->rdi)
#define PT_REGS_PARM2(x) ((x)->rsi)
#define PT_REGS_PARM3(x) ((x)->rdx)
#define PT_REGS_PARM4(x) ((x)->rcx)
#define PT_REGS_PARM5(x) ((x)->r8)
#define PT_REGS_RC(x) ((x)->rax)
#define PT_REGS_SP(x) ((x)->rsp)
#define PT_REGS_FP(x) ((x)->rbp)
#define PT_REGS_IP(x) ((x)->rip)
#endif

struct pt_regs;

/* How many arguments a macro got: 0..12. */
#define ___pybpf_nargs(...) ___pybpf_nth(_, ##__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define ___pybpf_nth(_, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, n, ...) n
#define ___pybpf_join(a, b) ___pybpf_join_(a, b)
#define ___pybpf_join_(a, b) a##b

/* ", (void *)ctx[0], (void *)ctx[1], ..." for as many arguments as were declared */
#define ___pybpf_u64_0()
#define ___pybpf_u64_1(a) , (void *)ctx[0]
#define ___pybpf_u64_2(a, b) ___pybpf_u64_1(a), (void *)ctx[1]
#define ___pybpf_u64_3(a, b, c) ___pybpf_u64_2(a, b), (void *)ctx[2]
#define ___pybpf_u64_4(a, b, c, d) ___pybpf_u64_3(a, b, c), (void *)ctx[3]
#define ___pybpf_u64_5(a, b, c, d, e) ___pybpf_u64_4(a, b, c, d), (void *)ctx[4]
#define ___pybpf_u64_6(a, b, c, d, e, f) ___pybpf_u64_5(a, b, c, d, e), (void *)ctx[5]
#define ___pybpf_u64_7(a, b, c, d, e, f, g) ___pybpf_u64_6(a, b, c, d, e, f), (void *)ctx[6]
#define ___pybpf_u64_8(a, b, c, d, e, f, g, h) \
	___pybpf_u64_7(a, b, c, d, e, f, g), (void *)ctx[7]
#define ___pybpf_u64_9(a, b, c, d, e, f, g, h, i) \
	___pybpf_u64_8(a, b, c, d, e, f, g, h), (void *)ctx[8]
#define ___pybpf_u64_10(a, b, c, d, e, f, g, h, i, j) \
	___pybpf_u64_9(a, b, c, d, e, f, g, h, i), (void *)ctx[9]
#define ___pybpf_u64_11(a, b, c, d, e, f, g, h, i, j, k) \
	___pybpf_u64_10(a, b, c, d, e, f, g, h, i, j), (void *)ctx[10]
#define ___pybpf_u64_12(a, b, c, d, e, f, g, h, i, j, k, l) \
	___pybpf_u64_11(a, b, c, d, e, f, g, h, i, j, k), (void *)ctx[11]
#define ___pybpf_u64_args(args...) ___pybpf_join(___pybpf_u64_, ___pybpf_nargs(args))(args)

/* ", (void *)PT_REGS_PARM1(ctx), ..." likewise, for up to 5 register arguments */
#define ___pybpf_reg_0()
#define ___pybpf_reg_1(a) , (void *)PT_REGS_PARM1(ctx)
#define ___pybpf_reg_2(a, b) ___pybpf_reg_1(a), (void *)PT_REGS_PARM2(ctx)
#define ___pybpf_reg_3(a, b, c) ___pybpf_reg_2(a, b), (void *)PT_REGS_PARM3(ctx)
#define ___pybpf_reg_4(a, b, c, d) ___pybpf_reg_3(a, b, c), (void *)PT_REGS_PARM4(ctx)
#define ___pybpf_reg_5(a, b, c, d, e) ___pybpf_reg_4(a, b, c, d), (void *)PT_REGS_PARM5(ctx)
#define ___pybpf_reg_args(args...) ___pybpf_join(___pybpf_reg_, ___pybpf_nargs(args))(args)

/* The arguments are passed as pointers and converted back to their declared types. */
#define ___pybpf_quiet_begin \
	_Pragma("GCC diagnostic push") \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"") \
	_Pragma("GCC diagnostic ignored \"-Wpointer-to-int-cast\"")
#define ___pybpf_quiet_end _Pragma("GCC diagnostic pop")

#define ___pybpf_ret_0()
#define ___pybpf_ret_1(a) , (void *)PT_REGS_RC(ctx)
#define ___pybpf_ret_args(args...) ___pybpf_join(___pybpf_ret_, ___pybpf_nargs(args))(args)

/* The shape all three share: program `name` taking `ctx_type ctx`, calling the inlined
 * body ____name with ctx and the arguments `fetch` produces. */
#define ___pybpf_program(name, ctx_type, fetch, args...)		\
name(ctx_type ctx);							\
static __always_inline typeof(name(0))					\
____##name(ctx_type ctx, ##args);					\
typeof(name(0)) name(ctx_type ctx)					\
{									\
	___pybpf_quiet_begin						\
	return ____##name(ctx fetch(args));				\
	___pybpf_quiet_end						\
}									\
static __always_inline typeof(name(0))					\
____##name(ctx_type ctx, ##args)

#define BPF_PROG(name, args...) \
	___pybpf_program(name, unsigned long long *, ___pybpf_u64_args, ##args)
#define BPF_KPROBE(name, args...) \
	___pybpf_program(name, struct pt_regs *, ___pybpf_reg_args, ##args)
#define BPF_KRETPROBE(name, args...) \
	___pybpf_program(name, struct pt_regs *, ___pybpf_ret_args, ##args)

#endif /* __PYBPF_BPF_TRACING_H */
