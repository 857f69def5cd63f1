"""Pinned maps: a directory plays bpffs, so map contents outlive a run and reach other processes.

Which maps are pinned, and where
================================

The *pin root* plays the role of the mounted bpffs (libbpf's ``pin_root_path``,
``/sys/fs/bpf`` by default). pybpf's default root is ``$PYBPF_PIN_ROOT`` if set,
else ``~/.cache/pybpf/bpffs``. Below it, paths follow the loaders' conventions:

* BTF map (``.maps``) with ``__uint(pinning, LIBBPF_PIN_BY_NAME)`` -> ``<root>/<map name>``
  (libbpf: ``/sys/fs/bpf/<map name>``). libbpf refuses any other non-zero value;
  so does pybpf.
* iproute2/Cilium ``struct bpf_elf_map`` in ``maps`` with ``PIN_GLOBAL_NS`` (2) ->
  ``<root>/tc/globals/<map name>``.
* ``struct bpf_elf_map`` with ``PIN_OBJECT_NS`` (1) -> ``<root>/tc/<object id>/<map name>``,
  where the object id is the hex SHA-1 of the ELF file, as iproute2 computes it
  (``bpf_obj_hash``). iproute2 uses ``tc/`` for every program type: its ``xdp/``
  and ``ip/`` directories are symlinks to ``tc/``, so pybpf writes ``tc/`` only.
* Other ``bpf_elf_map`` values are iproute2's custom pinning ids (looked up in
  ``/etc/iproute2/bpf_pinning``): refused, naming the map.

Loading (:func:`apply_pinning`)
===============================

For each pinned map, under an exclusive ``flock`` on the pin's lock file:

* **pin present** - its header must describe the same map, as libbpf's
  ``map_is_reuse_compat`` demands: type, key_size, value_size, max_entries,
  map_flags, map_extra; for per-CPU maps also the number of CPUs; and pybpf's
  storage layout for that map (a different pybpf version could lay a map out
  differently). Any difference raises :class:`PinMismatchError` naming the map,
  the path and every differing field, and nothing is written. A file that is
  not a pin, truncated, of another format version, or whose checksum fails
  raises :class:`PinCorruptError`. When compatible, the map's storage is
  restored from the pin: the raw bytes of its ``M_DATA`` and ``M_AUX`` regions
  and the dynamic fields of its map-table row (count, head, tail, LRU tick,
  free list). This is valid because a map's layout is a pure function of its
  spec and CPU count, and families keep their regions position-independent
  (positions inside a region are relative to that region, never arena offsets).
* **pin absent** - the pin is created at once with the fresh contents (libbpf
  pins as soon as the map exists), so other loaders find it.

If one map fails, pins this call created are removed again (libbpf unpins the
maps it pinned when a load fails); pins that already existed are never touched.

Maps whose values refer to things local to one object - ``prog_array``
(program entries), ``array_of_maps`` / ``hash_of_maps`` (map indexes) - are
checked and pinned, but their contents are neither stored nor restored: each
object fills them itself (its ``.values``), as a program fd means nothing in
another pybpf object.

Persistence: the flush model
============================

A loaded map lives in its object's arena (one numpy array per object, which
the compiled interpreter indexes directly), so a pin is a *snapshot*, not
shared memory. :func:`flush_pins` writes every pinned map whose contents
changed since they were last read or written (a SHA-256 of the storage says
so); unchanged maps are not rewritten, so an object that only reads a map
never clobbers another's updates. Flushes happen:

* on :func:`close` (``Object.close()``, the context manager's exit);
* at interpreter exit or when the object is garbage collected (a
  ``weakref.finalize``), with a warning on stderr if it fails;
* after each ``pybpf run`` (the command closes its object);
* whenever the user calls :func:`flush_pins`.

Each write builds the whole pin in a temporary file in the same directory
(``.<name>.<random>.tmp``), fsyncs it, then ``os.replace``-s it over the pin,
under an exclusive ``flock`` on ``.<name>.lock`` (the lock lives in a separate
file because ``os.replace`` swaps the pin's inode). A run killed at any point
therefore leaves either the old pin or the new one, never a torn one; a stale
temporary file is ignored by loads. Every pin carries a SHA-256 checksum of
its header and contents, checked on load.

What concurrent users get
-------------------------

* Two processes: each works on its own copy; a pin holds the state of the last
  *modifying* flush, per map (last writer wins, whole map at a time - updates
  made by the other process since its own load are lost, not merged). A
  process sees another's updates only when it loads after that flush.
* Two objects in one process: libbpf would hand both the same kernel map. pybpf
  cannot share storage between two arenas, so it gives the closest thing: when
  an object loads a pin that another live object of this process holds, that
  holder's changes are flushed first, so the new object starts from the current
  state. Afterwards the two copies diverge until flushed (last modifying flush
  wins, as between processes).
* If a pin file is removed while an object holds it (``rm``, :func:`unpin`),
  the object's copy becomes unpinned and is not written again, as a kernel map
  stays alive but nameless after ``unlink`` of its bpffs path.

Why not memory-mapped pins? A pin file mapped with ``np.memmap`` would be live
storage, but a map's bytes must sit inside the object's single arena array:
the interpreter and the map operations address everything as offsets into that
one array, and regions are appended by reallocating it. Backing a map with a
file would need an arena made of several buffers (one base pointer per region)
and, for cross-process writers, locking or atomics the kernel gives maps and
the VM does not emulate (hash-map free lists would race). That is possible
later; the file format here (header + raw regions, 8-aligned) was chosen so a
future mmap-backed region can use the same files.
"""

from __future__ import annotations

import errno as _errno
import fcntl
import hashlib
import os
import struct
import sys
import tempfile
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MapError
from ..spec import (LIBBPF_PIN_BY_NAME, LIBBPF_PIN_NONE, MAP_TYPES, PIN_GLOBAL_NS, PIN_NONE,
                    PIN_OBJECT_NS, MapSpec)
from .layout import (M_AUX, M_CAP, M_DATA, M_ELEM, M_FIELDS, M_FLAGS, M_KEY, M_MAX, M_NCPU,
                     M_TYPE, M_VALUE, M_VSTRIDE)

__all__ = [
    "ENV_PIN_ROOT", "FORMAT_VERSION", "PinError", "PinMismatchError", "PinCorruptError",
    "default_pin_root", "object_id_of", "pin_path", "apply_pinning", "flush_pins", "close",
    "unpin", "read_pin", "PinSet",
]

#: Environment variable naming the pin root (the directory that plays bpffs).
ENV_PIN_ROOT = "PYBPF_PIN_ROOT"
#: Version of the pin file format; a pin of another version is refused.
FORMAT_VERSION = 1

_MAGIC = b"PYBPFPIN"
# magic, version, header size, object ncpu, type, key_size, value_size, max_entries, map_flags,
# map_extra, per-CPU copies (row M_NCPU), M_FIELDS, flags, name length, data length, aux length
_HEAD = struct.Struct("<8sHHIIIIIIQIIIIQQ")
_DIGEST = 32                     # SHA-256
_F_CONTENTS = 1                  # header flag: the regions' bytes are stored

#: Row fields that describe the layout (must match); the region indexes and
#: ``M_FLAGS`` are not compared (region indexes depend on the object).
_LAYOUT_FIELDS = {M_TYPE: "type", M_KEY: "key_size", M_VALUE: "value_size",
                  M_MAX: "max_entries", M_NCPU: "ncpu", M_VSTRIDE: "layout.vstride",
                  M_CAP: "layout.cap", M_ELEM: "layout.elem"}
#: Row fields that hold the map's state (count, head, tail, tick, free list ...): restored.
_DYNAMIC_FIELDS = [f for f in range(M_FIELDS)
                   if f not in _LAYOUT_FIELDS and f not in (M_DATA, M_AUX, M_FLAGS)]

#: Map types whose values are object-local references (program entries, map indexes).
_NO_CONTENTS_TYPES = {3, 12, 13}   # prog_array, array_of_maps, hash_of_maps


class PinError(MapError):
    """A pinned map could not be reused, created or written."""

    def __init__(self, message: str, path: Path | str | None = None, errno: int = _errno.EINVAL):
        super().__init__(message, errno)
        self.path = str(path) if path is not None else None


class PinMismatchError(PinError):
    """The pin exists but describes another map (libbpf: "parameter mismatch").

    ``fields`` maps each differing field to ``(pinned, wanted)``.
    """

    def __init__(self, message: str, path, map_name: str, fields: dict):
        super().__init__(message, path)
        self.map_name = map_name
        self.fields = fields


class PinCorruptError(PinError):
    """The file at the pin path is not a valid pybpf pin (truncated, bad checksum, ...)."""


# ---------------------------------------------------------------------------
# Paths


def default_pin_root() -> Path:
    """``$PYBPF_PIN_ROOT``, else ``~/.cache/pybpf/bpffs``."""
    env = os.environ.get(ENV_PIN_ROOT)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "pybpf" / "bpffs"


def object_id_of(data: bytes) -> str:
    """The PIN_OBJECT_NS directory name of an object: hex SHA-1 of its ELF bytes (as iproute2)."""
    return hashlib.sha1(bytes(data)).hexdigest()


def _is_elf_map(spec: MapSpec) -> bool:
    return spec.section == "maps" and "id" in spec.legacy


def pin_path(spec: MapSpec, root, object_id: str | None = None, owner: str = "") -> Path | None:
    """Where ``spec`` is pinned under ``root``, or None when it is not pinned.

    Raises :class:`PinError` for pinning values the map's loader would refuse.
    """
    where = f"{owner}: " if owner else ""
    root = Path(root)
    _check_name(spec.name, where)
    if spec.section == "maps":
        if not _is_elf_map(spec) or spec.pinning == PIN_NONE:
            return None
        if spec.pinning == PIN_GLOBAL_NS:
            return root / "tc" / "globals" / spec.name
        if spec.pinning == PIN_OBJECT_NS:
            if not object_id:
                raise PinError(f"{where}map {spec.name!r}: PIN_OBJECT_NS needs the object's id "
                               f"(SHA-1 of the ELF file), and the object was not loaded from a file")
            return root / "tc" / object_id / spec.name
        raise PinError(f"{where}map {spec.name!r}: pinning {spec.pinning} is an iproute2 custom "
                       f"pinning id (from /etc/iproute2/bpf_pinning), which pybpf does not "
                       f"support; use PIN_GLOBAL_NS (2) or PIN_OBJECT_NS (1)")
    if spec.pinning == LIBBPF_PIN_NONE:
        return None
    if spec.pinning == LIBBPF_PIN_BY_NAME:
        return root / spec.name
    raise PinError(f"{where}map {spec.name!r}: invalid pinning value {spec.pinning} (libbpf knows "
                   f"LIBBPF_PIN_NONE (0) and LIBBPF_PIN_BY_NAME (1))")


def _check_name(name: str, where: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise PinError(f"{where}map name {name!r} cannot be a pin file name")


def _lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


@contextmanager
def _locked(path: Path, exclusive: bool = True):
    """Hold ``flock`` on the pin's lock file (``.<name>.lock`` next to it)."""
    fd = os.open(_lock_path(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)    # releases the lock


# ---------------------------------------------------------------------------
# The file format


@dataclass
class PinImage:
    """A pin file's contents, decoded."""

    ncpu: int
    type: int
    key_size: int
    value_size: int
    max_entries: int
    map_flags: int
    map_extra: int
    row: np.ndarray          # int64[M_FIELDS]
    name: str
    data: bytes | None       # None when contents are not stored
    aux: bytes | None
    version: int = FORMAT_VERSION


def _encode(img: PinImage) -> bytes:
    name = img.name.encode()
    data = img.data if img.data is not None else b""
    aux = img.aux if img.aux is not None else b""
    flags = _F_CONTENTS if img.data is not None else 0
    row = np.asarray(img.row, dtype="<i8").copy()
    row[M_DATA] = 0
    row[M_AUX] = -1 if row[M_AUX] < 0 else 0     # region indexes are object-local: keep presence only
    head = _HEAD.pack(_MAGIC, FORMAT_VERSION, _HEAD.size, img.ncpu, img.type, img.key_size,
                      img.value_size, img.max_entries, img.map_flags, img.map_extra,
                      int(row[M_NCPU]), M_FIELDS, flags, len(name), len(data), len(aux))
    body = head + row.tobytes() + name
    digest = hashlib.sha256(body + data + aux).digest()
    return body + digest + data + aux


def _decode(blob: bytes, path) -> PinImage:
    def bad(why):
        return PinCorruptError(f"{path}: not a valid pybpf pin: {why}; remove it to re-create "
                               f"the map (nothing was loaded from it)", path)

    if len(blob) < 8 or blob[:8] != _MAGIC:
        raise bad("wrong magic (not written by pybpf)")
    if len(blob) < 12:
        raise bad(f"truncated: {len(blob)} bytes, shorter than the header")
    version, hsize = struct.unpack_from("<HH", blob, 8)
    if version != FORMAT_VERSION:
        raise bad(f"format version {version}, this pybpf reads version {FORMAT_VERSION}")
    if hsize != _HEAD.size or len(blob) < _HEAD.size:
        raise bad(f"truncated: {len(blob)} bytes, shorter than the header" if len(blob) < _HEAD.size
                  else f"header of {hsize} bytes, expected {_HEAD.size}")
    (_, _, _, ncpu, mtype, key, value, maxe, mflags, extra, _per, nfields, flags, name_len,
     data_len, aux_len) = _HEAD.unpack_from(blob, 0)
    if nfields != M_FIELDS:
        raise bad(f"map-table rows of {nfields} fields, this pybpf has {M_FIELDS}")
    row_end = _HEAD.size + 8 * nfields
    body_end = row_end + name_len
    total = body_end + _DIGEST + data_len + aux_len
    if len(blob) != total:
        raise bad(f"truncated: {len(blob)} bytes, the header announces {total}" if len(blob) < total
                  else f"{len(blob) - total} trailing bytes after the announced {total}")
    payload = blob[body_end + _DIGEST:]
    if hashlib.sha256(blob[:body_end] + payload).digest() != blob[body_end:body_end + _DIGEST]:
        raise bad("checksum mismatch (the file was modified or partly written)")
    row = np.frombuffer(blob[_HEAD.size:row_end], dtype="<i8").astype(np.int64)
    has = bool(flags & _F_CONTENTS)
    return PinImage(ncpu, mtype, key, value, maxe, mflags, extra, row,
                    blob[row_end:body_end].decode(errors="replace"),
                    payload[:data_len] if has else None, payload[data_len:] if has else None,
                    version)


def read_pin(path) -> PinImage:
    """Decode the pin at ``path`` (raises :class:`PinCorruptError` when it is not valid)."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except IsADirectoryError:
        raise PinCorruptError(f"{path}: is a directory, not a pinned map", path) from None
    return _decode(blob, path)


def _write_atomic(path: Path, blob: bytes) -> None:
    """Write ``blob`` to ``path`` via a temporary file in the same directory and os.replace."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    try:
        dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# ---------------------------------------------------------------------------
# Pinned maps of one object


class _Pinned:
    """One pinned map of a loaded object."""

    def __init__(self, pinset: "PinSet", name: str, index: int, spec: MapSpec, path: Path):
        self.pinset = pinset
        self.name = name
        self.index = index
        self.spec = spec
        self.path = path
        self.contents = spec.type not in _NO_CONTENTS_TYPES
        self.synced: bytes | None = None     # digest of the state the pin holds, as we know it
        self.pinned = True                   # False once the pin file was removed under us

    # -- the map's storage in the arena ------------------------------------------------
    def _row(self) -> np.ndarray:
        return self.pinset.mapset.table[self.index]

    def _region(self, field: int):
        k = int(self._row()[field])
        if k < 0:
            return None
        mem = self.pinset.mapset.memory
        return mem.view(mem.regions[k])

    def state_digest(self) -> bytes:
        h = hashlib.sha256()
        if self.contents:
            h.update(self._row()[_DYNAMIC_FIELDS].astype("<i8").tobytes())
            for field in (M_DATA, M_AUX):
                view = self._region(field)
                if view is not None:
                    h.update(view.tobytes())
        return h.digest()

    def image(self) -> PinImage:
        s = self.spec
        data = aux = None
        if self.contents:
            view = self._region(M_DATA)
            data = view.tobytes() if view is not None else b""
            view = self._region(M_AUX)
            aux = view.tobytes() if view is not None else b""
        return PinImage(self.pinset.mapset.ncpu, s.type, s.key_size, s.value_size, s.max_entries,
                        s.flags, s.map_extra, self._row().copy(), s.name, data, aux)

    # -- compatibility -----------------------------------------------------------------
    def differences(self, img: PinImage) -> dict:
        """``{field: (pinned, wanted)}`` for every field that makes the pin unusable."""
        s, row = self.spec, self._row()
        diff = {}
        for field, pinned, wanted in (("type", img.type, s.type),
                                      ("key_size", img.key_size, s.key_size),
                                      ("value_size", img.value_size, s.value_size),
                                      ("max_entries", img.max_entries, s.max_entries),
                                      ("map_flags", img.map_flags, s.flags),
                                      ("map_extra", img.map_extra, s.map_extra)):
            if pinned != wanted:
                diff[field] = (pinned, wanted)
        if diff:
            return diff
        # Same definition: the per-CPU copies and pybpf's layout must agree too.
        for field, label in _LAYOUT_FIELDS.items():
            if field in (M_TYPE, M_KEY, M_VALUE, M_MAX):
                continue
            if int(img.row[field]) != int(row[field]):
                diff[label] = (int(img.row[field]), int(row[field]))
        if "ncpu" in diff:      # the rest of the layout follows from the CPU count
            return {"ncpu": diff["ncpu"]}
        if (int(img.row[M_AUX]) >= 0) != (int(row[M_AUX]) >= 0):
            diff["layout.aux"] = ("present" if img.row[M_AUX] >= 0 else "absent",
                                  "present" if row[M_AUX] >= 0 else "absent")
        if not diff and self.contents and img.data is not None:
            for label, stored, field in (("layout.data_bytes", img.data, M_DATA),
                                         ("layout.aux_bytes", img.aux, M_AUX)):
                view = self._region(field)
                size = 0 if view is None else len(view)
                if len(stored) != size:
                    diff[label] = (len(stored), size)
        return diff

    def mismatch_error(self, diff: dict) -> PinMismatchError:
        def show(field, v):
            if field == "type" and isinstance(v, int):
                return f"{v} ({MAP_TYPES.get(v, 'unknown')})"
            if field == "ncpu":
                return f"{v} CPUs"
            return str(v)
        parts = "; ".join(f"{f}: pinned {show(f, a)}, object wants {show(f, b)}"
                          for f, (a, b) in diff.items())
        owner = self.pinset.owner
        return PinMismatchError(
            f"{owner + ': ' if owner else ''}map {self.name!r}: the map pinned at {self.path} is "
            f"not compatible ({parts}); the pin was left untouched - remove it or fix the "
            f"map definition", self.path, self.name, diff)

    # -- transfers ---------------------------------------------------------------------
    def restore(self, img: PinImage) -> None:
        """Copy the pin's storage and row state into the map (already checked compatible)."""
        if self.contents and img.data is not None:
            row = self._row()
            for field, stored in ((M_DATA, img.data), (M_AUX, img.aux)):
                view = self._region(field)
                if view is not None and len(stored):
                    view[:] = np.frombuffer(stored, dtype=np.uint8)
            row[_DYNAMIC_FIELDS] = img.row[_DYNAMIC_FIELDS]
        self.synced = self.state_digest()

    def flush(self, force: bool = False) -> bool:
        """Write the map to its pin if it changed (or ``force``); True when written."""
        if not self.pinned:
            return False
        digest = self.state_digest()
        if not force and digest == self.synced:
            return False
        if not self.path.parent.is_dir():
            self.pinned = False         # the whole pin directory went away
            return False
        with _locked(self.path):
            if not self.path.exists():
                # Unlinked while we held it: the map lives on, nameless (as in the kernel).
                self.pinned = False
                return False
            try:
                current = read_pin(self.path)
            except PinCorruptError:
                current = None          # we hold a valid state: replace the damaged pin
            if current is not None:
                diff = self.differences_header(current)
                if diff:
                    raise self.mismatch_error(diff)
            _write_atomic(self.path, _encode(self.image()))
        self.synced = digest
        return True

    def differences_header(self, img: PinImage) -> dict:
        """Definition-level differences only (someone re-pinned another map at our path)."""
        return {k: v for k, v in self.differences(img).items() if not k.startswith("layout.")}


#: Live pin holders of this process, by pin path: lets a second object start from the
#: first one's current state (see the module docs).
_LIVE: dict[str, "weakref.WeakSet[_Pinned]"] = {}
_LIVE_LOCK = threading.Lock()


def _live_holders(path: Path) -> list[_Pinned]:
    with _LIVE_LOCK:
        return [p for p in _LIVE.get(str(path), ()) if p.pinned and not p.pinset.closed]


def _register(p: _Pinned) -> None:
    with _LIVE_LOCK:
        _LIVE.setdefault(str(p.path), weakref.WeakSet()).add(p)


def _unregister(p: _Pinned) -> None:
    with _LIVE_LOCK:
        holders = _LIVE.get(str(p.path))
        if holders is not None:
            holders.discard(p)
            if not holders:
                del _LIVE[str(p.path)]


class PinSet:
    """The pinned maps of one loaded object (``obj._pinning``)."""

    def __init__(self, mapset, root: Path, owner: str = ""):
        self.mapset = mapset
        self.root = root
        self.owner = owner
        self.maps: dict[str, _Pinned] = {}
        self.closed = False
        self._finalizer = None

    def __repr__(self) -> str:
        return f"<PinSet {self.root} maps={list(self.maps)}{' closed' if self.closed else ''}>"

    def paths(self) -> dict[str, Path]:
        return {name: p.path for name, p in self.maps.items()}

    def flush(self, force: bool = False) -> list[Path]:
        """Write every changed pinned map; the paths written."""
        return [p.path for p in self.maps.values() if p.flush(force)]

    def close(self) -> None:
        if self.closed:
            return
        try:
            self.flush()
        finally:
            self.closed = True
            for p in self.maps.values():
                _unregister(p)
            if self._finalizer is not None:
                self._finalizer.detach()

    def _finalize(self) -> None:
        """At garbage collection or interpreter exit: flush, never raise."""
        try:
            self.close()
        except Exception as exc:  # noqa: BLE001 - must not raise from a finalizer
            print(f"pybpf: warning: could not flush pinned maps of {self.owner or 'an object'}: "
                  f"{exc}", file=sys.stderr)


# ---------------------------------------------------------------------------
# Entry points the loader calls


def apply_pinning(obj, pin_root=None, object_id: str | None = None) -> None:
    """Reuse or create the pins of ``obj``'s pinned maps (call right after MapSet allocation).

    ``pin_root``: the directory playing bpffs; None means :func:`default_pin_root`,
    False disables pinning. ``object_id`` names the PIN_OBJECT_NS directory; by default
    the SHA-1 of the object file (``obj.spec.path``). Sets ``obj._pinning`` (a
    :class:`PinSet`, or None when no map is pinned) and registers a finalizer that
    flushes at garbage collection and interpreter exit.
    """
    existing = getattr(obj, "_pinning", None)
    if pin_root is False:
        if existing is None:
            obj._pinning = None
        return
    root = Path(pin_root).expanduser() if pin_root is not None else default_pin_root()
    if existing is not None:
        if existing.root.resolve() == root.resolve() and not existing.closed:
            return
        raise PinError(f"{obj.filename}: maps are already pinned under {existing.root}",
                       existing.root)
    mapset = obj.maps
    wanted = []
    for name, m in mapset.maps.items():
        spec = m.spec
        needs_id = _is_elf_map(spec) and spec.pinning == PIN_OBJECT_NS
        oid = object_id
        if needs_id and oid is None:
            oid = _object_id_from_file(getattr(obj.spec, "path", None))
        path = pin_path(spec, root, oid, owner=obj.filename)
        if path is not None:
            wanted.append((name, m.index, spec, path))
    if not wanted:
        obj._pinning = None
        return

    pinset = PinSet(mapset, root, owner=obj.filename)
    created: list[Path] = []
    try:
        for name, index, spec, path in wanted:
            p = _Pinned(pinset, name, index, spec, path)
            _attach(p, created)
            pinset.maps[name] = p
    except BaseException:
        for path in created:     # undo the pins this load made; never touch existing ones
            try:
                path.unlink()
            except OSError:
                pass
        raise
    for p in pinset.maps.values():
        _register(p)
    obj._pinning = pinset
    pinset._finalizer = weakref.finalize(obj, pinset._finalize)


def _object_id_from_file(path) -> str | None:
    if not path or path == "<bytes>":
        return None
    try:
        with open(path, "rb") as f:
            return object_id_of(f.read())
    except OSError:
        return None


def _attach(p: _Pinned, created: list[Path]) -> None:
    """Reuse the pin at ``p.path`` if compatible, else create it."""
    try:
        p.path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PinError(f"{p.pinset.owner}: map {p.name!r}: cannot create pin directory "
                       f"{p.path.parent}: {exc.strerror}", p.path, exc.errno or _errno.EIO) from None
    # Another object of this process may hold newer contents: let it write them first.
    for holder in _live_holders(p.path):
        holder.flush()
    with _locked(p.path):
        if p.path.exists() or p.path.is_symlink():
            img = read_pin(p.path)
            diff = p.differences(img)
            if diff:
                raise p.mismatch_error(diff)
            p.restore(img)
        else:
            _write_atomic(p.path, _encode(p.image()))
            created.append(p.path)
            p.synced = p.state_digest()


def flush_pins(obj, force: bool = False) -> list[Path]:
    """Write ``obj``'s pinned maps that changed since last synced; the paths written."""
    pinset = getattr(obj, "_pinning", None)
    return pinset.flush(force) if pinset is not None else []


def close(obj) -> None:
    """Flush the pins and stop tracking them (idempotent). The object stays usable, but its
    maps are no longer written back automatically; :func:`flush_pins` still writes them."""
    pinset = getattr(obj, "_pinning", None)
    if pinset is not None:
        pinset.close()


def unpin(obj, names=None) -> list[Path]:
    """Remove the pin files of ``obj``'s pinned maps (all, or those in ``names``), as
    ``bpf_object__unpin_maps``; the maps stay loaded, unpinned. Returns the paths removed."""
    pinset = getattr(obj, "_pinning", None)
    if pinset is None:
        return []
    removed = []
    for name, p in pinset.maps.items():
        if names is not None and name not in names:
            continue
        with _locked(p.path):
            try:
                p.path.unlink()
                removed.append(p.path)
            except FileNotFoundError:
                pass
        p.pinned = False
        _unregister(p)
    return removed
