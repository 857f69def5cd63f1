"""The ``compiled`` tier: each program translated to Python source, then compiled by Numba.

:func:`program_source` cuts a program's code into basic blocks (a block starts
at every branch target, after every jump, call and exit, at every function a
program can reach by address) and writes each block as straight-line Python
with the registers in locals. The statements of each instruction are the
interpreter's, from the same table rows (:func:`pybpf.vm.codegen.row_lines`),
with the operands as constants instead of array reads.

The module is written to ``<cache>/generated/`` under a name that hashes its
source (so the code and the generator's version), imported, and compiled with
``cache=True``: a second process loads the machine code from disk.

The generated ``run`` has the interpreter's signature and contract (it starts
at ``st[PC]`` and leaves pc, count, depth and status in ``st``), with one more
status, :data:`HANDOVER`: "continue in the interpreter from ``st[PC]``". It is
returned before a block that the remaining budget cannot cover (so the
interpreter stops on exactly the same instruction) and for a pc that starts no
block (a computed target: callx, a bpf_loop callback not taken by address,
falling off the end). :func:`compiled_run` hides it: it returns a function
that calls the interpreter when the compiled code hands over. The module's
``execute`` does the same in compiled code (for compiled callers such as
:mod:`pybpf.batch`); it links the interpreter, so it is compiled only when used.

Calls, callx and exit run the interpreter's code on the ``regs`` and
``frames`` arrays (registers are spilled before and reloaded after), so
bpf-to-bpf calls, tail calls, hot helpers, bpf_loop and for_each_map_elem stay
compiled; a Python helper returns HELPER with pc after the call, which starts
a block, so the resume is compiled too.

Exact counts: a block adds its length on entry; a fault inside a block takes
back the instructions after the faulting one before it stops.
"""

from __future__ import annotations

import hashlib
import re
import sys

import numpy as np

from ..isa import opcodes as o
from . import abi
from .codegen import (PRELUDE, Fields, format_abi, hot_imports, import_generated,
                      load_interpreter, row_lines)

#: Bumped when the shape of the generated code changes (it is part of the module's hash).
GENERATOR_VERSION = 1

#: Status of the compiled code only: run the interpreter from st[PC] (never reaches the Machine).
HANDOVER = 100

#: The last state slot (unused by the interpreter): which program of a batch module runs.
SELECT = abi.STATE_SIZE - 1
SELECT_STRIDE = 1 << 24

#: ``tier="auto"`` compiles programs of at most this many instruction slots and interprets
#: larger ones. Numba's front end is the cost: measured cold on the 2-CPU VM (busy),
#: the 60-slot parse program took 6-15 s, the 128-slot checksum 18-32 s, the 300-slot
#: l4lb 150 s (benchmarks/README.md); a warm start loads the cached code in ~30 ms.
AUTO_LIMIT = 64

TERMINATORS = ("jmp", "ja", "call", "callx", "exit")
#: The pseudo block holding the exit code (every exit instruction goes there with ``xpc`` set).
EXIT_BLOCK = -2


class _Const(Fields):
    """One instruction's operands as constants; registers as locals ``rN`` or array cells.

    64-bit constants become module globals (``K<n>``), which Numba freezes without
    typing a call per use."""

    def __init__(self, code, slot: int, local: bool, consts: dict, loops: bool):
        row = code.rows[slot]
        self._local = local
        self.loops = loops
        self.dst = self.reg(int(code.dsts[slot]))
        self.src = self.reg(int(code.srcs[slot]))
        self.imm = _const(consts, int(code.immu[slot]))
        self.off = str(int(code.offs[slot]))
        self.offu = _const(consts, int(code.offu[slot]))
        if row.kind == "call" and row.key[1] == 0:
            self.hid = int(code.immu[slot]) & 0xFFFFFFFF

    def reg(self, i: int) -> str:
        return f"r{i}" if self._local else f"regs[{i}]"


def _const(consts: dict, value: int) -> str:
    """The name of the uint64 global holding ``value``."""
    if value not in consts:
        consts[value] = f"K{len(consts)}"
    return consts[value]


def _targets(code, slot: int, row) -> list[int]:
    """Slots control can move to from ``slot`` other than the next one (static targets)."""
    s32 = int(code.immu[slot]) & 0xFFFFFFFF
    s32 = s32 - (1 << 32) if s32 & 0x80000000 else s32
    if row.kind == "jmp" or (row.kind == "ja" and row.opcode == o.BPF_JMP | o.BPF_JA):
        return [slot + int(code.offs[slot]) + 1]
    if row.kind == "ja" or row.name == "call_local":
        return [slot + s32 + 1]
    return []


def block_starts(code) -> list[int]:
    """Sorted slots that start a basic block."""
    n = code.nslots
    code_va = abi.region_va(abi.REGION_CODE)
    starts = {0}
    starts.update(start for start, _size, _name in code.segments)
    for slot, row in enumerate(code.rows):
        if row is None:
            continue
        starts.update(_targets(code, slot, row))
        if row.kind in TERMINATORS:
            starts.add(slot + 1)
        if row.kind == "lddw" and code_va <= int(code.immu[slot]) < code_va + n:
            starts.add(int(code.immu[slot]) - code_va)  # a function's address (callbacks, callx)
    return sorted(s for s in starts if 0 <= s < n and code.rows[s] is not None)


def _blocks(code) -> list[tuple[int, list[int]]]:
    """(start, instruction slots) of every block; a block ends at a terminator or the next start."""
    starts = block_starts(code)
    is_start = set(starts)
    out = []
    for start in starts:
        slots, slot = [], start
        while slot < code.nslots:
            row = code.rows[slot]
            if row is None or (slot != start and slot in is_start):
                break
            slots.append(slot)
            if row.kind in TERMINATORS:
                break
            slot += 2 if row.kind == "lddw" else 1
        out.append((start, slots))
    return out


def _indent(lines, n: int) -> list[str]:
    return [" " * n + line for line in lines]


#: Temporaries of the memory code, renamed per instruction (``addr_12``): a name assigned
#: once is cheap for Numba's SSA passes, one reassigned in every block is not.
_TEMPS = re.compile(r"\b(addr|k|a|p|v|ok|nv)\b")

_SPILL = [f"regs[{i}] = r{i}" for i in range(11)]
_RELOAD = [f"r{i} = regs[{i}]" for i in range(11)]


def _on_stop(lines: list[str], slot: int | None, back: int, spilled: bool) -> list[str]:
    """Every ``break`` of an instruction's code leaves the exact pc and count; after code
    that worked on the ``regs`` array, the array (not the locals) holds the registers."""
    out = []
    for line in lines:
        if line.strip() == "break":
            pad = line[:len(line) - len(line.lstrip())]
            if spilled:
                out.append(f"{pad}spilled = True")
            if slot is not None:
                out.append(f"{pad}pc = {slot}")
            if back:
                out.append(f"{pad}count -= {back}")
        out.append(line)
    return out


def _block_lines(code, start: int, slots: list[int], consts: dict, loops: bool) -> list[str]:
    n = len(slots)
    out = [f"if count + {n} > budget:", f"    status = {HANDOVER}", "    break",
           f"count += {n}"]
    for j, slot in enumerate(slots):
        row = code.rows[slot]
        back = n - j - 1
        out.append(f"# {slot}: {row.name}")
        if row.kind == "exit":
            out += [f"xpc = {slot}", f"pc = {EXIT_BLOCK}"]  # one shared copy of the exit code
        elif row.kind in ("call", "callx"):
            # these work on the regs array (helpers, frames): spill, run, reload
            body = row_lines(row, _Const(code, slot, False, consts, loops))
            out += _SPILL + [f"pc = {slot}"] + _on_stop(body, None, back, spilled=True) + _RELOAD
        elif row.kind in ("jmp", "ja"):
            out += [f"pc = {slot}"] + row_lines(row, _Const(code, slot, True, consts, loops))
        else:
            body = row_lines(row, _Const(code, slot, True, consts, loops))
            if body[-1].startswith("pc += "):
                body = body[:-1]  # the next instruction follows in the block
            body = [_TEMPS.sub(rf"\1_{slot}", line) for line in body]
            out += _on_stop(body, slot, back, spilled=False)
    last = code.rows[slots[-1]]
    if last.kind not in TERMINATORS:
        out.append(f"pc = {slots[-1] + (2 if last.kind == 'lddw' else 1)}")
    return out


_ENTRY = '''

@njit(cache=True, nogil=True)
def run(h, dsts, srcs, offs, offu, immu, regs, st, frames, arena, rbase, rlo, rhi, rflag, ctxmap,
        hot, maps):
    """{NAME}: run from st[PC]; statuses as the interpreter's, or {HANDOVER} (go on interpreting)."""
    pc = np.int64(st[{PC}])
    count = np.int64(st[{COUNT}])
    budget = np.int64(st[{BUDGET}])
    depth = np.int64(st[{DEPTH}])
    nreg = U64(rbase.shape[0])
    status = {RUNNING}
'''


#: Blocks per flat ``if``/``elif`` chain; longer dispatches are split by comparison
#: (Python's compiler and Numba recurse once per ``elif``).
CHAIN = 16


def _dispatch(cases: list) -> list[str]:
    """``if key == k: block`` for every case, as a balanced tree of flat chains;
    an unknown key hands over to the interpreter."""
    if len(cases) <= CHAIN:
        out = []
        for n, (value, lines) in enumerate(cases):
            out.append(f"{'if' if n == 0 else 'elif'} key == {value}:")
            out += _indent(lines, 4)
        out += (["else:"] if cases else []) + _indent([f"status = {HANDOVER}", "break"],
                                                      4 if cases else 0)
        return out
    mid = len(cases) // 2
    return ([f"if key < {cases[mid][0]}:"] + _indent(_dispatch(cases[:mid]), 4)
            + ["else:"] + _indent(_dispatch(cases[mid:]), 4))


def _calls_back(code) -> bool:
    """Whether the code calls bpf_loop or bpf_for_each_map_elem (exit may end a callback)."""
    from ..helpers.hotset import BPF_LOOP, FOR_EACH_MAP_ELEM
    return any(r is not None and r.kind == "call" and r.key[1] == 0
               and int(code.immu[s]) & 0xFFFFFFFF in (BPF_LOOP, FOR_EACH_MAP_ELEM)
               for s, r in enumerate(code.rows))


_EXECUTE = '''

@njit(cache=True, nogil=True)
def execute(h, dsts, srcs, offs, offu, immu, regs, st, frames, arena, rbase, rlo, rhi, rflag,
            ctxmap, hot, maps):
    """run, then the interpreter where it hands over: exactly the interpreter's contract, for
    compiled callers (batches). Compiled on first use (linking the interpreter costs seconds)."""
    status = run(h, dsts, srcs, offs, offu, immu, regs, st, frames, arena, rbase, rlo, rhi,
                 rflag, ctxmap, hot, maps)
    if status == {HANDOVER}:
        status = interp_run(h, dsts, srcs, offs, offu, immu, regs, st, frames, arena, rbase,
                            rlo, rhi, rflag, ctxmap, hot, maps)
    return status
'''


def program_source(code) -> str:
    """The module source of the compiled form of ``code``."""
    return batch_source([code])


def batch_source(codes: list) -> str:
    """One module, one function for several programs (compiling many tiny programs one by
    one costs Numba's fixed overhead each time). With more than one, ``st[SELECT]`` says
    which program runs: block keys are ``pc + SELECT_STRIDE * st[SELECT]``."""
    consts: dict[int, str] = {}
    loops = any(_calls_back(c) for c in codes)
    used_hot = {int(c.immu[s]) & 0xFFFFFFFF for c in codes for s, r in enumerate(c.rows)
                if r is not None and r.kind == "call" and r.key[1] == 0}
    body = ["    " + x for x in _RELOAD] + ["    xpc = pc", "    spilled = False"]
    batched = len(codes) > 1
    if batched:
        body.append(f"    base = np.int64(st[{SELECT}]) * {SELECT_STRIDE}")
    body.append("    while True:")
    key = "pc + base" if batched else "pc"
    cases = []                      # (key value, block lines)
    for i, code in enumerate(codes):
        for start, slots in _blocks(code):
            cases.append((start + i * SELECT_STRIDE,
                          _block_lines(code, start, slots, consts, loops)))
    exit_code = None
    for code in codes:
        exits = [s for s, r in enumerate(code.rows) if r is not None and r.kind == "exit"]
        if exits:
            exit_code = row_lines(code.rows[exits[0]], _Const(code, exits[0], False, consts, loops))
            break
    if exit_code is not None:
        body.append(f"        if pc == {EXIT_BLOCK}:  # exit (counted in its block)")
        body += _indent(_SPILL + ["pc = xpc"] + _on_stop(exit_code, None, 0, spilled=True)
                        + _RELOAD + ["continue"], 12)
    body.append(f"        key = {key}")
    body += _indent(_dispatch(cases), 8)
    body += ["    if not spilled:"] + _indent(_SPILL, 8)
    names = ", ".join(c.name for c in codes)
    out = [f"# Generated by pybpf.vm.compiled (version {GENERATOR_VERSION}) for {names[:200]}. "
           "Do not edit.",
           format_abi(PRELUDE, HOT_IMPORTS=hot_imports(used_hot)).rstrip("\n"),
           f"from {_interpreter_module()} import run as interp_run"]
    out += [f"{name} = U64({value})" for value, name in consts.items()]
    out.append(format_abi(_ENTRY, NAME=repr(names[:60]).replace('"', "'"),
                          HANDOVER=HANDOVER).rstrip("\n"))
    out += body
    out.append(format_abi("""\
    st[{PC}] = U64(pc)
    st[{COUNT}] = U64(count)
    st[{DEPTH}] = U64(depth)
    st[{STATUS}] = U64(status)
    return status"""))
    out.append(_EXECUTE.format(HANDOVER=HANDOVER))
    return "\n".join(out) + "\n"


def _interpreter_module() -> str:
    """The generated interpreter's module name (it hashes the interpreter's source)."""
    return load_interpreter().py_func.__module__


def module_name(source: str) -> str:
    return "pybpf_prog_" + hashlib.sha256(source.encode()).hexdigest()[:20]


_LOADED: dict[str, object] = {}


def _import(source: str):
    name = module_name(source)
    fn = _LOADED.get(name)
    if fn is None:
        fn = _LOADED[name] = import_generated(name, source).run
    return fn


def load_program(code):
    """The generated ``run`` of ``code`` (written and imported on first use; Numba compiles it
    on the first call, or loads it from its cache)."""
    source = program_source(code)
    return _BATCHED.get(module_name(source)) or _import(source)


#: Programs compiled in a batch module: their own module's name -> their function there.
_BATCHED: dict[str, object] = {}


def load_batch(codes: list) -> list:
    """Compile several programs as one module (see :func:`batch_source`); afterwards
    :func:`load_program` (so ``Machine(tier="compiled")``) uses it for these programs."""
    fn = _import(batch_source(codes))
    fns = [fn] if len(codes) == 1 else [_selecting(fn, i) for i in range(len(codes))]
    for code, f in zip(codes, fns):
        _BATCHED[module_name(program_source(code))] = f
    return fns


def _selecting(fn, index: int):
    def run(*arrays):
        arrays[7][SELECT] = index   # st
        return fn(*arrays)
    run.compiled = fn
    return run


def warm_up(run, memory) -> None:
    """Compile ``run`` (or load it from Numba's cache) for the arrays a Machine passes."""
    from ..maps.layout import M_FIELDS
    i64 = np.zeros(2, dtype=np.int64)
    u64 = np.zeros(2, dtype=np.uint64)
    st = np.zeros(abi.STATE_SIZE, dtype=np.uint64)  # budget 0: hands over at once
    run(i64, u64, u64, i64, u64, u64, np.zeros(11, dtype=np.uint64), st,
        np.zeros(abi.FRAME_WORDS * 8, dtype=np.uint64), np.zeros(1, dtype=memory.arena.dtype),
        u64, u64, u64, u64, np.zeros(1, dtype=memory.ctxmap.dtype),
        np.zeros(abi.HOT_MASK_SIZE, dtype=np.uint8), np.zeros((1, M_FIELDS), dtype=np.int64))


def compiled_run(code, memory, fast=None):
    """A function with the interpreter's signature and statuses that runs ``code`` compiled,
    continuing in the interpreter where the compiled code hands over. ``fast``: the compiled
    function, when it comes from :func:`load_batch`."""
    if fast is None:
        fast = load_program(code)
    warm_up(fast, memory)
    interp = load_interpreter()

    def run(*arrays):
        status = fast(*arrays)
        if status == HANDOVER:
            status = interp(*arrays)
        return status

    run.compiled = fast
    # For compiled callers (pybpf.batch imports ``py_func.__module__``/``__name__``): the
    # njit function with the interpreter's exact contract, handovers included.
    module = sys.modules[getattr(fast, "compiled", fast).py_func.__module__]
    run.njit = module.execute
    run.py_func = module.execute.py_func
    return run
