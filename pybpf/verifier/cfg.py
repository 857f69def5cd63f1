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
    jmp_points: set = field(default_factory=set)       # slots the jump history records
    succ: list = field(default_factory=list)            # successors(slot) by slot, or None
    #: Programs repeat instructions: the distinct ones ((Insn, row) pairs), in order of first
    #: use, and per slot the index of its instruction among them (-1 for the second slot of
    #: lddw), so that analyses look at each distinct instruction once.
    uniq: list = field(default_factory=list)
    uid: list = field(default_factory=list)
    calls: list = field(default_factory=list)          # slots of call_local and lddw_func

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
    uid = []
    index: dict = {}        # (opcode, dst, src, off, imm) -> index in uniq
    uniq, uniq_rows = [], []
    flow: list[bool] = []   # by distinct instruction: a jump or a call (below)
    wide: list[bool] = []   # by distinct instruction: lddw (two slots)
    calls = []              # slots of bpf-to-bpf calls and function pointers
    jumps = []              # slots of jumps (row kinds jmp and ja)
    slot = 0
    for insn in insns:
        fields = (insn.opcode, insn.dst, insn.src, insn.off, insn.imm)
        k = index.get(fields)
        if k is None:
            opcode = insn.opcode
            imm = insn.imm if opcode == o.LDDW else s32(insn.imm)
            row = lookup(opcode, insn.dst, insn.src, insn.off, imm)
            if isinstance(row, str):
                raise CFGError(slot, row)
            k = index[fields] = len(uniq)
            uniq.append((insn, row))
            uniq_rows.append(row)
            flow.append(row.name in _CALLS or row.kind in _JUMPS)
            wide.append(opcode == o.LDDW)
        uid.append(k)
        if flow[k]:
            (calls if uniq_rows[k].name in _CALLS else jumps).append(slot)
        if wide[k]:
            if insn.next_word_rest:
                raise CFGError(slot, "invalid bpf_ld_imm64 insn")
            uid.append(-1)
            slot += 2
        else:
            slot += 1
    if slot == len(insns):
        by_slot = list(insns)
    else:                   # lddw's second slot: None
        by_slot = []
        for insn in insns:
            by_slot.append(insn)
            if insn.opcode == o.LDDW:
                by_slot.append(None)
    uniq_rows.append(None)  # (index -1)
    rows = [uniq_rows[k] for k in uid]
    uniq_rows.pop()
    prog = Program(by_slot, rows, uniq=uniq, uid=uid, calls=calls)
    n = len(by_slot)
    starts = {0}
    for slot in calls:
        name = rows[slot].name
        target = slot + s32(by_slot[slot].imm) + 1
        if target < 0 or target >= n:
            raise CFGError(slot, "call to invalid destination" if name == "call_local"
                           else "invalid pseudo func target")
        starts.add(target)
    prog.subprogs = sorted(starts)
    _check_subprogs(prog, jumps)
    _check_reachable(prog, [row.kind in _PLAIN for row in uniq_rows])
    return prog


def _check_subprogs(prog: Program, jumps: list[int]) -> None:
    """Jumps (``jumps``: their slots, in order) stay inside their subprogram, which ends in
    exit or goto."""
    insns, rows = prog.insns, prog.rows
    at, njumps = 0, len(jumps)
    for idx, start in enumerate(prog.subprogs):
        end = prog.subprog_end(idx)
        last = end - 1 if rows[end - 1] is not None else end - 2
        while at < njumps and jumps[at] < end:
            slot = jumps[at]
            at += 1
            target = jump_target(slot, insns[slot], rows[slot])
            if target < start or target >= end:
                raise CFGError(slot, f"jump out of range from insn {slot} to {target}")
        row = rows[last]
        if last >= start and (row is None or row.kind not in ("exit", "ja")):
            raise CFGError(last, "last insn is not an exit or jmp")


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


def _check_reachable(prog: Program, plain: list[bool]) -> None:
    """Every instruction is reached from the first; records successors and prune points.
    ``plain``: by distinct instruction (``prog.uid``), whether its only successor is the
    next slot (walked without the stack, the common case)."""
    insns, rows, uid = prog.insns, prog.rows, prog.uid
    n = len(insns)
    seen = [False] * n
    prog.succ = all_succ = [None] * n
    prune = prog.prune
    stack = [0]
    seen[0] = True
    while stack:
        slot = stack.pop()
        while plain[uid[slot]]:     # straight-line code: successors() is [slot + 1]
            t = slot + 1
            all_succ[slot] = [t]
            if t >= n or insns[t] is None:
                raise CFGError(slot, f"jump out of range from insn {slot} to {t}")
            if seen[t]:
                break
            seen[t] = True
            slot = t
        else:
            row = rows[slot]
            succ = all_succ[slot] = successors(prog, slot)
            # prune points where the kernel's check_cfg puts them (visit_insn, push_insn):
            # a conditional jump and its target (not its fall-through), a goto's target,
            # the instruction after a call, and a bpf-to-bpf call (or a callback's address
            # load) with the callee's entry
            kind = row.kind
            if kind == "jmp" or kind == "ja":
                prune.add(succ[-1])
                prog.jmp_points.add(succ[-1])
                if kind == "jmp":
                    prune.add(slot)
            elif row.name in _CALLS:
                prune.update(succ)
                prune.add(slot)
                prog.jmp_points.update(succ)
            elif kind == "call":
                prune.add(succ[0])
                prog.jmp_points.add(succ[0])
            for t in succ:
                if t >= n or insns[t] is None:
                    raise CFGError(slot, f"jump out of range from insn {slot} to {t}")
                if not seen[t]:
                    seen[t] = True
                    stack.append(t)
    if not all(seen):
        for slot in range(n):
            if not seen[slot] and insns[slot] is not None:
                raise CFGError(slot, f"unreachable insn {slot}")


_JUMPS = ("jmp", "ja")
_CALLS = ("call_local", "lddw_func")
#: Row kinds whose only successor is the next slot (lddw has two slots; call may be local).
_PLAIN = frozenset({"alu", "end", "ldx", "st", "stx", "atomic", "ldpkt"})
