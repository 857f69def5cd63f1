"""Run decoded programs: the driver around the generated interpreter.

The compiled loop stops for everything it cannot do itself (a helper written in
Python, a fault, the budget) and reports a status; this module turns statuses
into helper calls or into :mod:`pybpf.errors` exceptions that name the
program, the instruction, its disassembly and, with line info, the C line.
"""

from __future__ import annotations

import os
from typing import Callable

import numpy as np

from ..errors import (CallDepthError, HelperError, InstructionLimit, MemoryFault, VMError)
from ..isa.disasm import format_insn
from ..isa.opcodes import MAX_CALL_FRAMES, STACK_SIZE
from . import abi
from .codegen import load_interpreter
from .memory import Memory
from .program import Code

DEFAULT_BUDGET = 1_000_000

#: Execution tiers, named once. ``py`` is the interpreter run as plain Python
#: (``NUMBA_DISABLE_JIT=1``, process-wide); ``interp`` the same code compiled by Numba.
TIERS = ("py", "interp")


def current_tier() -> str:
    """The tier this process runs: ``py`` when Numba's JIT is disabled, else ``interp``."""
    from numba.core import config
    return "py" if config.DISABLE_JIT else "interp"


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
                 budget: int = DEFAULT_BUDGET, helper_name=None):
        self.code = code
        self.memory = memory if memory is not None else Memory()
        self.helpers = dict(helpers or {})
        self.kfuncs = dict(kfuncs or {})
        self.budget = budget
        self.helper_name = helper_name
        self.regs = np.zeros(11, dtype=np.uint64)
        self.st = np.zeros(abi.STATE_SIZE, dtype=np.uint64)
        self.frames = np.zeros(abi.FRAME_WORDS * MAX_CALL_FRAMES, dtype=np.uint64)
        self._run = load_interpreter()
        self.executed = 0  # instructions executed by the last run

    # -- running ---------------------------------------------------------------------------
    def run(self, *args: int) -> int:
        """Run from instruction 0 with ``r1..`` set from ``args``; return ``r0`` (u64)."""
        mem, st, regs = self.memory, self.st, self.regs
        regs[:] = 0
        for i, value in enumerate(args[:5]):
            regs[1 + i] = np.uint64(value & 0xFFFFFFFFFFFFFFFF)
        stack_va = abi.region_va(abi.REGION_STACK)
        regs[10] = np.uint64(stack_va + STACK_SIZE)
        mem.view(mem.regions[abi.REGION_STACK])[:] = 0
        st[abi.PC] = 0
        st[abi.DEPTH] = 0
        st[abi.COUNT] = 0
        st[abi.BUDGET] = self.budget
        st[abi.STACK_VA] = stack_va
        st[abi.CODE_VA] = abi.region_va(abi.REGION_CODE)
        st[abi.NCODE] = self.code.nslots
        code = self.code
        while True:
            status = self._run(code.h, code.dsts, code.srcs, code.offs, code.offu, code.immu,
                               regs, st, self.frames, mem.arena, mem.rbase, mem.rlo, mem.rhi,
                               mem.rflag, mem.ctxmap)
            if status == abi.EXIT:
                self.executed = int(st[abi.COUNT])
                return int(regs[0])
            if status == abi.HELPER:
                self.executed = int(st[abi.COUNT])  # also right if the helper fails
                try:
                    regs[0] = np.uint64(self._call_helper() & 0xFFFFFFFFFFFFFFFF)
                except ProgramExit as stop:
                    regs[0] = np.uint64(stop.value & 0xFFFFFFFFFFFFFFFF)
                    self.executed = int(st[abi.COUNT])
                    return int(regs[0])
                continue
            self.executed = int(st[abi.COUNT])
            raise self._error(status)

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
        text = f"{self.code.name}: insn {pc}"
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
            return MemoryFault(f"{insn}: invalid {kind} of {size} byte{'s' * (size > 1)} at "
                               f"{self.memory.describe(addr)}", pc, where)
        if status == abi.BUDGET_EXCEEDED:
            return InstructionLimit(f"{insn}: instruction budget of {self.budget} exhausted "
                                    f"(runaway loop?)", pc, where)
        if status == abi.CALL_DEPTH:
            return CallDepthError(f"{insn}: the call stack is too deep "
                                  f"(more than {MAX_CALL_FRAMES} frames)", pc, where)
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
