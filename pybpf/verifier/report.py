"""What a person reads when a program is refused: where, why, and what to change.

The kernel's own message stays the last line, so it can be searched for; above it
the C source line (from BTF line info), the instruction, the registers involved
and one sentence on what to change.
"""

from __future__ import annotations

import re

_HINTS = [
    (r"offset is outside of the packet",
     "compare the pointer with data_end before this access: `if (data + {need} > data_end) "
     "return ...;` must cover every byte read or written"),
    (r"invalid mem access '(\w+)_or_null'",
     "the pointer may be NULL (a map lookup returns NULL when the key is absent): check "
     "`if (!ptr) return ...;` before dereferencing it"),
    (r"invalid mem access 'scalar'",
     "this register holds a number, not a pointer: dereference only pointers the verifier "
     "knows (ctx, stack, packet, map value)"),
    (r"invalid mem access", "this kind of pointer cannot be dereferenced (pkt_end only bounds "
     "the packet, a map pointer is for helpers): read through the packet, a map value, the "
     "stack or the context instead"),
    (r"!read_ok", "the register is read before anything was written to it on this path "
     "(after a call, only r0 and r6-r9 keep their values)"),
    (r"invalid bpf_context access",
     "this context field cannot be accessed this way by this program type (read-only field, "
     "wrong size, or past the end of the struct)"),
    (r"cannot use helper", "this helper is not available to this program type; use one that is, "
     "or change the program type (section name)"),
    (r"unbounded memory access",
     "bound the index first: `idx &= MASK` or `if (idx >= SIZE) return ...;`"),
    (r"min value is negative", "declare the index unsigned (`__u32`), or check `if (idx < 0) "
     "return ...;` on the variable the access uses, right before it"),
    (r"(min|max) value is outside of the allowed memory range",
     "the access may fall outside the map value, key or memory region (its size is on the "
     "next line): bound the offset on both sides first, e.g. an unsigned `off` and "
     "`if (off > SIZE - len) return ...;`"),
    (r"invalid (indirect )?read from stack (R\d+ )?off -?\d+\+",
     "these stack bytes are read (by the program or a helper) before anything was written to "
     "them on this path, which only CAP_PERFMON allows: initialise the whole variable first, "
     "struct padding included (`= {}` or `__builtin_memset(&v, 0, sizeof(v))`)"),
    (r"invalid (write to|read from|indirect access to) stack",
     "the access falls outside the 512-byte stack frame [r10-512, r10) (without CAP_PERFMON a "
     "read must also stay within the stack written so far): keep the offset and size inside "
     "the local variable"),
    (r"32-bit pointer arithmetic",
     "keep pointers 64-bit: do not cast a pointer to a 32-bit integer (`(__u32)(long)p`) "
     "before adding to it; add the 32-bit offset to the 64-bit pointer instead"),
    (r"pointer arithmetic on .* prohibited, null-check it first",
     "check the pointer against NULL (`if (!p) return ...;`) before taking `&p->field` or "
     "adding an offset to it"),
    (r"pointer arithmetic on",
     "this kind of pointer (pkt_end, a socket, a map, flow keys by a variable offset) cannot be "
     "moved: add offsets only to packet, map value, stack or context pointers, and use this one "
     "as given (pkt_end only in comparisons, a socket's fields as `sk->field`)"),
    (r"BPF program is too large",
     "the verifier would walk more than 1,000,000 instructions: bound the loops (a constant "
     "trip count), or split the program with tail calls"),
    (r"infinite loop detected", "the loop can run forever on this path: give it a bound"),
    (r"jump out of range", "a jump leaves its function: the bytecode is broken"),
    (r"unreachable insn", "the kernel refuses dead code: remove the instructions no path reaches"),
    (r"last insn is not an exit or jmp",
     "execution would run off the end of the code: every path must return (a function that "
     "ends in `__builtin_unreachable()` or a call the compiler thinks never returns has no "
     "exit)"),
    (r"Unreleased reference|reference leak",
     "every reference acquired (e.g. bpf_ringbuf_reserve) must be released (submit/discard) "
     "on every path"),
    (r"div by zero", "divide by a non-zero constant (a division by a register that holds 0 "
     "gives 0 at run time and is allowed; by the constant 0 it is not)"),
    (r"invalid shift", "shift by a constant below the operand's width (0-63 for 64-bit, 0-31 "
     "for 32-bit values): mask a computed count (`n & 63`) instead"),
    (r"frame pointer is read only", "copy r10 into another register and move that one "
     "(`r1 = r10; r1 += -8`): r10 itself is never a destination (check inline assembly)"),
    (r"misaligned stack access", "align stack accesses to their size"),
    # return values
    (r"At program exit the register R0 has",
     "this program type may only return the values in the range given (cgroup programs: 1 "
     "allows, 0 denies): return constants, or bound the value (`ret &= 1`, an `if`) first"),
    (r"At callback return the register R0 has",
     "a bpf_loop / bpf_for_each_map_elem callback returns 0 (go on) or 1 (stop): return one "
     "of those constants"),
    (r"register R0 is not a known value",
     "return a number, not a pointer: the return value must be a scalar"),
    (r"cannot return stack pointer to the caller",
     "a function's stack is gone once it returns: return a value, or write the result into "
     "memory the caller passed in"),
    # unprivileged (no CAP_PERFMON): addresses stay inside, speculation is masked
    (r"leaks addr",
     "without CAP_PERFMON a kernel address may not leave the program (returned, stored in a "
     "map, the packet or the context, or passed as a number): store data, not pointers"),
    (r"pointer comparison prohibited",
     "without CAP_PERFMON pointers may only be compared with NULL or with the packet's end: "
     "compare offsets or the values they point to"),
    (r"partial copy of pointer|sign-extension part of pointer",
     "without CAP_PERFMON a pointer may only be copied whole (64-bit `mov`)"),
    (r"needs CAP_PERFMON",
     "tracing program types (kprobe, tracepoint, perf_event, fentry/fexit, lsm, struct_ops) "
     "load only with CAP_PERFMON (or as root); with CAP_BPF and CAP_NET_ADMIN alone only "
     "networking types (xdp, tc, socket filters, cgroup programs) load"),
    (r"prohibited for !root",
     "without CAP_PERFMON pointer arithmetic must be maskable against speculation: use a "
     "constant stack offset, and bound a variable offset (`off &= MASK` or a range check) "
     "before adding it to a map value pointer"),
    # pointer arithmetic
    (r"bitwise operator .* on pointer|pointer arithmetic with .* operator|unsupported alu "
     r"operation", "only add and subtract work on pointers: compute the offset as a number "
     "first, then add it"),
    (r"pointer .* pointer prohibited|tried to subtract pointer from scalar",
     "two pointers cannot be added, nor a pointer subtracted from a number: subtract pointers "
     "of the same packet or region only to get a length"),
    (r"subtraction from stack pointer prohibited",
     "a stack pointer may only be moved by adding to it (`r1 += -8`, not `r1 -= 8`): index "
     "forwards from the start of the buffer (`&buf[i]`) instead of subtracting (`p - i`)"),
    (r"math between .* pointer and register with unbounded min value",
     "the offset may be negative: make it unsigned or check `if (off < 0)` before adding it"),
    (r"math between .* pointer and .* is not allowed|pointer offset .* is not allowed|"
     r"makes .* pointer be out of bounds",
     "the offset added to the pointer is too large (or unbounded): bound it (`off &= MASK`, "
     "`if (off > MAX) return ...;`) before adding it"),
    (r"pointer arithmetic prohibited",
     "without CAP_PERFMON a pointer cannot be negated or byte-swapped: negate or byte-swap "
     "(bpf_htons, bpf_ntohl) the values loaded through it, not the pointer itself"),
    # the context
    (r"dereference of modified ctx ptr|variable ctx access",
     "read context fields directly from the context pointer (`ctx->field`), not through a "
     "moved or computed copy of it"),
    (r"invalid access to flow keys",
     "the access falls outside struct bpf_flow_keys: use its fields only"),
    (r"cannot write into packet",
     "this program type may only read the packet: write it with a helper where the type has "
     "one (e.g. bpf_skb_store_bytes in tc), or attach the program as a type that may write"),
    (r"BPF_LD_\[ABS\|IND\] instructions not allowed",
     "legacy packet loads (load_byte/load_half/load_word) exist only in socket filters and "
     "tc programs: read the packet through data/data_end"),
    (r"at the time of BPF_LD_ABS\|IND R6 != pointer to skb",
     "legacy packet loads take the context in r6: keep the context there"),
    # the stack
    (r"invalid (unbounded )?variable-offset", "bound the variable stack offset, keep the whole "
     "access inside the frame and, for reads, initialise every byte it may read first"),
    (r"invalid size of register (spill|fill)",
     "spill and fill pointers as whole 8-byte stack slots, aligned"),
    (r"cannot spill pointers to stack into stack frame of the caller",
     "a callee may not store a pointer to its own stack in its caller's frame: pass values, "
     "or a pointer to the caller's memory"),
    # calls
    (r"combined stack size of .* calls is .* Too large",
     "the frames of a call chain share 512 bytes of stack: move large locals into a per-CPU "
     "array map value, or make the functions smaller (or `__always_inline`)"),
    (r"the call stack of .* frames is too deep",
     "calls nest at most 8 deep: flatten the call chain (inline the inner functions)"),
    (r"The sequence of .* jumps is too complex",
     "too many branches wait to be explored at once: fewer independent conditions in a row, "
     "a bounded loop, or splitting the program with tail calls"),
    (r"invalid func",
     "the kernel has no helper with this id: call only helpers the running kernel's "
     "bpf_helper_defs.h declares (a newer helper needs a newer kernel)"),
    (r"unknown opcode|invalid \w+ -?\d+ for opcode|uses reserved field|"
     r"invalid register r",
     "the kernel does not know this instruction encoding: compile with clang -target bpf "
     "for an -mcpu the kernel supports (v1-v4), or fix the hand-written bytecode"),
    (r"empty program", "the program has no instructions: check its SEC() name and that the "
     "function was compiled in"),
    (r"call to invalid destination|invalid pseudo func target|invalid bpf_ld_imm64 insn",
     "the bytecode is broken (a call or a callback's address that leads nowhere, or a 64-bit "
     "load that is not whole): rebuild the object"),
    (r"GPL-restricted function|kernel function from non-GPL",
     "this helper (or kfunc) is only for GPL-compatible programs: declare "
     "`char LICENSE[] SEC(\"license\") = \"GPL\";`"),
    (r"expected prog array map for tail call|cannot pass map_type",
     "this helper does not take this kind of map (bpf_tail_call needs a prog array, "
     "bpf_perf_event_output a perf event array, ...): pass the right map"),
    (r"fd .* is not pointing to valid bpf_map|invalid map_ptr",
     "the map reference is broken: pass the map (`&my_map`) the loader relocated"),
    (r"must be referenced when passed to release function|must have zero offset when passed "
     r"to release func", "release exactly the pointer the acquiring helper returned, "
     "unmoved and checked for NULL"),
    (r"type=.* expected=",
     "the argument has the wrong kind of pointer for this helper: pass what its prototype "
     "expects (e.g. a pointer to the stack or a map value, checked for NULL)"),
    (r"is not a known constant",
     "this argument must be a constant the verifier can see: pass a literal, or a value "
     "bounded to one number"),
    (r"invalid zero-sized read", "the size passed may be 0 here: check `if (len == 0)` first, "
     "or bound it to at least 1"),
    (r"expected pointer to an iterator on stack",
     "pass the address of the iterator variable on the stack (`&it`)"),
    (r"BPF_ATOMIC stores into .* is not allowed",
     "atomic operations work on map values and the stack only: not on the context or packet"),
    (r"write into map forbidden",
     "this map is read-only from the program (BPF_F_RDONLY_PROG, or frozen .rodata): write "
     "to a writable map or global"),
]


def hint(message: str, need: int | None = None) -> str:
    for pattern, text in _HINTS:
        if re.search(pattern, message):
            return text.replace("{need}", str(need) if need is not None else "N")
    return ""
