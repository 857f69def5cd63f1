"""Context accesses, as the kernel's ``is_valid_access`` and ``convert_ctx_access`` allow them.

``Memory.ctxmap`` has one ``uint16`` code per context byte, read at the first
byte of an access:

* ``0``: plain memory, any access (the region's flags still apply);
* ``1..3`` alone: a pointer field (:data:`pybpf.vm.abi.CTX_DATA` ...): only an
  aligned 4-byte load, which yields the 64-bit address kept in the state
  vector (``st[PKT_DATA + id - 1]``);
* with :data:`RULES` set, the code says exactly which accesses may *start* at
  this byte (:data:`READ`/:data:`WRITE` bits per size 1, 2, 4, 8), whether the
  field is a pointer (low two bits, as above), and how a store lands
  (:data:`STORE_U16`: the kernel keeps the field in 16 bits, so only the low
  half is stored; :data:`STORE_QMAP`: ``queue_mapping``, whose store is
  skipped for values >= 0xffff). The kernel's verifier would refuse anything
  else; here it faults, and the context names the field
  (:func:`pybpf.contexts.access.describe`).

Codes are built by :mod:`pybpf.contexts.access` from a table per context type.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from .abi import PKT_DATA

U64 = np.uint64

PTR_MASK = 0x3          # pointer field id (1 data, 2 data_end, 3 data_meta)
RULES = 0x4             # the bits below apply
STORE_U16 = 0x8         # the field is 16 bits wide in the kernel: store the low half
STORE_QMAP = 0x10       # queue_mapping: as STORE_U16, skipped when value >= 0xffff
READ = {1: 0x100, 2: 0x200, 4: 0x400, 8: 0x800}
WRITE = {1: 0x1000, 2: 0x2000, 4: 0x4000, 8: 0x8000}
NO_QUEUE_MAPPING = 0xFFFF


@njit(cache=True)
def _size_bit(size):
    """Bit index 0..3 of an access size 1, 2, 4, 8."""
    if size == 1:
        return 0
    if size == 2:
        return 1
    if size == 4:
        return 2
    return 3


@njit(cache=True)
def ctx_load(arena, base, a, size, ctxmap, st):
    """(ok, value) of a ``size``-byte load at context offset ``a``."""
    code = np.int64(ctxmap[a])
    if code & RULES:
        if not (code >> (8 + _size_bit(size))) & 1:
            return False, U64(0)
        if code & PTR_MASK:
            return True, st[PKT_DATA + (code & PTR_MASK) - 1]
    elif code != 0:
        if size != 4 or (a & U64(3)) != U64(0):
            return False, U64(0)
        return True, st[PKT_DATA + code - 1]
    else:
        for i in range(size):
            if ctxmap[a + U64(i)] != 0:
                return False, U64(0)
    value = U64(0)
    for i in range(size):
        value |= U64(arena[np.int64(base + a) + i]) << U64(8 * i)
    return True, value


@njit(cache=True)
def ctx_store(arena, base, a, size, value, ctxmap):
    """Store ``size`` bytes of ``value`` at context offset ``a`` as the kernel would;
    False when the access is not allowed (nothing is written)."""
    code = np.int64(ctxmap[a])
    p = np.int64(base + a)
    if code & RULES:
        if not (code >> (12 + _size_bit(size))) & 1:
            return False
        if code & (STORE_U16 | STORE_QMAP):
            if code & STORE_QMAP and value >= U64(NO_QUEUE_MAPPING):
                return True
            arena[p] = np.uint8(value & U64(0xFF))
            arena[p + 1] = np.uint8((value >> U64(8)) & U64(0xFF))
            for i in range(2, size):
                arena[p + i] = 0
            return True
    else:
        for i in range(size):
            if ctxmap[a + U64(i)] != 0:
                return False
    for i in range(size):
        arena[p + i] = np.uint8((value >> U64(8 * i)) & U64(0xFF))
    return True
