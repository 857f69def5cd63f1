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
    (r"!read_ok", "the register is read before anything was written to it on this path "
     "(after a call, only r0 and r6-r9 keep their values)"),
    (r"invalid bpf_context access",
     "this context field cannot be accessed this way by this program type (read-only field, "
     "wrong size, or past the end of the struct)"),
    (r"cannot use helper", "this helper is not available to this program type; use one that is, "
     "or change the program type (section name)"),
    (r"unbounded memory access",
     "bound the index first: `idx &= MASK` or `if (idx >= SIZE) return ...;`"),
    (r"min value is negative", "use an unsigned index, or check `if (idx < 0)` first"),
    (r"(min|max) value is outside of the allowed memory range",
     "the access may reach past the end of the value: check the offset against the size first"),
    (r"invalid (write to|read from|indirect access to) stack",
     "the access falls outside the 512-byte stack frame [r10-512, r10)"),
    (r"32-bit pointer arithmetic", "do pointer arithmetic on 64-bit registers only"),
    (r"pointer arithmetic on", "check the pointer (e.g. against NULL) or keep it unmodified"),
    (r"BPF program is too large",
     "the verifier would walk more than 1,000,000 instructions: bound the loops (a constant "
     "trip count), or split the program with tail calls"),
    (r"infinite loop detected", "the loop can run forever on this path: give it a bound"),
    (r"jump out of range", "a jump leaves its function: the bytecode is broken"),
    (r"unreachable insn", "the kernel refuses dead code: remove the instructions no path reaches"),
    (r"last insn is not an exit or jmp", "the function must end with exit or goto"),
    (r"Unreleased reference|reference leak",
     "every reference acquired (e.g. bpf_ringbuf_reserve) must be released (submit/discard) "
     "on every path"),
    (r"div by zero", "a division by the constant 0 is refused"),
    (r"invalid shift", "shift by less than the operand width"),
    (r"frame pointer is read only", "r10 (the frame pointer) cannot be written"),
    (r"misaligned stack access", "align stack accesses to their size"),
]


def hint(message: str, need: int | None = None) -> str:
    for pattern, text in _HINTS:
        if re.search(pattern, message):
            return text.replace("{need}", str(need) if need is not None else "N")
    return ""
