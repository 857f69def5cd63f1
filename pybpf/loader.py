"""From an :class:`~pybpf.spec.ObjectSpec` to programs that run.

The loader does in userspace what libbpf does at load time:

* links each program with its subprograms;
* allocates the object's maps (:mod:`pybpf.maps`) and backs global-data
  sections (``.data``, ``.rodata``, ``.bss``, ``.data.*``, ``.rodata.*``) with
  memory regions;
* patches ``lddw`` of maps into map handles, of global data into addresses, of
  functions (``BPF_PSEUDO_FUNC``) into code pointers;
* fills prog arrays declared with ``.values = { [i] = &prog }``;
* refuses a call to a helper pybpf does not implement (unless the user gives
  one), and kfuncs, at load, naming them.

All programs of an object share one code array, so a tail call is a jump to
the target's entry; each :class:`Program` knows its entry slot.
"""

from __future__ import annotations

import os
from dataclasses import replace

from .contexts.xdp import DEFAULT_INGRESS_IFINDEX, DEFAULT_RX_QUEUE_INDEX, XdpContext, verdict_name
from .elf import link_program, read_object
from .elf.link import LinkedProgram
from .errors import LinkError, PyBPFError
from .helpers import check_calls, resolve_user_helpers
from .helpers.events import after_run, decode_event, events as machine_events
from .helpers.kfuncs import KFUNCS
from .isa import opcodes as o
from .isa.insn import s32
from .maps import MAP_IN_MAP_TYPES, MapSet
from .maps.pinning import apply_pinning, close as close_pins, flush_pins, object_id_of
from .maps.layout import handle_va
from .result import Redirect, RunResult  # noqa: F401  (re-exported)
from .spec import RELO_DATA, RELO_EXTERN, RELO_KFUNC, RELO_MAP, ObjectSpec
from .vm import Machine, Memory, build_code
from .vm import abi
from .vm.memory import Region

#: Context region size: large enough for every context struct pybpf models.
CTX_SIZE = 256
PROG_ARRAY = 3
RINGBUF = 27


class Program:
    """A loaded program: one entry point into its object's code."""

    def __init__(self, obj: "Object", linked: LinkedProgram, entry: int):
        self.object = obj
        self.linked = linked
        self.name = linked.name
        self.section = linked.section
        self.type = linked.type
        self.entry = entry            # first slot in the object's code
        self.size = linked.size

    def __repr__(self) -> str:
        return f"<Program {self.name} type={self.type} section={self.section!r} insns={self.size}>"

    def check_runnable(self) -> None:
        """Raise a :class:`PyBPFError` saying why :meth:`run` cannot run this program."""
        where = f"{self.object.filename}:{self.name}"
        if self.type is None:
            raise PyBPFError(f"{where}: section {self.section!r} does not name a program type "
                             f"(libbpf would refuse it too); give one with "
                             f"load(..., program_types={{{self.name!r}: 'xdp'}})")
        if self.type != "xdp":
            raise PyBPFError(f"{where}: running {self.type} programs is not supported yet "
                             f"(XDP is)")

    @property
    def machine(self) -> Machine:
        return self.object.machine

    def run(self, data: bytes, ingress_ifindex: int | None = None,
            rx_queue_index: int | None = None, trace: list | None = None) -> RunResult:
        """Run the program on one packet, as ``BPF_PROG_TEST_RUN`` would.

        XDP only in this version: ``data`` lands after 256 bytes of headroom,
        and ``RunResult.data`` starts at ``data_meta`` as the kernel's data_out does.
        ``trace`` (a list) receives every executed instruction
        (:class:`pybpf.vm.machine.TraceStep`).
        """
        self.check_runnable()
        ctx = self.object._xdp_context()
        machine = self.object.machine
        ctx.load(data,
                 DEFAULT_INGRESS_IFINDEX if ingress_ifindex is None else ingress_ifindex,
                 DEFAULT_RX_QUEUE_INDEX if rx_queue_index is None else rx_queue_index,
                 st=machine.st)
        r0 = machine.run(ctx.ctx_va, entry=self.entry, trace=trace)
        if self.object._has_ringbuf:
            after_run(machine)  # drain ring buffers like a user-space reader polling per packet
        retval = r0 & 0xFFFFFFFF
        return RunResult(retval, verdict_name(retval), ctx.data_out(), machine.executed)

    def disassemble(self) -> str:
        from .isa.disasm import disassemble
        return disassemble(self.object._insns[self.name], line_of=self.linked.line_of,
                           lddw_name=self.object._lddw_name)


class Object:
    """A loaded BPF object: its programs share code, memory, maps and helpers."""

    def __init__(self, spec: ObjectSpec, helpers: dict | None = None, budget: int | None = None,
                 ncpu: int = 1, pin_root=None, object_id: str | None = None,
                 rodata: dict | None = None, program_types: dict | None = None):
        """``helpers`` supplies or replaces helpers: ``{"name" or id: fn(machine, r1..r5)}``.

        Pinned maps live under ``pin_root`` (default ``$PYBPF_PIN_ROOT`` or
        ``~/.cache/pybpf/bpffs``; ``False`` disables pinning): see :mod:`pybpf.maps.pinning`.
        ``rodata`` sets ``const volatile`` globals before load, as a libbpf skeleton does:
        ``{"name": int or bytes}``. ``program_types`` gives a program's type where its
        section name does not (``{"prog": "xdp"}``), like libbpf's set_type.
        """
        from .vm.machine import DEFAULT_BUDGET
        self.spec = spec
        self.filename = os.path.basename(spec.path) if spec.path and spec.path != "<bytes>" else spec.name
        self.memory = Memory(ctx_size=CTX_SIZE)
        self.data: dict[str, Region] = {}
        self._data_va: dict[int, str] = {}
        initial = _with_rodata(spec, rodata or {}, self.filename)
        for name, section in spec.data_sections.items():
            region = self.memory.add_region(name, max(section.size, 1), data=initial[name],
                                            flags=abi.F_RO if section.readonly else 0)
            self.data[name] = region
            self._data_va[region.va] = name
        self.maps = MapSet(self.memory, list(spec.maps.values()), ncpu=ncpu, owner=self.filename,
                           btf=spec.btf)
        self._map_names = {handle_va(m.index): name for name, m in self.maps.maps.items()}
        self._pinning = None
        apply_pinning(self, pin_root, object_id)
        self._xdp = None
        self._has_ringbuf = any(m.type == RINGBUF for m in spec.maps.values())
        user = resolve_user_helpers(helpers)

        self.programs: dict[str, Program] = {}
        self._insns: dict[str, list] = {}
        code_insns, segments, entry = [], [], 0
        for name in spec.programs:
            linked = link_program(spec, name)
            if program_types and name in program_types:
                linked.type = program_types[name]
            insns = self._patch(linked)
            where = f"{self.filename}:{name}"
            check_calls(where, build_code(insns, name=where, line_of=linked.line_of), user)
            self._insns[name] = insns
            self.programs[name] = Program(self, linked, entry)
            segments.append((entry, linked.size, name, linked.line_of))
            code_insns += insns
            entry += linked.size
        if not code_insns:
            raise PyBPFError(f"{self.filename}: the object has no programs")
        unknown = set(program_types or {}) - set(self.programs)
        if unknown:
            raise PyBPFError(f"{self.filename}: program_types names no program "
                             f"{', '.join(sorted(unknown))} (programs: {', '.join(self.programs)})")
        self.code = build_code(code_insns, name=self.filename, line_of=_segmented_lines(segments))
        self.code.segments = [(start, size, name) for start, size, name, _ in segments]
        self.machine = Machine(self.code, self.memory, helpers=user, budget=budget or DEFAULT_BUDGET,
                               maps=self.maps.table,
                               kfuncs={kid: fn for kid, fn in KFUNCS.values()})
        self._fill_prog_arrays()

    def __repr__(self) -> str:
        return f"<Object {self.filename} programs={list(self.programs)} maps={list(self.maps.maps)}>"

    def flush_pins(self) -> list:
        """Write pinned maps that changed to their pin files now."""
        return flush_pins(self)

    def close(self) -> None:
        """Flush pinned maps; the object stays usable but pins are written only on request."""
        close_pins(self)

    def __enter__(self) -> "Object":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

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

    @property
    def events(self) -> list:
        """perf_event_output and ring buffer samples of the runs so far, in order."""
        return machine_events(self.machine)

    def decode(self, event, type=None) -> dict:
        """An event's fields by name, through BTF (``type``: e.g. ``"struct event"``)."""
        return decode_event(self, event, type)

    @property
    def trace(self) -> list[str]:
        """bpf_trace_printk lines of the runs so far, as the kernel's trace_pipe shows them."""
        return self.machine.trace

    def _xdp_context(self):
        if self._xdp is None:
            self._xdp = XdpContext(self.memory)
        return self._xdp

    def _fill_prog_arrays(self) -> None:
        """Static ``.values`` initialisation: prog arrays get programs, map-in-maps get maps."""
        for name, mspec in self.spec.maps.items():
            if mspec.type in MAP_IN_MAP_TYPES:
                for index, target in mspec.initial_values.items():
                    if target not in self.maps.maps:
                        raise LinkError(f"{self.filename}: map {name!r} slot {index} names "
                                        f"{target!r}, which is not a map of this object")
                    self.maps[name][index] = self.maps[target]
            if mspec.type != PROG_ARRAY:
                continue
            for index, target in mspec.initial_values.items():
                prog = self.programs.get(target)
                if prog is None:
                    raise LinkError(f"{self.filename}: prog_array {name!r} slot {index} names "
                                    f"{target!r}, which is not a program of this object")
                self.maps[name][index] = (prog.entry + 1).to_bytes(4, "little")

    # -- relocation -------------------------------------------------------------------
    def _patch(self, linked: LinkedProgram) -> list:
        """The program's instructions with every relocation resolved to plain values."""
        insns = list(linked.instructions)
        slot_to_index, slot = {}, 0
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
                if r.target not in self.maps.maps:
                    raise LinkError(f"{where}: insn {r.slot}: reference to unknown map {r.target!r}")
                insns[i] = replace(insn, src=0, imm=self.maps[r.target].handle)
            elif r.kind == RELO_KFUNC:
                if r.target not in KFUNCS:
                    raise LinkError(f"{where}: insn {r.slot}: calls extern function {r.target!r}, "
                                    f"which is not a kfunc pybpf provides (kfuncs: "
                                    f"{', '.join(sorted(KFUNCS))}; BPF code cannot call libc)")
                insns[i] = replace(insn, imm=KFUNCS[r.target][0])
            elif r.kind == RELO_EXTERN:
                raise LinkError(f"{where}: insn {r.slot}: extern {r.target!r} (__ksym/__kconfig "
                                f"variable) is not known to pybpf")
        slot = 0
        for i, insn in enumerate(insns):
            if insn.opcode == o.LDDW and insn.src == o.BPF_PSEUDO_FUNC:
                target = slot + s32(insn.imm) + 1
                insns[i] = replace(insn, src=0, imm=abi.region_va(abi.REGION_CODE) + target)
            slot += insn.width
        return insns

    def _lddw_name(self, insn) -> str | None:
        """``map[name]`` / ``.rodata+16`` names for patched addresses."""
        if insn.opcode != o.LDDW or insn.src:
            return None
        if insn.imm in self._map_names:
            return f"map[{self._map_names[insn.imm]}]"
        base = insn.imm & ~0xFFFFFFFF
        name = self._data_va.get(base)
        return f"{name}+{insn.imm - base}" if name else None


def _with_rodata(spec: ObjectSpec, values: dict, filename: str) -> dict[str, bytes]:
    """Initial bytes of every data section, with the user's values for read-only globals."""
    data = {name: bytearray(sec.data.ljust(sec.size, b"\0")) for name, sec in spec.data_sections.items()}
    symbols = {sym: (name, s) for name, sec in spec.data_sections.items() if sec.readonly
               for sym, s in sec.symbols.items()}
    for sym, value in values.items():
        if sym not in symbols:
            raise PyBPFError(f"{filename}: rodata: no read-only global named {sym!r} "
                             f"(have: {', '.join(sorted(symbols)) or 'none'})")
        section, s = symbols[sym]
        if isinstance(value, int):
            try:
                value = value.to_bytes(s.size, "little", signed=value < 0)
            except OverflowError:
                raise PyBPFError(f"{filename}: rodata: {value} does not fit {sym!r} "
                                 f"({s.size} bytes)") from None
        value = bytes(value)
        if len(value) != s.size:
            raise PyBPFError(f"{filename}: rodata: {sym!r} has {s.size} bytes, got {len(value)}")
        data[section][s.offset:s.offset + s.size] = value
    return {name: bytes(b) for name, b in data.items()}


def _segmented_lines(segments):
    """line_of over the object's code: each program's own line info, by slot."""
    def line_of(slot: int):
        for start, size, _name, lines in segments:
            if start <= slot < start + size:
                return lines(slot - start)
        return None
    return line_of



def load(path_or_bytes, helpers: dict | None = None, budget: int | None = None,
         name: str | None = None, ncpu: int = 1, pin_root=None, rodata: dict | None = None,
         program_types: dict | None = None) -> Object:
    """Read, link and load a BPF ELF object; raises a :class:`PyBPFError` on bad input."""
    object_id = (object_id_of(path_or_bytes)
                 if isinstance(path_or_bytes, (bytes, bytearray, memoryview)) else None)
    return Object(read_object(path_or_bytes, name=name), helpers=helpers, budget=budget,
                  ncpu=ncpu, pin_root=pin_root, object_id=object_id, rodata=rodata,
                  program_types=program_types)
