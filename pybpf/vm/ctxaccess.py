"""Context accesses, as the kernel's ``convert_ctx_access`` rewrites them.

A program never reads the context as plain memory for pointer fields: the
4-byte load of ``ctx->data`` yields the full 64-bit virtual address of the
packet data. ``ctxmap[offset]`` marks the bytes of such fields with a field id
(:data:`pybpf.vm.abi.CTX_DATA` ...); every other byte of the context is plain
memory. Which fields a program type may read or write is checked by the
verifier and the context tables, not here.
"""

import numpy as np
from numba import njit

from .abi import PKT_DATA

U64 = np.uint64


@njit(cache=True)
def ctx_load(arena, base, a, size, ctxmap, st):
    """(ok, value) of a ``size``-byte load at context offset ``a``."""
    field = ctxmap[a]
    if field != 0:
        if size != 4 or (a & U64(3)) != U64(0):
            return False, U64(0)
        return True, st[PKT_DATA + np.int64(field) - 1]
    value = U64(0)
    for i in range(size):
        if ctxmap[a + U64(i)] != 0:
            return False, U64(0)
        value |= U64(arena[np.int64(base + a) + i]) << U64(8 * i)
    return True, value


@njit(cache=True)
def ctx_store_ok(a, size, ctxmap):
    """Whether a store may touch context bytes ``[a, a + size)`` (pointer fields are read-only)."""
    for i in range(size):
        if ctxmap[a + U64(i)] != 0:
            return False
    return True
