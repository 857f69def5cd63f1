"""Disassembly in the kernel verifier log's syntax, derived from the opcode table.

``r0 = *(u32 *)(r1 +4)``, ``if r3 > r2 goto pc+4``, ``w0 = 2``, ``lock *(u64 *)(r10 -8) += r1``.
Immediates print as the kernel prints them: decimal in arithmetic, hex in
conditional jumps. ``helper_name`` maps a helper id to a name for ``call``;
``lddw_name`` may render a patched lddw (e.g. as ``map[name]``).
"""

from __future__ import annotations

from ..isa import opcodes as o
from .insn import Insn, s32
from .table import lookup

_SIZE = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}
_SSIZE = {1: "s8", 2: "s16", 4: "s32"}



def _reg(n: int, width: int) -> str:
    return f"{'w' if width == 32 else 'r'}{n}"


def format_insn(insn: Insn, helper_name=None, lddw_name=None, with_opcode: bool = False) -> str:
    """One instruction as the kernel's verifier log prints it (without the ``N:`` prefix)."""
    imm = insn.imm if insn.opcode == o.LDDW else s32(insn.imm)
    row = lookup(insn.opcode, insn.dst, insn.src, insn.off, imm)
    text = _format(row, insn, imm, helper_name, lddw_name) if not isinstance(row, str) \
        else f"invalid insn ({row})"
    return f"({insn.opcode:02x}) {text}" if with_opcode else text


def _format(row, insn: Insn, imm: int, helper_name, lddw_name) -> str:
    kind, d, s, off = row.kind, insn.dst, insn.src, insn.off
    if kind == "alu":
        dst = _reg(d, row.width)
        src = _reg(s, row.width) if row.source_is_reg else str(imm)
        if row.sym == "= -":
            return f"{dst} = -{dst}"
        if row.sym.startswith("= (s"):
            return f"{dst} {row.sym}{_reg(s, row.width)}"
        return f"{dst} {row.sym} {src}"
    if kind == "end":
        return f"r{d} = {row.sym}{row.width} r{d}"
    if kind == "lddw":
        if lddw_name is not None:
            named = lddw_name(insn)
            if named:
                return f"r{d} = {named}"
        if insn.src == o.BPF_PSEUDO_MAP_FD:
            return f"r{d} = map[id:{imm}]"
        if insn.src == o.BPF_PSEUDO_MAP_VALUE:
            return f"r{d} = map[id:{imm & 0xFFFFFFFF}][0]+{imm >> 32}"
        if insn.src == o.BPF_PSEUDO_MAP_IDX_VALUE:  # bpftool's xlated_dumper form
            return f"r{d} = map[idx:{imm & 0xFFFFFFFF}]+{imm >> 32}"
        if insn.src == o.BPF_PSEUDO_FUNC:
            return f"r{d} = func pc{s32(imm) + 1:+d}"
        return f"r{d} = 0x{imm & 0xFFFFFFFFFFFFFFFF:x}"
    if kind == "ldx":
        t = _SSIZE[row.size] if row.signed else _SIZE[row.size]
        return f"r{d} = *({t} *)(r{s} {off:+d})"
    if kind == "st":
        return f"*({_SIZE[row.size]} *)(r{d} {off:+d}) = {imm}"
    if kind == "stx":
        return f"*({_SIZE[row.size]} *)(r{d} {off:+d}) = r{s}"
    if kind == "atomic":
        t = _SIZE[row.size]
        w = "64" if row.size == 8 else ""
        if row.sym == "xchg":
            return f"r{s} = atomic{w}_xchg(({t} *)(r{d} {off:+d}), r{s})"
        if row.sym == "cmpxchg":
            return f"r0 = atomic{w}_cmpxchg(({t} *)(r{d} {off:+d}), r0, r{s})"
        if row.fetch:
            opname = row.name.rsplit("_", 1)[1]
            return f"r{s} = atomic{w}_fetch_{opname}(({t} *)(r{d} {off:+d}), r{s})"
        return f"lock *({t} *)(r{d} {off:+d}) {row.sym} r{s}"
    if kind == "ldpkt":
        t = _SIZE[row.size]
        if row.name.startswith("ldabs"):
            return f"r0 = *({t} *)skb[{imm}]"
        return f"r0 = *({t} *)skb[r{s} + {imm}]"
    if kind == "jmp":
        dst = _reg(d, row.width)
        src = _reg(s, row.width) if row.source_is_reg else f"0x{imm & 0xFFFFFFFF:x}"
        return f"if {dst} {row.sym} {src} goto pc{off:+d}"
    if kind == "ja":
        if insn.opcode == o.BPF_JMP | o.BPF_JA:
            return f"goto pc{off:+d}"
        return f"gotol pc{imm:+d}"
    if kind == "call":
        if insn.src == o.BPF_PSEUDO_CALL:
            return f"call pc{imm:+d}"
        if insn.src == o.BPF_PSEUDO_KFUNC_CALL:
            return f"call kernel-function#{imm}"
        name = helper_name(imm) if helper_name else None
        return f"call {name or 'unknown'}#{imm}"  # the kernel's fallback name is "unknown"
    if kind == "callx":
        return f"callx r{d}"
    if kind == "exit":
        return "exit"
    raise AssertionError(kind)


def disassemble(insns, helper_name=None, lddw_name=None, line_of=None, with_opcode=True) -> str:
    """A listing ``N: (op) text`` per instruction; ``N`` counts slots like the kernel.

    With ``line_of(slot) -> (file, line, text) | None``, C source lines are
    interleaved (``; text @ file:line``) where the line changes.
    """
    out, slot, last = [], 0, None
    for insn in insns:
        if line_of is not None:
            info = line_of(slot)
            if info and info != last:
                out.append(f"; {info[2].strip()} @ {info[0]}:{info[1]}")
                last = info
        out.append(f"{slot}: {format_insn(insn, helper_name, lddw_name, with_opcode)}")
        slot += insn.width
    return "\n".join(out)
