"""The instruction record: decode from and encode to the 8-byte wire format.

``Insn`` is plain data. ``lddw`` is one instruction of width 2: its ``imm`` holds
the whole 64-bit constant and ``next_imm``-style split exists only on the wire.
Decoding checks only the framing (length, a complete ``lddw``); which opcodes
exist and which fields must be zero is the opcode table's business
(:mod:`pybpf.isa.table`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..errors import DecodeError
from .opcodes import LDDW

_SLOT = struct.Struct("<BBhi")


@dataclass(frozen=True)
class Insn:
    """One BPF instruction. ``imm`` is signed 32-bit, or the 64-bit value for lddw."""

    opcode: int
    dst: int = 0
    src: int = 0
    off: int = 0
    imm: int = 0
    # For lddw only: the raw imm of the second slot is the high word of ``imm``;
    # these two hold the second slot's other fields, which must be zero.
    next_word_rest: int = 0

    @property
    def width(self) -> int:
        """Number of 8-byte slots this instruction occupies (2 for lddw)."""
        return 2 if self.opcode == LDDW else 1

    @property
    def cls(self) -> int:
        return self.opcode & 0x07

    def encode(self) -> bytes:
        if self.opcode == LDDW:
            lo = self.imm & 0xFFFFFFFF
            hi = (self.imm >> 32) & 0xFFFFFFFF
            return (_SLOT.pack(self.opcode, (self.src << 4) | self.dst, self.off, s32(lo))
                    + _SLOT.pack(0, 0, 0, s32(hi)))
        return _SLOT.pack(self.opcode, ((self.src & 0xF) << 4) | (self.dst & 0xF), self.off, self.imm)


def s32(value: int) -> int:
    """The low 32 bits of ``value`` as a signed 32-bit integer."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def decode_slot(data: bytes, offset: int = 0) -> tuple[int, int, int, int, int]:
    """Fields of the 8-byte slot at ``offset``: opcode, dst, src, off, imm (signed)."""
    opcode, regs, off, imm = _SLOT.unpack_from(data, offset)
    return opcode, regs & 0xF, regs >> 4, off, imm


def decode(data: bytes) -> list[Insn]:
    """Split raw bytecode into instructions; lddw consumes two slots.

    Raises :class:`DecodeError` for a length that is not a multiple of 8 or a
    lddw whose second slot is missing.
    """
    if len(data) % 8:
        raise DecodeError(f"bytecode length {len(data)} is not a multiple of 8")
    insns = []
    pos = 0
    while pos < len(data):
        opcode, dst, src, off, imm = decode_slot(data, pos)
        if opcode == LDDW:
            if pos + 16 > len(data):
                raise DecodeError(f"insn {pos // 8}: lddw is missing its second slot")
            op2, dst2, src2, off2, imm2 = decode_slot(data, pos + 8)
            rest = op2 | dst2 << 8 | src2 << 12 | (off2 & 0xFFFF) << 16
            value = (imm & 0xFFFFFFFF) | (imm2 & 0xFFFFFFFF) << 32
            insns.append(Insn(opcode, dst, src, off, value, rest))
            pos += 16
        else:
            insns.append(Insn(opcode, dst, src, off, imm))
            pos += 8
    return insns


def encode(insns) -> bytes:
    return b"".join(i.encode() for i in insns)


def slot_index(insns) -> list[int]:
    """Slot (instruction index as the kernel counts it) at which each Insn starts."""
    out, pos = [], 0
    for i in insns:
        out.append(pos)
        pos += i.width
    return out
