"""Static checks before path exploration: instruction validity, subprograms, the CFG.

Mirrors the order of the kernel's ``check_subprogs`` and ``check_cfg``: every
instruction must decode to an opcode-table row, every jump must stay inside its
subprogram ("jump out of range from insn 1 to 7"), every subprogram must end in
``exit`` or ``goto`` ("last insn is not an exit or jmp"), and every instruction
must be reachable ("unreachable insn 2"). Works on slots (lddw takes two).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..isa import opcodes as o
from ..isa.insn import s32
from ..isa.table import lookup


class CFGError(Exception):
    def __init__(self, slot: int, message: str):
        super().__init__(message)
        self.slot = slot
        self.message = message


@dataclass
class Program:
    """The instructions by slot, with their table rows and subprogram boundaries."""

    insns: list                      # Insn or None (second slot of lddw)
    rows: list                       # table row or None
    subprogs: list[int] = field(default_factory=list)   # start slots, sorted, [0, ...]
    prune: set = field(default_factory=set)             # slots where states are checkpointed
    succ: list = field(default_factory=list)            # successors(slot) by slot, or None

    def subprog_of(self, slot: int) -> int:
        """Index of the subprogram containing ``slot``."""
        idx = 0
        for i, start in enumerate(self.subprogs):
            if start <= slot:
                idx = i
        return idx

    def subprog_end(self, idx: int) -> int:
        return self.subprogs[idx + 1] if idx + 1 < len(self.subprogs) else len(self.insns)


def jump_target(slot: int, insn, row) -> int:
    if row.kind == "ja" and insn.opcode == (o.BPF_JMP32 | o.BPF_JA):
        return slot + s32(insn.imm) + 1
    return slot + insn.off + 1


def build(insns) -> Program:
    """Lay out ``insns`` (a list of Insn) by slot and run the static checks."""
    if not insns:
        raise CFGError(0, "empty program")
    by_slot, rows = [], []
    rows_of: dict = {}      # programs repeat instructions: look each distinct one up once
    for insn in insns:
        imm = insn.imm if insn.opcode == o.LDDW else s32(insn.imm)
        fields = (insn.opcode, insn.dst, insn.src, insn.off, imm)
        row = rows_of.get(fields)
        if row is None:
            row = rows_of[fields] = lookup(*fields)
        slot = len(by_slot)
        if isinstance(row, str):
            raise CFGError(slot, row)
        if insn.opcode == o.LDDW and insn.next_word_rest:
            raise CFGError(slot, "invalid bpf_ld_imm64 insn")
        by_slot.append(insn)
        rows.append(row)
        if insn.width == 2:
            by_slot.append(None)
            rows.append(None)
    prog = Program(by_slot, rows)
    n = len(by_slot)
    starts = {0}
    for slot, (insn, row) in enumerate(zip(by_slot, rows)):
        if row is None:
            continue
        if (row.name == "call_local") or (row.name == "lddw_func"):
            target = slot + s32(insn.imm) + 1
            if target < 0 or target >= n:
                raise CFGError(slot, "call to invalid destination" if row.name == "call_local"
                               else "invalid pseudo func target")
            starts.add(target)
    prog.subprogs = sorted(starts)
    _check_subprogs(prog)
    _check_reachable(prog)
    return prog


def _check_subprogs(prog: Program) -> None:
    for idx, start in enumerate(prog.subprogs):
        end = prog.subprog_end(idx)
        for slot in range(start, end):
            insn, row = prog.insns[slot], prog.rows[slot]
            if row is not None and row.kind in ("jmp", "ja"):
                target = jump_target(slot, insn, row)
                if target < start or target >= end:
                    raise CFGError(slot, f"jump out of range from insn {slot} to {target}")
            last = end - 1 if prog.rows[end - 1] is not None else end - 2
            if slot == last and (row is None or row.kind not in ("exit", "ja")):
                raise CFGError(slot, "last insn is not an exit or jmp")


def successors(prog: Program, slot: int) -> list[int]:
    insn, row = prog.insns[slot], prog.rows[slot]
    kind = row.kind
    if kind == "exit":
        return []
    if kind == "ja":
        return [jump_target(slot, insn, row)]
    nxt = slot + insn.width
    if kind == "jmp":
        return [nxt, jump_target(slot, insn, row)]
    if row.name in ("call_local", "lddw_func"):
        return [nxt, slot + s32(insn.imm) + 1]
    return [nxt]


def _check_reachable(prog: Program) -> None:
    n = len(prog.insns)
    seen = [False] * n
    prog.succ = [None] * n
    stack = [0]
    seen[0] = True
    while stack:
        slot = stack.pop()
        succ = prog.succ[slot] = successors(prog, slot)
        row = prog.rows[slot]
        if row.kind in ("jmp", "ja") or row.name in ("call_local", "call"):
            prog.prune.update(succ)
        if row.kind in ("jmp",):
            prog.prune.add(slot)
        for t in succ:
            if t >= n or prog.insns[t] is None:
                raise CFGError(slot, f"jump out of range from insn {slot} to {t}")
            if not seen[t]:
                seen[t] = True
                stack.append(t)
    for slot in range(n):
        if prog.insns[slot] is not None and not seen[slot]:
            raise CFGError(slot, f"unreachable insn {slot}")
