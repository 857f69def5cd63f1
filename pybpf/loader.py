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
import time
from dataclasses import replace

from .contexts import context_class
from .elf import link_program, read_object
from .elf.core import POISON_HELPER, apply as apply_core
from .elf.link import LinkedProgram
from .env import load_env
from .errors import LinkError, PyBPFError, TestRunRefused
from .helpers import check_calls, resolve_user_helpers
from .helpers.events import (PERF_EVENT_ARRAY, add_sample_buffer, after_run, decode_event,
                             events as machine_events)
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


#: Repetitions of a test run per compiled batch (memory stays bounded for huge repeats).
TEST_RUN_CHUNK = 4096


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
        """Raise a :class:`PyBPFError` saying why :meth:`test_run` cannot run this program."""
        where = f"{self.object.filename}:{self.name}"
        if self.type is None:
            raise PyBPFError(f"{where}: section {self.section!r} does not name a program type "
                             f"(libbpf would refuse it too); give one with "
                             f"load(..., program_types={{{self.name!r}: 'xdp'}})")
        if context_class(self.type) is None:
            raise PyBPFError(f"{where}: running {self.type} programs is not supported yet "
                             f"(xdp, sched_cls and sched_act are)")

    @property
    def machine(self) -> Machine:
        return self.object.machine

    def test_run(self, data_in: bytes, ctx_in=None, repeat: int = 1, env=None,
                 trace: list | None = None) -> RunResult:
        """Run the program as ``BPF_PROG_TEST_RUN`` would and return a :class:`RunResult`.

        ``data_in``: the packet (XDP: lands after 256 bytes of headroom; with ``ctx_in``
        its first ``ctx_in["data"]`` bytes are the metadata). ``ctx_in``: the context
        struct (``xdp_md``, ``__sk_buff``) as bytes or a dict of field names (fields left
        out are 0, except an XDP ``data_end``: the input's length); input the kernel
        refuses raises :class:`~pybpf.errors.TestRunRefused` with its errno name.
        ``repeat``: run that many times, each on a fresh copy of the input (maps keep
        their changes, as in the kernel); the result is the last run's, ``duration_ns``
        the mean wall-clock time per run (without ``env``, for tc and for XDP without
        ``ctx_in``: all runs but the last go through one compiled loop, :mod:`pybpf.batch`).
        ``env`` replaces the object's environment (:mod:`pybpf.env`) for this call.
        ``trace`` (a list) receives every executed instruction of the last run
        (:class:`pybpf.vm.machine.TraceStep`).
        """
        self.check_runnable()
        if not isinstance(repeat, int) or repeat < 0:
            raise PyBPFError(f"{self.object.filename}:{self.name}: repeat must be a "
                             f"non-negative integer, got {repeat!r}")
        repeat = max(repeat, 1)  # the kernel runs repeat=0 once
        if not isinstance(data_in, (bytes, bytearray, memoryview)):
            raise PyBPFError(f"{self.object.filename}:{self.name}: data_in must be bytes, "
                             f"got {type(data_in).__name__}")
        if self.linked.attach_type in ("xdp_devmap", "xdp_cpumap"):
            raise TestRunRefused(f"{self.object.filename}:{self.name}: an XDP program for "
                                 f"{self.linked.attach_type[4:]} entries cannot be test-run")
        env = self.object.env if env is None else load_env(env)
        ctx = self.object._context(self.type)
        tc = self.type in ("sched_cls", "sched_act")
        batched = repeat > 1 and env is self.object.env and (
            (self.type == "xdp" and ctx_in is None) or (tc and not ctx.metadata))
        machine = self.object.machine
        machine.context, machine.env = ctx, env
        elapsed = 0
        first = 0
        if batched:
            # all runs but the last in one compiled loop (pybpf.batch), which stops where a
            # run fails as this loop would; the last run below gives the full result
            ctx.load(data_in, ctx_in, env, machine.st)   # input the kernel refuses: refused here
            from .batch import run_tc, run_xdp
            data = bytes(data_in)
            done = 0
            while done < repeat - 1:   # in chunks: a batch holds its input and output
                n = min(repeat - 1 - done, TEST_RUN_CHUNK)
                t0 = time.perf_counter_ns()
                res = (run_tc(self, [data] * n, ctx_in=ctx_in, stop_on_error=True) if tc
                       else run_xdp(self, [data] * n, stop_on_error=True))
                elapsed += time.perf_counter_ns() - t0
                if res.errors:
                    raise res.errors[min(res.errors)]
                done += n
            first = repeat - 1
        for i in range(first, repeat):
            ctx.load(data_in, ctx_in, env, machine.st)
            t0 = time.perf_counter_ns()
            r0 = machine.run(ctx.ctx_va, entry=self.entry,
                             trace=trace if i == repeat - 1 else None)
            elapsed += time.perf_counter_ns() - t0
            if self.object._has_ringbuf:
                after_run(machine)  # drain ring buffers like a reader polling per packet
        retval = r0 & 0xFFFFFFFF
        return RunResult(retval, ctx.verdict(retval), ctx.data_out(), machine.executed,
                         ctx=ctx.ctx_fields(), ctx_raw=ctx.ctx_out(), redirect=ctx.redirect,
                         duration_ns=elapsed // repeat)

    def run(self, data: bytes, ingress_ifindex: int | None = None,
            rx_queue_index: int | None = None, trace: list | None = None,
            **kw) -> RunResult:
        """:meth:`test_run` on one packet; ``ingress_ifindex``/``rx_queue_index`` (XDP) are
        shorthands for the ``ctx_in`` fields of the same names."""
        if ingress_ifindex is not None or rx_queue_index is not None:
            if kw.get("ctx_in") is not None:
                raise PyBPFError(f"{self.object.filename}:{self.name}: give ingress_ifindex/"
                                 f"rx_queue_index inside ctx_in, not beside it")
            kw["ctx_in"] = {name: value for name, value in (("ingress_ifindex", ingress_ifindex),
                                                            ("rx_queue_index", rx_queue_index))
                            if value is not None}
        return self.test_run(data, trace=trace, **kw)

    def disassemble(self) -> str:
        from .isa.disasm import disassemble
        return disassemble(self.object._insns[self.name], line_of=self.linked.line_of,
                           lddw_name=self.object._lddw_name)


class Object:
    """A loaded BPF object: its programs share code, memory, maps and helpers."""

    def __init__(self, spec: ObjectSpec, helpers: dict | None = None, budget: int | None = None,
                 ncpu: int | None = None, pin_root=None, object_id: str | None = None,
                 rodata: dict | None = None, program_types: dict | None = None, env=None,
                 tier: str | None = None):
        """``helpers`` supplies or replaces helpers: ``{"name" or id: fn(machine, r1..r5)}``.

        Pinned maps live under ``pin_root`` (default ``$PYBPF_PIN_ROOT`` or
        ``~/.cache/pybpf/bpffs``; ``False`` disables pinning): see :mod:`pybpf.maps.pinning`.
        ``rodata`` sets ``const volatile`` globals before load, as a libbpf skeleton does:
        ``{"name": int or bytes}``. ``program_types`` gives a program's type where its
        section name does not (``{"prog": "xdp"}``), like libbpf's set_type.
        ``env`` is the environment programs see (:mod:`pybpf.env`: a dict, a JSON/TOML path
        or an ``Env``); its ``ncpu`` applies unless ``ncpu`` is given, its ``clock_ns`` and
        ``seed`` set the virtual clock and the random generator.
        """
        from .vm.machine import DEFAULT_BUDGET
        self.spec = spec
        self.env = load_env(env)
        ncpu = self.env.ncpu if ncpu is None else ncpu
        self.filename = os.path.basename(spec.path) if spec.path and spec.path != "<bytes>" else spec.name
        self.memory = Memory(ctx_size=CTX_SIZE, owner=self.filename)
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
        self._contexts: dict = {}
        self._has_ringbuf = any(m.type == RINGBUF for m in spec.maps.values())
        user = resolve_user_helpers(helpers)

        self.programs: dict[str, Program] = {}
        self._poisoned_in: dict[str, dict[int, str]] = {}   # CO-RE: program -> slot -> why
        self._poisoned: dict[int, str] = {}                 # the same by object slot
        self._insns: dict[str, list] = {}
        code_insns, segments, entry = [], [], 0
        for name in spec.programs:
            linked = link_program(spec, name)
            if program_types and name in program_types:
                linked.type = program_types[name]
            insns = self._patch(linked)
            where = f"{self.filename}:{name}"
            check_calls(where, build_code(insns, name=where, line_of=linked.line_of),
                        {**user, POISON_HELPER: _core_poisoned} if self._poisoned_in[name] else user)
            self._poisoned.update({entry + k: v for k, v in self._poisoned_in[name].items()})
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
        if self._poisoned:
            user = {**user, POISON_HELPER: _core_poisoned}
        self.machine = Machine(self.code, self.memory, helpers=user, budget=budget or DEFAULT_BUDGET,
                               maps=self.maps.table,
                               kfuncs={kid: fn for kid, fn in KFUNCS.values()}, tier=tier)
        self.machine.poisoned = self._poisoned
        self.machine.clock_ns = self.env.clock_ns
        self.machine.seed(self.env.seed)
        self.machine.mapset = self.maps       # Python helpers reach maps by number through it
        self.machine.context, self.machine.env = None, self.env
        if any(m.type == PERF_EVENT_ARRAY for m in spec.maps.values()):
            add_sample_buffer(self.machine, self.memory)   # (the compiled perf_event_output)
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

    def _context(self, prog_type: str):
        """The object's context of ``prog_type``'s kind (one per kind: each owns packet memory)."""
        cls = context_class(prog_type)
        ctx = self._contexts.get(cls.kind)
        if ctx is None:
            ctx = self._contexts[cls.kind] = cls(self.memory)
        return ctx

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
        insns, poisoned = apply_core(self.spec.btf, list(linked.instructions), linked.core_relos,
                                     f"{self.filename}:{linked.name}")
        self._poisoned_in[linked.name] = poisoned
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


def run_xdp_then_tc(xdp: Program, tc: Program, data: bytes, ctx_in=None, env=None,
                    tc_ctx_in=None) -> tuple[RunResult, RunResult | None]:
    """Run an XDP program, then (if it passed the packet) a tc program on the same packet.

    As a driver with XDP metadata support does: the packet tc sees is XDP's output from
    ``data`` on, and XDP's metadata (``data_meta`` .. ``data``) stays in front of it, where
    ``__sk_buff.data_meta`` points. ``ctx_in``/``env`` are the XDP run's (the environment
    is shared); ``tc_ctx_in`` is the tc run's ``__sk_buff`` (default: the ingress device of
    the XDP run as ``ingress_ifindex``/``ifindex`` when it is not the loopback). Returns
    both results; the second is None when XDP did not return XDP_PASS.
    """
    for prog, kind in ((xdp, ("xdp",)), (tc, ("sched_cls", "sched_act"))):
        if prog.type not in kind:
            raise PyBPFError(f"{prog.object.filename}:{prog.name}: is a {prog.type} program, "
                             f"not {' or '.join(kind)}")
    first = xdp.test_run(data, ctx_in=ctx_in, env=env)
    if first.verdict != "XDP_PASS":
        return first, None
    metalen = first.ctx["data"]
    ingress = first.ctx["ingress_ifindex"]
    if tc_ctx_in is None and ingress > 1:
        tc_ctx_in = {"ingress_ifindex": ingress, "ifindex": ingress}
    ctx = tc.object._context(tc.type)
    ctx.metadata = first.data[:metalen]
    try:
        second = tc.test_run(first.data[metalen:], ctx_in=tc_ctx_in,
                             env=env if env is not None else xdp.object.env)
    finally:
        ctx.metadata = b""
    return first, second


def _core_poisoned(machine, *_args):
    """An instruction whose CO-RE relocation failed ran (libbpf leaves the same call there)."""
    from .errors import HelperError
    pc = int(machine.st[abi.PC]) - 1
    why = machine.poisoned.get(pc, "CO-RE relocation failed")
    raise HelperError(f"{machine.describe_insn(pc)}: {why}", pc, machine.where(pc))


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
         name: str | None = None, ncpu: int | None = None, pin_root=None,
         rodata: dict | None = None, program_types: dict | None = None, env=None,
         tier: str | None = None) -> Object:
    """Read, link and load a BPF ELF object; raises a :class:`PyBPFError` on bad input.

    ``tier``: ``interp``, ``compiled`` or ``auto``, the default (see :class:`pybpf.vm.Machine`)."""
    object_id = (object_id_of(path_or_bytes)
                 if isinstance(path_or_bytes, (bytes, bytearray, memoryview)) else None)
    return Object(read_object(path_or_bytes, name=name), helpers=helpers, budget=budget,
                  ncpu=ncpu, pin_root=pin_root, object_id=object_id, rodata=rodata,
                  program_types=program_types, env=env, tier=tier)
