"""Maps: allocation in VM memory, and the dict-like :class:`Map` users and tests touch.

The Python API runs the same Numba operations (:mod:`pybpf.maps.ops`) that the
program's helpers run, through a scratch region for keys and values, so both
sides always agree. Keys and values are bytes; an ``int`` key is packed
little-endian to the key size. Per-CPU maps give a list with one value per
virtual CPU, and take such a list (or one value for every CPU).
"""

from __future__ import annotations

import errno as _errno
from dataclasses import replace

import numpy as np

from ..errors import MapError, PyBPFError
from ..spec import MAP_TYPES, MapSpec
from ..vm.memory import Memory
from . import ops, queue
from .common import call_compiled
from .layout import (BPF_ANY, M_AUX, M_CAP, M_DATA, M_ELEM, M_FIELDS, M_FLAGS, M_FREE, M_KEY, M_MAX,
                     M_NCPU, M_TYPE, M_VALUE, M_VSTRIDE, handle_va, round8)

PERF_EVENT_ARRAY = 4
MAP_IN_MAP_TYPES = {12, 13}
PERCPU_TYPES = {5, 6, 10, 21}    # percpu_hash, percpu_array, lru_percpu_hash, percpu_cgroup_storage
#: Maps whose contents ``pybpf run --json`` reports: hash, array, per-CPU, LRU and LPM maps.
DUMPABLE_TYPES = {1, 2, 5, 6, 9, 10, 11}


class MapSet:
    """All maps of one object: the shared map table and each map's regions."""

    def __init__(self, memory: Memory, specs: list[MapSpec], ncpu: int = 1, owner: str = "",
                 btf=None):
        """``btf`` (the object's :class:`pybpf.elf.btf.BTF`) lets keys and values be given and
        read by field name (:meth:`Map.items` with ``decode=True``)."""
        self.btf = btf
        if ncpu < 1:
            raise PyBPFError(f"{owner}: the number of CPUs must be at least 1")
        self.memory = memory
        self.ncpu = ncpu
        self.table = np.zeros((max(len(specs), 1), M_FIELDS), dtype=np.int64)
        self.maps: dict[str, Map] = {}
        scratch = 16
        for m, spec in enumerate(specs):
            family = ops.family_module(spec.type)
            if family is None:
                raise PyBPFError(f"{owner}: map {spec.name!r} has type {spec.type_name}, "
                                 f"which pybpf does not support yet")
            if spec.type == PERF_EVENT_ARRAY and spec.max_entries == 0:
                spec = replace(spec, max_entries=ncpu)  # libbpf: one slot per possible CPU
            if spec.max_entries <= 0:
                raise MapError(f"{owner}: map {spec.name!r}: max_entries must be at least 1 "
                               f"(the kernel refuses to create it: EINVAL)", _errno.EINVAL)
            per = ncpu if spec.type in PERCPU_TYPES else 1
            try:
                sizes = family.layout(spec.type, spec.key_size, spec.value_size, spec.max_entries,
                                      per, flags=spec.flags, name=spec.name)
            except PyBPFError as exc:  # say which map, keep the error's class and errno
                exc.args = (f"{owner}: map {spec.name!r}: {exc}", *exc.args[1:])
                raise
            data = memory.add_region(spec.name, sizes["data"])
            row = self.table[m]
            row[M_TYPE], row[M_KEY], row[M_VALUE] = spec.type, spec.key_size, spec.value_size
            row[M_MAX], row[M_NCPU], row[M_FLAGS] = spec.max_entries, per, spec.flags
            row[M_VSTRIDE] = round8(spec.value_size)
            row[M_DATA] = data.index
            row[M_AUX] = -1
            row[M_CAP], row[M_ELEM], row[M_FREE] = sizes["cap"], sizes["elem"], -1
            if sizes["aux"]:
                aux = memory.add_region(f"{spec.name}.aux", sizes["aux"], hi=0)
                row[M_AUX] = aux.index
            self.maps[spec.name] = Map(self, m, spec)
            scratch = max(scratch, spec.key_size * 2 + round8(spec.value_size) * per)
        self.scratch = memory.add_region("map-scratch", scratch, hi=0)
        for m, spec in enumerate(specs):
            family = ops.family_module(spec.type)
            if hasattr(family, "init"):
                family.init(self.table, m, memory.arena, memory.rbase)

    def __getitem__(self, name: str) -> "Map":
        return self.maps[name]

    def to_json(self) -> dict:
        """``{"name": [["keyhex", "valuehex"], ...]}`` for every map with key/value contents,
        sorted by key; per-CPU values concatenated, each padded to 8 bytes (as a syscall
        lookup returns them)."""
        return {name: [[k.hex(), m.syscall_value(v).hex()] for k, v in sorted(m.items())]
                for name, m in self.maps.items() if m.type in DUMPABLE_TYPES}

    def to_json_decoded(self) -> dict:
        """``{"name": [{"key": ..., "value": ...}, ...]}`` with keys and values by field name
        (through BTF; hex where a map has no BTF type), sorted by the raw key."""
        out = {}
        for name, m in self.maps.items():
            if m.type not in DUMPABLE_TYPES:
                continue
            rows = []
            for k, v in sorted(m.items()):
                dk, dv = m.decode_key(k), m.decode_value(v)
                rows.append({"key": dk.hex() if isinstance(dk, bytes) else dk,
                             "value": _jsonable(dv)})
            out[name] = rows
        return out

    def load_json(self, data: dict, source: str = "maps") -> None:
        """Write entries in :meth:`to_json`'s shape (e.g. from ``pybpf run --maps-in``)."""
        for name, entries in data.items():
            if name not in self.maps:
                raise MapError(f"{source}: no map named {name!r} (maps: {', '.join(self.maps)})",
                               _errno.ENOENT)
            m = self.maps[name]
            for pair in entries:
                try:
                    key, value = bytes.fromhex(pair[0]), bytes.fromhex(pair[1])
                except (ValueError, TypeError, IndexError):
                    raise MapError(f"{source}: map {name}: entries must be [\"keyhex\", "
                                   f"\"valuehex\"] pairs, got {pair!r}", _errno.EINVAL) from None
                m.update(key, m.from_syscall_value(value))

    def index(self, name: str) -> int:
        return self.maps[name].index


class Map:
    """One map, dict-like: ``m[key]``, ``m[key] = value``, ``del m[key]``, ``m.items()``."""

    def __init__(self, mapset: MapSet, index: int, spec: MapSpec):
        self._set = mapset
        self.index = index
        self.spec = spec
        self.name = spec.name
        self.type = spec.type
        self.type_name = MAP_TYPES.get(spec.type, str(spec.type))
        self.key_size = spec.key_size
        self.value_size = spec.value_size
        self.max_entries = spec.max_entries
        self.percpu = spec.type in PERCPU_TYPES
        self.ncpu = mapset.ncpu if self.percpu else 1

    def __repr__(self) -> str:
        return f"<Map {self.name} {self.type_name} key={self.key_size} value={self.value_size} max={self.max_entries}>"

    @property
    def handle(self) -> int:
        """What a program holds for this map (the patched ``lddw`` value)."""
        return handle_va(self.index)

    # -- staging ------------------------------------------------------------------------
    def _arrays(self):
        mem = self._set.memory
        return self._set.table, mem.arena, mem.rbase

    def _scratch(self) -> int:
        return int(self._set.memory.rbase[self._set.scratch.index])

    # -- BTF: keys and values by field name ----------------------------------------------
    def _btf_type(self, which: str) -> int | None:
        tid = self.spec.key_type_id if which == "key" else self.spec.value_type_id
        return tid if (tid and self._set.btf is not None) else None

    def _encode(self, which: str, value) -> bytes:
        """A dict/list/str/float key or value encoded through the map's BTF type."""
        tid = self._btf_type(which)
        if tid is None:
            raise MapError(f"map {self.name}: a {type(value).__name__} {which} needs the map's "
                           f"BTF {which} type, which this map does not have (give bytes or an "
                           f"int)", _errno.EINVAL)
        from ..elf.btfvalue import encode
        try:
            return encode(self._set.btf, tid, value, where=f"map {self.name}: {which}")
        except MapError:
            raise
        except PyBPFError as exc:
            raise MapError(str(exc), _errno.EINVAL) from None

    def decode_key(self, raw: bytes):
        """A key's fields by name (through BTF); the bytes themselves when the map has no
        BTF key type."""
        tid = self._btf_type("key")
        if tid is None:
            return raw
        from ..elf.btfvalue import decode
        return decode(self._set.btf, tid, raw)

    def decode_value(self, raw):
        """A value's fields by name (a list of them for per-CPU maps); bytes without BTF."""
        if isinstance(raw, list):
            return [self.decode_value(v) for v in raw]
        tid = self._btf_type("value")
        if tid is None or raw is None:
            return raw
        from ..elf.btfvalue import decode
        return decode(self._set.btf, tid, raw)

    def _put_key(self, key) -> int:
        if not isinstance(key, (int, bytes, bytearray, memoryview)):
            key = self._encode("key", key)
        if isinstance(key, int):
            if not 0 <= key < 1 << (8 * self.key_size):
                raise MapError(f"map {self.name}: key {key} does not fit in {self.key_size} bytes",
                               _errno.EINVAL)
            key = key.to_bytes(self.key_size, "little")
        key = bytes(key)
        if len(key) != self.key_size:
            raise MapError(f"map {self.name}: key of {len(key)} bytes, the map's keys have "
                           f"{self.key_size}", _errno.EINVAL)
        p = self._scratch()
        self._set.memory.arena[p:p + len(key)] = np.frombuffer(key, dtype=np.uint8)
        return p

    def _put_value(self, value) -> int:
        if isinstance(value, Map):  # map-in-map slots hold the inner map's number + 1
            if self.type not in MAP_IN_MAP_TYPES:
                raise MapError(f"map {self.name}: only array_of_maps/hash_of_maps hold maps",
                               _errno.EINVAL)
            value = (value.index + 1).to_bytes(4, "little")
        stride = round8(self.value_size)
        if self.percpu:
            values = list(value) if isinstance(value, (list, tuple)) else [value] * self.ncpu
            if len(values) != self.ncpu:
                raise MapError(f"map {self.name}: {len(values)} per-CPU values for {self.ncpu} CPUs",
                               _errno.EINVAL)
        else:
            values = [value]
        p = self._scratch() + self.key_size * 2
        arena = self._set.memory.arena
        for c, v in enumerate(values):
            if not isinstance(v, (int, bytes, bytearray, memoryview)):
                v = self._encode("value", v)
            v = v.to_bytes(self.value_size, "little") if isinstance(v, int) else bytes(v)
            if len(v) != self.value_size:
                raise MapError(f"map {self.name}: value of {len(v)} bytes, the map's values have "
                               f"{self.value_size}", _errno.EINVAL)
            arena[p + c * stride:p + c * stride + len(v)] = np.frombuffer(v, dtype=np.uint8)
        return p

    def _value_at(self, p: int):
        arena = self._set.memory.arena
        stride = round8(self.value_size)
        if self.percpu:
            return [arena[p + c * stride:p + c * stride + self.value_size].tobytes()
                    for c in range(self.ncpu)]
        return arena[p:p + self.value_size].tobytes()

    def syscall_value(self, value) -> bytes:
        """A value as ``bpf_map_lookup_elem(2)`` returns it: per-CPU ones padded and joined."""
        if self.percpu:
            stride = round8(self.value_size)
            return b"".join(v.ljust(stride, b"\0") for v in value)
        return value

    def from_syscall_value(self, raw: bytes):
        """Inverse of :meth:`syscall_value`."""
        if not self.percpu:
            return raw
        stride = round8(self.value_size)
        if len(raw) != stride * self.ncpu:
            raise MapError(f"map {self.name}: a per-CPU value needs {self.ncpu} x {stride} bytes, "
                           f"got {len(raw)}", _errno.EINVAL)
        return [raw[c * stride:c * stride + self.value_size] for c in range(self.ncpu)]

    # -- operations ----------------------------------------------------------------------
    def lookup(self, key, decode: bool = False):
        """The value (a list per CPU for per-CPU maps), or None when the key is absent.

        ``key`` may be bytes, an int, or fields by name (a dict for a struct key);
        ``decode=True`` returns the value's fields by name (see :meth:`decode_value`).
        """
        table, arena, rbase = self._arrays()
        p = call_compiled(ops.lookup_sys, table, self.index, arena, rbase, self._put_key(key), 0,
                          results=1)
        if p < 0:
            return None
        value = self._value_at(int(p))
        return self.decode_value(value) if decode else value

    # -- queues and stacks (BPF_MAP_TYPE_QUEUE / STACK) ------------------------------------
    def push(self, value, flags: int = 0) -> None:
        """Push a value (BPF_EXIST: on a full map, drop the oldest instead of failing)."""
        queue.push(self, value, flags)

    def pop(self):
        """Take the next value (queue: oldest, stack: newest); None when empty."""
        return queue.pop(self)

    def peek(self):
        """The next value without taking it; None when empty."""
        return queue.peek(self)

    def update(self, key, value, flags: int = BPF_ANY) -> None:
        table, arena, rbase = self._arrays()
        kp = self._put_key(key)
        vp = self._put_value(value)
        ret = call_compiled(ops.update, table, self.index, arena, rbase, kp, vp, flags, 0, True,
                            results=1)
        if ret < 0:
            raise MapError(f"map {self.name}: update failed: {_errno.errorcode.get(-ret, ret)}", -ret)

    def delete(self, key) -> None:
        table, arena, rbase = self._arrays()
        ret = call_compiled(ops.delete, table, self.index, arena, rbase, self._put_key(key),
                            results=1)
        if ret < 0:
            raise MapError(f"map {self.name}: delete failed: {_errno.errorcode.get(-ret, ret)}", -ret)

    def keys(self):
        """Every key, in the map's iteration order (as ``bpf_map_get_next_key`` walks it)."""
        table, arena, rbase = self._arrays()
        out, prev = [], -1
        p = self._scratch()
        while len(out) <= max(self.max_entries, 0):
            ret = call_compiled(ops.next_key, table, self.index, arena, rbase, prev,
                                p + self.key_size, results=1)
            if ret < 0:
                break
            key = arena[p + self.key_size:p + 2 * self.key_size].tobytes()
            out.append(key)
            arena[p:p + self.key_size] = np.frombuffer(key, dtype=np.uint8)
            prev = p
        return out

    def items(self, decode: bool = False):
        """``(key, value)`` pairs; ``decode=True``: both by field name through BTF."""
        pairs = [(k, self.lookup(k)) for k in self.keys()]
        pairs = [(k, v) for k, v in pairs if v is not None]  # empty device/CPU/socket slots
        if decode:
            return [(self.decode_key(k), self.decode_value(v)) for k, v in pairs]
        return pairs

    def values(self, decode: bool = False):
        return [v for _, v in self.items(decode)]

    def __getitem__(self, key):
        value = self.lookup(key)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key, default=None):
        value = self.lookup(key)
        return default if value is None else value

    def __setitem__(self, key, value) -> None:
        self.update(key, value)

    def __delitem__(self, key) -> None:
        self.delete(key)

    def __contains__(self, key) -> bool:
        return self.lookup(key) is not None

    def __iter__(self):
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())


def _jsonable(value):
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
