"""THE opcode table: every instruction pybpf knows, defined once.

Each :class:`Op` row says how an instruction is recognised (opcode byte plus,
where the opcode alone is ambiguous, one *key* field such as ``off=1`` for
``sdiv``), which fields it may use (the others are reserved and must be zero),
what it computes (a function of :mod:`pybpf.isa.semantics`, or a memory access
size and sign), and how the kernel's verifier log prints it. The interpreter
(:mod:`pybpf.vm.codegen`), the decoder's validation (:func:`lookup`) and the
disassembler (:mod:`pybpf.isa.disasm`) are all derived from these rows; a test
checks that their key sets agree.

Row kinds:

==========  =====================================================================
``alu``     ``dst = fn(dst, src_or_imm)`` at ``width`` bits (32: zero-extended)
``end``     ``dst = fn(dst)`` byte-order conversion (le/be/bswap)
``lddw``    ``dst = imm64`` (two slots; ``src`` selects a pseudo form)
``ldx``     ``dst = *(size *)(src + off)``, sign-extended when ``signed``
``st``      ``*(size *)(dst + off) = imm``
``stx``     ``*(size *)(dst + off) = src``
``atomic``  read-modify-write of ``*(size *)(dst + off)`` with ``src``
``ldpkt``   legacy ``r0 = ntoh(*(size *)skb[imm (+ src)])``
``jmp``     ``if fn(dst, src_or_imm) goto pc + off + 1`` at ``width`` bits
``ja``      ``goto pc + off + 1`` (JMP) or ``pc + imm + 1`` (JMP32, "gotol")
``call``    helper (src 0), bpf-to-bpf (src 1) or kfunc (src 2) call
``callx``   call through a register (``dst``)
``exit``    return ``r0`` to the caller frame, or end the program
==========  =====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from . import opcodes as o

DST, SRC, OFF, IMM = "dst", "src", "off", "imm"


@dataclass(frozen=True)
class Op:
    name: str                 # unique row name, e.g. "add64_reg"
    opcode: int
    kind: str
    group: str                # RFC 9669 conformance group
    uses: frozenset           # fields that may be non-zero
    fn: str | None = None     # semantics function name
    width: int = 64           # operand width of alu/jmp rows
    size: int = 0             # memory access size in bytes
    signed: bool = False      # ldx: sign-extending (BPF_MEMSX)
    key: tuple | None = None  # (field, value) that tells this row from others with the same opcode
    sym: str = ""             # operator as the kernel log prints it ("+=", "s>>=", "==")
    fetch: bool = False       # atomic: old value returned in a register
    v4: bool = False          # needs -mcpu=v4 (RFC 9669 additions)

    @property
    def source_is_reg(self) -> bool:
        return bool(self.opcode & o.BPF_X) and self.kind in ("alu", "jmp")

    def spreads_r10(self, dst: int, src: int) -> bool:
        """Whether this instruction (with these registers) lets a stack address reach
        anything but ``r10 + off`` addressing: it computes from r10, stores r10, or
        overwrites r10. When no instruction of a program does, r10 is its only pointer
        into the stack."""
        if self.kind in ("stx", "atomic"):
            return src == 10
        if self.kind in ("alu", "end", "lddw", "ldx"):
            return dst == 10 or (self.source_is_reg and src == 10)
        return False


ROWS: list[Op] = []


def _add(**kw) -> None:
    kw["uses"] = frozenset(kw["uses"])
    ROWS.append(Op(**kw))


# ---- arithmetic: BPF_ALU (32-bit) and BPF_ALU64 -------------------------------------
_ALU = [  # op, name, log operator, semantics (64-bit, 32-bit), divmul?
    (o.BPF_ADD, "add", "+=", "add", "add", False),
    (o.BPF_SUB, "sub", "-=", "sub", "sub", False),
    (o.BPF_MUL, "mul", "*=", "mul", "mul", True),
    (o.BPF_DIV, "div", "/=", "div", "div", True),
    (o.BPF_OR, "or", "|=", "bor", "bor", False),
    (o.BPF_AND, "and", "&=", "band", "band", False),
    (o.BPF_LSH, "lsh", "<<=", "lsh64", "lsh32", False),
    (o.BPF_RSH, "rsh", ">>=", "rsh64", "rsh32", False),
    (o.BPF_MOD, "mod", "%=", "mod", "mod", True),
    (o.BPF_XOR, "xor", "^=", "bxor", "bxor", False),
    (o.BPF_MOV, "mov", "=", "mov", "mov", False),
    (o.BPF_ARSH, "arsh", "s>>=", "arsh64", "arsh32", False),
]

for cls, width in ((o.BPF_ALU64, 64), (o.BPF_ALU, 32)):
    sfx = "64" if width == 64 else "32"
    for op, name, sym, fn64, fn32, divmul in _ALU:
        fn = fn64 if width == 64 else fn32
        group = ("divmul" if divmul else "base") + sfx
        for source, tag, operand in ((o.BPF_K, "imm", IMM), (o.BPF_X, "reg", SRC)):
            opcode = cls | op | source
            keyed = op in (o.BPF_DIV, o.BPF_MOD, o.BPF_MOV)
            _add(name=f"{name}{sfx}_{tag}", opcode=opcode, kind="alu", group=group,
                 uses={DST, operand}, fn=fn, width=width, sym=sym,
                 key=(OFF, 0) if keyed else None)
            if op in (o.BPF_DIV, o.BPF_MOD):  # sdiv / smod: off = 1
                sname = "sdiv" if op == o.BPF_DIV else "smod"
                _add(name=f"{sname}{sfx}_{tag}", opcode=opcode, kind="alu", group=group,
                     uses={DST, operand, OFF}, fn=f"{sname}{sfx}", width=width,
                     sym="s" + sym, key=(OFF, 1), v4=True)
    # neg: unary, K form only
    _add(name=f"neg{sfx}", opcode=cls | o.BPF_NEG | o.BPF_K, kind="alu", group=f"base{sfx}",
         uses={DST}, fn=f"neg{sfx}", width=width, sym="= -")
    # movsx: BPF_MOV | BPF_X with off = 8, 16 (and 32 in ALU64)
    for bits in (8, 16, 32) if width == 64 else (8, 16):
        _add(name=f"movsx{bits}{sfx}", opcode=cls | o.BPF_MOV | o.BPF_X, kind="alu",
             group=f"base{sfx}", uses={DST, SRC, OFF}, fn=f"movsx{bits}", width=width,
             sym=f"= (s{bits})", key=(OFF, bits), v4=True)

# ---- byte order: le/be (BPF_ALU) and unconditional bswap (BPF_ALU64) -------------------
for bits in (16, 32, 64):
    _add(name=f"le{bits}", opcode=o.BPF_ALU | o.BPF_END | o.BPF_TO_LE, kind="end",
         group="base32", uses={DST, IMM}, fn=f"le{bits}", width=bits, key=(IMM, bits), sym="le")
    _add(name=f"be{bits}", opcode=o.BPF_ALU | o.BPF_END | o.BPF_TO_BE, kind="end",
         group="base32", uses={DST, IMM}, fn=f"be{bits}", width=bits, key=(IMM, bits), sym="be")
    _add(name=f"bswap{bits}", opcode=o.BPF_ALU64 | o.BPF_END | o.BPF_TO_LE, kind="end",
         group="base64", uses={DST, IMM}, fn=f"bswap{bits}", width=bits, key=(IMM, bits),
         sym="bswap", v4=True)

# ---- 64-bit immediate load ----------------------------------------------------------------
_LDDW_FORMS = {0: "lddw", o.BPF_PSEUDO_MAP_FD: "lddw_map_fd",
               o.BPF_PSEUDO_MAP_VALUE: "lddw_map_value", o.BPF_PSEUDO_BTF_ID: "lddw_btf_id",
               o.BPF_PSEUDO_FUNC: "lddw_func", o.BPF_PSEUDO_MAP_IDX: "lddw_map_idx",
               o.BPF_PSEUDO_MAP_IDX_VALUE: "lddw_map_idx_value"}
for src, name in _LDDW_FORMS.items():
    _add(name=name, opcode=o.LDDW, kind="lddw", group="base64",
         uses={DST, IMM} | ({SRC} if src else set()), key=(SRC, src))

# ---- loads and stores ---------------------------------------------------------------------------
for size_code, nbytes in o.SIZE_BYTES.items():
    t = f"u{nbytes * 8}"
    _add(name=f"ldx{t}", opcode=o.BPF_LDX | o.BPF_MEM | size_code, kind="ldx", group="base32",
         uses={DST, SRC, OFF}, size=nbytes)
    _add(name=f"st{t}", opcode=o.BPF_ST | o.BPF_MEM | size_code, kind="st", group="base32",
         uses={DST, OFF, IMM}, size=nbytes)
    _add(name=f"stx{t}", opcode=o.BPF_STX | o.BPF_MEM | size_code, kind="stx", group="base32",
         uses={DST, SRC, OFF}, size=nbytes)
    if nbytes < 8:
        _add(name=f"ldx{t.replace('u', 's')}", opcode=o.BPF_LDX | o.BPF_MEMSX | size_code,
             kind="ldx", group="base32", uses={DST, SRC, OFF}, size=nbytes, signed=True, v4=True)
    if nbytes < 8:
        _add(name=f"ldabs{t}", opcode=o.BPF_LD | o.BPF_ABS | size_code, kind="ldpkt",
             group="packet", uses={IMM}, size=nbytes)
        _add(name=f"ldind{t}", opcode=o.BPF_LD | o.BPF_IND | size_code, kind="ldpkt",
             group="packet", uses={SRC, IMM}, size=nbytes)

# ---- atomics (BPF_STX | BPF_ATOMIC, operation in imm) ------------------------------------------
_ATOMIC = [("add", o.BPF_ADD, "add", "+="), ("or", o.BPF_OR, "bor", "|="),
           ("and", o.BPF_AND, "band", "&="), ("xor", o.BPF_XOR, "bxor", "^=")]
for size_code, nbytes in ((o.BPF_W, 4), (o.BPF_DW, 8)):
    opcode = o.BPF_STX | o.BPF_ATOMIC | size_code
    group = "atomic32" if nbytes == 4 else "atomic64"
    sfx = "32" if nbytes == 4 else "64"
    for name, aop, fn, sym in _ATOMIC:
        _add(name=f"atomic{sfx}_{name}", opcode=opcode, kind="atomic", group=group,
             uses={DST, SRC, OFF, IMM}, fn=fn, size=nbytes, key=(IMM, aop), sym=sym)
        _add(name=f"atomic{sfx}_fetch_{name}", opcode=opcode, kind="atomic", group=group,
             uses={DST, SRC, OFF, IMM}, fn=fn, size=nbytes, key=(IMM, aop | o.BPF_FETCH),
             sym=sym, fetch=True)
    _add(name=f"atomic{sfx}_xchg", opcode=opcode, kind="atomic", group=group,
         uses={DST, SRC, OFF, IMM}, fn="mov", size=nbytes, key=(IMM, o.BPF_XCHG), fetch=True,
         sym="xchg")
    _add(name=f"atomic{sfx}_cmpxchg", opcode=opcode, kind="atomic", group=group,
         uses={DST, SRC, OFF, IMM}, fn="mov", size=nbytes, key=(IMM, o.BPF_CMPXCHG), fetch=True,
         sym="cmpxchg")

# ---- jumps -----------------------------------------------------------------------------------------
_JMP = [(o.BPF_JEQ, "jeq", "==", "jeq", "jeq"), (o.BPF_JGT, "jgt", ">", "jgt", "jgt"),
        (o.BPF_JGE, "jge", ">=", "jge", "jge"), (o.BPF_JSET, "jset", "&", "jset", "jset"),
        (o.BPF_JNE, "jne", "!=", "jne", "jne"), (o.BPF_JSGT, "jsgt", "s>", "jsgt64", "jsgt32"),
        (o.BPF_JSGE, "jsge", "s>=", "jsge64", "jsge32"), (o.BPF_JLT, "jlt", "<", "jlt", "jlt"),
        (o.BPF_JLE, "jle", "<=", "jle", "jle"), (o.BPF_JSLT, "jslt", "s<", "jslt64", "jslt32"),
        (o.BPF_JSLE, "jsle", "s<=", "jsle64", "jsle32")]
for cls, width in ((o.BPF_JMP, 64), (o.BPF_JMP32, 32)):
    sfx = "" if width == 64 else "32"
    for op, name, sym, fn64, fn32 in _JMP:
        for source, tag, operand in ((o.BPF_K, "imm", IMM), (o.BPF_X, "reg", SRC)):
            _add(name=f"{name}{sfx}_{tag}", opcode=cls | op | source, kind="jmp",
                 group="base64" if width == 64 else "base32", uses={DST, operand, OFF},
                 fn=fn64 if width == 64 else fn32, width=width, sym=sym)

_add(name="ja", opcode=o.BPF_JMP | o.BPF_JA, kind="ja", group="base32", uses={OFF})
_add(name="ja32", opcode=o.BPF_JMP32 | o.BPF_JA, kind="ja", group="base32", uses={IMM}, v4=True)
_add(name="call", opcode=o.BPF_JMP | o.BPF_CALL, kind="call", group="base32", uses={IMM},
     key=(SRC, o.BPF_HELPER_CALL))
_add(name="call_local", opcode=o.BPF_JMP | o.BPF_CALL, kind="call", group="base32",
     uses={SRC, IMM}, key=(SRC, o.BPF_PSEUDO_CALL))
_add(name="call_kfunc", opcode=o.BPF_JMP | o.BPF_CALL, kind="call", group="base32",
     uses={SRC, IMM, OFF}, key=(SRC, o.BPF_PSEUDO_KFUNC_CALL))
_add(name="callx", opcode=o.BPF_JMP | o.BPF_CALL | o.BPF_X, kind="callx", group="callx",
     uses={DST})
_add(name="exit", opcode=o.BPF_JMP | o.BPF_EXIT, kind="exit", group="base32", uses=set())


# ---- lookup ------------------------------------------------------------------------------------------
BY_NAME: dict[str, Op] = {}
BY_OPCODE: dict[int, list[Op]] = {}
for _i, _row in enumerate(ROWS):
    assert _row.name not in BY_NAME, _row.name
    BY_NAME[_row.name] = _row
    BY_OPCODE.setdefault(_row.opcode, []).append(_row)
INDEX: dict[str, int] = {row.name: i for i, row in enumerate(ROWS)}


def lookup(opcode: int, dst: int, src: int, off: int, imm: int) -> Op | str:
    """The row an instruction's fields select, or a string saying why none does.

    Checks reserved fields: any field the row does not use must be zero, and
    register numbers must be r0..r10.
    """
    rows = BY_OPCODE.get(opcode)
    if not rows:
        return f"unknown opcode {opcode:02x}"
    fields = {DST: dst, SRC: src, OFF: off, IMM: imm}
    row = None
    for cand in rows:
        if cand.key is None or fields[cand.key[0]] == cand.key[1]:
            row = cand
            break
    if row is None:
        k = rows[0].key[0]
        return f"invalid {k} {fields[k]} for opcode {opcode:02x}"
    for name in (DST, SRC, OFF, IMM):
        if name not in row.uses and fields[name] != 0:
            return f"{row.name} uses reserved field {name} (= {fields[name]})"
    if row.kind != "lddw" and (dst > 10 or (SRC in row.uses and row.kind not in ("call",) and src > 10)):
        return f"invalid register r{max(dst, src)}"
    return row
