"""Generate the interpreter from the opcode table.

:func:`interpreter_source` turns every row of :data:`pybpf.isa.table.ROWS` into
one branch of a dispatch loop over pre-decoded instruction arrays. The source is
written to the cache directory and imported as a module (Numba's ``cache=True``
refuses functions made with ``exec``), then compiled by Numba in nopython mode,
or run as plain Python under ``NUMBA_DISABLE_JIT=1`` (the ``py`` tier).

Some adjacent pairs of rows also get a handler of their own, made of the two
rows' bodies (:data:`FUSED`): one dispatch for two instructions, which is most
of an instruction's cost here. Slots that start such a pair are given its handler
by :func:`dispatch_ids`.

Generated code repeats itself on purpose: bounds checks and byte loads are
written in place (measured 1.3-1.9x faster than calling small helpers that take
the arena). This generator is the single source; read it, not its output.
"""

from __future__ import annotations

import importlib.util
import re
import os
import sys

from .._jitcache import cache_dir
from ..isa import table
from ..isa.opcodes import MAX_CALL_FRAMES, STACK_SIZE

BPF_MAX_LOOPS = 1 << 23   # the kernel's limit on bpf_loop iterations
EINVAL, E2BIG = 22, 7
from ..isa.table import ROWS
from . import abi

#: The rows the interpreter dispatches to first, most executed first (counted over the
#: bench programs, l4lb and the examples). Numba's if/elif chain becomes jump tables of
#: 64 entries each, in chain order, and each table past the first costs a compare and a
#: branch more per instruction: these, then the fused pairs, share the first table.
HOT_ROWS = (
    "mov64_reg", "mov32_imm", "ldxu8", "add64_imm", "jgt_reg", "jne32_imm", "ldxu32",
    "jeq32_imm", "and32_imm", "ldxu16", "stxu32", "lsh32_imm", "add64_reg", "or32_reg",
    "mov32_reg", "add32_imm", "exit", "ldxu64", "stxu64", "mov64_imm", "call", "jeq_imm",
    "jne_imm", "ja", "lddw",
)

#: Pairs of adjacent instructions run by one handler: the first falls through to the
#: second, so one dispatch runs both, each counted and budgeted as if on its own (the
#: second starts with the budget test the loop makes). Every slot keeps a handler of its
#: own too: a jump into the second slot, or a resumption there, runs it alone. The pairs
#: are the most executed ones of the programs :data:`HOT_ROWS` counts, as clang emits
#: them: a load and its use, pointer arithmetic and its bounds check, a loop's step.
FUSED = (
    ("mov64_reg", "add64_imm"), ("ldxu8", "lsh32_imm"), ("mov32_imm", "jgt_reg"),
    ("add64_imm", "jgt_reg"), ("mov64_reg", "rsh64_imm"), ("mov64_reg", "add64_reg"),
    ("ldxu32", "stxu32"), ("add64_reg", "mov64_reg"), ("and32_imm", "jne32_imm"),
    ("mov32_imm", "jne32_imm"), ("add64_imm", "mov32_imm"), ("ldxu32", "ldxu32"),
    ("ldxu8", "ldxu8"), ("lsh32_imm", "or32_reg"), ("mov32_imm", "exit"),
    ("ldxu8", "or32_reg"), ("or32_reg", "add32_reg"), ("add32_reg", "jgt32_imm"),
    ("add64_imm", "add32_imm"), ("add32_imm", "mov32_reg"), ("mov32_reg", "jlt32_reg"),
    ("mov64_reg", "xor64_reg"), ("xor64_reg", "mov64_reg"), ("rsh64_imm", "lsh64_imm"),
    ("lsh64_imm", "or64_reg"), ("mov64_reg", "mov64_reg"), ("ldxu16", "and32_imm"),
    ("and32_imm", "jeq32_imm"), ("ldxu8", "jne32_imm"), ("ldxu16", "jne32_imm"),
    ("or64_reg", "mul64_reg"), ("mul64_reg", "mov64_reg"),
)

#: Row kinds that always go on to the next slot: the first of a fused pair is one.
FALLTHROUGH = frozenset({"alu", "end", "ldx", "st", "stx"})

#: The interpreter's handlers, in dispatch (chain) order: a tuple of table row indices
#: each, one row or a fused pair. A handler's id is its position here.
DISPATCH: tuple = (
    tuple((table.INDEX[name],) for name in HOT_ROWS)
    + tuple((table.INDEX[a], table.INDEX[b]) for a, b in FUSED)
    + tuple((i,) for i, row in enumerate(ROWS) if row.name not in HOT_ROWS))
HANDLER_OF: dict = {rows: hid for hid, rows in enumerate(DISPATCH)}
ILLEGAL = len(DISPATCH)      # handler id of slots that must never execute


def dispatch_ids(rows: list) -> list[int]:
    """The handler id of each slot (``rows``: the table row per slot, None for an lddw
    tail), then ILLEGAL for the sentinel slot past the end."""
    ids = []
    for slot, row in enumerate(rows):
        if row is None:
            ids.append(ILLEGAL)
            continue
        i = table.INDEX[row.name]
        nxt = rows[slot + 1] if slot + 1 < len(rows) else None
        pair = HANDLER_OF.get((i, table.INDEX[nxt.name])) if nxt is not None else None
        ids.append(HANDLER_OF[(i,)] if pair is None else pair)
    return ids + [ILLEGAL]


class Fields:
    """How a row's code names the instruction's operands.

    The interpreter reads them from the pre-decoded arrays at ``pc``. (The
    ``compiled`` tier, :mod:`pybpf.vm.native`, emits LLVM IR of its own for
    control flow and memory, calls the same semantic functions, and runs what
    it does not compile, calls included, through this interpreter.)
    """

    dst = "regs[dsts[pc]]"
    src = "regs[srcs[pc]]"
    imm = "immu[pc]"
    off = "offs[pc]"
    offu = "offu[pc]"

    def reg(self, i: int) -> str:
        return f"regs[{i}]"


INTERP_FIELDS = Fields()

#: Imports and constants the generated interpreter module starts with.
PRELUDE = '''\
import numpy as np
from pybpf._jitcache import njit
from pybpf.isa.semantics import *  # noqa: F401,F403
from pybpf.vm.ctxaccess import ctx_load, ctx_store
from pybpf.helpers.maphelpers import foreach_args, map_index, tail_call_target
{HOT_IMPORTS}

U64 = np.uint64
MASK32 = U64(0xFFFFFFFF)
U2 = U64(2)
U4 = U64(4)
U512 = U64(512)
P1, P2, P3, P4, P5, P6, P7 = U64(1), U64(2), U64(3), U64(4), U64(5), U64(6), U64(7)
F_RO = U64({F_RO})
F_CTX = U64({F_CTX})
'''

_HEADER = '''\
# Generated by pybpf.vm.codegen from the opcode table. Do not edit.
''' + PRELUDE + '''

@njit(cache=True, nogil=True)
def run(h, dsts, srcs, offs, offu, immu, regs, st, frames, arena, rbase, rlo, rhi, rflag, ctxmap,
        hot, maps):
    """Run from st[PC] until exit, a helper call, a fault or the budget; return the status."""
    pc = np.int64(st[{PC}])
    count = np.int64(st[{COUNT}])
    budget = np.int64(st[{BUDGET}])
    depth = np.int64(st[{DEPTH}])
    nreg = U64(rbase.shape[0])
    status = {RUNNING}
    while True:
        if count >= budget:
            status = {BUDGET_EXCEEDED}
            break
        count += 1
        upc = U64(pc)  # unsigned: array indexing without negative-index wrap-around
        op = h[upc]
'''

_FOOTER = '''\
    st[{PC}] = U64(pc)
    st[{COUNT}] = U64(count)
    st[{DEPTH}] = U64(depth)
    st[{STATUS}] = U64(status)
    return status
'''


def _fmt(text: str, **extra) -> str:
    names = {k: getattr(abi, k) for k in dir(abi) if k.isupper()}
    return text.format(**names, **extra)


def _check(addr: str, size: int, fault: int, write: bool) -> list[str]:
    """Translate virtual address ``addr`` to arena index ``p`` or stop with a fault."""
    flag_test = "rflag[k] != U0" if write else "rflag[k] & F_CTX"
    return [
        f"k = ({addr} >> U32) - U1",
        f"a = {addr} & MASK32",
        f"if k >= nreg or a < rlo[k] or a + U{size} > rhi[k]:",
        f"    st[{abi.AUX}] = {addr}",
        f"    st[{abi.AUX2}] = U64({size})",
        f"    status = {fault}",
        "    break",
    ], flag_test


def _byte(i: int) -> str:
    """``arena[p + i]`` with an unsigned index (``P{i}`` are uint64 constants)."""
    return f"arena[p + P{i}]" if i else "arena[p]"


def _load_bytes(size: int, big_endian: bool = False) -> str:
    parts = []
    for i in range(size):
        shift = (size - 1 - i) if big_endian else i
        term = f"U64({_byte(i)})"
        parts.append(f"({term} << U64({8 * shift}))" if shift else term)
    return " | ".join(parts)


def _store_bytes(value: str, size: int) -> list[str]:
    return [f"{_byte(i)} = np.uint8(({value} >> U64({8 * i})) & M8)" if i
            else f"arena[p] = np.uint8({value} & M8)" for i in range(size)]


def _load(addr: str, size: int, fault: int) -> list[str]:
    """Lines that leave the loaded value (zero-extended) in ``v``."""
    lines, ctx_test = _check(addr, size, fault, write=False)
    return lines + [
        f"if {ctx_test}:",
        f"    ok, v = ctx_load(arena, rbase[k], a, {size}, ctxmap, st)",
        "    if not ok:",
        f"        st[{abi.AUX}] = {addr}",
        f"        st[{abi.AUX2}] = U64({size})",
        f"        status = {fault}",
        "        break",
        "else:",
        "    p = rbase[k] + a",
        f"    v = {_load_bytes(size)}",
    ]


def _store(addr: str, size: int, value: str) -> list[str]:
    """A store; into the context it goes through ``ctx_store`` (the kernel's field rules)."""
    lines, slow_test = _check(addr, size, abi.FAULT_STORE, write=True)
    return lines + [
        f"if {slow_test}:",
        f"    if rflag[k] & F_RO or not ctx_store(arena, rbase[k], a, {size}, {value}, ctxmap):",
        f"        st[{abi.AUX}] = {addr}",
        f"        st[{abi.AUX2}] = U64({size})",
        f"        status = {abi.FAULT_STORE}",
        "        break",
        "else:",
        "    p = rbase[k] + a",
    ] + ["    " + line for line in _store_bytes(value, size)]


def _operand(row, f: Fields) -> str:
    return f.src if row.source_is_reg else f.imm


def _body(row, f: Fields = INTERP_FIELDS) -> list[str]:
    """Python lines implementing one table row; each ends by setting ``pc``.

    ``f`` names the operands (:class:`Fields`). Calls, callx and exit always
    work on the ``regs`` array (their callers spill register locals first).
    """
    kind = row.kind
    d, s = f.dst, f.src
    if kind == "alu":
        b = _operand(row, f)
        if row.width == 64:
            return [f"{d} = {row.fn}({d}, {b})", "pc += 1"]
        return [f"{d} = {row.fn}({d} & MASK32, {b} & MASK32) & MASK32",
                "pc += 1"]
    if kind == "end":
        return [f"{d} = {row.fn}({d})", "pc += 1"]
    if kind == "lddw":
        if row.key[1] == 0:
            return [f"{d} = {f.imm}", "pc += 2"]
        return [f"status = {abi.BAD_INSN}", "break"]  # unresolved pseudo lddw
    if kind == "ldx":
        lines = [f"addr = {s} + {f.offu}"] + _load("addr", row.size, abi.FAULT_LOAD)
        value = {1: "sext8(v)", 2: "sext16(v)", 4: "sext32(v)"}[row.size] if row.signed else "v"
        return lines + [f"{d} = {value}", "pc += 1"]
    if kind == "st":
        return [f"addr = {d} + {f.offu}"] + _store("addr", row.size, f.imm) + ["pc += 1"]
    if kind == "stx":
        return ([f"addr = {d} + {f.offu}"]
                + _store("addr", row.size, s) + ["pc += 1"])
    if kind == "atomic":
        return _atomic(row, f)
    if kind == "ldpkt":
        return _ldpkt(row, f)
    if kind == "jmp":
        b = _operand(row, f)
        a = d
        if row.width == 32:
            a, b = f"{a} & MASK32", f"{b} & MASK32"
        return [f"if {row.fn}({a}, {b}):", f"    pc += {f.off} + 1", "else:", "    pc += 1"]
    if kind == "ja":
        field = f.off if row.opcode & 7 == 5 else f"np.int64(np.int32({f.imm} & MASK32))"
        return [f"pc += {field} + 1"]
    if kind == "call":
        if row.key[1] == 1:  # bpf-to-bpf
            return _push_frame(f"pc + np.int64(np.int32({f.imm} & MASK32)) + 1")
        kfunc = 1 if row.key[1] == 2 else 0
        trampoline = [f"st[{abi.AUX}] = {f.imm} & MASK32", f"st[{abi.AUX2}] = U64({kfunc})",
                      "pc += 1", f"status = {abi.HELPER}", "break"]
        if kfunc:
            return trampoline
        return _hot_dispatch(f) + ["else:"] + ["    " + x for x in trampoline]
    if kind == "callx":
        return [
            f"t = {d}",
            f"if t >= st[{abi.CODE_VA}] and t - st[{abi.CODE_VA}] < st[{abi.NCODE}]:",
            *("    " + x for x in _push_frame(f"np.int64(t - st[{abi.CODE_VA}])")),
            f"elif t < U64(1) << U32:",  # a small number: a helper id (bpf_conformance convention)
            f"    st[{abi.AUX}] = t",
            f"    st[{abi.AUX2}] = U0",
            "    pc += 1",
            f"    status = {abi.HELPER}",
            "    break",
            "else:",
            f"    st[{abi.AUX}] = t",
            f"    status = {abi.BAD_CALLX}",
            "    break",
        ]
    if kind == "exit":
        return [
            "if depth == 0:",
            f"    status = {abi.EXIT}",
            "    break",
            "depth -= 1",
            f"rhi[{abi.REGION_STACK}] = U64((depth + 1) * {STACK_SIZE})",
            f"fb = depth * {abi.FRAME_WORDS}",
            "pc = np.int64(frames[fb])",
            "regs[6] = frames[fb + 1]",
            "regs[7] = frames[fb + 2]",
            "regs[8] = frames[fb + 3]",
            "regs[9] = frames[fb + 4]",
            "regs[10] = frames[fb + 5]",
        ] + _loop_return()
    raise AssertionError(f"no code generator for kind {kind!r}")


def _hot_helpers() -> list[tuple[int, str, str]]:
    """(id, module, function) of every hot helper, sorted by id."""
    from ..helpers.hotset import HOT
    return sorted((hid, *HOT[hid].split(":")) for hid in HOT)


def _hot_dispatch(f: Fields = INTERP_FIELDS) -> list[str]:
    """Call a compiled helper in place when the machine's mask enables it."""
    from ..isa.opcodes import MAX_TAIL_CALLS
    from ..helpers.hotset import BPF_LOOP, FOR_EACH_MAP_ELEM, TAIL_CALL
    special = [
        (TAIL_CALL, "  # bpf_tail_call: jump, or fall through", [
            "    t = tail_call_target(regs, maps, arena, rbase)",
            f"    if t >= 0 and st[{abi.TAILS}] < U64({MAX_TAIL_CALLS}):",
            f"        st[{abi.TAILS}] += U1",
            "        pc = t",
            "    else:",
            "        regs[0] = ~U0 - U1  # -ENOENT",
            "        pc += 1"]),
        (BPF_LOOP, "", ["    " + x for x in _bpf_loop()]),
        (FOR_EACH_MAP_ELEM, "", ["    " + x for x in _for_each_map_elem()]),
    ]
    hot = _hot_helpers()
    lines = [f"hid = {f.imm} & MASK32"]
    for hid, comment, body in special:
        lines.append(f"{'if' if len(lines) == 1 else 'elif'} hid == U64({hid}) and hot[hid] != 0:"
                     + comment)
        lines += body
    cond = f"hid < U64({abi.HOT_MASK_SIZE}) and hot[hid] != 0"
    lines.append(f"{'if' if len(lines) == 1 else 'elif'} {cond}:")
    for n, (hid, _mod, _fn) in enumerate(hot):
        lines.append(f"    {'if' if n == 0 else 'elif'} hid == U64({hid}):")
        lines.append(f"        hs = hot_{hid}(regs, st, arena, rbase, rlo, rhi, rflag, maps)")
    if hot:
        lines += ["    else:", f"        hs = {abi.BAD_INSN}"]
    else:
        lines += [f"    hs = {abi.BAD_INSN}"]
    lines += ["    if hs == " + str(abi.PYTHON_HELPER) + ":  # left to its Python version",
              f"        st[{abi.AUX}] = hid",
              f"        st[{abi.AUX2}] = U0",
              "        pc += 1",
              f"        status = {abi.HELPER}",
              "        break",
              "    if hs != 0:", "        status = hs", "        break", "    pc += 1"]
    return lines


def _push_frame(target: str, ret: str = "pc + 1", kind: int = abi.FRAME_CALL) -> list[str]:
    """Save the caller's frame and enter ``target`` with a fresh 512-byte stack."""
    return [
        f"if depth + 1 >= {MAX_CALL_FRAMES}:",
        f"    status = {abi.CALL_DEPTH}",
        "    break",
        f"fb = depth * {abi.FRAME_WORDS}",
        f"frames[fb] = U64({ret})",
        "frames[fb + 1] = regs[6]",
        "frames[fb + 2] = regs[7]",
        "frames[fb + 3] = regs[8]",
        "frames[fb + 4] = regs[9]",
        "frames[fb + 5] = regs[10]",
        f"frames[fb + {abi.FR_KIND}] = U64({kind})",
        "depth += 1",
        f"regs[10] = st[{abi.STACK_VA}] + U64((depth + 1) * {STACK_SIZE})",
        f"rhi[{abi.REGION_STACK}] = U64((depth + 1) * {STACK_SIZE})",  # frames above are not live
        f"pc = {target}",
    ]


def _bpf_loop() -> list[str]:
    """``long bpf_loop(u32 nr_loops, void *callback_fn, void *callback_ctx, u64 flags)``.

    Each iteration calls ``callback_fn(i, callback_ctx)`` in a frame of its own;
    the ``exit`` handler continues the loop (see :func:`_loop_return`).
    """
    code_ok = (f"regs[2] >= st[{abi.CODE_VA}] and regs[2] - st[{abi.CODE_VA}] < st[{abi.NCODE}]")
    return [
        "n = regs[1] & MASK32",
        f"if regs[4] != U0 or not ({code_ok}):",
        f"    regs[0] = ~U0 - U64({EINVAL - 1})  # -EINVAL",
        "    pc += 1",
        f"elif n > U64({BPF_MAX_LOOPS}):",
        f"    regs[0] = ~U0 - U64({E2BIG - 1})  # -E2BIG",
        "    pc += 1",
        "elif n == U0:",
        "    regs[0] = U0",
        "    pc += 1",
        "else:",
        "    cb = np.int64(regs[2] - st[{CODE_VA}])".format(CODE_VA=abi.CODE_VA),
        "    ctxp = regs[3]",
        *("    " + x for x in _push_frame("cb", ret="pc", kind=abi.FRAME_LOOP)),
        f"    fb = (depth - 1) * {abi.FRAME_WORDS}",
        f"    frames[fb + {abi.FR_I}] = U0",
        f"    frames[fb + {abi.FR_N}] = n",
        f"    frames[fb + {abi.FR_FN}] = U64(cb)",
        f"    frames[fb + {abi.FR_CTX}] = ctxp",
        "    regs[1] = U0",
        "    regs[2] = ctxp",
    ]


def _for_each_map_elem() -> list[str]:
    """``long bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags)``.

    Calls ``callback_fn(map, key, value, callback_ctx)`` for each element in a
    frame of its own; the callback returns 1 to stop. r0: the calls made.
    """
    code_ok = (f"regs[2] >= st[{abi.CODE_VA}] and regs[2] - st[{abi.CODE_VA}] < st[{abi.NCODE}]")
    return [
        "fm = map_index(regs[1], maps)",
        "if fm < 0:",
        f"    st[{abi.AUX}] = U1",
        f"    st[{abi.AUX2}] = U1",
        f"    status = {abi.BAD_HELPER_ARG}",
        "    break",
        f"if regs[4] != U0 or not ({code_ok}):",
        f"    regs[0] = ~U0 - U64({EINVAL - 1})  # -EINVAL",
        "    pc += 1",
        "else:",
        f"    cb = np.int64(regs[2] - st[{abi.CODE_VA}])",
        "    ctxp = regs[3]",
        f"    nxt = foreach_args(maps, fm, arena, rbase, 0, np.int64(st[{abi.CPU}]), depth, regs)",
        "    if nxt < 0:",
        "        regs[0] = U0",
        "        pc += 1",
        "    else:",
        "        regs[4] = ctxp",
        *("        " + x for x in _push_frame("cb", ret="pc", kind=abi.FRAME_FOREACH)),
        f"        fb = (depth - 1) * {abi.FRAME_WORDS}",
        f"        frames[fb + {abi.FR_I}] = U64(nxt)",
        f"        frames[fb + {abi.FR_N}] = U0",
        f"        frames[fb + {abi.FR_FN}] = U64(cb)",
        f"        frames[fb + {abi.FR_CTX}] = ctxp",
        f"        frames[fb + {abi.FR_MAP}] = U64(fm)",
    ]


def _loop_return() -> list[str]:
    """After a bpf_loop callback returned: next iteration, or r0 = iterations done."""
    return [
        f"if frames[fb + {abi.FR_KIND}] == U64({abi.FRAME_LOOP}):",
        f"    i = frames[fb + {abi.FR_I}] + U1",
        f"    if regs[0] == U1 or i >= frames[fb + {abi.FR_N}]:",
        "        regs[0] = i",
        "        pc += 1",
        "    else:",
        f"        ctxp = frames[fb + {abi.FR_CTX}]",
        *("        " + x for x in _push_frame(f"np.int64(frames[fb + {abi.FR_FN}])", ret="pc",
                                             kind=abi.FRAME_LOOP)),
        f"        frames[fb + {abi.FR_I}] = i",
        "        regs[1] = i",
        "        regs[2] = ctxp",
        f"elif frames[fb + {abi.FR_KIND}] == U64({abi.FRAME_FOREACH}):",
        f"    calls = frames[fb + {abi.FR_N}] + U1",
        f"    fm = np.int64(frames[fb + {abi.FR_MAP}])",
        "    nxt = np.int64(-1)",
        "    if regs[0] != U1:",
        f"        nxt = foreach_args(maps, fm, arena, rbase, np.int64(frames[fb + {abi.FR_I}]),",
        f"                           np.int64(st[{abi.CPU}]), depth, regs)",
        "    if nxt < 0:",
        "        regs[0] = calls",
        "        pc += 1",
        "    else:",
        f"        ctxp = frames[fb + {abi.FR_CTX}]",
        "        regs[4] = ctxp",
        *("        " + x for x in _push_frame(f"np.int64(frames[fb + {abi.FR_FN}])", ret="pc",
                                             kind=abi.FRAME_FOREACH)),
        f"        frames[fb + {abi.FR_I}] = U64(nxt)",
        f"        frames[fb + {abi.FR_N}] = calls",
        f"        frames[fb + {abi.FR_MAP}] = U64(fm)",
    ]


def _atomic(row, f: Fields = INTERP_FIELDS) -> list[str]:
    size = row.size
    mask = "MASK32" if size == 4 else "~U0"
    lines = [f"addr = {f.dst} + {f.offu}"] + _load("addr", size, abi.FAULT_STORE)
    lines += [f"if rflag[k] != U0:", f"    st[{abi.AUX}] = addr", f"    st[{abi.AUX2}] = U64({size})",
              f"    status = {abi.FAULT_STORE}", "    break",
              "p = rbase[k] + a"]
    if row.sym == "cmpxchg":
        lines += [f"if v == ({f.reg(0)} & {mask}):"]
        lines += ["    " + x for x in _store_bytes(f.src, size)]
        lines += [f"{f.reg(0)} = v"]
    else:
        lines += [f"nv = {row.fn}(v, {f.src}) & {mask}"] + _store_bytes("nv", size)
        if row.fetch:
            lines += [f"{f.src} = v"]
    return lines + ["pc += 1"]


def _ldpkt(row, f: Fields = INTERP_FIELDS) -> list[str]:
    """Legacy BPF_ABS/BPF_IND: big-endian load from the packet; out of range ends with r0 = 0."""
    size = row.size
    off = f.imm if row.name.startswith("ldabs") else f"{f.src} + {f.imm}"
    return [
        f"addr = st[{abi.PKT_DATA}] + ({off} & MASK32)",
        f"if addr < st[{abi.PKT_DATA}] or addr + U{size} > st[{abi.PKT_END}]:",
        f"    {f.reg(0)} = U0",
        f"    status = {abi.EXIT}",
        "    break",
    ] + _check("addr", size, abi.FAULT_LOAD, write=False)[0] + [
        "p = rbase[k] + a",
        f"{f.reg(0)} = {_load_bytes(size, big_endian=True)}",
        "pc += 1",
    ]


def hot_imports() -> str:
    """Import lines of the hot helpers."""
    return "\n".join(f"from {mod} import {fn} as hot_{hid}" for hid, mod, fn in _hot_helpers())


def _fields_by_upc(lines: list[str], upc: str = "upc") -> list[str]:
    """Instruction fields are read with the unsigned ``upc`` (set before any pc change), or
    another such index (a fused pair's second instruction: ``upc1``)."""
    return [re.sub(r"(dsts|srcs|offs|offu|immu)\[pc\]", rf"\1[{upc}]", line) for line in lines]


def _handler(rows: tuple) -> list[str]:
    """The lines of one handler: a row's body, or a fused pair's two bodies with the
    loop's budget test and count between them (the second reads its fields at ``upc1``)."""
    first = _fields_by_upc(_body(ROWS[rows[0]]))
    if len(rows) == 1:
        return first
    assert ROWS[rows[0]].kind in FALLTHROUGH and first[-1] == "pc += 1", rows
    second = _fields_by_upc(_body(ROWS[rows[1]]), "upc1")
    return first + ["if count >= budget:", f"    status = {abi.BUDGET_EXCEEDED}", "    break",
                    "count += 1", "upc1 = upc + U1"] + second


def interpreter_source() -> str:
    """The full source of the generated interpreter module."""
    out = [_fmt(_HEADER, HOT_IMPORTS=hot_imports())]
    for hid, rows in enumerate(DISPATCH):
        names = "+".join(ROWS[i].name for i in rows)
        out.append(f"        {'if' if hid == 0 else 'elif'} op == {hid}:  # {names}")
        out.extend("            " + line for line in _handler(rows))
    out.append("        else:  # ILLEGAL: lddw second slot, or past the last instruction")
    out.append(f"            status = {abi.BAD_INSN}")
    out.append("            break")
    out.append(_fmt(_FOOTER))
    return "\n".join(out) + "\n"


def _fingerprint(source: str) -> str:
    """The generated module's name: its source and every pybpf source file it imports."""
    from .._jitcache import cache_dir, fingerprint
    return fingerprint(cache_dir() / "generated" / "pybpf_interp.py", text=source)


_MODULE = None


def import_generated(name: str, source: str):
    """Write generated ``source`` to ``<cache>/generated/<name>.py`` (atomically, unless it is
    there already) and import it as module ``name``: a real file, so Numba can cache what it
    compiles from it. Generated modules are compiled: importing one loads Numba."""
    from .._jitcache import load_numba
    load_numba()
    directory = cache_dir() / "generated"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_IMPORTED = None


def interpreter_module():
    """The generated interpreter module, imported (generated on first use) but not compiled:
    for code that only links against it (:mod:`pybpf.vm.native`'s step)."""
    global _IMPORTED
    if _IMPORTED is None:
        source = interpreter_source()
        _IMPORTED = import_generated(f"pybpf_interp_{_fingerprint(source)}", source)
    return _IMPORTED


def load_interpreter():
    """The interpreter's ``run``, compiled (or loaded from Numba's cache) for the arrays
    every run passes."""
    global _MODULE
    if _MODULE is None:
        module = interpreter_module()
        _warm_up(module.run)
        _MODULE = module
    return _MODULE.run


def _warm_up(run) -> None:
    """Compile (or load from Numba's cache) for the array types every run uses, once,
    so that the first real run is not charged with it."""
    import numpy as np

    from ..maps.layout import M_FIELDS
    from .memory import Memory
    i64 = np.zeros(2, dtype=np.int64)
    u64 = np.zeros(2, dtype=np.uint64)
    h = np.array([HANDLER_OF[(table.INDEX["exit"],)], ILLEGAL], dtype=np.int64)
    st = np.zeros(abi.STATE_SIZE, dtype=np.uint64)
    st[abi.BUDGET] = 1
    run(h, u64, u64, i64, u64, u64, np.zeros(11, dtype=np.uint64), st,
        np.zeros(abi.FRAME_WORDS * 8, dtype=np.uint64), np.zeros(1, dtype=np.uint8),
        u64, u64, u64, u64, np.zeros(1, dtype=Memory().ctxmap.dtype),  # as a Machine passes it
        np.zeros(abi.HOT_MASK_SIZE, dtype=np.uint8), np.zeros((1, M_FIELDS), dtype=np.int64))
