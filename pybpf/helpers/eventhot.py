"""``bpf_perf_event_output``, compiled (hot: see :mod:`pybpf.helpers.hot`).

The same checks, errors and samples as the Python version in
:mod:`pybpf.helpers.events`, which stays the reference and takes what this one
leaves to it (:data:`pybpf.vm.abi.PYTHON_HELPER`, before changing anything): a map
argument that is no perf event array, a buffer out of bounds, a full sample buffer,
an object without one.

Samples go to the object's sample buffer (the region ``st[PERF_SAMPLES]``, made by
the loader when the object has a perf event array; programs cannot reach it): a
header of two u64 (bytes used, the buffer's size), then one record a sample: u32
map number, u32 perf buffer index, u64 virtual clock, u64 length, the bytes,
zero-padded to 8. :func:`pybpf.helpers.events.events` turns the records into
events, in order, before anything reads or adds events (so they keep their order
with the Python helpers' and ring buffers' events).
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..maps.common import load_i64, store_i64, va_to_offset
from ..maps.layout import M_MAX, M_TYPE
from ..vm.abi import CLOCK, CPU, PERF_SAMPLES, PKT_DATA, PKT_END, PYTHON_HELPER
from ..vm.fastpath import memmove, memzero
from .maphelpers import map_index

U64 = np.uint64
PERF_EVENT_ARRAY = 4
BPF_F_INDEX_MASK = U64(0xFFFFFFFF)
BPF_F_CURRENT_CPU = U64(0xFFFFFFFF)
BPF_F_CTXLEN_MASK = U64(0xFFFFF) << U64(32)
EFAULT, E2BIG, EINVAL = 14, 7, 22
#: Bytes before the first record: u64 bytes used, u64 the buffer's size.
HEADER = 16
RECORD_HEADER = 24
#: A sample longer than this is left to the Python version.
MAX_SAMPLE = 1 << 16


@njit(cache=True, inline="always")
def _errno(regs, e):
    regs[0] = U64(0) - U64(e)
    return 0


@njit(cache=True)
def perf_event_output(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_perf_event_output(ctx, map, u64 flags, void *data, u64 size)``."""
    k = np.int64(st[PERF_SAMPLES])
    m = map_index(regs[2], maps)
    if k == 0 or m < 0 or maps[m, M_TYPE] != PERF_EVENT_ARRAY:
        return PYTHON_HELPER
    flags = regs[3]
    pkt, pkt_end = st[PKT_DATA], st[PKT_END]
    allowed = BPF_F_INDEX_MASK | (BPF_F_CTXLEN_MASK if pkt_end != U64(0) else U64(0))
    if flags & ~allowed:
        return _errno(regs, EINVAL)
    ctx_len = np.int64((flags & BPF_F_CTXLEN_MASK) >> U64(32))
    if ctx_len > np.int64(pkt_end) - np.int64(pkt):
        return _errno(regs, EFAULT)
    index = flags & BPF_F_INDEX_MASK
    if index == BPF_F_CURRENT_CPU:
        index = st[CPU]
    if index >= U64(maps[m, M_MAX]):
        return _errno(regs, E2BIG)
    size = regs[5]
    if size > U64(MAX_SAMPLE):
        return PYTHON_HELPER
    n = np.int64(size)
    src = np.int64(0)
    if n:
        src = va_to_offset(regs[4], n, rbase, rlo, rhi, rflag, False)
    psrc = np.int64(0)
    if ctx_len:
        psrc = va_to_offset(pkt, ctx_len, rbase, rlo, rhi, rflag, False)
    base = np.int64(rbase[k])
    used, room = load_i64(arena, base), load_i64(arena, base + 8)
    total = n + ctx_len
    length = RECORD_HEADER + (total + 7) // 8 * 8
    if src < 0 or psrc < 0 or used + length > room:
        return PYTHON_HELPER
    p = base + used
    store_i64(arena, p, m | (np.int64(index) << 32))
    store_i64(arena, p + 8, np.int64(st[CLOCK]))
    store_i64(arena, p + 16, total)
    memmove(arena, p + RECORD_HEADER, arena, src, n)
    memmove(arena, p + RECORD_HEADER + n, arena, psrc, ctx_len)
    memzero(arena, p + RECORD_HEADER + total, length - RECORD_HEADER - total)
    store_i64(arena, base, used + length)
    regs[0] = U64(0)
    return 0
