"""Program contexts: what a program's r1 points at, per program type.

One protocol, two implementations (:class:`pybpf.contexts.xdp.XdpContext` for
``xdp``; :class:`pybpf.contexts.skb.SkbContext` for ``sched_cls``/``sched_act``).
The loader keeps one context object per kind and per :class:`~pybpf.loader.Object`
(each owns a packet region of the object's memory) and drives a run so::

    ctx = cls(memory)                       # once: adds its regions, marks ctxmap
    ctx.load(data, ctx_in, env, st)         # per run: kernel checks, lay out, publish
    machine.context, machine.env = ctx, env
    r0 = machine.run(ctx.ctx_va, entry=...)
    ctx.verdict(r0), ctx.data_out(), ctx.ctx_out(), ctx.ctx_fields(), ctx.redirect

What a context class provides:

``kind``
    ``"xdp"`` or ``"skb"``: which branch shared helpers (:mod:`pybpf.helpers.net`) take.
``ctx_size``
    ``sizeof`` the UAPI struct (``xdp_md``: 24, ``__sk_buff``: 192): ``ctx_in``/``ctx_out``
    have this size; a longer ``ctx_in`` must be zero past it (the kernel's
    ``bpf_check_uarg_tail_zero``), a shorter one is zero-extended.
``layout``
    :class:`Layout` of the struct's fields, so ``ctx_in`` may be given as a dict of field
    names and ``ctx_out`` is decoded by name.
``load(data, ctx_in, env, st)``
    Check ``data`` and ``ctx_in`` (raw bytes, a dict of field names, or None) as
    ``BPF_PROG_TEST_RUN`` does and raise :class:`~pybpf.errors.TestRunRefused` (with the
    kernel's errno name) where it would fail; place the packet and fill the context struct
    from ``ctx_in`` and ``env`` (:class:`pybpf.env.Env`); (re)write the context region's
    flags and ``Memory.ctxmap`` marks (an object may mix program types, which share the
    context region); reset ``redirect`` to None; then :meth:`publish` into the VM state
    vector ``st``. ``load`` is called once per repetition, on a fresh copy of the input.
``publish(st)``
    Write the packet window (``Memory.set_window``) and the data/data_end/data_meta
    pointers (``st[abi.PKT_DATA]`` ...) after anything moved the packet. A helper that
    moves the packet (adjust_head, change_tail ...) changes the context's bookkeeping and
    calls ``publish(machine.st)``; a helper that reallocates calls ``Memory.retire`` on
    the old region first, so stale packet pointers fault.
``data_out()``
    The bytes ``BPF_PROG_TEST_RUN`` returns as ``data_out`` (XDP: from ``data_meta``).
``ctx_out()`` / ``ctx_fields()``
    ``ctx_out`` as raw bytes (``ctx_size`` long) and decoded by field name, as the kernel
    fills it when the caller passes a ctx_out buffer.
``verdict(retval)``
    The name of a return value (``XDP_PASS``, ``TC_ACT_SHOT`` ...).
``redirect``
    A :class:`pybpf.result.Redirect` recorded by the redirect helpers during the run
    (the last call wins, as the kernel's per-CPU ``bpf_redirect_info``), or None.
``ctx_va``
    Virtual address of the context struct (the program's r1).
``describe_access(off, size, write)``
    Why the program may not make this access to the context struct, in the kernel's
    words (``invalid bpf_context access off=N size=M``) plus the field's rules; the
    machine uses it for a fault in the context region (see :mod:`pybpf.contexts.access`).

Python helpers reach the current context as ``machine.context`` and the
environment as ``machine.env``; the loader sets both before every run.
"""

from __future__ import annotations

import functools
import importlib
import struct
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import PyBPFError, TestRunRefused


class Context(Protocol):  # the protocol above, for type checkers and readers
    kind: str
    ctx_size: int
    layout: "Layout"
    redirect: object

    def load(self, data: bytes, ctx_in, env, st) -> None: ...
    def publish(self, st) -> None: ...
    def data_out(self) -> bytes: ...
    def ctx_out(self) -> bytes: ...
    def ctx_fields(self) -> dict: ...
    def verdict(self, retval: int) -> str: ...
    def describe_access(self, off: int, size: int, write: bool) -> str: ...

    @property
    def ctx_va(self) -> int: ...


#: Program type -> "module:class" of its context (imported on first use).
CONTEXT_CLASSES = {
    "xdp": "pybpf.contexts.xdp:XdpContext",
    "sched_cls": "pybpf.contexts.skb:SkbContext",
    "sched_act": "pybpf.contexts.skb:SkbContext",
}


@functools.lru_cache(maxsize=None)
def context_class(prog_type: str | None):
    """The context class for a program type, or None when pybpf cannot run that type."""
    target = CONTEXT_CLASSES.get(prog_type or "")
    if target is None:
        return None
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Field:
    """One field of a context struct: ``name``, byte ``offset``, element ``size``, ``count``."""

    name: str
    offset: int
    size: int
    count: int = 1


class Layout:
    """A context struct's fields: packs a ``ctx_in`` dict, unpacks ``ctx_out`` by name.

    Both directions go through one precompiled :class:`struct.Struct` (they run on
    every test run).
    """

    _CODES = {1: "B", 2: "H", 4: "I", 8: "Q"}

    def __init__(self, struct_name: str, size: int, fields: list[Field]):
        self.struct_name = struct_name
        self.size = size
        self.fields = {f.name: f for f in fields}
        fmt, at, slots = "<", 0, {}
        for f in sorted(fields, key=lambda f: f.offset):
            if f.offset < at or f.size not in self._CODES:
                raise ValueError(f"{struct_name}.{f.name}: fields must not overlap and be "
                                 f"1, 2, 4 or 8 bytes")
            fmt += f"{f.offset - at}x{f.count}{self._CODES[f.size]}"
            slots[f.name] = sum(g.count for g in fields if g.offset < f.offset)
            at = f.offset + f.size * f.count
        if at > size:
            raise ValueError(f"{struct_name}: fields run past its {size} bytes")
        self._struct = struct.Struct(fmt + f"{size - at}x")
        self._slots = [(f.name, slots[f.name], f.count) for f in fields]
        self._slot_of = slots
        self._nflat = sum(f.count for f in fields)
        self._scalars = {f.name: (slots[f.name], 1 << (8 * f.size)) for f in fields
                         if f.count == 1}

    def pack(self, values: dict) -> bytes:
        """The struct's bytes with ``values`` (name -> int, or list for arrays) set, rest zero."""
        flat = [0] * self._nflat
        scalars = self._scalars
        for name, value in values.items():
            spec = scalars.get(name)   # the common case first: a plain integer that fits
            if spec is not None and type(value) is int and 0 <= value < spec[1]:
                flat[spec[0]] = value
                continue
            f = self.fields.get(name)
            if f is None:
                raise PyBPFError(f"ctx_in: {self.struct_name} has no field {name!r} "
                                 f"(fields: {', '.join(self.fields)})")
            items = list(value) if f.count > 1 else [value]
            if len(items) != f.count or not all(isinstance(v, int) for v in items):
                raise PyBPFError(f"ctx_in: {self.struct_name}.{name} takes "
                                 f"{f'{f.count} integers' if f.count > 1 else 'an integer'}, "
                                 f"got {value!r}")
            limit = 1 << (8 * f.size)
            for v in items:
                if not 0 <= v < limit:
                    raise PyBPFError(f"ctx_in: {self.struct_name}.{name} = {v} does not fit "
                                     f"{f.size} bytes")
            at = self._slot_of[name]
            flat[at:at + f.count] = items
        return self._struct.pack(*flat)

    def byte_mask(self, names=None) -> np.ndarray:
        """A bool per byte of the struct: True in the bytes of the fields ``names`` (all
        fields when None)."""
        mask = np.zeros(self.size, dtype=bool)
        for f in self.fields.values():
            if names is None or f.name in names:
                mask[f.offset:f.offset + f.size * f.count] = True
        return mask

    def unpack(self, raw: bytes) -> dict:
        """Field name -> value (lists for arrays) of the struct's bytes (zero past a short ``raw``)."""
        if len(raw) < self.size:
            raw = bytes(raw).ljust(self.size, b"\0")
        flat = self._struct.unpack_from(raw)
        return {name: (list(flat[at:at + count]) if count > 1 else flat[at])
                for name, at, count in self._slots}

    def ctx_in_bytes(self, ctx_in) -> bytes:
        """``ctx_in`` (bytes, dict or None) as exactly ``size`` bytes, with the kernel's
        tail rule: bytes past the struct must be zero (else E2BIG, as
        ``bpf_check_uarg_tail_zero``); shorter input is zero-extended."""
        if ctx_in is None:
            return bytes(self.size)
        if isinstance(ctx_in, dict):
            return self.pack(ctx_in)
        if not isinstance(ctx_in, (bytes, bytearray, memoryview)):
            raise PyBPFError(f"ctx_in: expected bytes or a dict of {self.struct_name} fields, "
                             f"got {type(ctx_in).__name__}")
        raw = bytes(ctx_in)
        if len(raw) > self.size and any(raw[self.size:]):
            raise TestRunRefused(f"ctx_in of {len(raw)} bytes has non-zero bytes past "
                                 f"sizeof({self.struct_name}) = {self.size}", "E2BIG")
        return raw[:self.size].ljust(self.size, b"\0")
