"""Single-source checks of the opcode table (:mod:`pybpf.isa.table`).

* The interpreter generator, the decoder's validation (``lookup``) and the
  disassembler all cover exactly the table's rows.
* ``lookup`` selects each row from its own fields and refuses reserved fields.
* Every ``alu`` / ``end`` / ``jmp`` row computes what RFC 9669 says, checked
  against a reference written here with plain Python integers, by running the
  very lines :func:`pybpf.vm.codegen._body` generates for the row.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from pybpf.isa import semantics, table
from pybpf.isa.disasm import format_insn
from pybpf.isa.insn import Insn
from pybpf.isa.opcodes import LDDW
from pybpf.isa.table import DST, IMM, OFF, ROWS, SRC, lookup
from pybpf.vm import codegen

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    given = None

M32 = (1 << 32) - 1
M64 = (1 << 64) - 1
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def example(row) -> Insn:
    """The canonical instance of a row: dst=1, src=2, off=3, imm=7 where used, plus its key."""
    f = {DST: 0, SRC: 0, OFF: 0, IMM: 0}
    for name, value in ((DST, 1), (SRC, 2), (OFF, 3), (IMM, 7)):
        if name in row.uses:
            f[name] = value
    if row.key is not None:
        f[row.key[0]] = row.key[1]
    return Insn(row.opcode, f[DST], f[SRC], f[OFF], f[IMM])


def _id(row):
    return row.name


ROW_NAMES = [row.name for row in ROWS]


# --------------------------------------------------------------------------- key sets

def test_row_names_unique():
    assert len(ROW_NAMES) == len(set(ROW_NAMES))


def test_interpreter_handles_exactly_the_rows():
    source = codegen.interpreter_source()
    markers = re.findall(r"^\s*(?:if|elif) op == (\d+):  # (\w+)$", source, re.M)
    assert sorted(name for _, name in markers) == sorted(ROW_NAMES)   # each row once, alone
    assert all(codegen.DISPATCH[int(i)] == (table.INDEX[name],) for i, name in markers)
    assert [int(i) for i, _ in re.findall(r"^\s*(?:if|elif) op == (\d+):  # ([\w+]+)$",
                                          source, re.M)] == list(range(codegen.ILLEGAL))
    for row in ROWS:  # and each body generates on its own
        assert codegen._body(row)


def test_fused_pairs_are_two_rows_that_fall_through_then_anything():
    assert len(set(codegen.FUSED)) == len(codegen.FUSED)
    for a, b in codegen.FUSED:
        assert table.BY_NAME[a].kind in codegen.FALLTHROUGH, a
        assert b in table.BY_NAME, b
    # the hot rows and the pairs share the first jump table (64 handlers): more pairs
    # would push the last ones out of it, behind a compare and a branch more each
    assert len(codegen.HOT_ROWS) + len(codegen.FUSED) <= 64


def test_disasm_formats_exactly_the_rows():
    formatted = set()
    for row in ROWS:
        text = format_insn(example(row))
        assert text and not text.startswith("invalid"), (row.name, text)
        formatted.add(row.name)
    assert formatted == set(ROW_NAMES)


def test_key_sets_agree():
    source = codegen.interpreter_source()
    interp = set(re.findall(r"op == \d+:  # (\w+)$", source, re.M))
    decodable = {r.name for r in ROWS if not isinstance(_lookup(example(r)), str)}
    disasm = {r.name for r in ROWS if not format_insn(example(r)).startswith("invalid")}
    assert interp == decodable == disasm == set(ROW_NAMES)


def test_rows_of_one_opcode_are_told_apart_by_their_key():
    for opcode, rows in table.BY_OPCODE.items():
        if len(rows) > 1:
            fields = {r.key[0] for r in rows}
            assert len(fields) == 1 and None not in [r.key for r in rows], opcode
            assert len({r.key[1] for r in rows}) == len(rows), opcode


# --------------------------------------------------------------------------- lookup

def _lookup(insn: Insn, **change):
    f = {"dst": insn.dst, "src": insn.src, "off": insn.off, "imm": insn.imm}
    f.update(change)
    return lookup(insn.opcode, f["dst"], f["src"], f["off"], f["imm"])


@pytest.mark.parametrize("row", ROWS, ids=_id)
def test_lookup_round_trip(row):
    assert _lookup(example(row)) is row


@pytest.mark.parametrize("row", ROWS, ids=_id)
def test_reserved_fields_are_refused(row):
    insn = example(row)
    reserved = [f for f in (DST, SRC, OFF, IMM) if f not in row.uses]
    for field in reserved:
        for value in (1, -1) if field in (OFF, IMM) else (1, 9):
            got = _lookup(insn, **{field: value})
            sibling = [r for r in table.BY_OPCODE[row.opcode] if r.key == (field, value)]
            if sibling:  # the field is this opcode's key: the value selects another row
                assert got is sibling[0], (row.name, field, value, got)
            else:
                assert isinstance(got, str), (row.name, field, value, got)
    # values that are no row's key are always refused
    for field in reserved:
        keys = {r.key[1] for r in table.BY_OPCODE[row.opcode] if r.key and r.key[0] == field}
        value = next(v for v in (5, 6, 9, 13) if v not in keys)
        assert isinstance(_lookup(insn, **{field: value}), str), (row.name, field, value)


@pytest.mark.parametrize("row", [r for r in ROWS if r.kind != "lddw"], ids=_id)
def test_registers_beyond_r10_are_refused(row):
    insn = example(row)
    if DST in row.uses:
        assert isinstance(_lookup(insn, dst=11), str)
    if SRC in row.uses and row.kind != "call":
        assert isinstance(_lookup(insn, src=11), str)


def test_unknown_opcode():
    assert isinstance(lookup(0xFF, 0, 0, 0, 0), str)
    used = set(table.BY_OPCODE)
    assert LDDW in used
    # every opcode byte is either a row's or refused
    for opcode in range(256):
        got = lookup(opcode, 0, 0, 0, 0)
        if opcode not in used:
            assert isinstance(got, str)


# --------------------------------------------------------------------------- semantics
# An independent reference from RFC 9669's definitions, on Python integers.

def sx(value: int, bits: int) -> int:
    """The low ``bits`` of ``value`` read as a signed number."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return -q if (a < 0) != (b < 0) else q


def _op(row) -> str:
    """The operation a row name starts with: "add64_imm" -> "add", "movsx832" -> "movsx"."""
    return re.match(r"[a-z]+", row.name).group()


def ref_alu(row, dst: int, operand: int, off: int) -> int:
    """``dst`` (u64) after the row, with ``operand`` the source register value or the
    immediate sign-extended to 64 bits; 32-bit results are zero-extended."""
    w = row.width
    mask = (1 << w) - 1
    x, y = dst & mask, operand & mask
    sh = y & (w - 1)
    op = _op(row)
    if op == "add":
        r = x + y
    elif op == "sub":
        r = x - y
    elif op == "mul":
        r = x * y
    elif op == "div":
        r = 0 if y == 0 else x // y
    elif op == "sdiv":
        r = 0 if y == 0 else _trunc_div(sx(x, w), sx(y, w))
    elif op == "mod":
        r = x if y == 0 else x % y
    elif op == "smod":
        if y == 0:
            r = x
        else:
            a, b = sx(x, w), sx(y, w)
            r = a - _trunc_div(a, b) * b   # sign of the dividend
    elif op == "or":
        r = x | y
    elif op == "and":
        r = x & y
    elif op == "xor":
        r = x ^ y
    elif op == "lsh":
        r = x << sh
    elif op == "rsh":
        r = x >> sh
    elif op == "arsh":
        r = sx(x, w) >> sh
    elif op == "mov":
        r = y
    elif op == "neg":
        r = -x
    elif op == "movsx":
        r = sx(operand, off)  # off = 8, 16, 32: bits taken from the source
    else:
        raise AssertionError(row.name)
    return r & mask


def ref_end(row, dst: int) -> int:
    bits = row.width
    low = dst & ((1 << bits) - 1)
    if row.name.startswith("le"):   # host is little-endian: truncate, zero-extend
        return low
    # be (BPF_ALU | BPF_TO_BE) and bswap (BPF_ALU64): reverse the low bytes
    return int.from_bytes(low.to_bytes(bits // 8, "little"), "big")


def ref_jmp(row, dst: int, operand: int) -> bool:
    w = row.width
    mask = (1 << w) - 1
    x, y = dst & mask, operand & mask
    op = _op(row)
    return {
        "jeq": lambda: x == y, "jne": lambda: x != y,
        "jgt": lambda: x > y, "jge": lambda: x >= y,
        "jlt": lambda: x < y, "jle": lambda: x <= y,
        "jset": lambda: (x & y) != 0,
        "jsgt": lambda: sx(x, w) > sx(y, w), "jsge": lambda: sx(x, w) >= sx(y, w),
        "jslt": lambda: sx(x, w) < sx(y, w), "jsle": lambda: sx(x, w) <= sx(y, w),
    }[op]()


# The generated interpreter's lines for one row, run as plain Python around np.uint64
# registers: the same operand truncation, call of semantics.<row.fn> and result masking.
_NS = {k: getattr(semantics, k) for k in dir(semantics) if not k.startswith("__")}
_NS.update(np=np, U64=np.uint64, MASK32=np.uint64(M32))
_STEPS: dict = {}


def _step(row):
    if row.name not in _STEPS:
        body = codegen._body(row)
        assert row.fn and any(f"{row.fn}(" in line for line in body), (row.name, body)
        src = ("def step(regs, dsts, srcs, offs, immu, pc):\n    while True:\n"
               + "".join(f"        {line}\n" for line in body) + "        break\n    return pc\n")
        ns = dict(_NS)
        exec(compile(src, f"<body of {row.name}>", "exec"), ns)
        _STEPS[row.name] = ns["step"]
    return _STEPS[row.name]


JUMP_OFF = 5


def run_row(row, dst: int, src: int, imm: int, off: int = 0):
    """(new dst, new pc) after executing the row at pc 0 with r1 = dst, r2 = src."""
    regs = np.zeros(11, dtype=np.uint64)
    regs[1] = np.uint64(dst & M64)
    regs[2] = np.uint64(src & M64)
    pc = _step(row)(regs, np.array([1, 0], dtype=np.int64), np.array([2, 0], dtype=np.int64),
                    np.array([off, 0], dtype=np.int64),
                    np.array([imm & M64, 0], dtype=np.uint64), np.int64(0))
    return int(regs[1]), int(pc)


def check_row(row, dst: int, src: int, imm: int) -> None:
    """Compare one execution against the reference; ``imm`` is a signed 32-bit value."""
    dst &= M64
    src &= M64
    operand = src if row.source_is_reg else imm & M64  # imm sign-extended to 64 bits
    if row.kind == "alu":
        off = row.key[1] if row.key and row.key[0] == OFF else 0
        got, pc = run_row(row, dst, src, imm, off)
        want = ref_alu(row, dst, operand, off)
        assert pc == 1
    elif row.kind == "end":
        got, pc = run_row(row, dst, src, row.width)
        want = ref_end(row, dst)
        assert pc == 1
    else:
        reg1, pc = run_row(row, dst, src, imm, JUMP_OFF)
        assert reg1 == dst
        got, want = pc, (JUMP_OFF + 1 if ref_jmp(row, dst, operand) else 1)
    assert got == want, (f"{row.name}: dst={dst:#x} src={src:#x} imm={imm:#x}: "
                         f"got {got:#x}, RFC 9669 says {want:#x}")


SEM_ROWS = [r for r in ROWS if r.kind in ("alu", "end", "jmp")]
EDGES = [0, 1, -1, INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX, 31, 32, 63, 64, 2, -2, 7, -7,
         0xFFFFFFFF, 0x80000000, 0x100000000, 0xFFFFFFFF00000000, 0x0123456789ABCDEF, 0xFF, 0x8000]
EDGES_U64 = sorted({v & M64 for v in EDGES})
EDGES_S32 = sorted({sx(v, 32) for v in EDGES})


def test_semantic_rows_cover_the_kinds():
    assert {r.kind for r in SEM_ROWS} == {"alu", "end", "jmp"}
    assert len(SEM_ROWS) == sum(1 for r in ROWS if r.kind in ("alu", "end", "jmp"))


@pytest.mark.parametrize("row", SEM_ROWS, ids=_id)
def test_semantics_edge_values(row):
    for a in EDGES_U64:
        if row.kind == "end":
            check_row(row, a, 0, row.width)
            continue
        if row.source_is_reg:
            for b in EDGES_U64:
                check_row(row, a, b, 0)
        elif IMM in row.uses:
            for imm in EDGES_S32:
                check_row(row, a, 0, imm)
        else:  # neg
            check_row(row, a, 0, 0)


@pytest.mark.parametrize("row", SEM_ROWS, ids=_id)
def test_semantics_random(row):
    """Many seeded random operands per row (cheap; hypothesis below shrinks failures)."""
    rng = random.Random(row.name)
    for _ in range(400):
        dst = rng.choice((rng.getrandbits(64), rng.getrandbits(32), rng.choice(EDGES_U64)))
        src = rng.choice((rng.getrandbits(64), rng.getrandbits(32), rng.choice(EDGES_U64),
                          rng.randrange(-70, 70) & M64))
        imm = rng.choice((sx(rng.getrandbits(32), 32), rng.choice(EDGES_S32), rng.randrange(-70, 70)))
        if row.kind == "end":
            imm = row.width
        check_row(row, dst, src if row.source_is_reg else 0, imm if IMM in row.uses else 0)


if given is not None:
    _u64 = st.one_of(st.sampled_from(EDGES_U64), st.integers(0, M64),
                     st.integers(0, M32), st.integers(-300, 300).map(lambda v: v & M64))
    _s32 = st.one_of(st.sampled_from(EDGES_S32), st.integers(INT32_MIN, INT32_MAX),
                     st.integers(-70, 70))

    @settings(max_examples=400, deadline=None)
    @given(row=st.sampled_from(SEM_ROWS), dst=_u64, src=_u64, imm=_s32)
    def test_semantics_hypothesis(row, dst, src, imm):
        if row.kind == "end":
            imm = row.width
        check_row(row, dst, src if row.source_is_reg else 0, imm if IMM in row.uses else 0)


def test_reference_spot_checks():
    """The reference itself, on RFC 9669's named corner cases."""
    r = table.BY_NAME
    assert ref_alu(r["sdiv64_imm"], INT64_MIN & M64, -1 & M64, 0) == INT64_MIN & M64
    assert ref_alu(r["smod64_imm"], INT64_MIN & M64, -1 & M64, 0) == 0
    assert ref_alu(r["sdiv32_reg"], -7 & M64, 2, 0) == -3 & M32
    assert ref_alu(r["smod32_reg"], -7 & M64, 2, 0) == -1 & M32
    assert ref_alu(r["smod64_reg"], 7, -2 & M64, 0) == 1
    assert ref_alu(r["mod32_reg"], 0xFFFFFFFF_12345678, 0, 0) == 0x12345678
    assert ref_alu(r["mod64_reg"], 0xFFFFFFFF_12345678, 0, 0) == 0xFFFFFFFF_12345678
    assert ref_alu(r["div64_reg"], 5, 0, 0) == 0
    assert ref_alu(r["lsh32_imm"], 1, 33, 0) == 2
    assert ref_alu(r["arsh32_imm"], 0x80000000, 31, 0) == M32
    assert ref_alu(r["mov32_imm"], M64, -1 & M64, 0) == M32
    assert ref_alu(r["movsx1664"], 0, 0x8000, 16) == 0xFFFFFFFFFFFF8000
    assert ref_alu(r["movsx832"], 0, 0x80, 8) == 0xFFFFFF80
    assert ref_end(r["be16"], 0x1122334455667788) == 0x8877
    assert ref_end(r["le32"], 0x1122334455667788) == 0x55667788
    assert ref_end(r["bswap64"], 0x1122334455667788) == 0x8877665544332211
    assert ref_jmp(r["jsgt32_imm"], 0x1_0000_0000, -1 & M64)       # 0 s> -1
    assert not ref_jmp(r["jgt32_imm"], 0x1_0000_0000, -1 & M64)     # 0 > 0xffffffff
    assert not ref_jmp(r["jgt_imm"], 5, -1 & M64)                  # imm sign-extended
