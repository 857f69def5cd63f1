"""Context access rules as data: per field, which loads and stores a program type may do.

A table of :class:`Access` rows (one per field) becomes the per-byte codes of
``Memory.ctxmap`` (:func:`codes`, encoding in :mod:`pybpf.vm.ctxaccess`), and
explains a refused access with the kernel's words (:func:`describe`):
``invalid bpf_context access off=N size=M``, plus the field and what it allows.

Access modes, as ``net/core/filter.c`` spells them:

``"narrow"``
    a 4-byte field read whole or in aligned 1/2-byte parts (``bpf_ctx_narrow_access_ok``);
``"exact"``
    only the field's own size, at its start;
``"any"``
    any aligned access of 1, 2, 4 or 8 bytes inside the field (``cb[]``);
``None``
    refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..vm import ctxaccess as ca

SIZES = (1, 2, 4, 8)


@dataclass(frozen=True)
class Access:
    name: str
    offset: int
    size: int
    read: str | None = "narrow"
    write: str | None = None
    ptr: int = 0            # pybpf.vm.abi.CTX_DATA ... for pointer fields
    store: int = 0          # ca.STORE_U16 / ca.STORE_QMAP
    note: str = ""          # why access is refused, when it is (shown in errors)


def _allowed(mode: str | None, f: Access, off: int, size: int) -> bool:
    if mode is None or off % size or off + size > f.offset + f.size:
        return False
    if mode == "exact":
        return off == f.offset and size == f.size
    if mode == "narrow":
        return size <= 4
    return True  # "any"


def codes(ctx_size: int, table: list[Access]) -> np.ndarray:
    """The ``ctxmap`` codes of a context struct described by ``table`` (other bytes: refused)."""
    out = np.full(ctx_size, ca.RULES, dtype=np.uint16)
    for f in table:
        for off in range(f.offset, f.offset + f.size):
            code = ca.RULES | f.ptr | f.store
            for size in SIZES:
                if _allowed(f.read, f, off, size):
                    code |= ca.READ[size]
                if _allowed(f.write, f, off, size):
                    code |= ca.WRITE[size]
            out[off] = code
    return out


def _modes(mode: str | None, f: Access) -> str:
    if mode == "exact":
        return f"{f.size} bytes"
    if mode == "narrow":
        return "1, 2 or 4 bytes, aligned"
    return "1, 2, 4 or 8 bytes, aligned"


def describe(struct: str, table: list[Access], off: int, size: int, write: bool) -> str:
    """The kernel's message for a refused access, with the field and its rules."""
    text = f"invalid bpf_context access off={off} size={size}"
    f = next((f for f in table if f.offset <= off < f.offset + f.size), None)
    if f is None:
        return f"{text} ({struct} has no field at offset {off}: padding or past the end)"
    where = f"{struct}.{f.name}"
    mode = f.write if write else f.read
    if mode is None:
        why = f.note or ("read-only" if write and f.read else "not accessible to this program type")
        return f"{text} ({where}: {why})"
    return f"{text} ({where}: {'stores' if write else 'loads'} of {_modes(mode, f)} only)"
