"""From an :class:`~pybpf.spec.ObjectSpec` to programs that run.

The loader does in userspace what libbpf does at load time: it links each
program with its subprograms, backs global-data sections (``.data``,
``.rodata``, ``.bss``, ``.data.*``, ``.rodata.*``) with memory regions and
patches the ``lddw`` instructions that refer to them into plain 64-bit
addresses, and patches function references (``BPF_PSEUDO_FUNC``) into code
pointers. Maps, helpers beyond the ones given, and kfuncs are refused with a
clear error until pybpf implements them, never silently ignored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from .elf import link_program, read_object
from .helpers import check_calls, resolve_user_helpers
from .elf.link import LinkedProgram
from .errors import LinkError, PyBPFError
from .isa import opcodes as o
from .spec import RELO_DATA, RELO_EXTERN, RELO_KFUNC, RELO_MAP, ObjectSpec
from .vm import Machine, Memory, build_code
from .vm import abi
from .vm.memory import Region

#: Context region size: large enough for every context struct pybpf models.
CTX_SIZE = 256


@dataclass
class RunResult:
    """The outcome of one run: what ``BPF_PROG_TEST_RUN`` reports, plus the work done."""

    retval: int
    verdict: str
    data: bytes
    executed: int


class Program:
    """A loaded program: linked, patched, decoded, ready to run."""

    def __init__(self, obj: "Object", linked: LinkedProgram, helpers: dict, budget: int):
        self.object = obj
        self.linked = linked
        self.name = linked.name
        self.section = linked.section
        self.type = linked.type
        insns = obj._patch(linked)
        where = f"{obj.filename}:{self.name}"
        self.code = build_code(insns, name=where, line_of=linked.line_of)
        check_calls(where, self.code, helpers)
        self.machine = Machine(self.code, obj.memory, helpers=helpers, budget=budget)
        self._ctx = None

    def __repr__(self) -> str:
        return f"<Program {self.name} type={self.type} section={self.section!r} insns={self.code.nslots}>"

    def run(self, data: bytes, ingress_ifindex: int | None = None,
            rx_queue_index: int | None = None) -> RunResult:
        """Run the program on one packet, as ``BPF_PROG_TEST_RUN`` would.

        XDP only in this version: ``data`` lands after 256 bytes of headroom,
        and ``RunResult.data`` starts at ``data_meta`` as the kernel's data_out does.
        """
        if self.type not in ("xdp",):
            raise PyBPFError(f"{self.object.filename}:{self.name}: running programs of type "
                             f"{self.type!r} is not supported yet (XDP is)")
        from .contexts.xdp import (DEFAULT_INGRESS_IFINDEX, DEFAULT_RX_QUEUE_INDEX,
                                   XdpContext, verdict_name)
        if self._ctx is None:
            self._ctx = self.object._xdp_context()
        ctx = self._ctx
        ctx.load(data,
                 DEFAULT_INGRESS_IFINDEX if ingress_ifindex is None else ingress_ifindex,
                 DEFAULT_RX_QUEUE_INDEX if rx_queue_index is None else rx_queue_index,
                 st=self.machine.st)
        r0 = self.machine.run(ctx.ctx_va)
        retval = r0 & 0xFFFFFFFF
        return RunResult(retval, verdict_name(retval), ctx.data_out(), self.machine.executed)

    def disassemble(self) -> str:
        from .isa.disasm import disassemble
        return disassemble(self.code.insns, line_of=self.linked.line_of,
                           lddw_name=self.object._lddw_name)


class Object:
    """A loaded BPF object: its programs share memory (global data, later maps)."""

    def __init__(self, spec: ObjectSpec, helpers: dict | None = None, budget: int | None = None):
        """``helpers`` supplies or replaces helpers: ``{"name" or id: fn(machine, r1..r5)}``."""
        from .vm.machine import DEFAULT_BUDGET
        self.spec = spec
        self.filename = os.path.basename(spec.path) if spec.path and spec.path != "<bytes>" else spec.name
        self.memory = Memory(ctx_size=CTX_SIZE)
        self.data: dict[str, Region] = {}
        self._data_va: dict[int, str] = {}
        for name, section in spec.data_sections.items():
            region = self.memory.add_region(name, max(section.size, 1), data=section.data,
                                            flags=abi.F_RO if section.readonly else 0)
            self.data[name] = region
            self._data_va[region.va] = name
        self._xdp = None
        self.programs: dict[str, Program] = {}
        user = resolve_user_helpers(helpers)
        for name in spec.programs:
            linked = link_program(spec, name)
            self.programs[name] = Program(self, linked, user, budget or DEFAULT_BUDGET)

    def __repr__(self) -> str:
        return f"<Object {self.filename} programs={list(self.programs)}>"

    def program(self, name: str | None = None) -> Program:
        """The program called ``name``; optional when the object has exactly one."""
        if name is None:
            if len(self.programs) != 1:
                raise PyBPFError(f"{self.filename}: has {len(self.programs)} programs "
                                 f"({', '.join(self.programs) or 'none'}); name one")
            return next(iter(self.programs.values()))
        try:
            return self.programs[name]
        except KeyError:
            raise PyBPFError(f"{self.filename}: no program named {name!r} "
                             f"(programs: {', '.join(self.programs) or 'none'})") from None

    def _xdp_context(self):
        from .contexts.xdp import XdpContext
        if self._xdp is None:
            self._xdp = XdpContext(self.memory)
        return self._xdp

    # -- relocation -------------------------------------------------------------------
    def _patch(self, linked: LinkedProgram) -> list:
        """The program's instructions with every relocation resolved to plain values."""
        insns = list(linked.instructions)
        slot_to_index = {}
        slot = 0
        for i, insn in enumerate(insns):
            slot_to_index[slot] = i
            slot += insn.width
        where = f"{self.filename}:{linked.name}"
        for r in linked.relocations:
            i = slot_to_index[r.slot]
            insn = insns[i]
            if r.kind == RELO_DATA:
                region = self.data.get(r.target)
                if region is None:
                    raise LinkError(f"{where}: insn {r.slot}: reference to unknown data section "
                                    f"{r.target!r}")
                offset = (insn.imm >> 32) & 0xFFFFFFFF if insn.src == o.BPF_PSEUDO_MAP_VALUE else r.offset
                insns[i] = replace(insn, src=0, imm=region.va + offset)
            elif r.kind == RELO_MAP:
                mspec = self.spec.maps.get(r.target)
                kind = mspec.type_name if mspec else "unknown"
                raise LinkError(f"{where}: insn {r.slot}: uses map {r.target!r} ({kind}); "
                                f"maps are not supported by this version of pybpf yet")
            elif r.kind in (RELO_KFUNC, RELO_EXTERN):
                raise LinkError(f"{where}: insn {r.slot}: unknown {r.kind} {r.target!r}")
        slot = 0
        for i, insn in enumerate(insns):
            if insn.opcode == o.LDDW and insn.src == o.BPF_PSEUDO_FUNC:
                target = slot + _s32(insn.imm) + 1
                insns[i] = replace(insn, src=0, imm=abi.region_va(abi.REGION_CODE) + target)
            slot += insn.width
        return insns

    def _lddw_name(self, insn) -> str | None:
        """``.rodata+16``-style names for patched global-data addresses."""
        if insn.opcode != o.LDDW or insn.src:
            return None
        base = insn.imm & ~0xFFFFFFFF
        name = self._data_va.get(base)
        return f"{name}+{insn.imm - base}" if name else None


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def load(path_or_bytes, helpers: dict | None = None, budget: int | None = None,
         name: str | None = None) -> Object:
    """Read, link and load a BPF ELF object; raises a :class:`PyBPFError` on bad input."""
    return Object(read_object(path_or_bytes, name=name), helpers=helpers, budget=budget)
