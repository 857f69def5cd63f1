"""Map helpers, compiled into the interpreter (see :mod:`pybpf.helpers.hot` for the contract).

A map argument must be a map handle (:func:`pybpf.maps.layout.handle_va`);
key and value pointers are bounds-checked like the program's own accesses, so
a bad pointer stops the program with a fault at the call instruction.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..maps import ops
from ..maps.common import load_u32, va_to_offset
from ..maps.layout import M_DATA, M_KEY, M_MAX, M_NCPU, M_TYPE, M_VALUE, M_VSTRIDE
from ..vm.abi import AUX, AUX2, BAD_HELPER_ARG, CPU, FAULT_LOAD, REGION_CBKEYS, REGION_MAPS

U64 = np.uint64
MAPS_VA = U64((REGION_MAPS + 1) << 32)
PROG_ARRAY = 3
ARRAY_OF_MAPS = 12
HASH_OF_MAPS = 13
ARG_NOT_A_MAP = 1   # st[AUX2] codes for BAD_HELPER_ARG


@njit(cache=True, inline="always")
def map_index(va, maps):
    """Map number named by handle ``va``, or -1."""
    if va < MAPS_VA or va - MAPS_VA >= U64(maps.shape[0]):
        return np.int64(-1)
    return np.int64(va - MAPS_VA)


@njit(cache=True, inline="always")
def _bad_map(st, reg):
    st[AUX] = U64(reg)
    st[AUX2] = U64(ARG_NOT_A_MAP)
    return BAD_HELPER_ARG


@njit(cache=True, inline="always")
def _fault(st, va, n):
    st[AUX] = va
    st[AUX2] = U64(n)
    return FAULT_LOAD


@njit(cache=True, inline="always")
def _value_va(maps, rbase, m, off):
    k = maps[m, M_DATA]
    return (U64(k + 1) << U64(32)) + U64(off - np.int64(rbase[k]))


@njit(cache=True, inline="always")
def _map_and_key(regs, st, rbase, rlo, rhi, rflag, maps):
    """(map number, key offset, 0) from r1/r2, or (-1, -1, stop status) for a bad argument."""
    m = map_index(regs[1], maps)
    if m < 0:
        return np.int64(-1), np.int64(-1), _bad_map(st, 1)
    kp = va_to_offset(regs[2], maps[m, M_KEY], rbase, rlo, rhi, rflag, False)
    if kp < 0:
        return np.int64(-1), np.int64(-1), _fault(st, regs[2], maps[m, M_KEY])
    return m, kp, 0


@njit(cache=True, inline="always")
def _lookup(regs, st, arena, rbase, rlo, rhi, rflag, maps, cpu):
    m, kp, bad = _map_and_key(regs, st, rbase, rlo, rhi, rflag, maps)
    if bad:
        return bad
    v = ops.lookup(maps, m, arena, rbase, kp, cpu) if 0 <= cpu < maps[m, M_NCPU] else -1
    if v >= 0 and (maps[m, M_TYPE] == ARRAY_OF_MAPS or maps[m, M_TYPE] == HASH_OF_MAPS):
        inner = load_u32(arena, v)  # map-in-map: the slot holds inner map number + 1
        regs[0] = U64(0) if inner == 0 else MAPS_VA + U64(inner - 1)
        return 0
    regs[0] = U64(0) if v < 0 else _value_va(maps, rbase, m, v)
    return 0


@njit(cache=True)
def map_lookup_elem(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``void *bpf_map_lookup_elem(map, key)``: pointer to the value (this CPU's), or NULL."""
    return _lookup(regs, st, arena, rbase, rlo, rhi, rflag, maps, np.int64(st[CPU]))


@njit(cache=True)
def map_lookup_percpu_elem(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``void *bpf_map_lookup_percpu_elem(map, key, cpu)``: NULL for a CPU that does not exist."""
    return _lookup(regs, st, arena, rbase, rlo, rhi, rflag, maps, np.int64(regs[3] & U64(0xFFFFFFFF)))


@njit(cache=True)
def map_update_elem(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_map_update_elem(map, key, value, flags)``: 0 or a negative errno."""
    m, kp, bad = _map_and_key(regs, st, rbase, rlo, rhi, rflag, maps)
    if bad:
        return bad
    vp = va_to_offset(regs[3], maps[m, M_VALUE], rbase, rlo, rhi, rflag, False)
    if vp < 0:
        return _fault(st, regs[3], maps[m, M_VALUE])
    ret = ops.update(maps, m, arena, rbase, kp, vp, np.int64(regs[4]), np.int64(st[CPU]), False)
    regs[0] = U64(ret)
    return 0


@njit(cache=True)
def map_delete_elem(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_map_delete_elem(map, key)``: 0 or a negative errno."""
    m, kp, bad = _map_and_key(regs, st, rbase, rlo, rhi, rflag, maps)
    if bad:
        return bad
    regs[0] = U64(ops.delete(maps, m, arena, rbase, kp))
    return 0


@njit(cache=True)
def tail_call_target(regs, maps, arena, rbase):
    """Entry slot for ``bpf_tail_call(ctx, prog_array, index)``, or -1 (the call falls through).

    A prog_array slot holds the target's entry slot + 1; 0 is an empty slot.
    """
    m = map_index(regs[2], maps)
    if m < 0 or maps[m, M_TYPE] != PROG_ARRAY:
        return np.int64(-1)
    idx = np.int64(regs[3] & U64(0xFFFFFFFF))
    if idx >= maps[m, M_MAX]:
        return np.int64(-1)
    k = maps[m, M_DATA]
    v = load_u32(arena, np.int64(rbase[k]) + idx * maps[m, M_VSTRIDE])
    return v - 1


@njit(cache=True)
def tail_call_slot(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """:func:`tail_call_target` over the arrays every compiled helper takes (the
    compiled tier calls it as it calls a hot helper, :mod:`pybpf.vm.native`)."""
    return tail_call_target(regs, maps, arena, rbase)


@njit(cache=True)
def foreach_args(maps, m, arena, rbase, pos, cpu, depth, regs):
    """Arguments of the next bpf_for_each_map_elem callback from cursor ``pos``.

    Sets r1 = the map, r2 = the key, r3 = the value and returns the next cursor,
    or -1 when the map has no more elements. An array's key is written into this
    call depth's slot of the read-only callback-keys region.
    """
    keyp = np.int64(rbase[REGION_CBKEYS]) + depth * 8
    nxt, kp, vp = ops.foreach_next(maps, m, arena, rbase, pos, cpu, keyp)
    if nxt < 0:
        return np.int64(-1)
    regs[1] = MAPS_VA + U64(m)
    if kp == keyp:
        regs[2] = (U64(REGION_CBKEYS + 1) << U64(32)) + U64(depth * 8)
    else:
        regs[2] = _value_va(maps, rbase, m, kp)
    regs[3] = _value_va(maps, rbase, m, vp)
    return nxt
