"""The verifier: whether Linux (6.18) would load a program, and if not, why.

``verify(path_or_bytes, program=None)`` checks one program of a clang-built object;
``verify_insns(insns, prog_type)`` checks raw instructions. Both return a
:class:`Verdict`: ``accepted``, and for a refused program the kernel's message
(``message``), the instruction (``slot``, ``insn``), the C line (``line``), the
registers involved and a ``hint``. Input pybpf cannot read raises a
:class:`~pybpf.errors.PyBPFError`.

Modules: :mod:`.cfg` (static checks), :mod:`.regs` and :mod:`.tnum` (the scalar and
pointer domains), :mod:`.state` (frames, stack, pruning), :mod:`.core` (path
exploration), :mod:`.protos` (helper prototypes), :mod:`.ctx` (context access per
program type), :mod:`.report` (what the user reads).

Privilege: by default the rules of a loader with CAP_SYS_ADMIN or CAP_PERFMON (root).
``unprivileged=True`` gives the rules of one with CAP_BPF and CAP_NET_ADMIN but neither
of those (the kernel ties ``allow_ptr_leaks``, ``allow_uninit_stack`` and the Spectre
v1/v4 bypasses to CAP_PERFMON): no pointer may be returned, stored into a map, the
context, the packet or a helper's scalar argument, or compared; stack may be read only
where it was written; pointer arithmetic must stay maskable against speculation
(``... prohibited for !root``); the CAP_PERFMON helpers (trace_printk, probe_read_kernel
...) are refused. A user with no capability at all (``unprivileged_bpf_disabled=0``)
may in addition load only socket filters and cgroup skb programs: that restriction on
program types is not modelled (this machine forbids such loads, so it cannot be
recorded here).
"""

from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass, field

from ..errors import PyBPFError
from ..isa import opcodes as o
from ..isa.disasm import format_insn
from ..isa.insn import Insn
from ..helpers.hotset import helper_name
from .cfg import CFGError, build
from .core import MapDesc, Reject, Verifier, forget_memos
from .report import hint

__all__ = ["verify", "verify_insns", "verify_linked", "Verdict", "MapDesc", "VerifierError"]


class VerifierError(PyBPFError, ValueError):
    """The verifier refused a program (raised by callers that require acceptance)."""

    def __init__(self, verdict: "Verdict"):
        self.verdict = verdict
        super().__init__(verdict.summary())


@dataclass
class Verdict:
    accepted: bool
    program: str = ""
    message: str = ""                 # the kernel's last log line ("" when accepted)
    notes: list = field(default_factory=list)
    slot: int | None = None
    insn: str = ""
    line: tuple | None = None         # (file, line, text)
    registers: dict = field(default_factory=dict)   # "R1" -> description
    hint: str = ""
    processed: int = 0
    total_states: int = 0
    seconds: float = 0.0
    log: list = field(default_factory=list)

    @property
    def where(self) -> str:
        loc = f"insn {self.slot}" if self.slot is not None else ""
        if self.line:
            loc += f" ({os.path.basename(self.line[0])}:{self.line[1]})"
        return f"{self.program}: {loc}" if self.program else loc

    def summary(self) -> str:
        if self.accepted:
            return f"{self.program}: accepted ({self.processed} insns processed)"
        return f"{self.where}: {self.message}"

    def report(self) -> str:
        """The multi-line report: location, C line, instruction, registers, hint, kernel line."""
        if self.accepted:
            return (f"{self.program}: accepted. processed {self.processed} insns, "
                    f"{self.total_states} states")
        out = [f"{self.where}: rejected"]
        if self.line:
            out.append(f"    {self.line[1]} | {self.line[2].strip()}")
        if self.insn:
            out.append(f"  insn {self.slot}: {self.insn}")
        for name, desc in self.registers.items():
            out.append(f"  {name} = {desc}")
        if self.hint:
            out.append(f"  what to change: {self.hint}")
        out.extend(self.notes)
        out.append(self.message)
        return "\n".join(out)

    def as_json(self) -> dict:
        return {"program": self.program, "accepted": self.accepted, "message": self.message,
                "notes": self.notes, "insn": self.slot, "text": self.insn,
                "source": ({"file": self.line[0], "line": self.line[1], "text": self.line[2]}
                           if self.line else None),
                "registers": self.registers, "hint": self.hint, "processed": self.processed,
                "total_states": self.total_states}


def verify_insns(insns: list[Insn], prog_type: str | None, maps: list[MapDesc] | None = None,
                 *, gpl: bool = True, log_level: int = 0, name: str = "", line_of=None,
                 resolve_map=None, kfuncs: dict | None = None,
                 unprivileged: bool = False) -> Verdict:
    """Verify raw instructions. ``map[id:N]`` / ``map[idx:N]`` lddw refer to ``maps[N]``."""
    # The cyclic garbage collector is paused meanwhile: the verifier makes no reference
    # cycles (its objects are freed by reference counts) but allocates so many that the
    # collector would walk the saved states again and again (a tenth of the time).
    # The memo tables are emptied at the end too, while the collector is still paused: their
    # tuples (tens of thousands on a long walk) are freed by reference counts then, where kept
    # until the next verification, the collector would walk them all on its next run.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _verify_insns(insns, prog_type, maps or [], gpl, log_level, name, line_of,
                             resolve_map, kfuncs, unprivileged)
    finally:
        forget_memos()
        if was_enabled:
            gc.enable()


def _verify_insns(insns, prog_type, maps, gpl, log_level, name, line_of, resolve_map,
                  kfuncs, unprivileged) -> Verdict:

    def by_index(slot, insn):
        idx = insn.imm & 0xFFFFFFFF
        if idx >= len(maps):
            return None
        off = (insn.imm >> 32) & 0xFFFFFFFF if insn.src in (o.BPF_PSEUDO_MAP_VALUE,
                                                            o.BPF_PSEUDO_MAP_IDX_VALUE) else 0
        return maps[idx], off

    start = time.perf_counter()
    verdict = Verdict(accepted=False, program=name)
    # add_subprog_and_kfunc, the kernel's first pass, before the CFG: a kfunc call needs a
    # GPL-compatible licence (a GPL program has nothing to look for here)
    pos = 0
    for insn in (() if gpl else insns):
        if insn.opcode == o.BPF_JMP | o.BPF_CALL and insn.src == o.BPF_PSEUDO_KFUNC_CALL:
            verdict.message = "cannot call kernel function from non-GPL compatible program"
            verdict.slot = pos
            _locate(verdict, insns, line_of)
            verdict.hint = hint(verdict.message)
            return verdict
        pos += insn.width
    try:
        prog = build(insns)
    except CFGError as exc:
        verdict.message, verdict.slot = exc.message, exc.slot
        _locate(verdict, insns, line_of)
        verdict.hint = hint(exc.message)
        return verdict
    def fmt(slot):
        insn = prog.insns[slot]
        return format_insn(insn, helper_name=helper_name, with_opcode=True)

    v = Verifier(prog, prog_type, resolve_map or by_index, gpl=gpl, log_level=log_level,
                 kfuncs=kfuncs, fmt_insn=fmt, priv=not unprivileged)
    try:
        v.run()
        verdict.accepted = True
    except Reject as exc:
        verdict.message, verdict.slot, verdict.notes = exc.message, exc.slot, exc.notes
        if exc.state is not None:
            regs = exc.state.cur.regs
            for r in exc.regs:
                verdict.registers[f"R{r}"] = regs[r].describe()
        need = None
        if "outside of the packet" in exc.message and exc.notes:
            import re
            m = re.search(r"off=(-?\d+) size=(\d+)", exc.notes[0])
            if m:
                need = int(m.group(1)) + int(m.group(2))
        verdict.hint = hint(exc.message, need)
        _locate(verdict, insns, line_of)
    verdict.log = v.log
    verdict.processed = v.processed
    verdict.total_states = v.total_states
    verdict.seconds = time.perf_counter() - start
    return verdict


def _locate(verdict: Verdict, insns, line_of) -> None:
    slot = verdict.slot
    if slot is None:
        return
    pos = 0
    for insn in insns:
        if pos == slot:
            verdict.insn = format_insn(insn, helper_name=helper_name)
            break
        pos += insn.width
    if line_of is not None:
        verdict.line = line_of(slot)


def _map_desc(spec, cache: dict) -> MapDesc:
    key = id(spec)
    if key not in cache:
        inner = _map_desc(spec.inner, cache) if getattr(spec, "inner", None) is not None else None
        cache[key] = MapDesc(spec.name, spec.type, spec.key_size, spec.value_size,
                             spec.max_entries, spec.flags, inner=inner)
    return cache[key]


def _kconfig_value(name: str, size: int) -> bytes | None:
    """What libbpf puts in ``.kconfig`` for ``name`` on this kind of machine, if pybpf knows:
    the variables libbpf itself defines (``LINUX_*``); ``CONFIG_*`` are unknown."""
    if name == "LINUX_KERNEL_VERSION":
        import platform
        import re
        nums = [int(x) for x in re.findall(r"\d+", platform.release())[:3]] + [0, 0, 0]
        value = (nums[0] << 16) | (nums[1] << 8) | min(nums[2], 255)
    elif name in ("LINUX_HAS_SYSCALL_WRAPPER", "LINUX_HAS_BPF_COOKIE"):
        value = 1               # x86-64 wraps syscalls (4.17+); BPF cookies exist since 5.15
    else:
        return None
    return value.to_bytes(size, "little") if size in (1, 2, 4, 8) else None


def _kconfig_desc(obj, name: str, cache: dict) -> MapDesc | None:
    """A ``__kconfig`` extern as the verifier sees it after libbpf: a pointer into the frozen
    read-only ``.kconfig`` map. Each variable gets its own one-value map here, whose bytes are
    known when :func:`_kconfig_value` knows them (else reads give unknown scalars)."""
    ext = obj.externs.get(name)
    btf = getattr(obj, "btf", None)
    if ext is None or ext.kind != "kconfig" or btf is None or ext.btf_type_id is None:
        return None
    key = ("kconfig", name)
    if key not in cache:
        try:
            size = btf.size_of(btf.type(ext.btf_type_id).type)
        except Exception:  # noqa: BLE001 - an odd BTF: leave the extern unresolved
            return None
        cache[key] = MapDesc(".kconfig", 2, 4, max(size, 1), 1, 0x80,
                             data=_kconfig_value(name, size))
    return cache[key]


def verify_linked(linked, prog_type: str | None = None, log_level: int = 0,
                  unprivileged: bool = False) -> Verdict:
    """Verify a :class:`pybpf.elf.link.LinkedProgram` (maps and global data from its object)."""
    from ..spec import RELO_DATA, RELO_EXTERN, RELO_KFUNC, RELO_MAP
    obj = linked.object
    cache: dict = {}
    by_slot: dict[int, tuple] = {}
    for r in linked.relocations:
        if r.kind == RELO_MAP and r.target in obj.maps:
            by_slot[r.slot] = (_map_desc(obj.maps[r.target], cache), 0)
        elif r.kind == RELO_EXTERN and _kconfig_desc(obj, r.target, cache) is not None:
            by_slot[r.slot] = (_kconfig_desc(obj, r.target, cache), 0)
        elif r.kind == RELO_DATA and r.target in obj.data_sections:
            sec = obj.data_sections[r.target]
            if r.target not in cache:
                cache[r.target] = MapDesc(sec.name, 2, 4, max(sec.size, 1), 1,
                                          0x80 if sec.readonly else 0,
                                          data=bytes(sec.data).ljust(sec.size, b"\0")
                                          if sec.readonly else None)
            by_slot[r.slot] = (cache[r.target], r.offset)

    def resolve(slot, insn):
        hit = by_slot.get(slot)
        if hit is None:
            return None
        desc, off = hit
        if insn.src == o.BPF_PSEUDO_MAP_VALUE:
            off = (insn.imm >> 32) & 0xFFFFFFFF
        return desc, off

    gpl = (linked.license or "") in ("GPL", "GPL v2", "GPL and additional rights",
                                     "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL")
    # CO-RE relocations resolved as the loader resolves them (a poisoned instruction is the
    # call to an unknown helper the kernel's verifier then refuses, as with libbpf)
    from ..elf.core import apply as apply_core
    insns, _poisoned = apply_core(getattr(obj, "btf", None), list(linked.instructions),
                                  linked.core_relos, linked.name)
    kconfig = {r.slot for r in linked.relocations if r.kind == RELO_EXTERN and r.slot in by_slot}
    if kconfig:   # libbpf makes these lddw map-value loads of the .kconfig map
        from dataclasses import replace
        pos, patched = 0, []
        for insn in insns:
            if pos in kconfig:
                insn = replace(insn, src=o.BPF_PSEUDO_MAP_VALUE, imm=0)
            patched.append(insn)
            pos += insn.width
        insns = patched
    from .ctx import with_attach
    return verify_insns(insns, prog_type or with_attach(linked.type, linked.attach_type), gpl=gpl,
                        log_level=log_level, name=linked.name, line_of=linked.line_of,
                        resolve_map=resolve,
                        kfuncs={r.slot: r.target for r in linked.relocations
                                if r.kind == RELO_KFUNC}, unprivileged=unprivileged)


def verify(path_or_bytes, program: str | None = None, prog_type: str | None = None,
           log_level: int = 0, unprivileged: bool = False) -> list[Verdict]:
    """Verify one program (``program``) or every program of an object file
    (``unprivileged``: the rules without CAP_PERFMON, see the module's docstring)."""
    from ..elf import link_program, read_object
    spec = read_object(path_or_bytes)
    names = [program] if program else list(spec.programs)
    if not names:
        raise PyBPFError(f"{spec.name}: the object has no programs")
    base = os.path.basename(spec.path) if spec.path and spec.path != "<bytes>" else spec.name
    out = []
    for name in names:
        linked = link_program(spec, name)
        v = verify_linked(linked, prog_type, log_level, unprivileged)
        v.program = f"{base}:{name}"
        out.append(v)
    return out
