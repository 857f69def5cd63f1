"""Values of BTF types, both ways: bytes to Python (ints, strings, lists, dicts) and back.

Used for map keys and values (``Map.items(decode=True)``, ``m[{"saddr": ...}] = {...}``) and
for perf/ring buffer samples. The Python shapes:

* integers, enums, pointers: ``int`` (an enum also accepts an enumerator's name when
  encoding); bitfields too. Byte order is the program's (little-endian): a ``__be32``
  is a plain ``__u32`` to BTF, so give network-order fields as the program stores them.
* ``char`` arrays: ``str`` (decoded up to the first NUL); other arrays: ``list``.
* structs and unions: ``dict`` by member name, the members of an anonymous struct or
  union merged in as C sees them. Encoding zero-fills members not given and refuses a
  name the type does not have.
* ``float``/``double``: ``float``.
* Anything may also be given as ``bytes`` of exactly the type's size.
"""

from __future__ import annotations

import struct

from ..errors import PyBPFError
from . import btf as B


def find_type(btf, name: str, where: str = "") -> int:
    """BTF id of ``struct foo`` / ``union foo`` / ``enum foo`` / ``foo`` (a typedef or any)."""
    name = " ".join(name.split())
    kinds = {"struct": (B.KIND_STRUCT,), "union": (B.KIND_UNION,),
             "enum": (B.KIND_ENUM, B.KIND_ENUM64)}
    word, _, rest = name.partition(" ")
    if word in kinds and rest:
        for kind in kinds[word]:
            t = btf.find(rest, kind)
            if t is not None:
                return t.id
    else:
        for kind in (B.KIND_TYPEDEF, B.KIND_STRUCT, B.KIND_UNION, B.KIND_INT, B.KIND_ENUM,
                     B.KIND_ENUM64, B.KIND_FLOAT):
            t = btf.find(name, kind)
            if t is not None:
                return t.id
    raise PyBPFError(f"{where}: no BTF type named {name!r}" if where else
                     f"no BTF type named {name!r}")


# -- bytes -> Python ---------------------------------------------------------------------------
def decode(btf, tid: int, data: bytes):
    """``data`` read as BTF type ``tid``. Fields not wholly inside a short ``data`` are left out."""
    return _decode(btf, tid, bytes(data), 0, 0, 0)


def _int(data: bytes, bit_off: int, bits: int, signed: bool):
    """An integer of ``bits`` bits at bit ``bit_off`` (little-endian), or None past the end."""
    end = (bit_off + bits + 7) // 8
    if end > len(data):
        return None
    start = bit_off // 8
    raw = int.from_bytes(data[start:end], "little") >> (bit_off % 8)
    v = raw & ((1 << bits) - 1)
    if signed and bits and v >> (bits - 1):
        v -= 1 << bits
    return v


def _is_char(btf, elem_type: int) -> bool:
    elem = btf.resolve(elem_type)
    return (elem.kind == B.KIND_INT and btf.size_of(elem_type) == 1
            and bool(elem.encoding & B.INT_CHAR or elem.name in ("char", "signed char")))


def _decode(btf, tid: int, data: bytes, bit_off: int, bitfield: int, depth: int):
    if depth > 32:
        raise PyBPFError("BTF type nests too deeply to decode")
    t = btf.resolve(tid)
    k = t.kind
    if k == B.KIND_INT:
        bits = bitfield or t.bits
        return _int(data, bit_off + (0 if bitfield else t.int_offset), bits, t.signed)
    if k in (B.KIND_ENUM, B.KIND_ENUM64):
        return _int(data, bit_off, bitfield or t.size * 8, t.signed)
    if k == B.KIND_PTR:
        return _int(data, bit_off, 64, False)
    if k == B.KIND_FLOAT:
        start = bit_off // 8
        if start + t.size > len(data) or t.size not in (4, 8):
            return None
        return struct.unpack_from("<f" if t.size == 4 else "<d", data, start)[0]
    if k == B.KIND_ARRAY:
        esize = btf.size_of(t.elem_type)
        start = bit_off // 8
        if start + t.nelems * esize > len(data):
            return None
        if _is_char(btf, t.elem_type):
            return data[start:start + t.nelems].split(b"\0", 1)[0].decode("latin-1")
        return [_decode(btf, t.elem_type, data, bit_off + i * esize * 8, 0, depth + 1)
                for i in range(t.nelems)]
    if k in (B.KIND_STRUCT, B.KIND_UNION):
        out = {}
        for i, mem in enumerate(t.members):
            v = _decode(btf, mem.type, data, bit_off + mem.bit_offset, mem.bitfield_size,
                        depth + 1)
            if v is None:
                continue
            if not mem.name and isinstance(v, dict):  # anonymous struct/union: C sees its fields
                out.update(v)
            else:
                out[mem.name or f"_anon{i}"] = v
        return out if out or bit_off // 8 < len(data) else None
    return None


# -- Python -> bytes ---------------------------------------------------------------------------
def encode(btf, tid: int, value, where: str = "value") -> bytes:
    """``value`` (in :func:`decode`'s shapes) as the bytes of BTF type ``tid``.

    Raises :class:`PyBPFError` naming the field (``where.addr.s_addr``) that does not fit.
    """
    size = btf.size_of(tid)
    buf = bytearray(size)
    _put(btf, tid, value, buf, 0, 0, where, 0)
    return bytes(buf)


def _set_bits(buf: bytearray, bit_off: int, bits: int, v: int) -> None:
    start, end = bit_off // 8, (bit_off + bits + 7) // 8
    shift = bit_off % 8
    mask = ((1 << bits) - 1) << shift
    old = int.from_bytes(buf[start:end], "little")
    new = (old & ~mask) | ((v << shift) & mask)
    buf[start:end] = new.to_bytes(end - start, "little")


def _field_names(btf, t) -> set[str]:
    """Member names as C sees them (an anonymous member's names merged in)."""
    names = set()
    for mem in t.members:
        if mem.name:
            names.add(mem.name)
        else:
            inner = btf.resolve(mem.type)
            if inner.kind in (B.KIND_STRUCT, B.KIND_UNION):
                names |= _field_names(btf, inner)
    return names


def _put(btf, tid, value, buf, bit_off, bitfield, where, depth) -> None:
    if depth > 32:
        raise PyBPFError(f"{where}: BTF type nests too deeply to encode")
    t = btf.resolve(tid)
    k = t.kind
    size = btf.size_of(tid)
    if isinstance(value, (bytes, bytearray, memoryview)) and not bitfield:
        raw = bytes(value)
        is_char_array = k == B.KIND_ARRAY and _is_char(btf, t.elem_type)
        if len(raw) != size and not (is_char_array and len(raw) < size):
            raise PyBPFError(f"{where}: {len(raw)} bytes given for a {btf.type_name(tid)} "
                             f"of {size} bytes")
        start = bit_off // 8
        buf[start:start + len(raw)] = raw
        return
    if k in (B.KIND_INT, B.KIND_ENUM, B.KIND_ENUM64, B.KIND_PTR):
        if k in (B.KIND_ENUM, B.KIND_ENUM64) and isinstance(value, str):
            names = {m.name: m.value for m in t.members}
            if value not in names:
                raise PyBPFError(f"{where}: {value!r} is not a value of {btf.type_name(tid)} "
                                 f"({', '.join(names)})")
            value = names[value]
        if isinstance(value, bool) or not isinstance(value, int):
            raise PyBPFError(f"{where}: expected an integer for {btf.type_name(tid)}, "
                             f"got {type(value).__name__}")
        if k == B.KIND_INT:
            bits = bitfield or t.bits
            off = bit_off + (0 if bitfield else t.int_offset)
        else:
            bits = bitfield or size * 8
            off = bit_off
        if not -(1 << (bits - 1)) <= value < (1 << bits):
            raise PyBPFError(f"{where}: {value} does not fit in {bits} bits")
        _set_bits(buf, off, bits, value & ((1 << bits) - 1))
        return
    if k == B.KIND_FLOAT:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise PyBPFError(f"{where}: expected a number for {btf.type_name(tid)}")
        start = bit_off // 8
        buf[start:start + size] = struct.pack("<f" if size == 4 else "<d", float(value))
        return
    if k == B.KIND_ARRAY:
        esize = btf.size_of(t.elem_type)
        if isinstance(value, str) and _is_char(btf, t.elem_type):
            raw = value.encode("latin-1", errors="strict") if value.isascii() else value.encode()
            if len(raw) > t.nelems:
                raise PyBPFError(f"{where}: {len(raw)} characters do not fit in "
                                 f"char[{t.nelems}]")
            start = bit_off // 8
            buf[start:start + len(raw)] = raw
            return
        if not isinstance(value, (list, tuple)):
            raise PyBPFError(f"{where}: expected a list for {btf.type_name(tid)}, "
                             f"got {type(value).__name__}")
        if len(value) > t.nelems:
            raise PyBPFError(f"{where}: {len(value)} elements given for {t.nelems}")
        for i, v in enumerate(value):
            _put(btf, t.elem_type, v, buf, bit_off + i * esize * 8, 0, f"{where}[{i}]", depth + 1)
        return
    if k in (B.KIND_STRUCT, B.KIND_UNION):
        if not isinstance(value, dict):
            raise PyBPFError(f"{where}: expected a dict of fields for {btf.type_name(tid)}, "
                             f"got {type(value).__name__}")
        unknown = set(value) - _field_names(btf, t)
        if unknown:
            raise PyBPFError(f"{where}: {btf.type_name(tid)} has no field "
                             f"{', '.join(map(repr, sorted(unknown)))} (fields: "
                             f"{', '.join(sorted(_field_names(btf, t)))})")
        if k == B.KIND_UNION and len(value) > 1:
            raise PyBPFError(f"{where}: give one member of union {btf.type_name(tid)}, "
                             f"not {len(value)}")
        for mem in t.members:
            off = bit_off + mem.bit_offset
            if mem.name:
                if mem.name in value:
                    _put(btf, mem.type, value[mem.name], buf, off, mem.bitfield_size,
                         f"{where}.{mem.name}", depth + 1)
                continue
            inner = btf.resolve(mem.type)
            if inner.kind in (B.KIND_STRUCT, B.KIND_UNION):
                part = {n: v for n, v in value.items() if n in _field_names(btf, inner)}
                if part:
                    _put(btf, mem.type, part, buf, off, 0, where, depth + 1)
        return
    raise PyBPFError(f"{where}: cannot encode a value of {btf.type_name(tid)}")
