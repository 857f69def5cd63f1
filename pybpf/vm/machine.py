"""Run decoded programs: the driver around the generated interpreter.

The compiled loop stops for everything it cannot do itself (a helper written in
Python, a fault, the budget) and reports a status; this module turns statuses
into helper calls or into :mod:`pybpf.errors` exceptions that name the
program, the instruction, its disassembly and, with line info, the C line.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import (CallDepthError, HelperError, InstructionLimit, MemoryFault, VMError)
from ..isa.disasm import format_insn
from ..isa.opcodes import MAX_CALL_FRAMES
from .._jitcache import Lazy, numba_loaded
from . import abi
from .codegen import load_interpreter
from .memory import Memory
from .native import NEED_STEP, link_step
from .program import Code

DEFAULT_BUDGET = 1_000_000

#: Execution tiers, named once. ``py`` is the interpreter run as plain Python
#: (``NUMBA_DISABLE_JIT=1``, process-wide); ``interp`` the same code compiled by Numba;
#: ``compiled`` each program translated to machine code through LLVM (:mod:`pybpf.vm.native`).
TIERS = ("py", "interp", "compiled")
#: What ``Machine(tier=...)`` accepts: a tier, or ``auto`` (the default: compiled up to a size
#: or when the machine code is cached, else interp).
TIER_CHOICES = ("py", "interp", "compiled", "auto")


#: The tier of a Machine (so of ``load()``) when none is asked for.
DEFAULT_TIER = "auto"


def current_tier() -> str:
    """The tier this process runs: ``py`` when Numba's JIT is disabled, else ``interp``."""
    from .. import _jitcache
    if _jitcache.numba_loaded():
        from numba.core import config
        return "py" if config.DISABLE_JIT else "interp"
    try:   # Numba's own reading of the variable, without loading Numba
        disabled = int(os.environ.get("NUMBA_DISABLE_JIT", "0") or 0)
    except ValueError:
        disabled = 0
    return "py" if disabled else "interp"


def _aot_begin(values: tuple):
    """:func:`pybpf.vm.fastpath.begin` on ``values`` through :func:`pybpf.vm.aot.run`
    (machine code loaded without Numba while Numba is not loaded; looked up by name: a
    static import would put the compiled tier into the cache key of every compiled file
    that imports this one, which also builds the machine code once for the processes that
    follow). Returns what the next runs call: the machine code while Numba is not loaded,
    else Numba's ``begin``."""
    from .fastpath import begin
    aot = importlib.import_module("pybpf.vm.aot")
    aot.run(begin, *values)
    made = None if numba_loaded() else aot.native(begin, values)
    return begin if made is None else made


_COUNT, _EXIT, _HELPER = abi.COUNT, abi.EXIT, abi.HELPER
_ZERO = np.uint64(0)
_U64S: dict = {}


def _u64(value) -> np.uint64:
    """``value`` mod 2**64 as an ``np.uint64``, memoised: making one costs about 0.5 us,
    and a run's arguments are mostly the same few addresses."""
    got = _U64S.get(value)
    if got is None:
        if len(_U64S) >= 256:
            _U64S.clear()
        got = _U64S[value] = np.uint64(value & 0xFFFFFFFFFFFFFFFF)
    return got


_BEGIN = []


def _fastpath_begin():
    """:func:`pybpf.vm.fastpath.begin`, imported at first use (a run's ``from`` import
    costs about 0.3 us)."""
    if not _BEGIN:
        from .fastpath import begin
        _BEGIN.append(begin)
    return _BEGIN[0]


@dataclass(frozen=True)
class TraceStep:
    """One executed instruction: where, what, the registers it changed, its C line."""

    pc: int
    insn: str
    changed: tuple            # ((register number, new value), ...)
    line: tuple | None        # (file, line, text) from BTF line info

    def format(self) -> str:
        regs = " ".join(f"r{r}=0x{v:x}" for r, v in self.changed)
        return f"{self.pc}: {self.insn}" + (f"  ; {regs}" if regs else "")


def _changes(before, after) -> tuple:
    return tuple((r, int(after[r])) for r in range(11) if after[r] != before[r])


class ProgramExit(Exception):
    """Raised by a helper to end the program at once with ``r0 = value``."""

    def __init__(self, value: int = 0):
        super().__init__(value)
        self.value = value


Helper = Callable[..., int]


class Machine:
    """One program, its memory and its helpers, ready to run repeatedly.

    ``helpers`` maps a helper id to ``fn(machine, r1, r2, r3, r4, r5) -> r0``;
    ``kfuncs`` likewise for kfunc calls (by BTF id). A helper may raise
    :class:`ProgramExit` to stop the program.
    """

    def __init__(self, code: Code, memory: Memory | None = None,
                 helpers: dict[int, Helper] | None = None,
                 kfuncs: dict[int, Helper] | None = None,
                 budget: int = DEFAULT_BUDGET, helper_name=None, maps: np.ndarray | None = None,
                 tier: str | None = None):
        self.code = code
        self.memory = memory if memory is not None else Memory()
        # The Python helper table is looked up by name at run time: it is not
        # compiled code, and importing it statically would put every Python
        # helper into the compiled-code cache key (pybpf._jitcache).
        python_helpers = importlib.import_module("pybpf.helpers").PYTHON
        self.helpers = {**python_helpers, **(helpers or {})}
        self.kfuncs = dict(kfuncs or {})
        self.budget = budget
        if helper_name is None:
            from ..helpers.hotset import helper_name
        self.helper_name = helper_name
        self.hot = np.zeros(abi.HOT_MASK_SIZE, dtype=np.uint8)
        from ..helpers.hotset import COMPILED_IN_LOOP, HOT
        for hid in (*HOT, *COMPILED_IN_LOOP):
            if hid not in (helpers or {}):  # a user's implementation replaces the compiled one
                self.hot[hid] = 1
        from ..maps.layout import M_FIELDS
        #: The map table (shared by every program of an object; see pybpf.maps.layout).
        self.maps = maps if maps is not None else np.zeros((1, M_FIELDS), dtype=np.int64)
        self.trace: list[str] = []
        self.regs = np.zeros(11, dtype=np.uint64)
        self.st = np.zeros(abi.STATE_SIZE, dtype=np.uint64)
        self.frames = np.zeros(abi.FRAME_WORDS * MAX_CALL_FRAMES, dtype=np.uint64)
        self._py_tier = current_tier() == "py"
        #: The tier this machine runs (``py`` whenever Numba's JIT is disabled).
        self.tier = self._pick_tier(tier)
        #: Why ``auto`` interprets a program it meant to compile (LLVM refused it), or None.
        self.tier_note = None
        self._run_fn = None
        self._direct = False   # _run_fn is a DirectRun
        self._begin = None     # what runs call to start: begin's machine code or Numba's
        if self.tier == "compiled":
            from .native import native_run
            try:
                native_run(code, self.st)
            except Exception as exc:  # noqa: BLE001 - LLVM or the toolchain refused
                why = f"{type(exc).__name__}: {exc}"
                if (tier or DEFAULT_TIER) != "auto":
                    raise VMError(f"the compiled tier failed ({why})", None,
                                  code.name) from exc
                self.tier, self.tier_note = "interp", f"compiled tier failed ({why})"
        if self.tier != "compiled":
            self._run_fn = load_interpreter()
        self.executed = 0  # instructions executed by the last run

    @property
    def _run(self):
        """The run function (the interpreter's signature and statuses): the interpreter, or
        for the compiled tier its machine code, called through ctypes while Numba is not
        loaded (:class:`pybpf.vm.native.DirectRun`: a process that only runs compiled
        code need not load it) and by the Numba driver once it is (a faster call)."""
        fn = self._run_fn
        if fn is None or (self._direct and numba_loaded()):
            self._direct = not numba_loaded()
            if not self._direct:
                from .nativecall import execute
                fn = execute
            else:
                from .native import DirectRun
                fn = DirectRun()
            self._run_fn = fn
        if type(fn) is Lazy and fn.real is not None:   # Numba is loaded: its dispatcher
            fn = self._run_fn = fn.real
        return fn

    # -- running ---------------------------------------------------------------------------
    def _pick_tier(self, tier: str | None) -> str:
        if tier is None:
            tier = "py" if self._py_tier else DEFAULT_TIER
        if tier not in TIER_CHOICES:
            raise ValueError(f"unknown tier {tier!r} (one of {', '.join(TIER_CHOICES)})")
        if self._py_tier or tier == "py":
            # py is the process-wide NUMBA_DISABLE_JIT mode; it cannot be chosen per machine
            if not self._py_tier:
                raise ValueError("tier 'py' needs NUMBA_DISABLE_JIT=1 in the environment "
                                 "(see pybpf.vm.machine.py_tier_env)")
            return "py"
        if tier == "auto":
            from .native import AUTO_LIMIT, is_cached
            small = self.code.nslots <= AUTO_LIMIT
            return "compiled" if small or is_cached(self.code) else "interp"
        return tier

    @property
    def events(self) -> list:
        """perf_event_output and ring buffer samples of the runs so far, in order
        (:func:`pybpf.helpers.events.events`)."""
        from ..helpers.events import events
        return events(self)

    # -- deterministic environment ------------------------------------------------------
    @property
    def clock_ns(self) -> int:
        """The virtual clock that bpf_ktime_get_ns and friends read."""
        return int(self.st[abi.CLOCK])

    @clock_ns.setter
    def clock_ns(self, value: int) -> None:
        self.st[abi.CLOCK] = np.uint64(value)

    @property
    def cpu(self) -> int:
        return int(self.st[abi.CPU])

    @cpu.setter
    def cpu(self, value: int) -> None:
        self.st[abi.CPU] = np.uint64(value)

    def seed(self, value: int) -> None:
        """Seed the generator behind bpf_get_prandom_u32."""
        self.st[abi.PRNG] = np.uint64(value & 0xFFFFFFFFFFFFFFFF)

    # -- memory access for Python helpers ---------------------------------------------------
    def _translate(self, va: int, size: int, write: bool) -> int:
        mem = self.memory
        k = (va >> 32) - 1
        off = va & 0xFFFFFFFF
        ok = (0 <= k < len(mem.regions) and size >= 0 and int(mem.rlo[k]) <= off
              and off + size <= int(mem.rhi[k]) and not (write and int(mem.rflag[k]))
              and not int(mem.rflag[k]) & abi.F_CTX)
        if not ok:
            pc = int(self.st[abi.PC]) - 1
            kind = "write" if write else "read"
            raise MemoryFault(f"{self.describe_insn(pc)}: the helper's {kind} of {size} bytes at "
                              f"{mem.describe(va)} is out of bounds", pc, self.where(pc))
        return int(mem.rbase[k]) + off

    def read_bytes(self, va: int, size: int) -> bytes:
        """``size`` bytes at virtual address ``va`` (bounds-checked like the program's loads)."""
        p = self._translate(va, size, write=False)
        return self.memory.arena[p:p + size].tobytes()

    def write_bytes(self, va: int, data: bytes) -> None:
        p = self._translate(va, len(data), write=True)
        self.memory.arena[p:p + len(data)] = np.frombuffer(bytes(data), dtype=np.uint8)

    def read_cstring(self, va: int, limit: int = 4096) -> str | None:
        """A NUL-terminated string at ``va`` within its region, or None if it has no end."""
        mem = self.memory
        k = (va >> 32) - 1
        if not 0 <= k < len(mem.regions):
            return None
        end = min(int(mem.rhi[k]), (va & 0xFFFFFFFF) + limit)
        raw = self.read_bytes(va, max(0, end - (va & 0xFFFFFFFF)))
        if b"\0" not in raw:
            return None
        return raw.split(b"\0", 1)[0].decode("latin-1")

    def trace_line(self, text: str) -> None:
        """Record one bpf_trace_printk line as the kernel's trace_pipe shows it."""
        ns = self.clock_ns
        self.trace.append(f"{'pybpf':>16}-1       [{self.cpu:03d}] ..... "
                          f"{ns // 1_000_000_000}.{ns % 1_000_000_000 // 1000:06d}: "
                          f"bpf_trace_printk: {text.rstrip(chr(10))}")

    def run(self, *args: int, entry: int = 0, trace: list | None = None) -> int:
        """Run from slot ``entry`` with ``r1..`` set from ``args``; return ``r0`` (u64).

        With ``trace`` (a list), every executed instruction is appended to it as a
        :class:`TraceStep`: the run single-steps the same compiled loop through its
        instruction budget, so it is slow but exact.

        A run's own Python costs about 1-2 us besides the compiled calls, which matters
        when a program is short: scalars are memoised, the loop reads the state as
        Python ints with ``item``, and the traced loop is separate.
        """
        if trace is not None:
            return self._run_traced(args, entry, trace)
        self._start(args, entry)
        st, regs, arrays = self.st, self.regs, self._arrays()
        call = self._call if self._py_tier else self._run
        while True:
            status = call(*arrays)
            self.executed = st.item(_COUNT)
            if status == _EXIT:
                return regs.item(0)
            if status == NEED_STEP:   # compiled code's first handover: load the step, go on
                link_step(st)
            elif status == _HELPER:
                if self._helper_stopped():
                    return regs.item(0)
            else:
                raise self._error(status)
            arrays = self._arrays()   # a Python helper may have added a region (new arena)
            if not self._py_tier:
                call = self._run   # ... or loaded Numba

    def _arrays(self) -> tuple:
        """What the run function takes (the interpreter's signature), in its order."""
        code, mem = self.code, self.memory
        return (code.h, code.dsts, code.srcs, code.offs, code.offu, code.immu, self.regs,
                self.st, self.frames, mem.arena, mem.rbase, mem.rlo, mem.rhi, mem.rflag,
                mem.ctxmap, self.hot, self.maps)

    def _start(self, args: tuple, entry: int) -> None:
        """Registers, stack and state for a fresh run (:func:`pybpf.vm.fastpath.begin`)."""
        mem = self.memory
        n = len(args)
        values = (self.regs, self.st, mem.arena, mem.rbase, mem.rhi,
                  _u64(args[0]) if n else _ZERO, _u64(args[1]) if n > 1 else _ZERO,
                  entry, self.budget, self.code.nslots, self.code.stack_in_use)
        begin = _fastpath_begin()
        if self.tier != "compiled" or (self._begin is begin and numba_loaded()):
            begin(*values)
        elif self._begin is not None and not numba_loaded():
            self._begin(*values)   # machine code loaded without Numba (pybpf.vm.aot)
        else:   # the first run, or Numba loaded since: runs it, and what to call next time
            self._begin = _aot_begin(values)
        if n > 2:
            rest = [v & 0xFFFFFFFFFFFFFFFF for v in args[2:5]]
            if any(rest):
                self.regs[3:3 + len(rest)] = np.array(rest, dtype=np.uint64)

    def _helper_stopped(self) -> bool:
        """Run the helper the program called and set ``r0``; True if it stopped the
        program (:class:`ProgramExit`)."""
        try:
            self.regs[0] = np.uint64(self._call_helper() & 0xFFFFFFFFFFFFFFFF)
        except ProgramExit as stop:
            self.regs[0] = np.uint64(stop.value & 0xFFFFFFFFFFFFFFFF)
            return True
        return False

    def _run_traced(self, args: tuple, entry: int, trace: list) -> int:
        """:meth:`run` one instruction at a time, appending a :class:`TraceStep` for each."""
        self._start(args, entry)
        st, regs, code = self.st, self.regs, self.code
        if self.tier == "compiled":
            link_step(st)   # every traced step hands over: no stop to load it midway
        while True:
            pc0, before = int(st[abi.PC]), regs.copy()
            st[abi.BUDGET] = min(int(st[abi.COUNT]) + 1, self.budget)
            status = self._call(*self._arrays())
            self.executed = int(st[abi.COUNT])
            if status == NEED_STEP:
                link_step(st)
                continue
            if status == abi.HELPER and self._helper_stopped():
                status = abi.EXIT
            if status in (abi.EXIT, abi.HELPER) or (
                    status == abi.BUDGET_EXCEEDED and self.executed < self.budget):
                trace.append(TraceStep(pc0, self.describe_insn(pc0), _changes(before, regs),
                                       code.line_of(pc0) if code.line_of else None))
                if status == abi.EXIT:
                    return int(regs[0])
                continue
            raise self._error(status)

    def _call(self, *arrays) -> int:
        """One stretch of the interpreter; as plain Python, wrap-around is not worth a warning."""
        if self._py_tier:
            with np.errstate(over="ignore"):
                return self._run(*arrays)
        return self._run(*arrays)

    def _call_helper(self) -> int:
        hid = int(self.st[abi.AUX])
        is_kfunc = int(self.st[abi.AUX2]) == 1
        table = self.kfuncs if is_kfunc else self.helpers
        fn = table.get(hid)
        pc = int(self.st[abi.PC]) - 1
        if fn is None:
            what = "kfunc" if is_kfunc else "helper"
            raise HelperError(f"unknown {what} id {hid}", pc, self.where(pc))
        args = [int(self.regs[i]) for i in range(1, 6)]
        try:
            return int(fn(self, *args))
        except (ProgramExit, VMError):
            raise
        except Exception as exc:  # a user's helper failed: say which, keep its message
            name = getattr(fn, "__name__", str(hid))
            raise HelperError(f"helper {name}#{hid} raised {type(exc).__name__}: {exc}",
                              pc, self.where(pc)) from exc

    # -- errors ----------------------------------------------------------------------------
    def where(self, pc: int) -> str:
        """``name: insn N (file:line)`` for messages."""
        name, rel = self.code.locate(pc)
        text = f"{name}: insn {rel}"
        if self.code.line_of is not None:
            info = self.code.line_of(pc)
            if info:
                text += f" ({info[0]}:{info[1]})"
        return text

    def describe_insn(self, pc: int) -> str:
        insn = self.code.insn_at(pc)
        return format_insn(insn, self.helper_name) if insn is not None else "(no instruction)"

    def _error(self, status: int) -> VMError:
        st = self.st
        pc = int(st[abi.PC])
        where = self.where(pc)
        insn = self.describe_insn(pc)
        if status in (abi.FAULT_LOAD, abi.FAULT_STORE):
            kind = "read" if status == abi.FAULT_LOAD else "write"
            addr, size = int(st[abi.AUX]), int(st[abi.AUX2])
            ctx = getattr(self, "context", None)
            if (addr >> 32) - 1 == abi.REGION_CTX and hasattr(ctx, "describe_access"):
                why = ctx.describe_access(addr & 0xFFFFFFFF, size, kind == "write")
                return MemoryFault(f"{insn}: {why}", pc, where)
            return MemoryFault(f"{insn}: invalid {kind} of {size} byte{'s' * (size > 1)} at "
                               f"{self.memory.describe(addr)}", pc, where)
        if status == abi.BUDGET_EXCEEDED:
            return InstructionLimit(f"{insn}: instruction budget of {self.budget} exhausted "
                                    f"(runaway loop?)", pc, where)
        if status == abi.CALL_DEPTH:
            return CallDepthError(f"{insn}: the call stack is too deep "
                                  f"(more than {MAX_CALL_FRAMES} frames)", pc, where)
        if status == abi.BAD_HELPER_ARG:
            reg = int(st[abi.AUX])
            what = {2: "is not a queue or stack map",
                    3: "is not an XDP context (this run is not XDP)"}.get(int(st[abi.AUX2]),
                                                                          "is not a map")
            return HelperError(f"{insn}: argument r{reg} (0x{int(self.regs[reg]):x}) {what}",
                               pc, where)
        if status == abi.BAD_CALLX:
            return VMError(f"{insn}: callx target 0x{int(st[abi.AUX]):x} is not a function", pc, where)
        if status == abi.BAD_INSN:
            if pc >= self.code.nslots:
                return VMError("execution fell off the end of the program "
                               "(last instruction is not an exit or jump)", pc, where)
            return VMError(f"{insn}: cannot execute this instruction "
                           f"(unresolved lddw pseudo form or the middle of a lddw)", pc, where)
        return VMError(f"unexpected interpreter status {status}", pc, where)


def py_tier_env() -> dict:
    """Environment for a subprocess that runs the ``py`` tier."""
    env = dict(os.environ)
    env["NUMBA_DISABLE_JIT"] = "1"
    return env
