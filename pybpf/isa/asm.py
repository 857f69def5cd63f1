"""Assembler for the kernel verifier log's syntax (what :mod:`pybpf.isa.disasm` prints).

Lets tests and users write BPF as the kernel shows it::

    start:                          ; a label: the slot of the next instruction
        r1 = *(u32 *)(r1 +0)        ; ldx
        w0 = 2                      ; mov32 imm
        if r1 > 0x10 goto out       ; conditional jump to a label (or pc+N)
        call bpf_map_lookup_elem#1  ; helper call (also "call 1", "call #1")
        r1 = 0x123456789            ; lddw (value needs 64 bits)
        r2 = 5 ll                   ; lddw (llvm-objdump's suffix forces it)
    out:
        exit

Accepted per line, in this order: an optional ``N:`` slot prefix and ``(op)`` opcode
prefix (so lines pasted from a verifier log or ``bpftool prog dump xlated`` work; a
given opcode must match what the text assembles to, and picks ``lddw`` over
``mov`` for ``(18) r1 = 5``), any number of ``label:`` definitions, then one
instruction. ``;`` and ``//`` start comments.

Instruction forms (``rN`` 64-bit, ``wN`` 32-bit operands; ``T`` is ``pc+N``,
``pc-N``, ``+N``, ``-N`` or a label):

* ALU: ``D op= S|IMM`` with every operator the opcode table's ``alu`` rows print
  (``+= -= *= /= s/= %= s%= |= &= ^= <<= >>= s>>= =``), ``D = -D``,
  ``D = (s8|s16|s32)S``.
* ``rN = IMM``: ``mov64`` when IMM fits in signed 32 bits, else ``lddw``;
  ``rN = IMM ll`` is always ``lddw``. ``wN = IMM`` is ``mov32``.
* Byte order: ``rN = le16|le32|le64|be16|be32|be64|bswap16|bswap32|bswap64 rN``.
* Memory: ``rD = *(u8|u16|u32|u64|s8|s16|s32 *)(rS +off)``,
  ``*(uN *)(rD +off) = rS|IMM``, ``r0 = *(uN *)skb[IMM]``, ``r0 = *(uN *)skb[rS + IMM]``.
* Atomics: ``lock *(uN *)(rD +off) op= rS``,
  ``rS = atomic[64]_fetch_add|or|and|xor((uN *)(rD +off), rS)``,
  ``rS = atomic[64]_xchg((uN *)(rD +off), rS)``,
  ``r0 = atomic[64]_cmpxchg((uN *)(rD +off), r0, rS)``.
* lddw pseudo forms: ``rD = map[id:N]``, ``rD = map[id:N][0]+M``,
  ``rD = map[idx:N]+M``, ``rD = func pc+N`` (as disasm prints it: target - slot)
  or ``rD = func LABEL``, and bpftool's ``rD = subprog[+N]``.
* Jumps: ``goto T``, ``gotol T``, ``if D op S|IMM goto T``; ``exit``.
* Calls: ``call N``, ``call #N``, ``call NAME#N`` (helper N), ``call kernel-function#N``
  (kfunc), ``call pc+N`` / ``call LABEL`` (bpf-to-bpf), ``call NAME`` with NAME in the
  ``helpers`` mapping, ``callx rN``.

The operator-to-row maps are built from :data:`pybpf.isa.table.ROWS` (their
``sym``, ``kind``, ``width``, ``size`` and ``key``), and every assembled instruction
is validated with :func:`pybpf.isa.table.lookup`. Errors raise
:class:`~pybpf.errors.AssemblerError` naming the line number and its text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import AssemblerError
from . import opcodes as o
from .insn import Insn, encode
from .table import DST, IMM, OFF, ROWS, SRC, Op, lookup

__all__ = ["assemble", "assemble_to_bytes"]

# --------------------------------------------------------------------------- rows by syntax


def _unique(mapping: dict, key, row: Op) -> None:
    assert key not in mapping, (key, mapping.get(key), row.name)
    mapping[key] = row


_ALU: dict[tuple[str, int, bool], Op] = {}      # (sym, width, register source) -> row
_END: dict[tuple[str, int], Op] = {}            # ("le"/"be"/"bswap", bits) -> row
_JMP: dict[tuple[str, int, bool], Op] = {}      # (sym, width, register source) -> row
_LDX: dict[tuple[int, bool], Op] = {}           # (size, signed) -> row
_ST: dict[int, Op] = {}
_STX: dict[int, Op] = {}
_LDPKT: dict[tuple[int, bool], Op] = {}         # (size, indirect) -> row
_LOCK: dict[tuple[int, str], Op] = {}           # (size, sym) -> non-fetching atomic
_FETCH: dict[tuple[int, str], Op] = {}          # (size, "add"/"xchg"/...) -> fetching atomic
_LDDW: dict[int, Op] = {}                       # src (pseudo form) -> row
_CALL: dict[int, Op] = {}                       # src -> row
_JA: dict[int, Op] = {}                         # class -> row
_SINGLE: dict[str, Op] = {}                     # "callx", "exit"

for _row in ROWS:
    _k = _row.kind
    if _k == "alu":
        _unique(_ALU, (_row.sym, _row.width, _row.source_is_reg), _row)
    elif _k == "end":
        _unique(_END, (_row.sym, _row.width), _row)
    elif _k == "jmp":
        _unique(_JMP, (_row.sym, _row.width, _row.source_is_reg), _row)
    elif _k == "ldx":
        _unique(_LDX, (_row.size, _row.signed), _row)
    elif _k == "st":
        _unique(_ST, _row.size, _row)
    elif _k == "stx":
        _unique(_STX, _row.size, _row)
    elif _k == "ldpkt":
        _unique(_LDPKT, (_row.size, SRC in _row.uses), _row)
    elif _k == "atomic":
        if _row.fetch:
            opname = _row.sym if _row.sym in ("xchg", "cmpxchg") else _row.name.rsplit("_", 1)[1]
            _unique(_FETCH, (_row.size, opname), _row)
        else:
            _unique(_LOCK, (_row.size, _row.sym), _row)
    elif _k == "lddw":
        _unique(_LDDW, _row.key[1], _row)
    elif _k == "call":
        _unique(_CALL, _row.key[1], _row)
    elif _k == "ja":
        _unique(_JA, _row.opcode & 0x07, _row)
    elif _k in ("callx", "exit"):
        _unique(_SINGLE, _k, _row)
    else:  # a new kind in the table needs syntax here
        raise AssertionError(f"asm: no syntax for row kind {_k!r} ({_row.name})")

_TYPES = {f"u{8 * n}": (n, False) for n in (1, 2, 4, 8)}
_TYPES.update({f"s{8 * n}": (n, True) for n in (1, 2, 4)})
_ALU_OPS = sorted({sym for sym, _, _ in _ALU if sym.endswith("=") and " " not in sym},
                  key=len, reverse=True)
_JMP_OPS = sorted({sym for sym, _, _ in _JMP}, key=len, reverse=True)

# --------------------------------------------------------------------------- lexical pieces

_NUM = r"[+-]?(?:0[xX][0-9a-fA-F]+|\d+)"
_REG = r"[rw]\d+"
_NAME = r"[A-Za-z_.$][\w.$]*"
_TARGET = rf"(?:pc\s*)?[+-]\s*\d+|{_NAME}"
_MEMREF = rf"\(\s*([us]\d+)\s*\*\s*\)\s*\(\s*(r\d+)\s*(?:([+-])\s*(0[xX][0-9a-fA-F]+|\d+)\s*)?\)"

_RE_SLOT = re.compile(r"\s*\d+\s*:\s*")
_RE_OPCODE = re.compile(r"\(\s*([0-9a-fA-F]{1,2})\s*\)\s*")
_RE_LABEL = re.compile(rf"\s*({_NAME})\s*:\s*")
_RE_GOTO = re.compile(rf"(goto|gotol)\s+({_TARGET})\Z")
_RE_IF = re.compile(rf"if\s+({_REG})\s*({'|'.join(map(re.escape, _JMP_OPS))})\s*({_REG}|{_NUM})"
                    rf"\s+goto\s+({_TARGET})\Z")
_RE_CALL = re.compile(r"call\s+(.+?)\Z")
_RE_CALLX = re.compile(rf"callx\s+({_REG})\Z")
_RE_LOCK = re.compile(rf"lock\s+\*\s*{_MEMREF}\s*(\S+)\s*(r\d+)\Z")
_RE_STORE = re.compile(rf"\*\s*{_MEMREF}\s*=\s*(r\d+|{_NUM})\Z")
_RE_ALU = re.compile(rf"({_REG})\s*({'|'.join(map(re.escape, _ALU_OPS))})\s*(.*?)\Z")
_RE_LOAD = re.compile(rf"\*\s*{_MEMREF}\Z")
_RE_PKT = re.compile(rf"\*\s*\(\s*(u\d+)\s*\*\s*\)\s*skb\s*\[\s*(?:(r\d+)\s*\+\s*)?({_NUM})\s*\]\Z")
_RE_FETCH = re.compile(rf"atomic(64)?_(fetch_(\w+)|xchg|cmpxchg)\s*\(\s*{_MEMREF}\s*,"
                       rf"\s*(?:(r\d+)\s*,\s*)?(r\d+)\s*\)\Z")
_RE_END = re.compile(rf"(le|be|bswap)(\d+)\s+({_REG})\Z")
_RE_NEG = re.compile(rf"-\s*({_REG})\Z")
_RE_MOVSX = re.compile(rf"\(\s*(s\d+)\s*\)\s*({_REG})\Z")
_RE_MAP = re.compile(r"map\[\s*(id|idx)\s*:\s*(\d+)\s*\](\[\s*0\s*\])?(?:\s*\+\s*(\d+))?\Z")
_RE_FUNC = re.compile(rf"func\s+({_TARGET})\Z")
_RE_SUBPROG = re.compile(r"subprog\[\s*([+-]\d+)\s*\]\Z")
_RE_IMM = re.compile(rf"({_NUM})(\s+ll)?\Z")


class _Err(Exception):
    """A problem on the current line; becomes an AssemblerError with the line number."""


def _int(text: str) -> int:
    text = text.replace(" ", "")
    neg = text.startswith("-")
    body = text.lstrip("+-")
    value = int(body, 16) if body[:2].lower() == "0x" else int(body, 10)
    return -value if neg else value


def _s32(value: int, text: str, allow_u32: bool) -> int:
    """A 32-bit immediate; ``allow_u32`` also accepts the unsigned bit pattern (0x80000000..)."""
    hi = 1 << 32 if allow_u32 else 1 << 31
    if not -(1 << 31) <= value < hi:
        raise _Err(f"immediate {text} out of 32-bit range")
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _off16(value: int, text: str) -> int:
    if not -(1 << 15) <= value < (1 << 15):
        raise _Err(f"offset {text} out of 16-bit range")
    return value


def _reg(text: str, width: int | None = None) -> tuple[int, int]:
    """Register number and its width (64 for rN, 32 for wN); checks r0..r10."""
    n = int(text[1:])
    if n > 10:
        raise _Err(f"invalid register {text}")
    w = 32 if text[0] == "w" else 64
    if width is not None and w != width:
        raise _Err(f"register {text} mixes 32- and 64-bit operands")
    return n, w


def _r64(text: str) -> int:
    n, w = _reg(text)
    if w != 64:
        raise _Err(f"expected a 64-bit register (rN), got {text}")
    return n


def _mem(type_name: str, base: str, sign: str | None, num: str | None) -> tuple[int, bool, int, int]:
    """(size, signed, base register, offset) of ``(uN *)(rB +off)``."""
    if type_name not in _TYPES:
        raise _Err(f"unknown access type {type_name}")
    size, signed = _TYPES[type_name]
    off = 0 if sign is None else _off16(_int(sign + num), sign + num)
    return size, signed, _r64(base), off


def _make(row: Op, **fields) -> Insn:
    f = {DST: 0, SRC: 0, OFF: 0, IMM: 0}
    if row.key is not None:
        f[row.key[0]] = row.key[1]
    f.update(fields)
    return Insn(row.opcode, f[DST], f[SRC], f[OFF], f[IMM])


# --------------------------------------------------------------------------- one instruction

class _Line:
    """One instruction being assembled: an Insn, or a function of the label table."""

    def __init__(self, lineno: int, text: str, slot: int, opcode: int | None):
        self.lineno, self.text, self.slot, self.opcode = lineno, text, slot, opcode
        self.build = None
        self.width = 1


def _target(text: str):
    """A jump target: ('rel', N) for pc+N/+N, or ('label', name)."""
    t = text.replace(" ", "")
    if t.startswith("pc"):
        t = t[2:]
    if t[:1] in "+-":
        return "rel", int(t)
    return "label", t


def _resolver(target, slot: int, bias: int = 0):
    """Function of the label table giving ``target - (slot + 1) + bias`` (or the literal N)."""
    kind, value = target

    def resolve(labels):
        if kind == "rel":
            return value
        if value not in labels:
            raise _Err(f"undefined label {value!r}")
        return labels[value] - (slot + 1) + bias
    return resolve


def _parse(line: _Line, text: str, helpers: Mapping[str, int]) -> None:
    """Set ``line.build`` (labels -> Insn) and ``line.width`` from the instruction text."""
    slot = line.slot

    def fixed(insn: Insn):
        line.build = lambda labels: insn

    if text == "exit":
        return fixed(_make(_SINGLE["exit"]))
    m = _RE_GOTO.match(text)
    if m:
        row = _JA[o.BPF_JMP if m.group(1) == "goto" else o.BPF_JMP32]
        res = _resolver(_target(m.group(2)), slot)
        field = OFF if OFF in row.uses else IMM
        check = _off16 if field == OFF else (lambda v, t: _s32(v, t, False))
        line.build = lambda labels: _make(row, **{field: check(res(labels), m.group(2))})
        return
    m = _RE_IF.match(text)
    if m:
        dst, width = _reg(m.group(1))
        is_reg = m.group(3)[0] in "rw"
        row = _JMP.get((m.group(2), width, is_reg))
        if row is None:
            raise _Err(f"no {width}-bit jump {m.group(2)}")
        if is_reg:
            operand = {SRC: _reg(m.group(3), width)[0]}
        else:
            operand = {IMM: _s32(_int(m.group(3)), m.group(3), True)}
        res = _resolver(_target(m.group(4)), slot)
        line.build = lambda labels: _make(row, dst=dst, off=_off16(res(labels), m.group(4)), **operand)
        return
    m = _RE_CALLX.match(text)
    if m:
        return fixed(_make(_SINGLE["callx"], dst=_r64(m.group(1))))
    m = _RE_CALL.match(text)
    if m:
        return _parse_call(line, m.group(1).strip(), helpers)
    m = _RE_LOCK.match(text)
    if m:
        size, signed, dst, off = _mem(*m.group(1, 2, 3, 4))
        row = _LOCK.get((size, m.group(5)))
        if row is None or signed:
            raise _Err(f"no atomic {m.group(5)} on {m.group(1)}")
        return fixed(_make(row, dst=dst, src=_r64(m.group(6)), off=off))
    m = _RE_STORE.match(text)
    if m:
        size, signed, dst, off = _mem(*m.group(1, 2, 3, 4))
        if signed:
            raise _Err(f"stores take an unsigned type, not {m.group(1)}")
        value = m.group(5)
        if value[0] == "r":
            return fixed(_make(_STX[size], dst=dst, src=_r64(value), off=off))
        return fixed(_make(_ST[size], dst=dst, off=off, imm=_s32(_int(value), value, size < 8)))
    m = _RE_ALU.match(text)
    if m:
        return _parse_assign(line, m.group(1), m.group(2), m.group(3).strip())
    raise _Err("unrecognised instruction")


def _parse_call(line: _Line, arg: str, helpers: Mapping[str, int]) -> None:
    slot = line.slot
    m = re.fullmatch(rf"(?:({_NAME}|kernel-function)?\s*#\s*)?({_NUM})", arg)
    if m:
        name, imm = m.group(1), _s32(_int(m.group(2)), m.group(2), False)
        row = _CALL[o.BPF_PSEUDO_KFUNC_CALL if name == "kernel-function" else o.BPF_HELPER_CALL]
        line.build = lambda labels: _make(row, imm=imm)
        return
    if not re.fullmatch(_TARGET, arg):
        raise _Err(f"bad call target {arg!r}")
    target = _target(arg)
    row = _CALL[o.BPF_PSEUDO_CALL]
    res = _resolver(target, slot)

    def build(labels):
        if target[0] == "label" and target[1] not in labels and target[1] in helpers:
            return _make(_CALL[o.BPF_HELPER_CALL], imm=int(helpers[target[1]]))
        return _make(row, imm=_s32(res(labels), arg, False))
    line.build = build


def _parse_assign(line: _Line, dst_text: str, op: str, rhs: str) -> None:
    """``D op= rhs``: ALU, moves, loads, lddw, byte order, fetching atomics."""
    slot = line.slot
    dst, width = _reg(dst_text)

    def fixed(insn: Insn):
        line.build = lambda labels: insn

    if op != "=":
        is_reg = bool(re.fullmatch(_REG, rhs))
        row = _ALU.get((op, width, is_reg))
        if row is None:
            raise _Err(f"no {width}-bit operation {op}")
        if is_reg:
            return fixed(_make(row, dst=dst, src=_reg(rhs, width)[0]))
        if not re.fullmatch(_NUM, rhs):
            raise _Err(f"bad operand {rhs!r}")
        return fixed(_make(row, dst=dst, imm=_s32(_int(rhs), rhs, width == 32)))
    # ---- plain "=": register, immediate, negation, sign extension
    if re.fullmatch(_REG, rhs):
        return fixed(_make(_ALU[("=", width, True)], dst=dst, src=_reg(rhs, width)[0]))
    m = _RE_NEG.match(rhs)
    if m:
        if _reg(m.group(1), width)[0] != dst:
            raise _Err("negation must use the same register on both sides")
        return fixed(_make(_ALU[("= -", width, False)], dst=dst))
    m = _RE_MOVSX.match(rhs)
    if m:
        row = _ALU.get((f"= ({m.group(1)})", width, True))
        if row is None:
            raise _Err(f"no {width}-bit sign extension from {m.group(1)}")
        return fixed(_make(row, dst=dst, src=_reg(m.group(2), width)[0]))
    m = _RE_IMM.match(rhs)
    if m:
        value, ll = _int(m.group(1)), bool(m.group(2))
        if width == 32:
            if ll:
                raise _Err("'ll' needs a 64-bit register")
            return fixed(_make(_ALU[("=", 32, False)], dst=dst, imm=_s32(value, m.group(1), True)))
        lddw = ll or not -(1 << 31) <= value < (1 << 31)
        if line.opcode is not None and not ll:  # a pasted "(18) r1 = 0x5" is lddw
            lddw = line.opcode == o.LDDW
        if not lddw:
            return fixed(_make(_ALU[("=", 64, False)], dst=dst, imm=_s32(value, m.group(1), False)))
        if not -(1 << 63) <= value < (1 << 64):
            raise _Err(f"immediate {m.group(1)} out of 64-bit range")
        line.width = 2
        return fixed(_make(_LDDW[0], dst=dst, imm=value & 0xFFFFFFFFFFFFFFFF))
    # ---- everything below writes a 64-bit register
    if width != 64:
        raise _Err(f"expected a 64-bit destination, got {dst_text}")
    m = _RE_LOAD.match(rhs)
    if m:
        size, signed, src, off = _mem(*m.group(1, 2, 3, 4))
        return fixed(_make(_LDX[(size, signed)], dst=dst, src=src, off=off))
    m = _RE_PKT.match(rhs)
    if m:
        size, signed = _TYPES.get(m.group(1), (0, True))
        row = _LDPKT.get((size, m.group(2) is not None))
        if row is None or signed or dst != 0:
            raise _Err("packet loads are r0 = *(u8|u16|u32 *)skb[...]")
        fields = {IMM: _s32(_int(m.group(3)), m.group(3), True)}
        if m.group(2):
            fields[SRC] = _r64(m.group(2))
        return fixed(_make(row, **fields))
    m = _RE_END.match(rhs)
    if m:
        row = _END.get((m.group(1), int(m.group(2))))
        if row is None:
            raise _Err(f"unknown byte-order operation {m.group(1)}{m.group(2)}")
        if _r64(m.group(3)) != dst:
            raise _Err("byte-order operations use the same register on both sides")
        return fixed(_make(row, dst=dst))
    m = _RE_FETCH.match(rhs)
    if m:
        return fixed(_fetch(m, dst))
    m = _RE_MAP.match(rhs)
    if m:
        return fixed(_map(m, dst))
    m = _RE_SUBPROG.match(rhs)
    if m:
        line.width = 2
        imm = _s32(int(m.group(1)), m.group(1), False) & 0xFFFFFFFF  # high word 0, as decoded
        return fixed(_make(_LDDW[o.BPF_PSEUDO_FUNC], dst=dst, imm=imm))
    m = _RE_FUNC.match(rhs)
    if m:
        line.width = 2
        target = _target(m.group(1))
        # disasm prints "func pc+N" with N = imm + 1 (the target relative to this slot)
        res = _resolver(target, slot, bias=1) if target[0] == "label" else (lambda labels: target[1])
        row = _LDDW[o.BPF_PSEUDO_FUNC]
        line.build = lambda labels: _make(
            row, dst=dst, imm=_s32(res(labels) - 1, m.group(1), False) & 0xFFFFFFFF)
        return
    raise _Err(f"unrecognised right-hand side {rhs!r}")


def _fetch(m, dst: int) -> Insn:
    is64, which, fetch_op = m.group(1), m.group(2), m.group(3)
    size, signed, base, off = _mem(*m.group(4, 5, 6, 7))
    if signed or size != (8 if is64 else 4):
        raise _Err(f"atomic{is64 or ''} does not operate on {m.group(4)}")
    opname = fetch_op if fetch_op else which
    row = _FETCH.get((size, opname))
    if row is None:
        raise _Err(f"unknown atomic operation {which}")
    src = _r64(m.group(9))
    if opname == "cmpxchg":
        if dst != 0 or m.group(8) != "r0":
            raise _Err("cmpxchg is r0 = atomic_cmpxchg((uN *)(rD +off), r0, rS)")
    elif dst != src or m.group(8) is not None:
        raise _Err(f"{which} returns the old value in its source register")
    return _make(row, dst=base, src=src, off=off)


def _map(m, dst: int) -> Insn:
    kind, n, zero, add = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    if n >= 1 << 32 or (add is not None and int(add) >= 1 << 32):
        raise _Err("map id and offset must fit in 32 bits")
    if kind == "id" and add is None and zero is None:
        return _make(_LDDW[o.BPF_PSEUDO_MAP_FD], dst=dst, imm=n)
    if kind == "id" and zero is not None and add is not None:
        return _make(_LDDW[o.BPF_PSEUDO_MAP_VALUE], dst=dst, imm=n | int(add) << 32)
    if kind == "idx" and add is not None and zero is None:
        return _make(_LDDW[o.BPF_PSEUDO_MAP_IDX_VALUE], dst=dst, imm=n | int(add) << 32)
    raise _Err("map forms are map[id:N], map[id:N][0]+M and map[idx:N]+M")


# --------------------------------------------------------------------------- program


def _strip_comment(text: str) -> str:
    cut = len(text)
    for marker in (";", "//"):
        i = text.find(marker)
        if i >= 0:
            cut = min(cut, i)
    return text[:cut]


def assemble(text: str, helpers: Mapping[str, int] | None = None) -> list[Insn]:
    """Assemble verifier-log syntax, one instruction per line, into instructions.

    ``helpers`` maps helper names to ids for ``call NAME`` written without ``#id``.
    Raises :class:`AssemblerError` (``line N: problem: 'text'``) for anything that
    does not assemble to a valid instruction.
    """
    helpers = helpers or {}
    lines: list[_Line] = []
    labels: dict[str, int] = {}
    slot = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        body = " ".join(_strip_comment(raw).split())
        if not body:
            continue
        try:
            m = _RE_SLOT.match(body)
            if m:
                body = body[m.end():]
            opcode = None
            m = _RE_OPCODE.match(body)
            if m:
                opcode = int(m.group(1), 16)
                body = body[m.end():]
            while True:
                m = _RE_LABEL.match(body)
                if not m or re.fullmatch(_REG, m.group(1)):
                    break
                name = m.group(1)
                if name in labels:
                    raise _Err(f"duplicate label {name!r}")
                labels[name] = slot
                body = body[m.end():]
            if not body:
                if opcode is not None:
                    raise _Err("opcode prefix without an instruction")
                continue
            line = _Line(lineno, raw, slot, opcode)
            _parse(line, body, helpers)
        except _Err as exc:
            raise AssemblerError(f"line {lineno}: {exc}: {raw.strip()!r}") from None
        lines.append(line)
        slot += line.width
    out = []
    for line in lines:
        try:
            insn = line.build(labels)
            row = lookup(insn.opcode, insn.dst, insn.src, insn.off, insn.imm)
            if isinstance(row, str):
                raise _Err(row)
            if line.opcode is not None and line.opcode != insn.opcode:
                raise _Err(f"text assembles to opcode {insn.opcode:02x}, not the given "
                           f"({line.opcode:02x})")
        except _Err as exc:
            raise AssemblerError(f"line {line.lineno}: {exc}: {line.text.strip()!r}") from None
        out.append(insn)
    return out


def assemble_to_bytes(text: str, helpers: Mapping[str, int] | None = None) -> bytes:
    """:func:`assemble`, encoded to the 8-byte-slot wire format."""
    return encode(assemble(text, helpers))
