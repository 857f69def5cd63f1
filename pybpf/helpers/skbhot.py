"""tc helpers on the packet's bytes, compiled (hot: see :mod:`pybpf.helpers.hot`).

``bpf_skb_load_bytes``, ``bpf_skb_store_bytes``, ``bpf_l3_csum_replace``,
``bpf_l4_csum_replace`` and ``bpf_csum_diff``: the same results, errors and packet
moves as their Python versions in :mod:`pybpf.helpers.skb` and :mod:`pybpf.helpers.net`,
which stay the reference (tests compare the two) and take the cases left to them:
a run without an skb (``st[SKB_FRAME0]`` 0), a buffer argument out of bounds (the
Python version reports the fault). Those calls return :data:`pybpf.vm.abi.PYTHON_HELPER`
before changing anything. What they change of the skb's Python side (where the packet is,
its hash) they note in ``st[SKB_CHANGED]`` for :class:`pybpf.contexts.skb.SkbContext`.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..contexts.skbframe import move_packet
from ..maps.common import va_to_offset
from ..vm.abi import (PKT_DATA, PKT_END, PYTHON_HELPER, REGION_CTX, SKB_CHANGED, SKB_FRAME0,
                      SKB_HASH_CLEARED)
from ..vm.fastpath import memmove, memzero

U64 = np.uint64
M32 = U64(0xFFFFFFFF)
M16 = U64(0xFFFF)
EFAULT, EINVAL = 14, 22
INT_MAX = U64(0x7FFFFFFF)
BPF_F_RECOMPUTE_CSUM, BPF_F_INVALIDATE_HASH = U64(1), U64(2)
BPF_F_HDR_FIELD_MASK = U64(0xF)
L4_FLAGS = U64(0xF | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7))   # + PSEUDO_HDR, MARK_*, IPV6
BPF_F_MARK_MANGLED_0, BPF_F_MARK_ENFORCE = U64(1 << 5), U64(1 << 6)
SKB_HASH_FIELD = 68   # __sk_buff.hash


@njit(cache=True, inline="always")
def _errno(regs, e):
    regs[0] = U64(0) - U64(e)
    return 0


@njit(cache=True, inline="always")
def _packet(st, rbase):
    """(arena offset of the packet's data, its length), or (-1, 0) when this run has no skb."""
    if st[SKB_FRAME0] == U64(0):
        return np.int64(-1), np.int64(0)
    k = np.int64(st[PKT_DATA] >> U64(32)) - 1
    data = np.int64(st[PKT_DATA] & M32)
    return np.int64(rbase[k]) + data, np.int64(st[PKT_END] & M32) - data


# -- checksum arithmetic (32-bit ones' complement, as pybpf.helpers.net / skb) ------------
@njit(cache=True, inline="always")
def csum_add(a, b):
    s = (a + b) & M32
    return (s + U64(1 if s < b else 0)) & M32


@njit(cache=True, inline="always")
def _fold(total):
    total = (total & M16) + (total >> U64(16))
    total = (total & M16) + (total >> U64(16))
    return ~total & M16


@njit(cache=True, inline="always")
def _csum16_add(csum, addend):
    res = (csum + addend) & M16
    return (res + U64(1 if res < addend else 0)) & M16


@njit(cache=True, inline="always")
def _replaced(old, frm, to, size):
    """The checksum ``old`` after the field changes ``frm`` -> ``to`` (``size`` 2 or 4), or
    by the difference ``to`` (size 0); -1 for a size it does not take."""
    if size == U64(0):
        return np.int64(_fold(csum_add(to & M32, ~old & M32)))
    if size == U64(2):
        return np.int64(~_csum16_add(_csum16_add(~old & M16, ~frm & M16), to & M16) & M16)
    if size == U64(4):
        return np.int64(_fold(csum_add(csum_add(~old & M32, ~(frm & M32) & M32), to & M32)))
    return np.int64(-1)


@njit(cache=True, inline="always")
def _csum_replace(regs, st, arena, rbase, rlo, rhi, l4):
    """l3/l4_csum_replace after their flag checks: the 16-bit field at r2 replaced."""
    at, length = _packet(st, rbase)
    if at < 0:
        return PYTHON_HELPER
    offset, frm, to, flags = regs[2] & M32, regs[3], regs[4], regs[5]
    if flags & ~(L4_FLAGS if l4 else BPF_F_HDR_FIELD_MASK):
        return _errno(regs, EINVAL)
    if offset > U64(0xFFFF) or offset & U64(1) or np.int64(offset) + 2 > length:
        return _errno(regs, EFAULT)
    p = at + np.int64(offset)
    old = U64(arena[p]) | (U64(arena[p + 1]) << U64(8))
    mangled0 = l4 and (flags & BPF_F_MARK_MANGLED_0) != U64(0)
    if mangled0 and not flags & BPF_F_MARK_ENFORCE and old == U64(0):
        regs[0] = U64(0)
        return 0
    size = flags & BPF_F_HDR_FIELD_MASK
    if size == U64(0) and frm != U64(0):
        return _errno(regs, EINVAL)
    new = _replaced(old, frm, to, size)
    if new < 0:
        return _errno(regs, EINVAL)
    if mangled0 and new == 0:
        new = np.int64(0xFFFF)   # CSUM_MANGLED_0
    base = move_packet(st, arena, rbase, rlo, rhi)
    q = base + np.int64(st[PKT_DATA] & M32) + np.int64(offset)
    arena[q] = np.uint8(new & 0xFF)
    arena[q + 1] = np.uint8(new >> 8)
    regs[0] = U64(0)
    return 0


@njit(cache=True)
def skb_load_bytes(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_skb_load_bytes(const void *skb, u32 offset, void *to, u32 len)``:
    -EFAULT (and ``to`` zeroed) past the packet end."""
    at, length = _packet(st, rbase)
    if at < 0:
        return PYTHON_HELPER
    offset, n = regs[2] & M32, regs[4] & M32
    dst = va_to_offset(regs[3], n, rbase, rlo, rhi, rflag, True)
    if dst < 0:
        return PYTHON_HELPER
    if offset > INT_MAX or np.int64(offset + n) > length:
        memzero(arena, dst, np.int64(n))
        return _errno(regs, EFAULT)
    memmove(arena, dst, arena, at + np.int64(offset), np.int64(n))
    regs[0] = U64(0)
    return 0


@njit(cache=True)
def skb_store_bytes(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_skb_store_bytes(skb, u32 offset, const void *from, u32 len, u64 flags)``:
    flags other than BPF_F_RECOMPUTE_CSUM|BPF_F_INVALIDATE_HASH -EINVAL; past the end
    -EFAULT; the packet moves; BPF_F_INVALIDATE_HASH clears the hash (and the context's
    ``hash`` field, which follows it)."""
    at, length = _packet(st, rbase)
    if at < 0:
        return PYTHON_HELPER
    offset, n, flags = regs[2] & M32, regs[4] & M32, regs[5]
    if flags & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH):
        return _errno(regs, EINVAL)
    if offset > INT_MAX or np.int64(offset + n) > length:
        return _errno(regs, EFAULT)
    src = va_to_offset(regs[3], n, rbase, rlo, rhi, rflag, False)
    if src < 0:
        return PYTHON_HELPER
    if flags & BPF_F_INVALIDATE_HASH:   # the context clears the skb's hash (its Python side)
        st[SKB_CHANGED] |= U64(SKB_HASH_CLEARED)
        memzero(arena, np.int64(rbase[REGION_CTX]) + SKB_HASH_FIELD, 4)
    base = move_packet(st, arena, rbase, rlo, rhi)   # (src is in neither packet region)
    memmove(arena, base + np.int64(st[PKT_DATA] & M32) + np.int64(offset), arena, src,
            np.int64(n))
    regs[0] = U64(0)
    return 0


@njit(cache=True)
def l3_csum_replace(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_l3_csum_replace(skb, u32 offset, u64 from, u64 to, u64 flags)``."""
    return _csum_replace(regs, st, arena, rbase, rlo, rhi, False)


@njit(cache=True)
def l4_csum_replace(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_l4_csum_replace(skb, u32 offset, u64 from, u64 to, u64 flags)``."""
    return _csum_replace(regs, st, arena, rbase, rlo, rhi, True)


@njit(cache=True, inline="always")
def _partial(arena, p, n, seed):
    """``csum_partial``: ``seed`` plus the bytes as little-endian u32 words (a short last
    word zero-padded), end-around carry."""
    total = seed
    j = np.int64(0)
    while j < n:
        word = U64(0)
        for b in range(4):
            if j + b < n:
                word |= U64(arena[p + j + b]) << U64(8 * b)
        total = csum_add(total, word)
        j += 4
    return total


@njit(cache=True)
def csum_diff(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``s64 bpf_csum_diff(__be32 *from, u32 from_size, __be32 *to, u32 to_size, __wsum
    seed)``, as :func:`pybpf.helpers.net.csum_diff` (Linux 6.18's form)."""
    from_size, to_size, seed = regs[2] & M32, regs[4] & M32, regs[5] & M32
    src = np.int64(0)
    dst = np.int64(0)
    if from_size:
        src = va_to_offset(regs[1], from_size, rbase, rlo, rhi, rflag, False)
        if src < 0:
            return PYTHON_HELPER
    if to_size:
        dst = va_to_offset(regs[3], to_size, rbase, rlo, rhi, rflag, False)
        if dst < 0:
            return PYTHON_HELPER
    if from_size and to_size:
        total = csum_add(_partial(arena, dst, np.int64(to_size), seed),
                         ~_partial(arena, src, np.int64(from_size), U64(0)) & M32)
    elif to_size:
        total = _partial(arena, dst, np.int64(to_size), seed)
    elif from_size:
        total = ~_partial(arena, src, np.int64(from_size), ~seed & M32) & M32
    else:
        total = seed
    # csum_from32to16
    total = (total + (((total >> U64(16)) | (total << U64(16))) & M32)) & M32
    regs[0] = total >> U64(16)
    return 0
