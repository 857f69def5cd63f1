"""Link one entry program with the subprograms it reaches into a flat instruction list.

Layout (as libbpf does it): the entry function first, then each subprogram in
the order it is first reached (breadth-first over calls and function
references). Every subprogram reached gets its own copy in each linked program.

Fixed here:

* bpf-to-bpf calls (``call`` with src=BPF_PSEUDO_CALL): ``imm`` = target slot -
  call slot - 1;
* function references (``lddw`` with src=BPF_PSEUDO_FUNC, e.g. the callback of
  ``bpf_loop``): ``imm`` = target slot - lddw slot - 1, stored as the low 32 bits
  (high word zero, read it as s32), as the kernel expects.

Left for the loader, as :class:`~pybpf.spec.Relocation` records with final slot
positions: map references (``map``), global data (``data``: the lddw already has
src=BPF_PSEUDO_MAP_VALUE and the byte offset in the high word of imm), kfunc
calls (``kfunc``) and extern variables (``extern``).
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field, replace

from ..errors import LinkError
from ..isa.insn import Insn, encode, slot_index
from ..spec import RELO_CALL, RELO_FUNC, FunctionSpec, ObjectSpec, ProgramSpec, Relocation


@dataclass(frozen=True)
class Subprogram:
    """Where one function landed in the linked program."""

    name: str
    section: str
    slot: int      # first slot in the linked program
    size: int      # length in slots

    @property
    def end(self) -> int:
        return self.slot + self.size


@dataclass
class LinkedProgram:
    """One program ready for the loader: all slots are final positions."""

    name: str
    section: str
    type: str | None
    attach_type: str | None
    attach_to: str | None
    instructions: list[Insn]
    relocations: list[Relocation]           # map / data / kfunc / extern, final slots
    functions: list[Subprogram]             # entry first, then subprograms
    line_info: list = field(default_factory=list)    # list[btf.LineInfo], final slots
    func_info: list = field(default_factory=list)    # list[btf.FuncInfo], final slots
    core_relos: list = field(default_factory=list)   # list[btf.CoreRelo], final slots
    license: str | None = None
    object: ObjectSpec | None = None
    spec: ProgramSpec | None = None

    def __post_init__(self):
        self._line_slots = [li.slot for li in self.line_info]

    @property
    def size(self) -> int:
        """Length in slots."""
        return sum(i.width for i in self.instructions)

    def bytecode(self) -> bytes:
        return encode(self.instructions)

    def function_of(self, slot: int) -> Subprogram | None:
        """The function (entry or subprogram) containing ``slot``."""
        for f in self.functions:
            if f.slot <= slot < f.end:
                return f
        return None

    def line_of(self, slot: int):
        """``(file, line, text)`` for the instruction at ``slot``, or None.

        Uses the nearest line-info record at or before ``slot`` within the same
        function, as the kernel's verifier log does.
        """
        i = bisect.bisect_right(self._line_slots, slot) - 1
        if i < 0:
            return None
        li = self.line_info[i]
        fn = self.function_of(slot)
        if fn is not None and li.slot < fn.slot:
            return None
        return li.file, li.line, li.text

    def relocations_of(self, kind: str) -> list[Relocation]:
        return [r for r in self.relocations if r.kind == kind]


def _where(obj: ObjectSpec, name: str) -> str:
    base = os.path.basename(obj.path) if obj.path and obj.path != "<bytes>" else obj.name
    return f"{base}:{name}"


def link_program(obj: ObjectSpec, name: str) -> LinkedProgram:
    """Link program ``name`` of ``obj`` (an entry program, or any function by name)."""
    entry: FunctionSpec | None = obj.programs.get(name)
    if entry is None:
        entry = obj.function(name)
    if entry is None:
        avail = ", ".join(sorted(obj.programs)) or "none"
        raise LinkError(f"{_where(obj, name)}: no program named {name!r} "
                        f"(programs: {avail})")
    where = _where(obj, name)

    layout: list[FunctionSpec] = [entry]
    start: dict[int, int] = {id(entry): 0}
    pos = entry.size
    targets: dict[tuple[int, int], tuple[FunctionSpec, int]] = {}
    k = 0
    while k < len(layout):
        fn = layout[k]
        k += 1
        for r in fn.relocations:
            if r.kind not in (RELO_CALL, RELO_FUNC):
                continue
            tgt = None
            if r.target_section is not None and r.target_slot is not None:
                tgt = obj.function_at(r.target_section, r.target_slot)
            if tgt is None:
                what = "call to" if r.kind == RELO_CALL else "reference to function"
                sym = r.symbol or f"{r.target_section}+{r.target_slot}"
                raise LinkError(f"{where}: insn {start[id(fn)] + r.slot} (in {fn.name}): {what} "
                                f"{sym!r} which cannot be found (target slot {r.target_slot} "
                                f"of section {r.target_section!r} is in no function)")
            if id(tgt) not in start:
                start[id(tgt)] = pos
                pos += tgt.size
                layout.append(tgt)
            targets[(id(fn), r.slot)] = (tgt, r.target_slot - tgt.slot)

    insns: list[Insn] = []
    relocs: list[Relocation] = []
    lines, finfos, cores, funcs = [], [], [], []
    for fn in layout:
        base = start[id(fn)]
        funcs.append(Subprogram(fn.name, fn.section, base, fn.size))
        body = list(fn.instructions)
        slots = slot_index(body)
        index_of = {s: i for i, s in enumerate(slots)}
        for r in fn.relocations:
            final = base + r.slot
            if r.kind in (RELO_CALL, RELO_FUNC):
                tgt, delta = targets[(id(fn), r.slot)]
                rel = start[id(tgt)] + delta - final - 1
                i = index_of[r.slot]
                if r.kind == RELO_CALL:
                    body[i] = replace(body[i], imm=rel)
                else:
                    body[i] = replace(body[i], imm=rel & 0xFFFFFFFF)
            else:
                relocs.append(r.moved(final))
        insns.extend(body)
        lines.extend(replace(li, slot=li.slot + base) for li in fn.line_info)
        finfos.extend(replace(fi, slot=fi.slot + base) for fi in fn.func_info)
        cores.extend(replace(c, slot=c.slot + base) for c in fn.core_relos)

    lines.sort(key=lambda li: li.slot)
    is_prog = isinstance(entry, ProgramSpec)
    return LinkedProgram(
        name=entry.name, section=entry.section,
        type=entry.type if is_prog else None,
        attach_type=entry.attach_type if is_prog else None,
        attach_to=entry.attach_to if is_prog else None,
        instructions=insns, relocations=relocs, functions=funcs,
        line_info=lines, func_info=finfos, core_relos=cores,
        license=obj.license, object=obj, spec=entry if is_prog else None,
    )
