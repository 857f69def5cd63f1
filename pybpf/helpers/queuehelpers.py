"""Queue and stack helpers, compiled into the interpreter (see :mod:`pybpf.helpers.hot`).

``bpf_map_push_elem`` (87), ``bpf_map_pop_elem`` (88) and ``bpf_map_peek_elem``
(89) on queue and stack maps (:mod:`pybpf.maps.queue`). The map argument must
be a map handle of a queue or stack (the kernel's verifier refuses any other
map: here the program stops with a helper error), and the value pointer is
bounds-checked like the program's own accesses (a bad one stops the program
with a fault at the call).
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..maps import queue
from ..maps.common import va_to_offset
from ..maps.layout import M_TYPE, M_VALUE
from ..vm.abi import AUX, AUX2, BAD_HELPER_ARG, FAULT_LOAD, FAULT_STORE
from .maphelpers import map_index

U64 = np.uint64
#: st[AUX2] code for BAD_HELPER_ARG: a map, but not a queue or stack.
ARG_WRONG_MAP_TYPE = 2


@njit(cache=True)
def _queue_map(regs, st, maps):
    """The queue/stack map named by r1, or -1 after setting a BAD_HELPER_ARG report."""
    m = map_index(regs[1], maps)
    if m >= 0 and (maps[m, M_TYPE] == queue.QUEUE or maps[m, M_TYPE] == queue.STACK):
        return m
    st[AUX] = U64(1)
    st[AUX2] = U64(1 if m < 0 else ARG_WRONG_MAP_TYPE)
    return np.int64(-1)


@njit(cache=True)
def map_push_elem(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_map_push_elem(map, const void *value, u64 flags)``: 0 or a negative errno."""
    m = _queue_map(regs, st, maps)
    if m < 0:
        return BAD_HELPER_ARG
    n = maps[m, M_VALUE]
    vp = va_to_offset(regs[2], n, rbase, rlo, rhi, rflag, False)
    if vp < 0:
        st[AUX] = regs[2]
        st[AUX2] = U64(n)
        return FAULT_LOAD
    regs[0] = U64(queue.push_elem(maps, m, arena, rbase, vp, np.int64(regs[3])))
    return 0


@njit(cache=True)
def _take(regs, st, arena, rbase, rlo, rhi, rflag, maps, remove):
    m = _queue_map(regs, st, maps)
    if m < 0:
        return BAD_HELPER_ARG
    n = maps[m, M_VALUE]
    outp = va_to_offset(regs[2], n, rbase, rlo, rhi, rflag, True)
    if outp < 0:
        st[AUX] = regs[2]
        st[AUX2] = U64(n)
        return FAULT_STORE
    regs[0] = U64(queue.take_elem(maps, m, arena, rbase, outp, remove))
    return 0


@njit(cache=True)
def map_pop_elem(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_map_pop_elem(map, void *value)``: 0, or -ENOENT when empty (value zeroed)."""
    return _take(regs, st, arena, rbase, rlo, rhi, rflag, maps, True)


@njit(cache=True)
def map_peek_elem(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_map_peek_elem(map, void *value)``: 0, or -ENOENT when empty (value zeroed)."""
    return _take(regs, st, arena, rbase, rlo, rhi, rflag, maps, False)
