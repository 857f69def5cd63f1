"""BTF (``.BTF``) and BTF.ext (``.BTF.ext``) parsing.

Formats as documented in the kernel's ``Documentation/bpf/btf.rst``:

``.BTF``: a 24-byte header (magic 0xeB9F, version 1, flags, hdr_len, then the
offset and length of the type section and of the string section, both relative
to the end of the header), a sequence of ``struct btf_type`` records (12 bytes:
name_off, info, size-or-type) each followed by kind-specific data, and a table of
NUL-terminated strings. Type id 0 is ``void``; the first record is id 1.

``.BTF.ext``: an 8-byte header (magic, version, flags, hdr_len) followed by the
offsets/lengths of the func_info, line_info and (optionally) core_relo sections.
Each of them is ``u32 rec_size`` then, per ELF section, ``u32 sec_name_off,
u32 num_info`` and ``num_info`` records. In an object file ``insn_off`` is a
byte offset into the section; here it is converted to a slot index.

Every parsing problem raises :class:`ELFError` (the reader adds the file name).
"""

from __future__ import annotations

import posixpath
import struct
from dataclasses import dataclass, field

from ..errors import ELFError

BTF_MAGIC = 0xEB9F

# Kinds (btf_type.info bits 24-28).
KIND_UNKN = 0
KIND_INT = 1
KIND_PTR = 2
KIND_ARRAY = 3
KIND_STRUCT = 4
KIND_UNION = 5
KIND_ENUM = 6
KIND_FWD = 7
KIND_TYPEDEF = 8
KIND_VOLATILE = 9
KIND_CONST = 10
KIND_RESTRICT = 11
KIND_FUNC = 12
KIND_FUNC_PROTO = 13
KIND_VAR = 14
KIND_DATASEC = 15
KIND_FLOAT = 16
KIND_DECL_TAG = 17
KIND_TYPE_TAG = 18
KIND_ENUM64 = 19

KIND_NAMES = {
    KIND_UNKN: "VOID", KIND_INT: "INT", KIND_PTR: "PTR", KIND_ARRAY: "ARRAY",
    KIND_STRUCT: "STRUCT", KIND_UNION: "UNION", KIND_ENUM: "ENUM", KIND_FWD: "FWD",
    KIND_TYPEDEF: "TYPEDEF", KIND_VOLATILE: "VOLATILE", KIND_CONST: "CONST",
    KIND_RESTRICT: "RESTRICT", KIND_FUNC: "FUNC", KIND_FUNC_PROTO: "FUNC_PROTO",
    KIND_VAR: "VAR", KIND_DATASEC: "DATASEC", KIND_FLOAT: "FLOAT",
    KIND_DECL_TAG: "DECL_TAG", KIND_TYPE_TAG: "TYPE_TAG", KIND_ENUM64: "ENUM64",
}

# INT encoding bits.
INT_SIGNED = 1 << 0
INT_CHAR = 1 << 1
INT_BOOL = 1 << 2

# VAR linkage / FUNC linkage.
VAR_STATIC = 0
VAR_GLOBAL_ALLOCATED = 1
VAR_GLOBAL_EXTERN = 2
FUNC_STATIC = 0
FUNC_GLOBAL = 1
FUNC_EXTERN = 2

# CO-RE relocation kinds (enum bpf_core_relo_kind).
CORE_RELO_KINDS = {
    0: "field_byte_offset", 1: "field_byte_size", 2: "field_exists", 3: "field_signed",
    4: "field_lshift_u64", 5: "field_rshift_u64", 6: "type_id_local", 7: "type_id_target",
    8: "type_exists", 9: "type_size", 10: "enumval_exists", 11: "enumval_value",
    12: "type_matches",
}

_MODIFIERS = (KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_TYPE_TAG)
_QUALIFIERS = (KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_TYPE_TAG)


@dataclass
class Member:
    """A struct/union member, enum value, function parameter or datasec entry."""

    name: str
    type: int = 0            # type id (0 for enum values)
    bit_offset: int = 0      # struct/union members
    bitfield_size: int = 0   # 0 unless a bitfield (kind_flag set on the struct)
    value: int = 0           # enum / enum64 value
    offset: int = 0          # datasec: byte offset of the variable in the section
    size: int = 0            # datasec: byte size of the variable


@dataclass
class BTFType:
    """One BTF type record; which fields matter depends on ``kind``."""

    id: int
    kind: int
    name: str = ""
    size: int = 0            # INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC
    type: int = 0            # PTR, TYPEDEF, qualifiers, FUNC, VAR, DECL_TAG, FUNC_PROTO (return)
    vlen: int = 0
    kind_flag: bool = False
    members: list[Member] = field(default_factory=list)
    # INT
    encoding: int = 0
    int_offset: int = 0
    bits: int = 0
    # ARRAY
    elem_type: int = 0
    index_type: int = 0
    nelems: int = 0
    # VAR linkage, FUNC linkage (vlen)
    linkage: int = 0
    # DECL_TAG
    component_idx: int = -1

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, f"KIND_{self.kind}")

    @property
    def signed(self) -> bool:
        if self.kind == KIND_INT:
            return bool(self.encoding & INT_SIGNED)
        if self.kind in (KIND_ENUM, KIND_ENUM64):
            return self.kind_flag
        return False


class BTF:
    """Parsed ``.BTF``: ``types[id]`` (``types[0]`` is void) and the string table."""

    def __init__(self, data: bytes):
        self.raw = bytes(data)
        self.types: list[BTFType] = [BTFType(0, KIND_UNKN, "void")]
        self._by_name: dict[str, list[int]] = {}
        self._parse()

    # -- parsing -----------------------------------------------------------
    def _parse(self) -> None:
        data = self.raw
        if len(data) < 24:
            raise ELFError(f".BTF: section is {len(data)} bytes, shorter than its 24-byte header")
        magic, version, flags, hdr_len = struct.unpack_from("<HBBI", data, 0)
        if magic != BTF_MAGIC:
            if magic == 0x9FEB:
                raise ELFError(".BTF: big-endian BTF is not supported")
            raise ELFError(f".BTF: bad magic {magic:#06x} (expected 0xeb9f)")
        if version != 1:
            raise ELFError(f".BTF: unsupported version {version}")
        if hdr_len < 24 or hdr_len > len(data):
            raise ELFError(f".BTF: bad header length {hdr_len}")
        type_off, type_len, str_off, str_len = struct.unpack_from("<IIII", data, 8)
        base = hdr_len
        if base + type_off + type_len > len(data) or base + str_off + str_len > len(data):
            raise ELFError(".BTF: type or string section runs past the end of the data")
        self.strings = data[base + str_off: base + str_off + str_len]
        if self.strings and self.strings[0] != 0:
            raise ELFError(".BTF: string table does not start with an empty string")
        self._parse_types(data[base + type_off: base + type_off + type_len])

    def string_at(self, off: int) -> str:
        if off == 0:
            return ""
        if off >= len(self.strings):
            raise ELFError(f".BTF: string offset {off} is outside the string table")
        end = self.strings.find(b"\0", off)
        if end < 0:
            end = len(self.strings)
        return self.strings[off:end].decode("utf-8", "replace")

    def _parse_types(self, buf: bytes) -> None:
        pos = 0
        n = len(buf)

        def need(count: int, what: str) -> None:
            if pos + count > n:
                raise ELFError(f".BTF: type {len(self.types)} ({what}) is truncated")

        while pos < n:
            need(12, "header")
            name_off, info, size_type = struct.unpack_from("<III", buf, pos)
            pos += 12
            kind = (info >> 24) & 0x1F
            vlen = info & 0xFFFF
            kflag = bool(info >> 31)
            t = BTFType(len(self.types), kind, self.string_at(name_off), vlen=vlen, kind_flag=kflag)
            if kind == KIND_INT:
                need(4, "INT")
                (enc,) = struct.unpack_from("<I", buf, pos)
                pos += 4
                t.size = size_type
                t.encoding = (enc >> 24) & 0x0F
                t.int_offset = (enc >> 16) & 0xFF
                t.bits = enc & 0xFF
            elif kind in (KIND_PTR, KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT,
                          KIND_TYPE_TAG):
                t.type = size_type
            elif kind == KIND_FUNC:
                t.type = size_type
                t.linkage = vlen
            elif kind == KIND_FWD:
                pass
            elif kind == KIND_FLOAT:
                t.size = size_type
            elif kind == KIND_ARRAY:
                need(12, "ARRAY")
                t.elem_type, t.index_type, t.nelems = struct.unpack_from("<III", buf, pos)
                pos += 12
            elif kind in (KIND_STRUCT, KIND_UNION):
                t.size = size_type
                need(12 * vlen, KIND_NAMES[kind])
                for _ in range(vlen):
                    m_name, m_type, m_off = struct.unpack_from("<III", buf, pos)
                    pos += 12
                    if kflag:
                        bit_off, bsize = m_off & 0xFFFFFF, m_off >> 24
                    else:
                        bit_off, bsize = m_off, 0
                    t.members.append(Member(self.string_at(m_name), m_type, bit_off, bsize))
            elif kind == KIND_ENUM:
                t.size = size_type
                need(8 * vlen, "ENUM")
                for _ in range(vlen):
                    e_name, e_val = struct.unpack_from("<Ii" if kflag else "<II", buf, pos)
                    pos += 8
                    t.members.append(Member(self.string_at(e_name), value=e_val))
            elif kind == KIND_ENUM64:
                t.size = size_type
                need(12 * vlen, "ENUM64")
                for _ in range(vlen):
                    e_name, lo, hi = struct.unpack_from("<III", buf, pos)
                    pos += 12
                    val = lo | hi << 32
                    if kflag and val >> 63:
                        val -= 1 << 64
                    t.members.append(Member(self.string_at(e_name), value=val))
            elif kind == KIND_FUNC_PROTO:
                t.type = size_type
                need(8 * vlen, "FUNC_PROTO")
                for _ in range(vlen):
                    p_name, p_type = struct.unpack_from("<II", buf, pos)
                    pos += 8
                    t.members.append(Member(self.string_at(p_name), p_type))
            elif kind == KIND_VAR:
                t.type = size_type
                need(4, "VAR")
                (t.linkage,) = struct.unpack_from("<I", buf, pos)
                pos += 4
            elif kind == KIND_DATASEC:
                t.size = size_type
                need(12 * vlen, "DATASEC")
                for _ in range(vlen):
                    v_type, v_off, v_size = struct.unpack_from("<III", buf, pos)
                    pos += 12
                    t.members.append(Member("", v_type, offset=v_off, size=v_size))
            elif kind == KIND_DECL_TAG:
                t.type = size_type
                need(4, "DECL_TAG")
                (t.component_idx,) = struct.unpack_from("<i", buf, pos)
                pos += 4
            else:
                raise ELFError(f".BTF: type {t.id} has unknown kind {kind}")
            self.types.append(t)
            if t.name:
                self._by_name.setdefault(t.name, []).append(t.id)
        # Datasec members carry the VAR's name, for convenience.
        for t in self.types:
            if t.kind == KIND_DATASEC:
                for m in t.members:
                    if 0 < m.type < len(self.types):
                        m.name = self.types[m.type].name
        for t in self.types:
            for ref in self._refs(t):
                if ref >= len(self.types):
                    raise ELFError(f".BTF: type {t.id} ({t.kind_name} {t.name!r}) refers to "
                                   f"missing type {ref}")

    @staticmethod
    def _refs(t: BTFType):
        if t.kind in (KIND_PTR, KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT,
                      KIND_TYPE_TAG, KIND_FUNC, KIND_VAR, KIND_DECL_TAG, KIND_FUNC_PROTO):
            yield t.type
        if t.kind == KIND_ARRAY:
            yield t.elem_type
            yield t.index_type
        if t.kind in (KIND_STRUCT, KIND_UNION, KIND_FUNC_PROTO, KIND_DATASEC):
            for m in t.members:
                yield m.type

    # -- queries -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.types)

    def type(self, type_id: int) -> BTFType:
        if not 0 <= type_id < len(self.types):
            raise ELFError(f".BTF: no type with id {type_id}")
        return self.types[type_id]

    def find(self, name: str, kind: int | None = None) -> BTFType | None:
        """First type named ``name`` (optionally of ``kind``), or None."""
        for tid in self._by_name.get(name, ()):
            if kind is None or self.types[tid].kind == kind:
                return self.types[tid]
        return None

    def datasec(self, name: str) -> BTFType | None:
        return self.find(name, KIND_DATASEC)

    def resolve(self, type_id: int, skip_typedef: bool = True) -> BTFType:
        """Follow typedef/const/volatile/restrict/type_tag to the underlying type."""
        kinds = _MODIFIERS if skip_typedef else _QUALIFIERS
        seen = 0
        t = self.type(type_id)
        while t.kind in kinds:
            t = self.type(t.type)
            seen += 1
            if seen > 64:
                raise ELFError(f".BTF: type chain from {type_id} is too long (loop?)")
        return t

    def resolve_id(self, type_id: int) -> int:
        return self.resolve(type_id).id

    def size_of(self, type_id: int) -> int:
        """Byte size of a type (what ``sizeof`` gives in C)."""
        t = self.resolve(type_id)
        if t.kind in (KIND_INT, KIND_STRUCT, KIND_UNION, KIND_ENUM, KIND_ENUM64, KIND_FLOAT,
                      KIND_DATASEC):
            return t.size
        if t.kind == KIND_PTR:
            return 8
        if t.kind == KIND_ARRAY:
            return t.nelems * self.size_of(t.elem_type)
        if t.kind == KIND_VAR:
            return self.size_of(t.type)
        raise ELFError(f".BTF: type {type_id} ({self.type_name(type_id)}) has no size")

    def members(self, type_id: int) -> list[Member]:
        """Members of a struct/union (after resolving typedefs), with bit offsets."""
        t = self.resolve(type_id)
        if t.kind not in (KIND_STRUCT, KIND_UNION, KIND_DATASEC, KIND_ENUM, KIND_ENUM64,
                          KIND_FUNC_PROTO):
            raise ELFError(f".BTF: type {type_id} ({self.type_name(type_id)}) has no members")
        return t.members

    def type_name(self, type_id: int, _depth: int = 0) -> str:
        """A readable C-like name: ``struct foo``, ``__u32 *``, ``int[4]``, ``void``."""
        if _depth > 32:
            return "..."
        t = self.type(type_id)
        k = t.kind
        if k == KIND_UNKN:
            return "void"
        if k in (KIND_INT, KIND_FLOAT, KIND_TYPEDEF):
            return t.name
        if k == KIND_STRUCT:
            return f"struct {t.name or '<anon>'}"
        if k == KIND_UNION:
            return f"union {t.name or '<anon>'}"
        if k in (KIND_ENUM, KIND_ENUM64):
            return f"enum {t.name or '<anon>'}"
        if k == KIND_FWD:
            return f"{'union' if t.kind_flag else 'struct'} {t.name}"
        if k == KIND_PTR:
            return self.type_name(t.type, _depth + 1) + " *"
        if k == KIND_ARRAY:
            return f"{self.type_name(t.elem_type, _depth + 1)}[{t.nelems}]"
        if k in (KIND_CONST, KIND_VOLATILE, KIND_RESTRICT):
            return f"{KIND_NAMES[k].lower()} {self.type_name(t.type, _depth + 1)}"
        if k == KIND_TYPE_TAG:
            return f"{self.type_name(t.type, _depth + 1)} __tag({t.name})"
        if k == KIND_FUNC_PROTO:
            args = ", ".join(self.type_name(m.type, _depth + 1) if m.type else "..."
                             for m in t.members)
            return f"{self.type_name(t.type, _depth + 1)} (*)({args})"
        if k == KIND_FUNC:
            return f"func {t.name}"
        if k == KIND_VAR:
            return f"var {t.name}"
        if k == KIND_DATASEC:
            return f"datasec {t.name}"
        if k == KIND_DECL_TAG:
            return f"decl_tag {t.name}"
        return f"{t.kind_name} {t.name}"

    def func_proto(self, func_type_id: int) -> BTFType:
        t = self.type(func_type_id)
        if t.kind == KIND_FUNC:
            t = self.type(t.type)
        if t.kind != KIND_FUNC_PROTO:
            raise ELFError(f".BTF: type {func_type_id} is not a function")
        return t


# ---------------------------------------------------------------------------
# BTF.ext


@dataclass(frozen=True)
class FuncInfo:
    """``bpf_func_info``: the function starting at ``slot`` has BTF FUNC ``type_id``."""

    slot: int
    type_id: int
    name: str = ""


@dataclass(frozen=True)
class LineInfo:
    """``bpf_line_info``: the instruction at ``slot`` comes from ``file:line:col``."""

    slot: int
    file: str
    line: int
    col: int
    text: str


@dataclass(frozen=True)
class CoreRelo:
    """``bpf_core_relo``: a CO-RE relocation to apply at ``slot`` (see :mod:`pybpf.elf.core`)."""

    slot: int
    type_id: int
    access: str
    kind: int

    @property
    def kind_name(self) -> str:
        return CORE_RELO_KINDS.get(self.kind, f"kind_{self.kind}")


@dataclass
class BTFExt:
    """Per-ELF-section func_info / line_info / core_relo, slots relative to the section."""

    func_info: dict[str, list[FuncInfo]] = field(default_factory=dict)
    line_info: dict[str, list[LineInfo]] = field(default_factory=dict)
    core_relos: dict[str, list[CoreRelo]] = field(default_factory=dict)


def parse_btf_ext(data: bytes, btf: BTF) -> BTFExt:
    """Parse ``.BTF.ext``; strings are looked up in ``btf``'s string table."""
    if len(data) < 8:
        raise ELFError(f".BTF.ext: section is {len(data)} bytes, shorter than its header")
    magic, version, _flags, hdr_len = struct.unpack_from("<HBBI", data, 0)
    if magic != BTF_MAGIC:
        raise ELFError(f".BTF.ext: bad magic {magic:#06x}")
    if version != 1:
        raise ELFError(f".BTF.ext: unsupported version {version}")
    if hdr_len < 24 or hdr_len > len(data):
        raise ELFError(f".BTF.ext: bad header length {hdr_len}")
    fi_off, fi_len, li_off, li_len = struct.unpack_from("<IIII", data, 8)
    co_off = co_len = 0
    if hdr_len >= 32:
        co_off, co_len = struct.unpack_from("<II", data, 24)
    ext = BTFExt()

    def records(off: int, length: int, what: str, min_size: int):
        if length == 0:
            return
        start = hdr_len + off
        end = start + length
        if end > len(data) or length < 4:
            raise ELFError(f".BTF.ext: {what} runs past the end of the section")
        (rec_size,) = struct.unpack_from("<I", data, start)
        if rec_size < min_size or rec_size % 4:
            raise ELFError(f".BTF.ext: {what} record size {rec_size} is invalid")
        pos = start + 4
        while pos < end:
            if pos + 8 > end:
                raise ELFError(f".BTF.ext: {what} section header truncated")
            sec_off, num = struct.unpack_from("<II", data, pos)
            pos += 8
            sec = btf.string_at(sec_off)
            if pos + num * rec_size > end:
                raise ELFError(f".BTF.ext: {what} for section {sec!r} truncated")
            for i in range(num):
                yield sec, data, pos + i * rec_size
            pos += num * rec_size

    for sec, buf, p in records(fi_off, fi_len, "func_info", 8):
        insn_off, type_id = struct.unpack_from("<II", buf, p)
        name = btf.type(type_id).name if type_id < len(btf.types) else ""
        ext.func_info.setdefault(sec, []).append(FuncInfo(insn_off // 8, type_id, name))
    for sec, buf, p in records(li_off, li_len, "line_info", 16):
        insn_off, file_off, line_off, line_col = struct.unpack_from("<IIII", buf, p)
        ext.line_info.setdefault(sec, []).append(
            LineInfo(insn_off // 8, _tidy_path(btf.string_at(file_off)), line_col >> 10,
                     line_col & 0x3FF,
                     btf.string_at(line_off)))
    for sec, buf, p in records(co_off, co_len, "core_relo", 16):
        insn_off, type_id, access_off, kind = struct.unpack_from("<IIII", buf, p)
        ext.core_relos.setdefault(sec, []).append(
            CoreRelo(insn_off // 8, type_id, btf.string_at(access_off), kind))
    return ext


def _tidy_path(name: str) -> str:
    """``./programs/x.c`` -> ``programs/x.c`` (clang records the path as it was given)."""
    return posixpath.normpath(name) if name else name
