"""The ``compiled`` tier: each program translated to LLVM IR and compiled to machine code.

What an instruction computes is not written here. The arithmetic, byte-order
and jump functions of :mod:`pybpf.isa.semantics` are compiled by Numba once,
and their LLVM IR (cached on disk, :func:`semantics_library`) is linked into
every program's module, where LLVM inlines them. This module only lays out
control flow and memory accesses around them:

* a block per straight run of instructions (a block starts at every branch
  target, after every terminator, at every function address and after every
  instruction this tier leaves to the interpreter); registers live in SSA
  values, the instruction count is added once per block and checked against
  the budget only where a loop can come back (:func:`_reserves`);
* loads and stores translate the address through the region table of the
  region the base register points into (``k = (base >> 32) - 1``,
  ``lo <= a``, ``a + size <= hi``, :meth:`_Emitter.check`), as the interpreter
  does, and touch the arena in place; context fields are read and written
  out of line by the kernel's rules (``ctx_load``, ``ctx_store``);
* bpf-to-bpf calls push the interpreter's frame and a callee's ``exit`` pops it
  and goes on through the dispatch (:meth:`_Emitter.local_call`,
  :meth:`_Emitter.local_return`); tail calls jump through the dispatch too; hot
  helpers are called in place, each compiled once to object code of its own
  (:func:`hot_object`) and loaded beside the program's;
* a call of a helper implemented in Python stops with the interpreter's HELPER
  status (:meth:`_Emitter.python_call`), and the run comes back after it;
* everything else (a bounds failure, an access that leaves its base's region,
  a context field the rules refuse, bpf_loop and for_each_map_elem and the
  return of their callbacks, callx, the frame limit, legacy packet loads, a
  stretch of code the remaining budget cannot cover)
  *hands over*: the registers and the count go back into the arrays, the
  compiled code runs exactly that one instruction in the interpreter
  (``st[PC]`` at it), then goes on from wherever it left ``st[PC]``: compiled
  code again where that is one of the dispatch's entries
  (:func:`dispatch_entries`), else the next instruction in the interpreter.
  Faults, helper calls and budget stops are therefore the interpreter's own,
  bit for bit, and so is every count.

The function has the C signature ``i64 run(ptr h, ... ptr maps, i64 n_h, ... i64 n_maps)``
(the interpreter's 17 arrays by data pointer, then their lengths) and the
interpreter's contract and statuses; :mod:`pybpf.vm.nativecall` calls it from
Numba code through the address kept in ``st[NATIVE_FN]``, and :class:`DirectRun`
through ctypes while Numba is not loaded. A handover calls the
interpreter for one instruction (a Numba ``cfunc`` over the same arrays, at the
address in ``st[STEP_FN]``) and goes on in compiled code. That function holds
the whole interpreter and takes a while to load, so it is loaded when a machine
first needs it: until then ``st[STEP_FN]`` is 0 and a handover returns
:data:`NEED_STEP` with the arrays up to date; the caller loads it
(:func:`link_step`) and calls again, and the run goes on where it stopped. Object
code is cached on disk under the hash of the IR, so a second process loads it
in milliseconds instead of compiling.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np

from .._jitcache import cache_dir, fingerprint
from ..isa import opcodes as o
from ..isa.table import ROWS
from . import abi, ctxaccess

#: Bumped when the shape of the generated IR changes (part of every cache key).
GENERATOR_VERSION = 16

#: Status of the compiled code only: run one instruction in the interpreter from st[PC].
HANDOVER = 100

#: Hot helper ``n`` as compiled code calls it: ``pybpf_native_hot_<n>`` over HOT_ARRAYS
#: (:func:`hot_object`, or its Numba cfunc where that cannot be built).
HOT_SYMBOL = "pybpf_native_hot_"
HOT_ARRAYS = ("regs", "st", "arena", "rbase", "rlo", "rhi", "rflag", "maps")

#: State slot holding the address of the machine's compiled function.
NATIVE_FN = abi.STATE_SIZE - 2
#: State slot holding the address of the one-instruction interpreter step (0: not loaded).
STEP_FN = abi.STATE_SIZE - 1
#: Status of compiled code that must hand over while ``st[STEP_FN]`` is 0: call
#: :func:`link_step` and run again (pc, registers and count are in the arrays).
NEED_STEP = 90

#: Row kinds compiled in place; every other kind hands over to the interpreter.
NATIVE_KINDS = ("alu", "end", "lddw", "ldx", "st", "stx", "atomic", "jmp", "ja", "exit")

M32 = 0xFFFFFFFF


# --- the semantics library: pybpf.isa.semantics through Numba, as LLVM IR ---------------------------

def _semantic_signatures() -> dict[str, tuple[int, bool]]:
    """name -> (number of arguments, returns a truth value) of every function the table uses."""
    out = {}
    for row in ROWS:
        if row.fn is None:
            continue
        if row.kind in ("alu", "atomic"):
            out[row.fn] = (2, False)
        elif row.kind == "end":
            out[row.fn] = (1, False)
        elif row.kind == "jmp":
            out[row.fn] = (2, True)
    return out


_LIBRARY = None
_VERSIONS: list = []


def toolchain_versions() -> str:
    """Numba's and llvmlite's versions (part of every key of code they produce), read from
    their installed metadata: a warm start does not load Numba."""
    if not _VERSIONS:
        from importlib.metadata import version
        _VERSIONS.append(f"{version('numba')} {version('llvmlite')}")
    return _VERSIONS[0]


def semantics_library() -> tuple[str, dict]:
    """(LLVM IR text, {name: Numba-ABI symbol}) of the semantic functions.

    The first use compiles each function with Numba (a few seconds) and keeps
    the result under ``<cache>/native/``, keyed by the semantics' source."""
    global _LIBRARY
    if _LIBRARY is not None:
        return _LIBRARY
    # the IR is Numba's and is parsed by this llvmlite: their versions are part of the key.
    # (The module is imported only to build the library: importing it decorates 62 functions.)
    source = Path(__file__).resolve().parent.parent / "isa" / "semantics.py"
    key = hashlib.sha256(f"{fingerprint(source)} {toolchain_versions()}".encode()
                         ).hexdigest()[:16]
    directory = cache_dir() / "native"
    path = directory / f"semantics-{key}-{GENERATOR_VERSION}.json"
    if path.exists():
        try:
            data = json.loads(path.read_text())
            _LIBRARY = (data["ir"], data["symbols"])
            return _LIBRARY
        except (OSError, ValueError, KeyError):
            pass
    import llvmlite.binding as llvm

    from .._jitcache import load_numba
    load_numba()
    from numba import cfunc, types

    from ..isa import semantics
    library = None
    symbols = {}
    for name, (nargs, truth) in sorted(_semantic_signatures().items()):
        ret = types.boolean if truth else types.uint64
        signature = ret(*([types.uint64] * nargs))
        compiled = cfunc(signature, _nrt=False)(getattr(semantics, name).py_func)
        wrapper = compiled.native_name
        assert wrapper.startswith("cfunc."), wrapper
        symbols[name] = wrapper[len("cfunc."):]
        module = llvm.parse_assembly(compiled.inspect_llvm())
        for fn in module.functions:
            if not fn.is_declaration:
                fn.linkage = "weak_odr"   # kept by the linker even where unused; duplicates merge
        if library is None:
            library = module
        else:
            library.link_in(module)
    text = str(library).replace("noinline", "nounwind")  # let LLVM inline them
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"ir": text, "symbols": symbols}))
    os.replace(tmp, path)
    _LIBRARY = (text, symbols)
    return _LIBRARY


# --- code generation ---------------------------------------------------------------------------------

#: The region tables after ``rbase`` in Memory's one array of them (abi.REGION_CAPACITY
#: entries each): compiled code reads them from ``rbase`` at fixed offsets, so the three
#: pointers and the region count need no registers in loops. Each call checks the layout.
_TABLE_ROW = {"rlo": 1, "rhi": 2, "rflag": 3}
ARRAYS = ("h", "dsts", "srcs", "offs", "offu", "immu", "regs", "st", "frames", "arena", "rbase",
          "rlo", "rhi", "rflag", "ctxmap", "hot", "maps")


def _targets(code, slot: int, row) -> list[int]:
    """Static control-flow targets of ``slot`` other than the next slot."""
    s32 = int(code.immu[slot]) & M32
    s32 = s32 - (1 << 32) if s32 & 0x80000000 else s32
    if row.kind == "jmp" or (row.kind == "ja" and row.opcode == o.BPF_JMP | o.BPF_JA):
        return [slot + int(code.offs[slot]) + 1]
    if row.kind == "ja" or row.name == "call_local":
        return [slot + s32 + 1]
    return []


def _hot_id(code, slot: int) -> int | None:
    """The helper id of a call to a hot helper (compiled, see pybpf.helpers.hotset), else None."""
    from ..helpers.hotset import HOT
    row = code.rows[slot]
    if row is None or row.name != "call":
        return None
    hid = int(code.immu[slot]) & M32
    return hid if hid in HOT else None


def _compiled_call(code, slot: int) -> int | None:
    """The helper id of a call the compiled code makes itself: a hot helper, or a tail
    call (its target found by :func:`pybpf.helpers.maphelpers.tail_call_slot`)."""
    from ..helpers.hotset import TAIL_CALL
    hid = _hot_id(code, slot)
    row = code.rows[slot]
    if hid is None and row is not None and row.name == "call" \
            and int(code.immu[slot]) & M32 == TAIL_CALL:
        hid = TAIL_CALL
    return hid


def _hot_spec(hid: int) -> str:
    """``module:function`` of what compiled code calls for helper ``hid``."""
    from ..helpers.hotset import HOT, TAIL_CALL
    return "pybpf.helpers.maphelpers:tail_call_slot" if hid == TAIL_CALL else HOT[hid]


def _python_call(code, slot: int) -> bool:
    """Whether ``slot`` calls a helper or kfunc the compiled code leaves to Python: it
    stops with the interpreter's HELPER status (:meth:`_Emitter.python_call`). Not the
    helpers whose callbacks the interpreter runs (bpf_loop, for_each_map_elem)."""
    from ..helpers.hotset import BPF_LOOP, FOR_EACH_MAP_ELEM
    row = code.rows[slot]
    if row is None or row.name not in ("call", "call_kfunc"):
        return False
    return _compiled_call(code, slot) is None and (
        row.name == "call_kfunc" or int(code.immu[slot]) & M32 not in (BPF_LOOP, FOR_EACH_MAP_ELEM))


def _native(code, slot: int) -> bool:
    row = code.rows[slot]
    if row is None:
        return False
    if row.kind not in NATIVE_KINDS:
        return (row.name == "call_local" or _compiled_call(code, slot) is not None
                or _python_call(code, slot))
    return not (row.kind == "lddw" and row.key[1] != 0)   # an unresolved pseudo lddw faults


def _writes(code, slot: int) -> tuple:
    """Registers an instruction of a block writes."""
    row = code.rows[slot]
    if row.kind in ("alu", "end", "lddw", "ldx"):
        return (int(code.dsts[slot]),)
    if row.kind == "atomic" and row.fetch:
        return (int(code.srcs[slot]), 0) if row.sym == "cmpxchg" else (int(code.srcs[slot]),)
    return ()


def _ends_block(code, slot: int) -> bool:
    return code.rows[slot].kind in ("jmp", "ja", "exit", "call")


def _function_starts(code) -> set[int]:
    """Where runs and functions start: slot 0, each program's first slot, every
    bpf-to-bpf call's target and every function address the code takes (``lddw`` of a
    code address: callbacks, callx)."""
    n = code.nslots
    code_va = abi.region_va(abi.REGION_CODE)
    starts = {0}
    starts.update(start for start, _size, _name in code.segments)
    for slot, row in enumerate(code.rows):
        if row is None:
            continue
        if row.name == "call_local":
            starts.update(_targets(code, slot, row))
        elif row.kind == "lddw" and code_va <= int(code.immu[slot]) < code_va + n:
            starts.add(int(code.immu[slot]) - code_va)
    return starts


def block_starts(code) -> list[int]:
    """Sorted slots where a compiled block starts."""
    starts = _function_starts(code)
    for slot, row in enumerate(code.rows):
        if row is None:
            continue
        starts.update(_targets(code, slot, row))
        if row.kind in ("jmp", "ja", "exit", "call") or not _native(code, slot):
            starts.add(slot + 1)
    return sorted(s for s in starts if 0 <= s < code.nslots and _native(code, s))


def dispatch_entries(code, starts: list[int]) -> list[int]:
    """The block starts the dispatch enters compiled code at: where runs start (slot 0, each
    program's and function's first slot) and where the interpreter hands back after an
    instruction compiled code does not run (a call, anything not native).

    Elsewhere, after a handover (a fault, the budget, an access compiled code leaves to the
    interpreter), the interpreter steps on to the next entry. Entering at every block would
    make each register a merge at each block, which keeps LLVM from sharing values (a
    region's window) between blocks and costs registers."""
    want = _function_starts(code)
    for slot, row in enumerate(code.rows):
        if row is not None and (row.kind in ("call", "callx") or not _native(code, slot)):
            want.add(slot + (2 if row.kind == "lddw" else 1))
    is_start = set(starts)
    return sorted(want & is_start)


def block_slots(code, start: int, is_start) -> list[int]:
    """The slots of the block starting at ``start``."""
    slots, slot = [], start
    while slot < code.nslots and _native(code, slot):
        if slot != start and slot in is_start:
            break
        slots.append(slot)
        if _ends_block(code, slot):
            break
        slot += 2 if code.rows[slot].kind == "lddw" else 1
    return slots


def _successors(code, slots: list[int], is_start) -> list[int]:
    """Blocks a block continues in without leaving compiled code."""
    last = slots[-1]
    row = code.rows[last]
    nxt = last + (2 if row.kind == "lddw" else 1)
    if row.kind == "jmp":
        out = [_targets(code, last, row)[0], nxt]
    elif row.kind == "ja":
        out = [_targets(code, last, row)[0]]
    elif row.kind == "exit":
        out = []   # a callee's exit returns through the dispatch (which checks the budget)
    elif row.name == "call_local":
        out = [_targets(code, last, row)[0]]
    else:  # a hot helper call, or the block runs into the next one
        out = [nxt]
    return [s for s in out if s in is_start]


def context_bases(code) -> list[int]:
    """Per slot, a bit mask of the registers that may hold a pointer into the context there.

    A guess that only chooses code shape: loads and stores through other registers leave
    a context access to the interpreter (a handover), where it stays exact, instead of
    calling out of line and coming back, which costs registers in the code around them
    (in a loop, every iteration). The context arrives in r1 (r1-r5 of a function: its
    arguments) and moves by ``mov``, 64-bit ``add``/``sub`` and the like; a load gives
    one only if the code ever stores a register that may hold one.
    """
    n = code.nslots
    args = 0x3E     # r1-r5: a function's arguments (r1 alone at a program's start)
    entries = {s: args for s in _function_starts(code)}
    entries.update({s: 0x02 for s in [0] + [start for start, _size, _name in code.segments]})
    for slot, row in enumerate(code.rows):
        if row is not None and row.name == "call_local":
            entries[_targets(code, slot, row)[0]] = args

    def solve(loaded: int) -> tuple[list[int], bool]:
        state = [0] * n
        for e, bits in entries.items():
            if 0 <= e < n:
                state[e] |= bits
        stored = False
        work = sorted(entries)
        seen = set()
        while work:
            slot = work.pop()
            row = code.rows[slot] if 0 <= slot < n else None
            if row is None:
                continue
            m = state[slot]
            d, sr = int(code.dsts[slot]), int(code.srcs[slot])
            db, sb = 1 << d, 1 << sr
            kind = row.kind
            out = m
            if kind == "alu":
                src = (m & sb) if row.source_is_reg else 0
                if row.fn == "mov" or row.fn.startswith("movsx"):
                    out = (m & ~db) | (db if src else 0)
                elif row.width == 32:
                    out = m & ~db
                else:
                    out = m | (db if src else 0)
            elif kind == "lddw":
                out = m & ~db
            elif kind == "ldx":
                out = (m & ~db) | (db if loaded else 0)
            elif kind in ("stx", "atomic"):
                stored = stored or bool(m & sb)
                if kind == "atomic":   # cmpxchg loads into r0, other fetches into src
                    w = 1 if row.sym == "cmpxchg" else (sb if row.fetch else 0)
                    out = (m & ~w) | (w if loaded else 0)
            elif kind in ("call", "callx", "ldpkt"):
                out = (m & ~0x3F) | (1 if kind != "ldpkt" and row.name != "call" else 0)
            nxt = slot + (2 if kind == "lddw" else 1)
            succ = [] if kind == "exit" else _targets(code, slot, row)
            if kind not in ("exit", "ja") and row.name != "call_local":
                succ.append(nxt)
            elif row.name == "call_local":
                succ = [nxt]
            for t in succ:
                if 0 <= t < n and (state[t] | out != state[t] or t not in seen):
                    state[t] |= out
                    seen.add(t)
                    work.append(t)
        return state, stored

    state, stored = solve(0)
    if stored:
        state, _ = solve(1)
    return state


def _reserves(code, blocks: dict) -> tuple[dict, set]:
    """(reserve per block, checkpoint blocks): where the budget is checked, and against what.

    Only checkpoints check the budget: the blocks a jump reaches backwards (every loop
    has one: BPF code without backward jumps is acyclic) and, in the dispatch, the block
    compiled code is entered at. A block's reserve is the most instructions a run can
    execute from its start until it reaches the next checkpoint or leaves compiled code,
    so a checkpoint that finds ``count + reserve <= budget`` knows no block before the
    next check can pass the budget. Where it is not, the instructions run in the
    interpreter one at a time up to the budget: the count and the stop stay exact.

    ``blocks``: each block's start -> its slots (:func:`block_slots`), in slot order."""
    succ = {b: _successors(code, slots, blocks) for b, slots in blocks.items()}
    checkpoints = {s for b in blocks for s in succ[b] if s <= b}
    reserve: dict[int, int] = {}
    for b in reversed(blocks):
        reserve[b] = len(blocks[b]) + max((reserve[s] for s in succ[b] if s not in checkpoints),
                                          default=0)
    return reserve, checkpoints


class _Emitter:
    """Builds the IR text of one program's function."""

    def __init__(self, code, symbols: dict):
        self.code = code
        self.symbols = symbols
        self.lines: list[str] = []
        self.tmp = 0
        self.handover_labels: dict[int, str] = {}
        self.starts = block_starts(code)
        self.is_start = set(self.starts)
        self.blocks = {b: block_slots(code, b, self.is_start) for b in self.starts}
        self.reserve, self.checkpoints = _reserves(code, self.blocks)
        self.entries = dispatch_entries(code, self.starts)
        self.ctx_bases = context_bases(code)

    def t(self) -> str:
        self.tmp += 1
        return f"%t{self.tmp}"

    def emit(self, line: str) -> None:
        self.lines.append("  " + line)

    def label(self, name: str) -> None:
        self.lines.append(f"{name}:")

    # -- helpers over the arrays
    def elem(self, array: str, index: str, ty: str = "i64") -> str:
        p = self.t()
        self.emit(f"{p} = getelementptr inbounds {ty}, ptr %{array}, i64 {index}")
        return p

    def table_elem(self, array: str, index: str) -> tuple[str, str]:
        """``(array, index)`` to address: a row of the region tables is read from ``rbase``
        at a fixed offset (:data:`_TABLE_ROW`), any other array as it is."""
        if array not in _TABLE_ROW:
            return array, index
        i = self.t()
        self.emit(f"{i} = add i64 {index}, {_TABLE_ROW[array] * abi.REGION_CAPACITY}")
        return "rbase", i

    def load_elem(self, array: str, index: str, ty: str = "i64") -> str:
        p = self.elem(*self.table_elem(array, index), ty)
        v = self.t()
        self.emit(f"{v} = load {ty}, ptr {p}")
        return v

    def store_elem(self, array: str, index: str, value: str, ty: str = "i64") -> None:
        p = self.elem(*self.table_elem(array, index), ty)
        self.emit(f"store {ty} {value}, ptr {p}")

    def reg(self, i: int) -> str:
        v = self.t()
        self.emit(f"{v} = load i64, ptr %r{i}")
        return v

    def set_reg(self, i: int, value: str) -> None:
        self.emit(f"store i64 {value}, ptr %r{i}")

    def goto(self, slot: int) -> str:
        """The label that continues at ``slot``: its block, or a handover there."""
        if slot in self.is_start:
            return f"%B{slot}"
        return self.goto_handover(slot)

    def stop(self, slot: int, back: int) -> str:
        """A label that hands over at ``slot`` after taking ``back`` instructions off the count."""
        name = f"S{self.tmp + 1}_{slot}"
        self.tmp += 1
        self.pending.append((name, slot, back))
        return f"%{name}"

    # -- semantics
    def call_sem(self, fn: str, args: list[str], truth: bool) -> str:
        sym = self.symbols[fn]
        ty = "i8" if truth else "i64"
        slot = f"%ret_{'b' if truth else 'q'}"
        arglist = ", ".join(f"i64 {a}" for a in args)
        self.emit(f"call i32 @{sym}(ptr {slot}, ptr null, {arglist})")
        v = self.t()
        self.emit(f"{v} = load {ty}, ptr {slot}")
        return v

    # -- memory
    def plan_groups(self, slots: list[int]) -> None:
        """Memory accesses of one block through the same base register, not redefined in
        between, share one region check over the span of their offsets (made at the first:
        if any of them would fault, the first hands over and the interpreter steps from
        there, so faults stay exact)."""
        code = self.code
        self.group_of: dict[int, int] = {}
        self.groups: dict[int, list] = {}
        self.group_state: dict[int, tuple] = {}
        open_groups: dict[int, int] = {}
        for slot in slots:
            row = code.rows[slot]
            if row.kind in ("ldx", "st", "stx", "atomic"):
                base = int(code.srcs[slot]) if row.kind == "ldx" else int(code.dsts[slot])
                off = int(code.offs[slot])
                first = open_groups.setdefault(base, slot)
                if first == slot:
                    self.groups[slot] = [base, off, off + row.size, 0]
                g = self.groups[first]
                g[1], g[2], g[3] = min(g[1], off), max(g[2], off + row.size), g[3] + 1
                self.group_of[slot] = first
            for reg in _writes(code, slot):
                open_groups.pop(reg, None)

    def translate(self, base: str, off: int, size: int, slot: int, back: int
                  ) -> tuple[str, str, str]:
        """Emit the region check of ``size`` bytes at ``base + off``; returns (arena index of
        the access, region index, its offset in the region); on failure hand over. Leaves
        the builder in the block where the access is in bounds."""
        first = self.group_of.get(slot)
        if first is not None and self.groups[first][3] > 1:
            if first == slot:
                _base_reg, lo_off, end_off, _n = self.groups[first]
                self.group_state[first] = self.check(base, lo_off, end_off - lo_off, slot, back)
            rbase, k, ab = self.group_state[first]
        else:
            rbase, k, ab = self.check(base, off, size, slot, back)
        a, p = self.t(), self.t()
        self.emit(f"{a} = add i64 {ab}, {off}")
        self.emit(f"{p} = add i64 {rbase}, {a}")
        return p, k, a

    def check(self, base: str, off: int, size: int, slot: int, back: int
              ) -> tuple[str, str, str]:
        """``size`` bytes at ``base + off`` lie in the window of the region ``base`` points
        into; returns the region's arena base and index, and ``base``'s offset in it.

        The region (``base >> 32``) and its window come from ``base`` alone, so LLVM shares
        them between the accesses through one register value. The window test is signed
        on the 64-bit sum of the 32-bit offset and ``off`` (windows lie within [0, 2**32]):
        it also proves the access does not leave the base's region. One that does hands
        over, and the interpreter decides (the address may be valid in another region)."""
        kb, k, okk, ab, lo_a, end, c1, c2, c3 = (self.t() for _ in range(9))
        fail = self.stop(slot, back)
        inr = f"in{self.tmp}"
        self.emit(f"{kb} = lshr i64 {base}, 32")
        self.emit(f"{k} = sub i64 {kb}, 1")
        self.emit(f"{okk} = icmp ult i64 {k}, %nreg")
        self.emit(f"br i1 {okk}, label %{inr}, label {fail}, !prof !0")
        self.label(inr)
        self.emit(f"{ab} = and i64 {base}, {M32}")
        self.emit(f"{lo_a} = add i64 {ab}, {off}")
        self.emit(f"{end} = add i64 {lo_a}, {size}")
        lo_v = self.load_elem("rlo", k)
        hi_v = self.load_elem("rhi", k)
        self.emit(f"{c1} = icmp sge i64 {lo_a}, {lo_v}")
        self.emit(f"{c2} = icmp sle i64 {end}, {hi_v}")
        self.emit(f"{c3} = and i1 {c1}, {c2}")
        nxt = f"ib{self.tmp}"
        self.emit(f"br i1 {c3}, label %{nxt}, label {fail}, !prof !0")
        self.label(nxt)
        return self.load_elem("rbase", k), k, ab

    def load(self, base: str, off: int, size: int, signed: bool, slot: int, back: int) -> str:
        """A load; from the context (the one region that has ``F_CTX``: ``REGION_CTX``) it
        goes through ``ctx_load`` (the kernel's field rules), out of line."""
        p, k, a = self.translate(base, off, size, slot, back)
        bits = 8 * size
        n = self.tmp
        isctx, plain, maybe, ctx, done = self.t(), f"pl{n}", f"cm{n}", f"cx{n}", f"dn{n}"
        self.emit(f"{isctx} = icmp eq i64 {k}, {abi.REGION_CTX}")
        if not self.may_be_context(slot, int(self.code.srcs[slot])):
            # if it is the context after all, the interpreter loads it
            self.emit(f"br i1 {isctx}, label {self.stop(slot, back)}, label %{plain}, !prof !1")
            self.label(plain)
            return self.plain_load(p, bits, signed)
        self.emit(f"br i1 {isctx}, label %{maybe}, label %{plain}, !prof !1")
        self.label(maybe)
        flags, f_ctx = self.load_elem("rflag", k), self.t()
        self.emit(f"{f_ctx} = and i64 {flags}, {abi.F_CTX}")
        self.emit(f"{isctx}c = icmp ne i64 {f_ctx}, 0")
        self.emit(f"br i1 {isctx}c, label %{ctx}, label %{plain}")
        self.label(plain)
        ext = self.plain_load(p, bits, signed)
        self.emit(f"br label %{done}")
        self.label(ctx)
        okp, v_ctx, good = "%ctx_ok", self.t(), self.t()
        self.emit(f"{v_ctx} = call coldcc i64 @ctx_load(ptr %ctxmap, ptr %st, ptr %arena, i64 {p}, "
                  f"i64 {a}, i64 {size}, i64 {ctxaccess.READ[size]}, ptr {okp})")
        okv = self.t()
        self.emit(f"{okv} = load i8, ptr {okp}")
        self.emit(f"{good} = icmp ne i8 {okv}, 0")
        got = f"cg{self.tmp}"
        self.emit(f"br i1 {good}, label %{got}, label {self.stop(slot, back)}")
        self.label(got)
        if signed:   # ctx_load zero-extends; the sign extension of ldxs follows
            tr, sx = self.t(), self.t()
            self.emit(f"{tr} = trunc i64 {v_ctx} to i{bits}")
            self.emit(f"{sx} = sext i{bits} {tr} to i64")
            v_ctx = sx
        self.emit(f"br label %{done}")
        self.label(done)
        v = self.t()
        self.emit(f"{v} = phi i64 [ {ext}, %{plain} ], [ {v_ctx}, %{got} ]")
        return v

    def plain_load(self, p: str, bits: int, signed: bool) -> str:
        """``bits`` of plain memory at arena index ``p``, extended to 64 bits."""
        raw = self.t()
        self.emit(f"{raw} = load i{bits}, ptr {self.arena_at(p)}, align 1")
        if bits == 64:
            return raw
        ext = self.t()
        self.emit(f"{ext} = {'sext' if signed else 'zext'} i{bits} {raw} to i64")
        return ext

    def may_be_context(self, slot: int, reg: int) -> bool:
        """Whether ``reg`` may hold the context at ``slot`` (:func:`context_bases`): its
        accesses then handle the context in line, else they leave it to the interpreter."""
        return bool(self.ctx_bases[slot] >> reg & 1)

    def if_zero(self, value: str, then: str, otherwise: str) -> None:
        """Branch to the new block ``then`` (started here) if ``value`` is 0, else to the
        label ``otherwise`` (marked unlikely)."""
        c = self.t()
        self.emit(f"{c} = icmp eq i64 {value}, 0")
        self.emit(f"br i1 {c}, label %{then}, label {otherwise}, !prof !0")
        self.label(then)

    def arena_at(self, p: str) -> str:
        ptr = self.t()
        self.emit(f"{ptr} = getelementptr inbounds i8, ptr %arena, i64 {p}")
        return ptr

    def store(self, base: str, off: int, size: int, value: str, slot: int, back: int) -> None:
        p, k, a = self.translate(base, off, size, slot, back)
        flags = self.load_elem("rflag", k)
        n = self.tmp
        plain, special, done = f"sw{n}", f"sx{n}", f"sd{n}"
        in_line = self.may_be_context(slot, int(self.code.dsts[slot]))
        if not in_line:    # anything but plain writable memory hands over
            special = self.stop(slot, back)[1:]
        self.if_zero(flags, plain, f"%{special}")   # plain writable memory
        self.store_bits(self.arena_at(p), value, 8 * size)
        if not in_line:
            return
        self.emit(f"br label %{done}")
        # read-only memory hands over (the interpreter faults); the context's fields are
        # stored as the kernel stores them (ctx_store), or hand over when it refuses
        self.label(special)
        ro, call, ok, good = self.t(), f"sc{n}", self.t(), self.t()
        self.emit(f"{ro} = and i64 {flags}, {abi.F_RO}")
        self.if_zero(ro, call, self.stop(slot, back))
        self.emit(f"{ok} = call coldcc i64 @ctx_store(ptr %ctxmap, ptr %arena, i64 {p}, "
                  f"i64 {a}, i64 {size}, i64 {ctxaccess.WRITE[size]}, i64 {value})")
        self.emit(f"{good} = icmp ne i64 {ok}, 0")
        self.emit(f"br i1 {good}, label %{done}, label {self.stop(slot, back)}")
        self.label(done)

    # -- instructions
    def operand(self, row, slot: int) -> str:
        if row.source_is_reg:
            return self.reg(int(self.code.srcs[slot]))
        return str(int(self.code.immu[slot]))

    def insn(self, slot: int, back: int) -> None:
        code, row = self.code, self.code.rows[slot]
        kind = row.kind
        d = int(code.dsts[slot])
        s = int(code.srcs[slot])
        off = int(code.offs[slot])
        if kind == "alu":
            a = self.reg(d)
            b = self.operand(row, slot)
            if row.width == 32:
                a2, b2 = self.t(), self.t()
                self.emit(f"{a2} = and i64 {a}, {M32}")
                self.emit(f"{b2} = and i64 {b}, {M32}")
                r = self.call_sem(row.fn, [a2, b2], False)
                r2 = self.t()
                self.emit(f"{r2} = and i64 {r}, {M32}")
                self.set_reg(d, r2)
            else:
                self.set_reg(d, self.call_sem(row.fn, [a, b], False))
        elif kind == "end":
            self.set_reg(d, self.call_sem(row.fn, [self.reg(d)], False))
        elif kind == "lddw":
            self.set_reg(d, str(int(code.immu[slot])))
        elif kind == "ldx":
            self.set_reg(d, self.load(self.reg(s), off, row.size, row.signed, slot, back))
        elif kind in ("st", "stx"):
            base = self.reg(d)
            value = str(int(code.immu[slot])) if kind == "st" else self.reg(s)
            self.store(base, off, row.size, value, slot, back)
        elif kind == "atomic":
            self.atomic(row, slot, back)
        else:
            raise AssertionError(kind)

    def atomic(self, row, slot: int, back: int) -> None:
        """Read-modify-write of plain writable memory (anything else: the interpreter's
        fault); the new value from the row's semantic function, as the interpreter has it."""
        code = self.code
        d, s = int(code.dsts[slot]), int(code.srcs[slot])
        bits = 8 * row.size
        p, k, _a = self.translate(self.reg(d), int(code.offs[slot]), row.size, slot, back)
        flags = self.load_elem("rflag", k)
        self.if_zero(flags, f"aw{self.tmp}", self.stop(slot, back))
        ptr, raw, old = self.arena_at(p), self.t(), self.t()
        self.emit(f"{raw} = load i{bits}, ptr {ptr}, align 1")
        self.emit(f"{old} = zext i{bits} {raw} to i64" if bits < 64 else f"{old} = add i64 {raw}, 0")
        src = self.reg(s)
        if row.sym == "cmpxchg":
            r0, want, same, new = self.reg(0), self.t(), self.t(), self.t()
            self.emit(f"{want} = and i64 {r0}, {M32 if bits == 32 else -1}")
            self.emit(f"{same} = icmp eq i64 {old}, {want}")
            self.emit(f"{new} = select i1 {same}, i64 {src}, i64 {old}")
            self.store_bits(ptr, new, bits)
            self.set_reg(0, old)
            return
        value = self.call_sem(row.fn, [old, src], False)
        self.store_bits(ptr, value, bits)
        if row.fetch:
            self.set_reg(s, old)

    def store_bits(self, ptr: str, value: str, bits: int) -> None:
        if bits == 64:
            self.emit(f"store i64 {value}, ptr {ptr}, align 1")
        else:
            tr = self.t()
            self.emit(f"{tr} = trunc i64 {value} to i{bits}")
            self.emit(f"store i{bits} {tr}, ptr {ptr}, align 1")

    def terminate(self, slot: int, n: int) -> None:
        """The end of a block whose last instruction is ``slot``."""
        code, row = self.code, self.code.rows[slot]
        nxt = slot + (2 if row.kind == "lddw" else 1)
        if row.kind == "jmp":
            a = self.reg(int(code.dsts[slot]))
            b = self.operand(row, slot)
            if row.width == 32:
                a2, b2 = self.t(), self.t()
                self.emit(f"{a2} = and i64 {a}, {M32}")
                self.emit(f"{b2} = and i64 {b}, {M32}")
                a, b = a2, b2
            r = self.call_sem(row.fn, [a, b], True)
            c = self.t()
            self.emit(f"{c} = icmp ne i8 {r}, 0")
            self.emit(f"br i1 {c}, label {self.goto(_targets(code, slot, row)[0])}, "
                      f"label {self.goto(nxt)}")
        elif row.kind == "ja":
            self.emit(f"br label {self.goto(_targets(code, slot, row)[0])}")
        elif row.kind == "exit":
            depth = self.load_elem("st", str(abi.DEPTH))
            c = self.t()
            self.emit(f"{c} = icmp eq i64 {depth}, 0")
            done, ret = f"X{slot}", f"XR{slot}"
            self.emit(f"br i1 {c}, label %{done}, label %{ret}")
            self.label(done)
            self.store_elem("st", str(abi.PC), str(slot))
            self.emit(f"br label %out_exit")
            self.label(ret)
            self.local_return(slot, depth)
        elif row.name == "call_local":
            self.local_call(slot, _targets(code, slot, row)[0])
        elif _python_call(code, slot):
            self.python_call(slot, int(code.immu[slot]) & M32, row.name == "call_kfunc", nxt)
        elif row.kind == "call" and _hot_id(code, slot) is None:
            self.tail_call(slot, _compiled_call(code, slot), nxt)
        elif row.kind == "call":
            self.hot_call(slot, _hot_id(code, slot), nxt)
        else:
            self.emit(f"br label {self.goto(nxt)}")

    def local_call(self, slot: int, target: int) -> None:
        """A bpf-to-bpf call, as the interpreter makes it: the caller's return slot, r6-r10
        and frame kind saved in ``frames``, one more frame of stack. At the frame limit the
        interpreter takes the call (and reports it)."""
        from ..isa.opcodes import MAX_CALL_FRAMES, STACK_SIZE
        depth = self.load_elem("st", str(abi.DEPTH))
        room = self.t()
        self.emit(f"{room} = icmp slt i64 {depth}, {MAX_CALL_FRAMES - 1}")
        go = f"lc{slot}"
        self.emit(f"br i1 {room}, label %{go}, label {self.stop(slot, 1)}, !prof !0")
        self.label(go)
        fb = self.t()
        self.emit(f"{fb} = mul i64 {depth}, {abi.FRAME_WORDS}")
        saved = [(abi.FR_RET, str(slot + 1))] + [
            (abi.FR_R6 + i, self.reg(6 + i)) for i in range(5)] + [
            (abi.FR_KIND, str(abi.FRAME_CALL))]
        for word, value in saved:
            at = self.t()
            self.emit(f"{at} = add i64 {fb}, {word}")
            self.store_elem("frames", at, value)
        d1, below, end, r10 = self.t(), self.t(), self.t(), self.t()
        self.emit(f"{d1} = add i64 {depth}, 1")
        self.store_elem("st", str(abi.DEPTH), d1)
        self.emit(f"{below} = mul i64 {depth}, {STACK_SIZE}")
        self.emit(f"{end} = add i64 {below}, {2 * STACK_SIZE}")   # the new frame's end
        self.emit(f"{r10} = add i64 {self.load_elem('st', str(abi.STACK_VA))}, {end}")
        self.set_reg(10, r10)
        self.store_elem("rhi", str(abi.REGION_STACK), end)
        self.emit(f"br label {self.goto(target)}")

    def local_return(self, slot: int, depth: str) -> None:
        """``exit`` in a bpf-to-bpf callee (``depth`` > 0), as the interpreter returns: the
        caller's r6-r10 and stack back, then on at the return slot through the dispatch.
        A callback's frame (bpf_loop, for_each_map_elem) is the interpreter's to return."""
        from ..isa.opcodes import STACK_SIZE
        d1, fb, at = self.t(), self.t(), self.t()
        self.emit(f"{d1} = sub i64 {depth}, 1")
        self.emit(f"{fb} = mul i64 {d1}, {abi.FRAME_WORDS}")
        self.emit(f"{at} = add i64 {fb}, {abi.FR_KIND}")
        kind, plain = self.load_elem("frames", at), self.t()
        self.emit(f"{plain} = icmp eq i64 {kind}, {abi.FRAME_CALL}")
        go = f"lr{slot}"
        self.emit(f"br i1 {plain}, label %{go}, label {self.stop(slot, 1)}, !prof !0")
        self.label(go)
        self.store_elem("st", str(abi.DEPTH), d1)
        top = self.t()
        self.emit(f"{top} = mul i64 {depth}, {STACK_SIZE}")
        self.store_elem("rhi", str(abi.REGION_STACK), top)
        for i in range(5):
            w = self.t()
            self.emit(f"{w} = add i64 {fb}, {abi.FR_R6 + i}")
            self.set_reg(6 + i, self.load_elem("frames", w))
        ret = self.load_elem("frames", fb)
        self.store_elem("st", str(abi.PC), ret)
        self.emit("br label %out_return")

    def mask_gate(self, slot: int, hid: int, test: str, prefix: str) -> None:
        """Go on if helper ``hid``'s bit in the machine's mask compares ``test`` (``ne``:
        set, ``eq``: clear) to 0, else hand the call over to the interpreter."""
        mask = self.load_elem("hot", str(hid), "i8")
        ok = self.t()
        self.emit(f"{ok} = icmp {test} i8 {mask}, 0")
        go = f"{prefix}{slot}"
        self.emit(f"br i1 {ok}, label %{go}, label {self.stop(slot, 1)}, !prof !0")
        self.label(go)

    def spill(self) -> None:
        """The registers into the ``regs`` array (for code that reads or returns them)."""
        for i in range(11):
            self.store_elem("regs", str(i), self.reg(i))

    def python_call(self, slot: int, hid: int, kfunc: bool, nxt: int) -> None:
        """A call of a helper (or kfunc) implemented in Python, as the interpreter's call
        handler makes it: the id in ``st[AUX]`` (kfunc or not in ``st[AUX2]``), ``st[PC]``
        after the call, and the HELPER status, which the caller takes to Python; it then
        comes back after the call. A helper whose mask bit is set (which the machine
        never sets for one outside the compiled sets) is the interpreter's to call."""
        if not kfunc and hid < abi.HOT_MASK_SIZE:
            self.mask_gate(slot, hid, "eq", "pc")
        self.spill()
        self.to_python(hid, kfunc, nxt)

    def to_python(self, hid: int, kfunc: bool, nxt: int) -> None:
        """Stop with the HELPER status for a call of ``hid`` (registers spilled)."""
        self.store_elem("st", str(abi.AUX), str(hid))
        self.store_elem("st", str(abi.AUX2), "1" if kfunc else "0")
        self.store_elem("st", str(abi.PC), str(nxt))
        self.store_elem("st", str(abi.STATUS), str(abi.HELPER))
        c = self.t()
        self.emit(f"{c} = load i64, ptr %count")
        self.store_elem("st", str(abi.COUNT), c)
        self.emit(f"ret i64 {abi.HELPER}")

    def tail_call(self, slot: int, hid: int, nxt: int) -> None:
        """``bpf_tail_call`` as the interpreter's call handler makes it (when the machine's
        mask enables it): the target program's entry from the prog array, taken while
        under the limit of tail calls (then on through the dispatch, which checks the
        budget), else r0 = -ENOENT and on at the next instruction."""
        from ..isa.opcodes import MAX_TAIL_CALLS
        self.mask_gate(slot, hid, "ne", "tc")
        self.spill()
        args = ", ".join(f"ptr %{a}" for a in HOT_ARRAYS) + ", " + ", ".join(
            f"i64 %n_{a}" for a in HOT_ARRAYS)
        target, found, room, take = (self.t() for _ in range(4))
        self.emit(f"{target} = call i64 @{HOT_SYMBOL}{hid}({args})")
        tails = self.load_elem("st", str(abi.TAILS))
        self.emit(f"{found} = icmp sge i64 {target}, 0")
        self.emit(f"{room} = icmp ult i64 {tails}, {MAX_TAIL_CALLS}")
        self.emit(f"{take} = and i1 {found}, {room}")
        jump, miss = f"tj{slot}", f"tm{slot}"
        self.emit(f"br i1 {take}, label %{jump}, label %{miss}")
        self.label(jump)
        more = self.t()
        self.emit(f"{more} = add i64 {tails}, 1")
        self.store_elem("st", str(abi.TAILS), more)
        self.store_elem("st", str(abi.PC), target)
        self.emit("br label %out_return")
        self.label(miss)
        self.set_reg(0, str((1 << 64) - 2))   # -ENOENT
        self.emit(f"br label {self.goto(nxt)}")

    def hot_call(self, slot: int, hid: int, nxt: int) -> None:
        """A hot helper called in place, as the interpreter's call handler does: when the
        machine's mask enables it (else the interpreter takes the call: a Python helper),
        on the register array, stopping with its status if it returns one."""
        self.mask_gate(slot, hid, "ne", "hc")
        self.spill()
        args = ", ".join(f"ptr %{a}" for a in HOT_ARRAYS) + ", " + ", ".join(
            f"i64 %n_{a}" for a in HOT_ARRAYS)
        hs = self.t()
        self.emit(f"{hs} = call i64 @{HOT_SYMBOL}{hid}({args})")
        for i in range(11):
            self.emit(f"store i64 {self.load_elem('regs', str(i))}, ptr %r{i}")
        ok = self.t()
        self.emit(f"{ok} = icmp eq i64 {hs}, 0")
        stop, py, fault = f"hs{slot}", f"hp{slot}", f"hf{slot}"
        self.emit(f"br i1 {ok}, label {self.goto(nxt)}, label %{stop}, !prof !0")
        self.label(stop)
        left = self.t()
        self.emit(f"{left} = icmp eq i64 {hs}, {abi.PYTHON_HELPER}")
        self.emit(f"br i1 {left}, label %{py}, label %{fault}")
        self.label(py)     # a case the compiled helper leaves to its Python version
        self.to_python(hid, False, nxt)
        self.label(fault)  # the helper's status (a fault): pc stays at the call
        self.store_elem("st", str(abi.PC), str(slot))
        self.store_elem("st", str(abi.STATUS), hs)
        c = self.t()
        self.emit(f"{c} = load i64, ptr %count")
        self.store_elem("st", str(abi.COUNT), c)
        self.emit(f"ret i64 {hs}")

    def block(self, start: int) -> None:
        code = self.code
        slots = self.blocks[start]
        n = len(slots)
        self.label(f"B{start}")
        c, c2 = self.t(), self.t()
        self.emit(f"{c} = load i64, ptr %count")
        self.emit(f"{c2} = add i64 {c}, {n}")
        if start in self.checkpoints:
            self.budget_check(c, start, f"E{start}")
            self.label(f"E{start}")
        self.emit(f"store i64 {c2}, ptr %count")
        self.plan_groups(slots)
        for j, s in enumerate(slots):
            if _ends_block(code, s):
                break
            self.insn(s, n - j)
        last = slots[-1]
        if _ends_block(code, last):
            self.terminate(last, n)
        else:
            nxt = last + (2 if code.rows[last].kind == "lddw" else 1)
            self.emit(f"br label {self.goto(nxt)}")

    def budget_check(self, count: str, start: int, then: str) -> None:
        """Go on to ``then`` if the block's reserve fits the budget, else hand over."""
        need, ok = self.t(), self.t()
        self.emit(f"{need} = add i64 {count}, {self.reserve[start]}")
        self.emit(f"{ok} = icmp ule i64 {need}, %budget")
        self.emit(f"br i1 {ok}, label %{then}, label {self.goto_handover(start)}, !prof !0")

    def goto_handover(self, slot: int) -> str:
        """The label that hands over at ``slot`` (one per slot, emitted at the end)."""
        if slot not in self.handover_labels:
            self.handover_labels[slot] = f"H{slot}"
        return f"%H{slot}"

    def function(self, name: str) -> str:
        self.pending = []
        params = (", ".join(f"ptr {'' if a in _TABLE_ROW else 'noalias '}%{a}" for a in ARRAYS)
                  + ", " + ", ".join(f"i64 %n_{a}" for a in ARRAYS))
        head = [f"define i64 @{name}({params}) {{", "entry:"]
        self.lines = []
        for i in range(11):
            self.emit(f"%r{i} = alloca i64")
        self.emit("%count = alloca i64")
        self.emit("%ret_q = alloca i64")
        self.emit("%ret_b = alloca i8")
        self.emit("%ctx_ok = alloca i8")
        self.emit(f"%nreg = add i64 {abi.REGION_CAPACITY}, 0")
        budget = self.load_elem("st", str(abi.BUDGET))
        self.emit(f"%budget = add i64 {budget}, 0")
        # the region tables must be the rows of one array after rbase (pybpf.vm.memory), as
        # the code reads them; other arrays are left to the interpreter, every instruction
        self.emit("%tables = ptrtoint ptr %rbase to i64")
        self.emit(f"%tables_ok0 = icmp eq i64 %n_rbase, {abi.REGION_CAPACITY}")
        for n, (row, index) in enumerate(sorted(_TABLE_ROW.items(), key=lambda kv: kv[1])):
            at, want, same, size, both = self.t(), self.t(), self.t(), self.t(), self.t()
            self.emit(f"{at} = ptrtoint ptr %{row} to i64")
            self.emit(f"{want} = add i64 %tables, {8 * index * abi.REGION_CAPACITY}")
            self.emit(f"{same} = icmp eq i64 {at}, {want}")
            self.emit(f"{size} = icmp eq i64 %n_{row}, {abi.REGION_CAPACITY}")
            self.emit(f"{both} = and i1 {same}, {size}")
            self.emit(f"%tables_ok{n + 1} = and i1 %tables_ok{n}, {both}")
        self.emit(f"%tables_ok = and i1 %tables_ok{len(_TABLE_ROW)}, 1")
        self.emit("br label %dispatch")
        # (re)entry: registers, count and pc from the arrays
        self.label("dispatch")
        self.emit("br i1 %tables_ok, label %dispatch_in, label %step, !prof !0")
        self.label("dispatch_in")
        for i in range(11):
            self.emit(f"store i64 {self.load_elem('regs', str(i))}, ptr %r{i}")
        cnt = self.load_elem("st", str(abi.COUNT))
        self.emit(f"store i64 {cnt}, ptr %count")
        pc = self.load_elem("st", str(abi.PC))
        entry = {s: f"B{s}" if s in self.checkpoints else f"D{s}" for s in self.entries}
        cases = " ".join(f"i64 {s}, label %{entry[s]}" for s in self.entries)
        self.emit(f"switch i64 {pc}, label %step [ {cases} ]")
        for start in self.entries:   # entering a block that does not check the budget itself
            if start not in self.checkpoints:
                self.label(f"D{start}")
                self.budget_check(cnt, start, f"B{start}")
        for start in self.starts:
            self.block(start)
        # hand over at a slot (count as it stands)
        for slot, label in sorted(self.handover_labels.items()):
            self.label(label)
            self.store_elem("st", str(abi.PC), str(slot))
            self.emit("br label %out_handover")
        # hand over at a faulting / non-native instruction inside a block
        done = 0
        while done < len(self.pending):
            label, slot, back = self.pending[done]
            done += 1
            self.label(label)
            c, c2 = self.t(), self.t()
            self.emit(f"{c} = load i64, ptr %count")
            self.emit(f"{c2} = sub i64 {c}, {back}")
            self.emit(f"store i64 {c2}, ptr %count")
            self.store_elem("st", str(abi.PC), str(slot))
            self.emit("br label %out_handover")
        for status, label in ((HANDOVER, "out_handover"), (abi.EXIT, "out_exit"),
                              (abi.RUNNING, "out_return")):
            self.label(label)
            for i in range(11):
                self.store_elem("regs", str(i), self.reg(i))
            c = self.t()
            self.emit(f"{c} = load i64, ptr %count")
            self.store_elem("st", str(abi.COUNT), c)
            if status == abi.EXIT:
                self.store_elem("st", str(abi.STATUS), str(status))
                self.emit(f"ret i64 {status}")
            elif status == abi.RUNNING:   # a callee returned: on at st[PC] (entry or step)
                self.emit("br label %dispatch")
            else:
                self.emit("br label %step")
        # one instruction in the interpreter (st holds pc and count), then on, or stop
        self.label("step")
        args = (", ".join(f"ptr %{a}" for a in ARRAYS) + ", "
                + ", ".join(f"i64 %n_{a}" for a in ARRAYS))
        fn = self.load_elem("st", str(STEP_FN))
        self.emit(f"%have_step = icmp ne i64 {fn}, 0")
        self.emit("br i1 %have_step, label %step_call, label %need_step")
        self.label("need_step")
        self.store_elem("st", str(abi.STATUS), str(NEED_STEP))
        self.emit(f"ret i64 {NEED_STEP}")
        self.label("step_call")
        self.emit(f"%step_fn = inttoptr i64 {fn} to ptr")
        self.emit(f"%status = call i64 %step_fn({args})")
        self.emit(f"%again = icmp eq i64 %status, {abi.RUNNING}")
        self.emit("br i1 %again, label %dispatch, label %stop")
        self.label("stop")
        self.emit("ret i64 %status")
        return "\n".join(head + self.lines + ["}"])


def _ctx_gate(bit: str) -> str:
    """The start of ``ctx_load``/``ctx_store`` in IR: the access's code, and with rules on,
    whether ``bit`` (the size's read or write bit) allows it (then ``rules_ok``)."""
    return f"""\
entry:
  %cp = getelementptr inbounds i16, ptr %ctxmap, i64 %a
  %c16 = load i16, ptr %cp
  %code = zext i16 %c16 to i64
  %rules = and i64 %code, {ctxaccess.RULES}
  %has_rules = icmp ne i64 %rules, 0
  br i1 %has_rules, label %rules_on, label %legacy
rules_on:
  %rb = and i64 %code, %{bit}
  %may = icmp ne i64 %rb, 0
  br i1 %may, label %rules_ok, label %refuse
"""


def _ctx_plain(then: str) -> str:
    """Without rules: every byte of the access must be plain (code 0); byte 0 was tested
    (the ``legacy`` block), the others are here; then ``then``."""
    return f"""\
zeros:                       ; every byte of the access must be plain (code 0)
  %i = phi i64 [ 1, %legacy ], [ %i1, %zeros_next ]
  %more = icmp ult i64 %i, %size
  br i1 %more, label %zeros_body, label %{then}
zeros_body:
  %ai = add i64 %a, %i
  %zp = getelementptr inbounds i16, ptr %ctxmap, i64 %ai
  %z = load i16, ptr %zp
  %z0 = icmp eq i16 %z, 0
  br i1 %z0, label %zeros_next, label %refuse
zeros_next:
  %i1 = add i64 %i, 1
  br label %zeros
"""


#: :func:`pybpf.vm.ctxaccess.ctx_load` in IR, once per module (loads from the context are
#: few per run; keeping them out of line keeps every other load small). ``readbit`` is
#: ``ctxaccess.READ[size]``; the value is zero-extended; ``ok`` says whether it is allowed.
_CTX_LOAD = f"""\
define internal coldcc i64 @ctx_load(ptr %ctxmap, ptr %st, ptr %arena, i64 %p, i64 %a,
                                     i64 %size, i64 %readbit, ptr %ok) noinline cold {{
{_ctx_gate("readbit")}\
rules_ok:
  %ptr_id = and i64 %code, {ctxaccess.PTR_MASK}
  %is_ptr = icmp ne i64 %ptr_id, 0
  br i1 %is_ptr, label %pointer, label %memory
legacy:
  %zero = icmp eq i64 %code, 0
  br i1 %zero, label %zeros, label %legacy_ptr
legacy_ptr:
  %four = icmp eq i64 %size, 4
  %al = and i64 %a, 3
  %aligned = icmp eq i64 %al, 0
  %lp_ok = and i1 %four, %aligned
  br i1 %lp_ok, label %pointer, label %refuse
{_ctx_plain("memory")}\
pointer:                     ; st[PKT_DATA + id - 1]
  %pid = and i64 %code, {ctxaccess.PTR_MASK}
  %slot = add i64 %pid, {abi.PKT_DATA - 1}
  %sp = getelementptr inbounds i64, ptr %st, i64 %slot
  %pv = load i64, ptr %sp
  store i8 1, ptr %ok
  ret i64 %pv
memory:                      ; little-endian bytes
  %j = phi i64 [ 0, %rules_ok ], [ 0, %zeros ], [ %j1, %memory_body ]
  %acc = phi i64 [ 0, %rules_ok ], [ 0, %zeros ], [ %acc1, %memory_body ]
  %jmore = icmp ult i64 %j, %size
  br i1 %jmore, label %memory_body, label %memory_done
memory_body:
  %pj = add i64 %p, %j
  %bp = getelementptr inbounds i8, ptr %arena, i64 %pj
  %b = load i8, ptr %bp
  %bz = zext i8 %b to i64
  %sh = shl i64 %j, 3
  %bs = shl i64 %bz, %sh
  %acc1 = or i64 %acc, %bs
  %j1 = add i64 %j, 1
  br label %memory
memory_done:
  store i8 1, ptr %ok
  ret i64 %acc
refuse:
  store i8 0, ptr %ok
  ret i64 0
}}
"""

#: :func:`pybpf.vm.ctxaccess.ctx_store` in IR: 1 when stored, 0 when the field refuses the
#: store (nothing written). ``writebit`` is ``ctxaccess.WRITE[size]``.
_CTX_STORE = f"""\
define internal coldcc i64 @ctx_store(ptr %ctxmap, ptr %arena, i64 %p, i64 %a, i64 %size,
                                      i64 %writebit, i64 %value) noinline cold {{
{_ctx_gate("writebit")}\
rules_ok:
  %nw = and i64 %code, {ctxaccess.STORE_U16 | ctxaccess.STORE_QMAP}
  %is_narrow = icmp ne i64 %nw, 0
  br i1 %is_narrow, label %narrow, label %bytes
narrow:                      ; the field is 16 bits wide (queue_mapping: skipped when too big)
  %qm = and i64 %code, {ctxaccess.STORE_QMAP}
  %is_qm = icmp ne i64 %qm, 0
  %big = icmp uge i64 %value, {ctxaccess.NO_QUEUE_MAPPING}
  %skip = and i1 %is_qm, %big
  br i1 %skip, label %stored, label %narrow_store
narrow_store:
  %lo = trunc i64 %value to i8
  %p0 = getelementptr inbounds i8, ptr %arena, i64 %p
  store i8 %lo, ptr %p0
  %v8 = lshr i64 %value, 8
  %hi = trunc i64 %v8 to i8
  %p1i = add i64 %p, 1
  %p1 = getelementptr inbounds i8, ptr %arena, i64 %p1i
  store i8 %hi, ptr %p1
  br label %clear
clear:                       ; bytes 2.. of the access are zero
  %c = phi i64 [ 2, %narrow_store ], [ %c1, %clear_body ]
  %cmore = icmp ult i64 %c, %size
  br i1 %cmore, label %clear_body, label %stored
clear_body:
  %pc = add i64 %p, %c
  %cp0 = getelementptr inbounds i8, ptr %arena, i64 %pc
  store i8 0, ptr %cp0
  %c1 = add i64 %c, 1
  br label %clear
legacy:                      ; only plain bytes (code 0) may be stored
  %zero = icmp eq i64 %code, 0
  br i1 %zero, label %zeros, label %refuse
{_ctx_plain("bytes")}\
bytes:                       ; little-endian bytes
  %j = phi i64 [ 0, %rules_ok ], [ 0, %zeros ], [ %j1, %bytes_body ]
  %bmore = icmp ult i64 %j, %size
  br i1 %bmore, label %bytes_body, label %stored
bytes_body:
  %sh = shl i64 %j, 3
  %vj = lshr i64 %value, %sh
  %bj = trunc i64 %vj to i8
  %pj = add i64 %p, %j
  %bp = getelementptr inbounds i8, ptr %arena, i64 %pj
  store i8 %bj, ptr %bp
  %j1 = add i64 %j, 1
  br label %bytes
stored:
  ret i64 1
refuse:
  ret i64 0
}}
"""


def program_ir(code, name: str = "run") -> str:
    """The IR text of ``code``'s function (without the semantics library)."""
    _text, symbols = semantics_library()
    emitter = _Emitter(code, symbols)
    body = emitter.function(name)
    decls = "\n".join(sorted({f"declare i32 @{sym}(ptr, ptr, {', '.join(['i64'] * n)})"
                              for fn, sym in symbols.items()
                              for n in [_semantic_signatures()[fn][0]]}))
    hot = sorted({_compiled_call(code, s) for s in range(code.nslots)} - {None})
    hot_decls = "".join(f"\ndeclare i64 @{HOT_SYMBOL}{hid}({', '.join(['ptr'] * len(HOT_ARRAYS))}, "
                        f"{', '.join(['i64'] * len(HOT_ARRAYS))})" for hid in hot)
    return (decls + "\n" + hot_decls + "\n\n" + _CTX_LOAD + "\n" + _CTX_STORE + "\n" + body + "\n"
            + '!0 = !{!"branch_weights", i32 2000, i32 1}\n'
            + '!1 = !{!"branch_weights", i32 1, i32 2000}\n')


# --- compiling and caching -------------------------------------------------------------------------------

#: The IR passes: inline the semantic functions, registers to SSA, simplify; then share
#: values between blocks (GVN: a region's window, loaded once per base register value),
#: merge the repeated context tests (jump threading) and drop dead stores, knowing from
#: the function attributes that ctx_load/ctx_store touch only their arguments. Measured
#: on datapath.o (637 slots): 1.5 s against 1.9 s for LLVM's -O2 pipeline; the
#: machine-code generator runs at -O3 (at -O0 the code was 6-10x slower). GVN, jump
#: threading and the attributes took checksum.o from 3.2 to 1.85 us a packet.
PASSES = ("post_order_function_attributes", "always_inliner", "sroa", "instruction_combine",
          "simplify_cfg", "new_gvn", "jump_threading", "simplify_cfg", "dead_store_elimination",
          "global_dead_code_eliminate")

_ENGINES: dict[str, tuple[object, int]] = {}   # IR hash -> (execution engine, function address)
#: Programs compiled by LLVM and object files loaded from the cache, in this process.
STATS = {"compiled": 0, "loaded": 0}
_TM = None


def _target_machine():
    global _TM
    if _TM is None:
        import llvmlite.binding as llvm
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        target = llvm.Target.from_default_triple()
        _TM = target.create_target_machine(opt=3, codemodel="jitdefault")
    return _TM


def object_code(text: str) -> bytes:
    """Compile ``text`` (a program's IR, :func:`program_ir`) with the semantics library to
    an ELF object (no caching: :func:`compile_ir` caches). The hot helpers it calls stay
    external (:func:`compile_ir` loads :func:`hot_object` beside it)."""
    import llvmlite.binding as llvm
    tm = _target_machine()
    lib_text, _symbols = semantics_library()
    module = llvm.parse_assembly(text)
    module.link_in(llvm.parse_assembly(lib_text))
    for fn in module.functions:
        if fn.name != "run" and not fn.is_declaration:
            fn.linkage = "internal"
    module.triple = tm.triple
    module.data_layout = str(tm.target_data)
    module.verify()
    for fn in module.functions:
        if fn.name not in ("run", "ctx_load", "ctx_store") and not fn.is_declaration:
            fn.add_function_attribute("alwaysinline")   # the semantic functions
    passes = llvm.create_new_module_pass_manager()
    for name in PASSES:
        getattr(passes, f"add_{name}_pass")()
    passes.run(module, llvm.create_pass_builder(tm, llvm.create_pipeline_tuning_options()))
    undefined = [fn.name for fn in module.functions
                 if fn.is_declaration and not fn.name.startswith("llvm.")
                 and not fn.name.startswith(HOT_SYMBOL)]
    if undefined:
        raise RuntimeError(f"pybpf: compiled code calls undefined functions {undefined[:3]}")
    return tm.emit_object(module)


def _hot_ids_of(text: str) -> list[int]:
    return [int(x) for x in re.findall(rf"^declare i64 @{HOT_SYMBOL}(\d+)\(", text, re.M)]


def compile_ir(text, key: str, hot_ids: list) -> int:
    """Machine code for the IR ``text()`` (:func:`program_ir`; called only when the object
    code is not cached), which calls the hot helpers ``hot_ids``; returns the address of
    its ``run``. Object code is cached under ``<cache>/native/<key>.o``."""
    hit = _ENGINES.get(key)
    if hit is not None:
        return hit[1]
    path = cache_dir() / "native" / f"{key}.o"
    obj = None
    if path.exists():
        try:
            obj = path.read_bytes()
        except OSError:
            obj = None
    if obj is not None:
        STATS["loaded"] += 1
    else:
        STATS["compiled"] += 1
        obj = object_code(text())
        _write(path, obj)
    helpers, external = [], []
    for hid in hot_ids:
        try:
            helpers.append(hot_object(hid))
        except RuntimeError:   # its code needs Numba's runtime: the Numba cfunc, resolved
            external.append(hid)
    _link(external)
    _ENGINES[key] = load_object(obj, "run", helpers)
    return _ENGINES[key][1]


def _write(path: Path, data: bytes) -> None:
    """Write a cache file atomically (another process may be reading or writing it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def load_object(obj: bytes, symbol: str, beside: list = ()) -> tuple[object, int]:
    """Load object code (from :func:`object_code` or :func:`entry_object`) into this
    process, with the objects ``beside`` it (whose symbols it calls): (its execution
    engine, to keep alive; the address of ``symbol``)."""
    import llvmlite.binding as llvm
    engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), _target_machine())
    for other in beside:
        engine.add_object_file(llvm.ObjectFileRef.from_data(other))
    engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
    engine.finalize_object()
    return engine, engine.get_function_address(symbol)


def entry_object(text: str, wrapper: str, symbol: str) -> bytes:
    """Object code of the LLVM IR ``text`` (a module Numba compiled) for one entry point
    (:func:`entry_module`)."""
    return _target_machine().emit_object(entry_module(text, wrapper, symbol))


def entry_module(text: str, wrapper: str, symbol: str):
    """The LLVM IR ``text`` (a module Numba compiled) made one entry point, optimised:
    the function ``wrapper`` renamed ``symbol``, everything else internal and inlined
    into it. Raises RuntimeError if the code needs a symbol outside the process's C
    library (Numba's runtime, the error path of a function that can raise: the loaded
    object could not resolve it)."""
    import llvmlite.binding as llvm
    tm = _target_machine()
    module = llvm.parse_assembly(text.replace("noinline", "nounwind"))   # (NRT's refcounts)
    for fn in module.functions:
        if fn.name == wrapper:
            fn.name = symbol
        elif not fn.is_declaration:
            fn.linkage = "internal"
            fn.add_function_attribute("alwaysinline")   # then no error path is left
    for var in module.global_variables:
        if not var.is_declaration:
            var.linkage = "internal"
    module.triple = tm.triple
    module.data_layout = str(tm.target_data)
    module.verify()
    passes = llvm.create_new_module_pass_manager()
    for name in PASSES:
        getattr(passes, f"add_{name}_pass")()
    passes.run(module, llvm.create_pass_builder(tm, llvm.create_pipeline_tuning_options()))
    outside = [v.name for v in (*module.functions, *module.global_variables)
               if v.is_declaration and not v.name.startswith("llvm.")
               and v.name not in ("memset", "memcpy", "memmove")]
    if symbol not in [fn.name for fn in module.functions] or outside:
        raise RuntimeError(f"pybpf: {symbol} needs symbols outside the C library: {outside[:3]}")
    return module


def _key(ir_digest: str, hot_ids: list) -> str:
    """The object file's name: a hash of the program's IR (its digest), of the library,
    and of the hot helpers it calls (their code's keys)."""
    lib_text, _ = semantics_library()
    hot = " ".join(_hot_source_key(hid)[1] for hid in hot_ids)
    return hashlib.sha256((ir_digest + "\0" + lib_text + f"\0{GENERATOR_VERSION}\0{hot}"
                           ).encode()).hexdigest()[:24]


def _hot_source_key(hid: int) -> tuple[str, str]:
    """(the source of hot helper ``hid``'s C-callable wrapper, a key of what its code depends
    on: that source, the helper's module and what it imports, Numba's and llvmlite's
    versions)."""
    from .._jitcache import _module_file
    from ..maps.layout import M_FIELDS
    module, function = _hot_spec(hid).split(":")
    # compiled afresh for its IR (Numba's cache keeps machine code)
    source = _HOT.format(module=module, function=function, hid=hid, M_FIELDS=M_FIELDS,
                         cache=False)
    key = hashlib.sha256("\0".join((source, fingerprint(_module_file(module)),
                                     toolchain_versions(), str(GENERATOR_VERSION))).encode())
    return source, key.hexdigest()[:16]


_HOT_OBJECTS: dict = {}


def hot_object(hid: int) -> bytes:
    """Object code of hot helper ``hid`` as one self-contained function
    ``pybpf_native_hot_<hid>`` (what it calls inlined into it), loaded beside the object
    code of every program that calls it: no Numba is needed to load it. Numba compiles it
    once; it is kept under ``<cache>/native/hot-<hid>-<key>.o``. RuntimeError where the
    helper's code cannot be made self-contained (then programs call its Numba cfunc)."""
    source, key = _hot_source_key(hid)
    hit = _HOT_OBJECTS.get(key)
    if hit is not None:
        return hit
    def build() -> bytes:
        from .._jitcache import load_numba
        load_numba()
        call = _import(f"pybpf_hotir{hid}_", source).call
        return entry_object(call.inspect_llvm(), call.native_name, f"{HOT_SYMBOL}{hid}")

    obj = _HOT_OBJECTS[key] = cached_entry(cache_dir() / "native" / f"hot-{hid}-{key}.o",
                                           build, f"hot helper {hid}")
    return obj


def cached_entry(path: Path, build, what: str) -> bytes:
    """The object code at ``path``, or ``build()``'s (written there). A build refused
    (RuntimeError: the code needs Numba's runtime, :func:`entry_module`) is remembered
    beside it (``.refused``), so that no later process tries again: RuntimeError then."""
    refused = path.with_suffix(".refused")
    try:
        return path.read_bytes()
    except OSError:
        pass
    if refused.exists():
        raise RuntimeError(f"pybpf: {what} needs Numba's runtime")
    try:
        obj = build()
    except RuntimeError:
        _write(refused, b"")
        raise
    _write(path, obj)
    return obj


_LAST_IR: list = [None, ""]   # (code, its IR): auto asks is_cached, then loads the same code


def _ir_of(code) -> str:
    if _LAST_IR[0] is not code:
        _LAST_IR[:] = [code, program_ir(code)]
    return _LAST_IR[1]


_DIGESTS: dict = {}   # code digest -> (IR digest, hot helper ids)


def code_digest(code) -> str:
    """A hash of what ``code``'s IR is made from: its instructions and where its programs
    start, and the generator (its sources and all they import, its version, the toolchain)."""
    h = hashlib.sha256()
    for a in (code.h, code.dsts, code.srcs, code.offs, code.offu, code.immu):
        h.update(np.ascontiguousarray(a).tobytes() + b"\0")
    h.update(repr([start for start, _size, _name in code.segments]).encode())
    h.update(f"\0{fingerprint(Path(__file__))}\0{GENERATOR_VERSION}\0{toolchain_versions()}"
             .encode())
    return h.hexdigest()[:32]


def _ir_facts(code) -> tuple[str, list]:
    """(the digest of ``code``'s IR, the hot helpers it calls), without making the IR when
    an earlier process recorded them (``<cache>/native/ir-<code digest>``): the IR is a
    function of the instructions and of the generator's sources (this file and all it
    imports), which the code digest covers. Making the IR of a large object took most of
    a warm ``load()`` (tc_skb.o, 16 programs: about 90 of 137 ms)."""
    digest = code_digest(code)
    facts = _DIGESTS.get(digest)
    if facts is not None:
        return facts
    path = cache_dir() / "native" / f"ir-{digest}"
    try:
        ir, *hot = path.read_text().split()
        int(ir, 16)
        if len(ir) != 64:
            raise ValueError(ir)
        facts = (ir, [int(x) for x in hot])
    except (OSError, ValueError):   # none yet, or damaged: made again
        text = _ir_of(code)
        facts = (hashlib.sha256(text.encode()).hexdigest(), _hot_ids_of(text))
        _write(path, " ".join([facts[0], *map(str, facts[1])]).encode())
    _DIGESTS[digest] = facts
    return facts


def cache_key(code) -> str:
    """The name of ``code``'s object file in the cache (a hash of its IR, of the library and
    of the hot helpers it calls)."""
    return _key(*_ir_facts(code))


def load_program(code) -> int:
    """The address of ``code``'s compiled function (compiled, or loaded from the cache)."""
    ir, hot = _ir_facts(code)
    return compile_ir(lambda: _ir_of(code), _key(ir, hot), hot)


# --- the step: one instruction in the interpreter, called by the compiled code ------------------------

_STEP = '''\
# Generated by pybpf.vm.native. Do not edit.
import numpy as np
from numba import carray, cfunc, types
from {interp} import run as interp_run

U1 = np.uint64(1)
SIG = types.int64(*([types.voidptr] * 17), *([types.int64] * 17))


@cfunc(SIG, cache=True, nopython=True)
def step(h, dsts, srcs, offs, offu, immu, regs, st, frames, arena, rbase, rlo, rhi, rflag, ctxmap,
         hot, maps, n_h, n_dsts, n_srcs, n_offs, n_offu, n_immu, n_regs, n_st, n_frames, n_arena,
         n_rbase, n_rlo, n_rhi, n_rflag, n_ctxmap, n_hot, n_maps):
    """Run the instruction at st[PC] in the interpreter; {RUNNING} if the program goes on,
    else the interpreter's status (exit, helper, fault, budget)."""
    a_st = carray(st, n_st, np.uint64)
    budget = a_st[{BUDGET}]
    if a_st[{COUNT}] < budget:
        a_st[{BUDGET}] = a_st[{COUNT}] + U1
    status = interp_run(carray(h, n_h, np.int64), carray(dsts, n_dsts, np.uint64),
                        carray(srcs, n_srcs, np.uint64), carray(offs, n_offs, np.int64),
                        carray(offu, n_offu, np.uint64), carray(immu, n_immu, np.uint64),
                        carray(regs, n_regs, np.uint64), a_st,
                        carray(frames, n_frames, np.uint64), carray(arena, n_arena, np.uint8),
                        carray(rbase, n_rbase, np.uint64), carray(rlo, n_rlo, np.uint64),
                        carray(rhi, n_rhi, np.uint64), carray(rflag, n_rflag, np.uint64),
                        carray(ctxmap, n_ctxmap, np.uint16), carray(hot, n_hot, np.uint8),
                        carray(maps, (n_maps, {M_FIELDS}), np.int64))
    a_st[{BUDGET}] = budget
    if status == {BUDGET_EXCEEDED} and a_st[{COUNT}] < budget:
        return {RUNNING}
    return status
'''

_HOT = '''\
# Generated by pybpf.vm.native. Do not edit.
import numpy as np
from numba import carray, cfunc, types
from {module} import {function} as helper

SIG = types.int64(*([types.voidptr] * 8), *([types.int64] * 8))


@cfunc(SIG, cache={cache}, nopython=True)
def call(regs, st, arena, rbase, rlo, rhi, rflag, maps, n_regs, n_st, n_arena, n_rbase, n_rlo,
         n_rhi, n_rflag, n_maps):
    """Hot helper {hid} ({function}) on the arrays behind these pointers; its status."""
    return np.int64(helper(carray(regs, n_regs, np.uint64), carray(st, n_st, np.uint64),
                           carray(arena, n_arena, np.uint8), carray(rbase, n_rbase, np.uint64),
                           carray(rlo, n_rlo, np.uint64), carray(rhi, n_rhi, np.uint64),
                           carray(rflag, n_rflag, np.uint64),
                           carray(maps, (n_maps, {M_FIELDS}), np.int64)))
'''

_LINKED: set = set()


def _import(prefix: str, source: str):
    from .codegen import import_generated
    return import_generated(prefix + hashlib.sha256(source.encode()).hexdigest()[:16], source)


_STEP_ADDRESS = [0]


def link_step(st: np.ndarray) -> None:
    """Load the interpreter step (once per process) and give its address to a machine."""
    if not _STEP_ADDRESS[0]:
        from ..maps.layout import M_FIELDS
        from .codegen import interpreter_module
        interp = interpreter_module().__name__
        source = _STEP.format(interp=interp, RUNNING=abi.RUNNING, BUDGET=abi.BUDGET,
                              COUNT=abi.COUNT, BUDGET_EXCEEDED=abi.BUDGET_EXCEEDED,
                              M_FIELDS=M_FIELDS)
        _STEP_ADDRESS[0] = _import("pybpf_step_", source).step.address
    st[STEP_FN] = np.uint64(_STEP_ADDRESS[0])


def _link(hot_ids) -> None:
    """Make the hot helpers ``hot_ids`` resolvable for compiled code; each is compiled
    (or loaded from Numba's cache) once per process, when first needed."""
    import llvmlite.binding as llvm

    from ..maps.layout import M_FIELDS
    for hid in hot_ids:
        name = f"{HOT_SYMBOL}{hid}"
        if name not in _LINKED:
            module, function = _hot_spec(hid).split(":")
            source = _HOT.format(module=module, function=function, hid=hid, M_FIELDS=M_FIELDS,
                                 cache=True)
            llvm.add_symbol(name, _import(f"pybpf_hot{hid}_", source).call.address)
            _LINKED.add(name)


#: ``tier="auto"`` compiles programs of at most this many instruction slots (about 3 s cold
#: on a 2-CPU VM: compile time is about 2.5 ms a slot, see benchmarks/README.md) and those
#: whose machine code is in the cache; it interprets the others.
AUTO_LIMIT = 1200


def is_cached(code) -> bool:
    """Whether ``code``'s machine code is in this process or in the on-disk cache."""
    key = cache_key(code)
    return key in _ENGINES or (cache_dir() / "native" / f"{key}.o").exists()


class DirectRun:
    """The run function of a compiled machine called through ctypes, without Numba: the
    machine code at ``st[NATIVE_FN]`` on the interpreter's 17 arrays (their data pointers,
    then their lengths), as :func:`pybpf.vm.nativecall.execute` calls it from Numba code.
    A machine uses it while Numba is not loaded (:attr:`pybpf.vm.machine.Machine._run`)."""

    #: Calls after which a process loads Numba after all: a run called through ctypes
    #: costs about 5 us more than through Numba (parse.o: 28 against 22.5 us a
    #: ``Machine.run``), which loading Numba (1.5 s) repays over about this many runs.
    CALLS_BEFORE_NUMBA = 250_000

    def __init__(self):
        import ctypes
        self.calls = 0
        self._type = ctypes.CFUNCTYPE(ctypes.c_int64, *([ctypes.c_void_p] * len(ARRAYS)),
                                      *([ctypes.c_int64] * len(ARRAYS)))
        self._fns: dict = {}
        self._seen: list = [None] * len(ARRAYS)
        self._args: list = [0] * (2 * len(ARRAYS))

    def __call__(self, *arrays) -> int:
        self.calls += 1
        if self.calls == self.CALLS_BEFORE_NUMBA:   # a long run of runs: Numba's calls
            from .._jitcache import numba_ready
            numba_ready()   # (the machine switches to them, Machine._run)
        address = int(arrays[7][NATIVE_FN])   # st
        fn = self._fns.get(address)
        if fn is None:
            fn = self._fns[address] = self._type(address)
        args, n = self._args, len(ARRAYS)
        for j, a in enumerate(arrays):
            if a is not self._seen[j]:   # a new array (memory grown, the first call)
                self._seen[j] = a
                args[j] = a.ctypes.data
                args[n + j] = a.shape[0]
        return fn(*args)


def native_run(code, st: np.ndarray) -> None:
    """Make ``st`` a machine of ``code`` on this tier: the compiled function's address in
    ``st[NATIVE_FN]`` (compiled, or loaded from the cache) and the step's in ``st[STEP_FN]``
    (0 until some machine needed it). :func:`pybpf.vm.nativecall.execute` runs it."""
    address = load_program(code)
    st[NATIVE_FN] = np.uint64(address)
    st[STEP_FN] = np.uint64(_STEP_ADDRESS[0])
