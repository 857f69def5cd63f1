"""Read a clang-compiled BPF ELF object into an :class:`~pybpf.spec.ObjectSpec`.

What is read (following libbpf's conventions):

* executable sections other than ``.text``: each FUNC symbol (global or static)
  is an entry program; ``.text`` holds subprograms;
* ``.maps`` (BTF-defined maps, decoded from the BTF DATASEC ``.maps``) and the
  legacy ``maps`` section (``struct bpf_elf_map`` / ``struct bpf_map_def``);
* global data sections ``.data``, ``.rodata``, ``.bss``, ``.data.*``, ``.rodata.*``;
* ``license``, ``version``, ``.BTF``, ``.BTF.ext``;
* ``.rel<section>`` relocations of executable sections and of ``.maps``.

``.eh_frame``, DWARF and relocations of BTF/DWARF/eh_frame are skipped. Any
problem raises :class:`ELFError` whose message starts with the file name.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import replace

from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import SymbolTableSection

from ..errors import DecodeError, ELFError, PyBPFError
from ..isa.insn import Insn, decode, slot_index
from ..isa.opcodes import (
    BPF_CALL, BPF_JMP, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL,
    BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, LDDW,
)
from ..spec import (
    RELO_CALL, RELO_DATA, RELO_EXTERN, RELO_FUNC, RELO_KFUNC, RELO_MAP, DataSection,
    DataSymbol, ExternSpec, FunctionSpec, MapSpec, ObjectSpec, ProgramSpec, Relocation,
    program_type_for_section,
)
from . import btf as btfmod

EM_BPF = 247
SHF_WRITE = 0x1
SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4

# Relocation types of the BPF ELF ABI (llvm/BinaryFormat/ELFRelocs/BPF.def).
R_BPF_NONE = 0
R_BPF_64_64 = 1
R_BPF_64_ABS64 = 2
R_BPF_64_ABS32 = 3
R_BPF_64_NODYLD32 = 4
R_BPF_64_32 = 10
RELOC_NAMES = {
    R_BPF_NONE: "R_BPF_NONE", R_BPF_64_64: "R_BPF_64_64", R_BPF_64_ABS64: "R_BPF_64_ABS64",
    R_BPF_64_ABS32: "R_BPF_64_ABS32", R_BPF_64_NODYLD32: "R_BPF_64_NODYLD32",
    R_BPF_64_32: "R_BPF_64_32",
}

CALL = BPF_JMP | BPF_CALL

_BPF_ELF_MAP = struct.Struct("<9I")   # iproute2 / Cilium struct bpf_elf_map (36 bytes)
_LEGACY_FIELDS = ("type", "key_size", "value_size", "max_entries", "flags")

_BTF_MAP_INT_FIELDS = {"type", "max_entries", "map_flags", "numa_node", "key_size",
                       "value_size", "pinning", "map_extra"}


def _is_data_section(name: str) -> bool:
    return (name in (".data", ".rodata", ".bss")
            or name.startswith(".data.") or name.startswith(".rodata.")
            or name.startswith(".bss."))


def _skip_section(name: str) -> bool:
    return (name.startswith(".debug") or name.startswith(".BTF") or name == ".eh_frame"
            or name.startswith(".rel.debug") or name.startswith(".rel.BTF")
            or name == ".rel.eh_frame" or name.startswith(".llvm"))


class _Sym:
    __slots__ = ("index", "name", "value", "size", "type", "bind", "shndx", "section")

    def __init__(self, index, name, value, size, typ, bind, shndx, section):
        self.index, self.name, self.value, self.size = index, name, value, size
        self.type, self.bind, self.shndx, self.section = typ, bind, shndx, section

    @property
    def binding(self) -> str:
        return {"STB_LOCAL": "local", "STB_WEAK": "weak"}.get(self.bind, "global")


def read_object(source, name: str | None = None) -> ObjectSpec:
    """Read a BPF ELF object from a path or from its bytes.

    Raises :class:`ELFError` naming the file for anything corrupt, truncated,
    not little-endian ELF64 for EM_BPF, or using something unsupported.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        path = "<bytes>"
        label = name or "<bytes>"
    else:
        path = os.fspath(source)
        label = path
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise ELFError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if name is None:
        base = os.path.basename(path) if path != "<bytes>" else "object"
        name = base[:-2] if base.endswith(".o") else base
    try:
        _check_ident(data)
        return _Reader(data, path, name).read()
    except ELFError as exc:
        raise ELFError(f"{label}: {exc}") from None
    except PyBPFError:
        raise
    except Exception as exc:  # pyelftools / struct errors on corrupt input
        raise ELFError(f"{label}: malformed ELF ({type(exc).__name__}: {exc})") from None


def _check_ident(data: bytes) -> None:
    if len(data) == 0:
        raise ELFError("file is empty")
    if len(data) < 64:
        if data[:4] == b"\x7fELF":
            raise ELFError(f"truncated ELF header ({len(data)} bytes, need 64)")
        raise ELFError("not an ELF file (bad magic)")
    if data[:4] != b"\x7fELF":
        raise ELFError("not an ELF file (bad magic)")
    if data[4] != 2:
        raise ELFError(f"not a 64-bit ELF (EI_CLASS={data[4]}); BPF objects are ELF64")
    if data[5] != 1:
        if data[5] == 2:
            raise ELFError("big-endian ELF (bpfeb) is not supported; compile with -target bpfel")
        raise ELFError(f"bad ELF data encoding EI_DATA={data[5]}")
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    if e_machine != EM_BPF:
        raise ELFError(f"wrong machine e_machine={e_machine}, expected EM_BPF (247)")
    if e_type != 1:
        raise ELFError(f"not a relocatable object (e_type={e_type}); expected ET_REL")
    shoff, = struct.unpack_from("<Q", data, 40)
    shentsize, shnum = struct.unpack_from("<HH", data, 58)
    if shnum and (shentsize != 64 or shoff + shnum * shentsize > len(data)):
        raise ELFError(f"truncated: section headers at {shoff} run past the end "
                       f"of the file ({len(data)} bytes)")


class _Reader:
    def __init__(self, data: bytes, path: str, name: str):
        self.data = data
        self.obj = ObjectSpec(path=path, name=name)
        self.elf = ELFFile(io.BytesIO(data))
        self._map_sizes: dict[str, int] = {}       # map name -> definition size in bytes
        self._values_offset: dict[str, int] = {}   # BTF map name -> byte offset of 'values'
        self._relocs: dict[int, dict[int, Relocation]] = {}  # code section -> slot -> reloc

    # ------------------------------------------------------------------
    def read(self) -> ObjectSpec:
        elf = self.elf
        obj = self.obj
        self.sections = []
        for idx in range(elf.num_sections()):
            sec = elf.get_section(idx)
            if sec["sh_type"] != "SHT_NOBITS":
                end = sec["sh_offset"] + sec["sh_size"]
                if end > len(self.data):
                    raise ELFError(f"truncated: section {sec.name!r} ends at {end}, past the "
                                   f"end of the file ({len(self.data)} bytes)")
            self.sections.append(sec)
        self.symbols = self._read_symbols()

        by_name = {s.name: i for i, s in enumerate(self.sections)}
        if ".BTF" in by_name:
            obj.btf = btfmod.BTF(self.sections[by_name[".BTF"]].data())
            self._fixup_datasecs()
            if ".BTF.ext" in by_name:
                obj.btf_ext = btfmod.parse_btf_ext(self.sections[by_name[".BTF.ext"]].data(),
                                                   obj.btf)

        if "license" in by_name:
            obj.license = self.sections[by_name["license"]].data().split(b"\0")[0].decode(
                "utf-8", "replace")
        if "version" in by_name:
            ver = self.sections[by_name["version"]].data()
            if len(ver) != 4:
                raise ELFError(f"section 'version' is {len(ver)} bytes, expected 4")
            obj.kernel_version = struct.unpack("<I", ver)[0]

        for i, sec in enumerate(self.sections):
            if _is_data_section(sec.name) and sec["sh_type"] in ("SHT_PROGBITS", "SHT_NOBITS"):
                self._read_data_section(i, sec)

        if ".maps" in by_name:
            self._read_btf_maps(by_name[".maps"])
        if "maps" in by_name:
            self._read_legacy_maps(by_name["maps"])

        self._read_externs()

        self.code = {}  # section index -> (insns, slots, functions)
        for i, sec in enumerate(self.sections):
            if (sec["sh_type"] == "SHT_PROGBITS" and sec["sh_flags"] & SHF_EXECINSTR
                    and sec["sh_size"] > 0):
                self._read_code_section(i, sec)

        for sec in self.sections:
            if not isinstance(sec, RelocationSection) or _skip_section(sec.name):
                continue
            target = sec["sh_info"]
            if target in self.code:
                self._read_code_relocations(sec, target)
            elif target < len(self.sections) and self.sections[target].name == ".maps":
                self._read_map_relocations(sec)

        for i, (insns, slots, funcs) in self.code.items():
            self._finish_code_section(i, insns, slots, funcs)
        # Name the targets of calls and function references now every function is known.
        self._name_targets()
        return obj

    # ------------------------------------------------------------------
    def _read_symbols(self) -> list[_Sym]:
        symtab = None
        for sec in self.sections:
            if isinstance(sec, SymbolTableSection) and sec["sh_type"] == "SHT_SYMTAB":
                symtab = sec
                break
        if symtab is None:
            raise ELFError("no symbol table (.symtab); was the object stripped?")
        out = []
        for idx, s in enumerate(symtab.iter_symbols()):
            shndx = s["st_shndx"]
            section = None
            if isinstance(shndx, int):
                if shndx >= len(self.sections):
                    raise ELFError(f"symbol {s.name!r} refers to missing section {shndx}")
                section = self.sections[shndx].name
            typ = s["st_info"]["type"]
            name = s.name
            if typ == "STT_SECTION" and not name and section is not None:
                name = section
            out.append(_Sym(idx, name, s["st_value"], s["st_size"], typ, s["st_info"]["bind"],
                            shndx, section))
        return out

    def _fixup_datasecs(self) -> None:
        """Fill DATASEC sizes and variable offsets from the ELF, as libbpf does."""
        btf = self.obj.btf
        sizes = {s.name: s["sh_size"] for s in self.sections}
        syms = {}
        for s in self.symbols:
            if s.type in ("STT_OBJECT", "STT_FUNC", "STT_NOTYPE") and s.section is not None:
                syms.setdefault((s.section, s.name), s)
        for t in btf.types:
            if t.kind != btfmod.KIND_DATASEC or t.name not in sizes:
                continue
            if t.size == 0:
                t.size = sizes[t.name]
            for m in t.members:
                sym = syms.get((t.name, m.name))
                if sym is not None:
                    m.offset = sym.value
                    if m.size == 0:
                        m.size = sym.size

    # ------------------------------------------------------------------
    def _read_data_section(self, idx: int, sec) -> None:
        size = sec["sh_size"]
        if sec["sh_type"] == "SHT_NOBITS":
            data = bytes(size)
        else:
            data = sec.data()
        ds = DataSection(sec.name, data, size, readonly=not (sec["sh_flags"] & SHF_WRITE))
        for s in self.symbols:
            if s.shndx == idx and s.type in ("STT_OBJECT", "STT_NOTYPE") and s.name:
                ds.symbols[s.name] = DataSymbol(s.name, s.value, s.size, s.binding)
        if self.obj.btf is not None:
            t = self.obj.btf.datasec(sec.name)
            if t is not None:
                ds.btf_datasec_id = t.id
        self.obj.data_sections[sec.name] = ds

    # ------------------------------------------------------------------
    def _read_btf_maps(self, idx: int) -> None:
        btf = self.obj.btf
        if btf is None:
            raise ELFError("section '.maps' needs BTF, but the object has no .BTF section")
        ds = btf.datasec(".maps")
        if ds is None:
            raise ELFError("section '.maps' has no BTF DATASEC '.maps'")
        for m in ds.members:
            var = btf.type(m.type)
            if var.kind != btfmod.KIND_VAR:
                raise ELFError(f".maps: DATASEC entry {m.type} is a {var.kind_name}, not a VAR")
            spec = self._btf_map_def(var.name, var.type)
            spec.offset = m.offset
            spec.section = ".maps"
            self._map_sizes[var.name] = m.size or btf.size_of(var.type)
            self.obj.maps[var.name] = spec

    def _btf_map_def(self, name: str, type_id: int, inner: bool = False) -> MapSpec:
        btf = self.obj.btf
        st = btf.resolve(type_id)
        if st.kind != btfmod.KIND_STRUCT:
            raise ELFError(f"map {name!r}: definition is a {st.kind_name}, not a struct")
        spec = MapSpec(name=name, type=0)
        seen = set()
        for mem in st.members:
            field = mem.name
            if field in _BTF_MAP_INT_FIELDS:
                ptr = btf.resolve(mem.type)
                arr = btf.resolve(ptr.type) if ptr.kind == btfmod.KIND_PTR else None
                if arr is None or arr.kind != btfmod.KIND_ARRAY:
                    raise ELFError(f"map {name!r}: field {field!r} is not declared with __uint()"
                                   f" (expected pointer to array, got {btf.type_name(mem.type)})")
                val = arr.nelems
                if field == "type":
                    spec.type = val
                elif field == "map_flags":
                    spec.flags = val
                elif field == "key_size":
                    if spec.key_size and spec.key_size != val:
                        raise ELFError(f"map {name!r}: key_size {val} conflicts with key type "
                                       f"size {spec.key_size}")
                    spec.key_size = val
                elif field == "value_size":
                    if spec.value_size and spec.value_size != val:
                        raise ELFError(f"map {name!r}: value_size {val} conflicts with value "
                                       f"type size {spec.value_size}")
                    spec.value_size = val
                else:
                    setattr(spec, field, val)
            elif field in ("key", "value"):
                ptr = btf.resolve(mem.type)
                if ptr.kind != btfmod.KIND_PTR:
                    raise ELFError(f"map {name!r}: field {field!r} is not declared with __type()")
                size = btf.size_of(ptr.type)
                cur = getattr(spec, f"{field}_size")
                if cur and cur != size:
                    raise ELFError(f"map {name!r}: {field} type size {size} conflicts with "
                                   f"{field}_size {cur}")
                setattr(spec, f"{field}_size", size)
                setattr(spec, f"{field}_type_id", ptr.type)
            elif field == "values":
                arr = btf.resolve(mem.type)
                if arr.kind != btfmod.KIND_ARRAY:
                    raise ELFError(f"map {name!r}: field 'values' is not an array")
                ptr = btf.resolve(arr.elem_type)
                if ptr.kind != btfmod.KIND_PTR:
                    raise ELFError(f"map {name!r}: 'values' must be an array of pointers")
                if spec.value_size and spec.value_size != 4:
                    raise ELFError(f"map {name!r}: 'values' needs value_size 4, "
                                   f"not {spec.value_size}")
                spec.value_size = 4   # a program or map fd, as libbpf sets it
                target = btf.resolve(ptr.type)
                if target.kind == btfmod.KIND_STRUCT:
                    if inner:
                        raise ELFError(f"map {name!r}: nested map-in-map is not supported")
                    spec.inner = self._btf_map_def(f"{name}.inner", target.id, inner=True)
                self._values_offset[name] = mem.bit_offset // 8
            else:
                raise ELFError(f"map {name!r}: unknown field {field!r}")
            seen.add(field)
        if "type" not in seen:
            raise ELFError(f"map {name!r}: missing field 'type'")
        return spec

    def _read_map_relocations(self, relsec) -> None:
        """``.rel.maps``: ``.values = { [i] = &prog_or_map }`` initialisers."""
        for rel in relsec.iter_relocations():
            rtype = rel["r_info_type"]
            off = rel["r_offset"]
            sym = self._symbol(rel["r_info_sym"], relsec.name, off)
            if rtype not in (R_BPF_64_ABS64, R_BPF_64_64):
                raise ELFError(f"section {relsec.name!r}: offset {off:#x}: unsupported "
                               f"relocation type {rtype} for symbol {sym.name!r}")
            owner = None
            for m in self.obj.maps.values():
                if m.section == ".maps" and m.offset <= off < m.offset + self._map_sizes.get(m.name, 0):
                    owner = m
                    break
            if owner is None or owner.name not in self._values_offset:
                raise ELFError(f"section {relsec.name!r}: offset {off:#x}: relocation for "
                               f"{sym.name!r} is not inside the 'values' of any map")
            rel_off = off - owner.offset - self._values_offset[owner.name]
            if rel_off < 0 or rel_off % 8:
                raise ELFError(f"map {owner.name!r}: misaligned 'values' relocation at {off:#x}")
            index = rel_off // 8
            if index >= owner.max_entries and owner.max_entries:
                raise ELFError(f"map {owner.name!r}: 'values' index {index} is beyond "
                               f"max_entries {owner.max_entries}")
            if sym.type == "STT_FUNC":
                if owner.type_name != "prog_array":
                    raise ELFError(f"map {owner.name!r}: program {sym.name!r} in 'values' of a "
                                   f"{owner.type_name} map")
            elif sym.section == ".maps":
                if owner.inner is None:
                    raise ELFError(f"map {owner.name!r}: map {sym.name!r} in 'values' of a map "
                                   f"without an inner map definition")
            else:
                raise ELFError(f"map {owner.name!r}: 'values' entry {sym.name!r} is neither a "
                               f"program nor a map")
            owner.initial_values[index] = sym.name

    def _read_legacy_maps(self, idx: int) -> None:
        sec = self.sections[idx]
        data = sec.data()
        syms = sorted((s for s in self.symbols if s.shndx == idx and s.type != "STT_SECTION"
                       and s.name), key=lambda s: s.value)
        if data and not syms:
            raise ELFError("section 'maps' has map definitions but no symbols naming them")
        for i, s in enumerate(syms):
            size = s.size
            if size == 0:
                end = syms[i + 1].value if i + 1 < len(syms) else len(data)
                size = end - s.value
            if size < 20 or s.value + size > len(data):
                raise ELFError(f"legacy map {s.name!r}: definition of {size} bytes at "
                               f"{s.value} does not fit a struct bpf_map_def")
            raw = data[s.value:s.value + size]
            vals = struct.unpack_from("<5I", raw, 0)
            spec = MapSpec(name=s.name, type=vals[0], key_size=vals[1], value_size=vals[2],
                           max_entries=vals[3], flags=vals[4], section="maps", offset=s.value)
            if size >= 36:   # iproute2 / Cilium struct bpf_elf_map
                _, _, _, _, _, map_id, pinning, inner_id, inner_idx = _BPF_ELF_MAP.unpack_from(raw)
                spec.pinning = pinning
                spec.legacy = {"id": map_id, "inner_id": inner_id, "inner_idx": inner_idx}
            elif size >= 28:  # libbpf's extended bpf_map_def: inner_map_idx, numa_node
                inner_map_idx, numa = struct.unpack_from("<II", raw, 20)
                spec.numa_node = numa
                spec.legacy = {"inner_map_idx": inner_map_idx}
            self._map_sizes[s.name] = size
            self.obj.maps[s.name] = spec
        # Resolve bpf_elf_map inner maps: outer.inner_id names the inner map's id.
        legacy = [m for m in self.obj.maps.values() if m.section == "maps"]
        for m in legacy:
            inner_id = m.legacy.get("inner_id", 0)
            if inner_id:
                for cand in legacy:
                    if cand is not m and cand.legacy.get("id") == inner_id:
                        m.inner = cand
                        break

    # ------------------------------------------------------------------
    def _read_externs(self) -> None:
        btf = self.obj.btf
        where = {}
        if btf is not None:
            for secname, kind in ((".kconfig", "kconfig"), (".ksyms", "ksym")):
                ds = btf.datasec(secname)
                if ds is not None:
                    for m in ds.members:
                        t = btf.type(m.type)
                        where[t.name] = (kind if t.kind == btfmod.KIND_VAR else "func", t.id)
        for s in self.symbols:
            if s.shndx == "SHN_UNDEF" and s.name and s.index != 0:
                kind, tid = where.get(s.name, ("unknown", None))
                if kind == "unknown" and btf is not None:
                    f = btf.find(s.name, btfmod.KIND_FUNC)
                    if f is not None:
                        kind, tid = "func", f.id
                    else:
                        v = btf.find(s.name, btfmod.KIND_VAR)
                        if v is not None:
                            kind, tid = "ksym", v.id
                self.obj.externs[s.name] = ExternSpec(s.name, kind, tid, s.bind == "STB_WEAK")

    # ------------------------------------------------------------------
    def _read_code_section(self, idx: int, sec) -> None:
        raw = sec.data()
        try:
            insns = decode(raw)
        except DecodeError as exc:
            raise ELFError(f"section {sec.name!r}: {exc}") from None
        slots = slot_index(insns)
        nslots = len(raw) // 8
        funcs = sorted((s for s in self.symbols if s.shndx == idx and s.type == "STT_FUNC"),
                       key=lambda s: s.value)
        specs = []
        if not funcs:
            # No symbols: treat the whole section as one function named after it.
            fname = sec.name.replace("/", "_").replace(".", "_").strip("_") or "prog"
            specs.append((fname, 0, nslots, "global"))
        for i, s in enumerate(funcs):
            if s.value % 8:
                raise ELFError(f"section {sec.name!r}: function {s.name!r} at misaligned "
                               f"offset {s.value}")
            start = s.value // 8
            size = s.size // 8 if s.size else (
                (funcs[i + 1].value // 8 if i + 1 < len(funcs) else nslots) - start)
            if start + size > nslots:
                raise ELFError(f"section {sec.name!r}: function {s.name!r} extends past the "
                               f"end of the section")
            specs.append((s.name, start, size, s.binding))
        self.code[idx] = (insns, slots, specs)
        self._relocs[idx] = {}

    def _symbol(self, index: int, where: str, off: int) -> _Sym:
        if index >= len(self.symbols):
            raise ELFError(f"section {where!r}: offset {off:#x}: relocation refers to missing "
                           f"symbol {index}")
        return self.symbols[index]

    def _read_code_relocations(self, relsec, target: int) -> None:
        if relsec["sh_type"] != "SHT_REL":
            raise ELFError(f"section {relsec.name!r}: RELA relocations are not supported")
        insns, slots, _ = self.code[target]
        secname = self.sections[target].name
        pos_of = {slot: i for i, slot in enumerate(slots)}
        table = self._relocs[target]
        for rel in relsec.iter_relocations():
            off = rel["r_offset"]
            rtype = rel["r_info_type"]
            sym = self._symbol(rel["r_info_sym"], relsec.name, off)
            where = (f"section {secname!r}: relocation at offset {off:#x} (insn {off // 8}) "
                     f"against symbol {sym.name!r}")
            if rtype == R_BPF_NONE:
                continue
            if rtype not in (R_BPF_64_64, R_BPF_64_32, R_BPF_64_ABS64, R_BPF_64_ABS32,
                             R_BPF_64_NODYLD32):
                raise ELFError(f"{where}: unknown relocation type {rtype}")
            if off % 8 or off // 8 not in pos_of:
                raise ELFError(f"{where}: offset is not the start of an instruction")
            slot = off // 8
            i = pos_of[slot]
            insn = insns[i]
            reloc, new = self._classify(insn, slot, sym, rtype, where)
            insns[i] = new
            table[slot] = reloc

    def _classify(self, insn: Insn, slot: int, sym: _Sym, rtype: int, where: str):
        tname = RELOC_NAMES.get(rtype, str(rtype))
        undefined = sym.shndx == "SHN_UNDEF"
        if not undefined and not isinstance(sym.shndx, int):
            raise ELFError(f"{where}: symbol in special section {sym.shndx}")
        sect = sym.section
        sec_hdr = self.sections[sym.shndx] if isinstance(sym.shndx, int) else None
        if insn.opcode == CALL:
            if rtype not in (R_BPF_64_32, R_BPF_64_64):
                raise ELFError(f"{where}: {tname} relocation on a call instruction")
            if undefined:
                ext = self.obj.externs.get(sym.name)
                if ext is not None and ext.kind not in ("func", "unknown"):
                    raise ELFError(f"{where}: call of extern variable")
                return (Relocation(slot, RELO_KFUNC, sym.name, None, sym.name, elf_type=rtype),
                        replace(insn, src=BPF_PSEUDO_KFUNC_CALL, imm=0))
            if insn.src != BPF_PSEUDO_CALL:
                raise ELFError(f"{where}: relocation on a helper call (src={insn.src})")
            if not (sec_hdr["sh_flags"] & SHF_EXECINSTR):
                raise ELFError(f"{where}: call target is in non-executable section {sect!r}")
            if sym.value % 8:
                raise ELFError(f"{where}: call target offset {sym.value} is misaligned")
            target_slot = sym.value // 8 + insn.imm + 1
            return (Relocation(slot, RELO_CALL, sym.name, sect, None, target_section=sect,
                               target_slot=target_slot, elf_type=rtype), insn)
        if insn.opcode == LDDW:
            if rtype not in (R_BPF_64_64, R_BPF_64_ABS64):
                raise ELFError(f"{where}: {tname} relocation on a lddw instruction")
            addend = insn.imm & 0xFFFFFFFF
            if undefined:
                return (Relocation(slot, RELO_EXTERN, sym.name, None, sym.name, elf_type=rtype),
                        insn)
            if sect in (".maps", "maps"):
                pos = sym.value + addend
                for m in self.obj.maps.values():
                    if m.section == sect and m.offset == pos:
                        return (Relocation(slot, RELO_MAP, sym.name, sect, m.name,
                                           elf_type=rtype),
                                replace(insn, src=BPF_PSEUDO_MAP_FD, imm=0))
                raise ELFError(f"{where}: no map defined at offset {pos} of section {sect!r}")
            if sec_hdr["sh_flags"] & SHF_EXECINSTR:
                byte = sym.value + addend
                if byte % 8:
                    raise ELFError(f"{where}: function address {byte} is misaligned")
                return (Relocation(slot, RELO_FUNC, sym.name, sect, None, target_section=sect,
                                   target_slot=byte // 8, elf_type=rtype),
                        replace(insn, src=BPF_PSEUDO_FUNC, imm=0))
            if sect in self.obj.data_sections:
                offset = sym.value + addend
                ds = self.obj.data_sections[sect]
                if offset > ds.size:
                    raise ELFError(f"{where}: offset {offset} is past the end of {sect!r}")
                return (Relocation(slot, RELO_DATA, sym.name, sect, sect, offset=offset,
                                   elf_type=rtype),
                        replace(insn, src=BPF_PSEUDO_MAP_VALUE, imm=offset << 32))
            raise ELFError(f"{where}: reference to unsupported section {sect!r}")
        raise ELFError(f"{where}: {tname} relocation on instruction with opcode "
                       f"{insn.opcode:#04x} (neither lddw nor call)")

    # ------------------------------------------------------------------
    def _finish_code_section(self, idx: int, insns, slots, specs) -> None:
        obj = self.obj
        secname = self.sections[idx].name
        table = self._relocs[idx]
        # bpf-to-bpf calls inside one section need no ELF relocation: imm is pc-relative.
        for i, insn in enumerate(insns):
            slot = slots[i]
            if insn.opcode == CALL and insn.src == BPF_PSEUDO_CALL and slot not in table:
                table[slot] = Relocation(slot, RELO_CALL, "", secname, None,
                                         target_section=secname, target_slot=slot + insn.imm + 1)
        ext = obj.btf_ext
        lines = ext.line_info.get(secname, []) if ext else []
        finfos = ext.func_info.get(secname, []) if ext else []
        cores = ext.core_relos.get(secname, []) if ext else []
        ptype, attach, attach_to = program_type_for_section(secname)
        prefix = secname.split("/", 1)[0]
        pos_of = {slot: i for i, slot in enumerate(slots)}
        total = slots[-1] + insns[-1].width if insns else 0
        for fname, start, size, binding in specs:
            end = start + size
            if start not in pos_of or (end not in pos_of and end != total):
                raise ELFError(f"section {secname!r}: function {fname!r} does not start/end on "
                               f"an instruction boundary")
            i0 = pos_of[start]
            i1 = pos_of.get(end, len(insns))
            common = dict(
                name=fname, section=secname, slot=start, size=size,
                instructions=list(insns[i0:i1]),
                relocations=[r.moved(r.slot - start) for s, r in sorted(table.items())
                             if start <= s < end],
                line_info=[replace(li, slot=li.slot - start) for li in lines
                           if start <= li.slot < end],
                func_info=[replace(fi, slot=fi.slot - start) for fi in finfos
                           if start <= fi.slot < end],
                core_relos=[replace(c, slot=c.slot - start) for c in cores
                            if start <= c.slot < end],
                binding=binding,
            )
            if obj.btf is not None:
                bf = obj.btf.find(fname, btfmod.KIND_FUNC)
                common["btf_func_id"] = bf.id if bf else None
            if secname == ".text":
                fn = FunctionSpec(**common)
            else:
                fn = ProgramSpec(**common, type=ptype, attach_type=attach, attach_to=attach_to,
                                 sleepable=prefix.endswith(".s"))
                if fname in obj.programs:
                    raise ELFError(f"program name {fname!r} is defined twice")
                obj.programs[fname] = fn
            obj.functions.append(fn)

    def _name_targets(self) -> None:
        obj = self.obj
        for fn in obj.functions:
            for k, r in enumerate(fn.relocations):
                if r.kind in (RELO_CALL, RELO_FUNC) and r.target is None:
                    tgt = obj.function_at(r.target_section, r.target_slot)
                    if tgt is not None:
                        fn.relocations[k] = replace(r, target=tgt.name)
