"""A program decoded once into the arrays the interpreter dispatches on.

Decoding validates every instruction against the opcode table (unknown
opcodes, reserved fields, bad registers) and checks the control flow that the
interpreter relies on for memory safety: every jump and local call lands on an
instruction start inside the program. These are load-time checks, like the
first pass of the kernel verifier; the rest of verification is
:mod:`pybpf.verifier`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DecodeError
from ..isa import opcodes as o
from ..isa import table
from ..isa.insn import Insn, decode, s32
from .codegen import dispatch_ids

_ALU_POINTER_OPS = {o.BPF_MOV, o.BPF_ADD, o.BPF_SUB}


@dataclass
class Code:
    """Pre-decoded instruction arrays, indexed by slot (lddw's second slot is ILLEGAL).

    ``h`` holds the interpreter's handler of each slot (:func:`pybpf.vm.codegen.dispatch_ids`:
    a slot may start a fused pair); ``rows`` the table row of each."""

    name: str
    insns: list[Insn]
    rows: list                       # table row per slot (None for lddw tails)
    h: np.ndarray
    dsts: np.ndarray
    srcs: np.ndarray
    offs: np.ndarray
    offu: np.ndarray
    immu: np.ndarray
    slots: list[int] = field(default_factory=list)   # slot of each Insn
    line_of: object = None            # callable slot -> (file, line, text) | None
    #: (start slot, size, program name) when several programs share this code
    segments: list = field(default_factory=list)

    def locate(self, slot: int) -> tuple[str, int]:
        """``(name, slot within that program)``: errors count instructions per program."""
        for start, size, prog in self.segments:
            if start <= slot < start + size:
                return f"{self.name}:{prog}", slot - start
        return self.name, slot

    @property
    def nslots(self) -> int:
        return len(self.rows)

    @property
    def stack_in_use(self) -> int:
        """Bytes of stack a run can dirty, which every run clears first: all the frames if
        the code can push more than one (a bpf-to-bpf call, callx, or a helper that calls
        back into the program), else the top of frame 0 its ``r10``-based accesses reach
        (:func:`frame_extent`)."""
        if not hasattr(self, "_stack_in_use"):
            from ..helpers.hotset import BPF_LOOP, FOR_EACH_MAP_ELEM
            from ..isa.opcodes import MAX_CALL_FRAMES, STACK_SIZE
            deep = any(row is not None and (row.name in ("call_local", "callx") or (
                row.name == "call" and int(self.immu[slot]) & 0xFFFFFFFF in (BPF_LOOP,
                                                                              FOR_EACH_MAP_ELEM)))
                       for slot, row in enumerate(self.rows))
            self._stack_in_use = (STACK_SIZE * MAX_CALL_FRAMES if deep
                                  else frame_extent(self, STACK_SIZE))
        return self._stack_in_use

    def insn_at(self, slot: int) -> Insn | None:
        try:
            return self.insns[self.slots.index(slot)]
        except ValueError:
            return None


def _u64(value: int) -> int:
    return value & 0xFFFFFFFFFFFFFFFF


def build_code(program, name: str = "prog", line_of=None) -> Code:
    """Decode ``program`` (bytes or a list of :class:`Insn`) into :class:`Code`.

    Raises :class:`DecodeError` naming the instruction for anything that is not
    a valid instruction, for jumps out of range and for writes to r10.
    """
    if isinstance(program, (bytes, bytearray, memoryview)):
        try:
            insns = decode(program)
        except DecodeError as exc:
            raise DecodeError(f"{name}: {exc}") from None
    else:
        insns = list(program)
    if not insns:
        raise DecodeError(f"{name}: no instructions")
    rows, dsts, srcs, offs, offu, immu, slots = [], [], [], [], [], [], []
    for insn in insns:
        slot = len(rows)
        slots.append(slot)
        imm = insn.imm if insn.opcode == o.LDDW else s32(insn.imm)
        row = table.lookup(insn.opcode, insn.dst, insn.src, insn.off, imm)
        if isinstance(row, str):
            raise DecodeError(f"{name}: insn {slot}: {row}")
        if insn.opcode == o.LDDW and insn.next_word_rest:
            raise DecodeError(f"{name}: insn {slot}: lddw second slot uses reserved fields")
        _check_frame_pointer(name, slot, insn, row)
        rows.append(row)
        dsts.append(insn.dst)
        srcs.append(insn.src if row.kind != "call" else 0)
        offs.append(insn.off)
        offu.append(_u64(insn.off))
        immu.append(_u64(imm))
        if insn.opcode == o.LDDW:
            rows.append(None)
            for arr, val in ((dsts, 0), (srcs, 0), (offs, 0), (offu, 0), (immu, 0)):
                arr.append(val)
    n = len(rows)
    # Sentinel past the end: running off the end stops with BAD_INSN instead of reading garbage.
    for arr, val in ((dsts, 0), (srcs, 0), (offs, 0), (offu, 0), (immu, 0)):
        arr.append(val)
    code = Code(name=name, insns=insns, rows=rows,
                h=np.array(dispatch_ids(rows), dtype=np.int64),
                dsts=np.array(dsts, dtype=np.uint64),
                srcs=np.array(srcs, dtype=np.uint64), offs=np.array(offs, dtype=np.int64),
                offu=np.array(offu, dtype=np.uint64), immu=np.array(immu, dtype=np.uint64),
                slots=slots, line_of=line_of)
    _check_jumps(code, n)
    return code



def _check_frame_pointer(name: str, slot: int, insn: Insn, row) -> None:
    """r10 is read-only, and it is a pointer: only mov/add/sub may take it as a source."""
    writes_dst = row.kind in ("alu", "end", "ldx", "lddw")
    if writes_dst and insn.dst == o.BPF_REG_FP:
        raise DecodeError(f"{name}: insn {slot}: Invalid write to the frame pointer r10 (read-only)")
    if row.kind == "alu" and row.source_is_reg and insn.src == o.BPF_REG_FP:
        op = insn.opcode & 0xF0
        if op not in _ALU_POINTER_OPS or row.width == 32 or insn.off:
            raise DecodeError(f"{name}: insn {slot}: Invalid use of the frame pointer r10 as an operand"
                              f" of {row.name} (pointer arithmetic with '{row.sym}' is prohibited)")


def _check_jumps(code: Code, n: int) -> None:
    starts = set(code.slots)
    for slot, row in enumerate(code.rows):
        if row is None:
            continue
        if row.kind == "jmp" or (row.kind == "ja" and row.opcode == o.BPF_JMP | o.BPF_JA):
            target = slot + int(code.offs[slot]) + 1
        elif row.kind == "ja" or row.name == "call_local":
            target = slot + s32(int(code.immu[slot])) + 1
        else:
            continue
        if not 0 <= target < n:
            raise DecodeError(f"{code.name}: insn {slot}: jump out of range from insn {slot} to {target}")
        if target not in starts:
            raise DecodeError(f"{code.name}: insn {slot}: jump into the middle of lddw at insn {target}")


def frame_extent(code: Code, frame_size: int) -> int:
    """How far below ``r10`` a run of ``code`` can write its (one) frame, in bytes.

    When ``r10`` is only ever the base register of loads and stores, no other register
    can hold a stack address (none is derived from it, none stored), so the stack is
    reached only at ``r10 + off``: the extent is the lowest such offset. Anything else
    (``r10`` copied, added to, stored, or written) may reach the whole frame."""
    extent = 0
    for slot, row in enumerate(code.rows):
        if row is None:
            continue
        kind, dst, src = row.kind, int(code.dsts[slot]), int(code.srcs[slot])
        if row.spreads_r10(dst, src):
            return frame_size
        if kind in ("ldx", "st", "stx", "atomic") and (src if kind == "ldx" else dst) == 10:
            extent = max(extent, -int(code.offs[slot]))
    return min(frame_size, (extent + 7) // 8 * 8)
