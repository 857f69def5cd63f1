"""Array-shaped maps: array, percpu_array, and the arrays of ids.

``prog_array``, ``perf_event_array``, ``array_of_maps``, ``devmap``, ``cpumap``
and ``xskmap`` store a 4-byte id per index (a program entry, a map index, an
ifindex...) with the array layout; what the id means is up to the helper that
reads it. Values are ``round8(value_size)`` apart, as the kernel lays them out;
a per-CPU array keeps ``ncpu`` values per index.

Array elements always exist: ``delete`` is ``-EINVAL`` and ``BPF_NOEXIST`` is
``-EEXIST``, as in the kernel.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from .common import copy, data_base, load_u32, zero
from .layout import (BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENOENT, M_MAX, M_NCPU, M_TYPE,
                     M_VALUE, M_VSTRIDE, round8)

PERCPU_ARRAY = 6
#: Map types with the array layout.
TYPES = (2, 3, 4, 6, 8, 12, 14, 16, 17)


def layout(map_type: int, key_size: int, value_size: int, max_entries: int, ncpu: int,
           flags: int = 0, name: str = "") -> dict:
    """Storage sizes: program-visible bytes, private bytes, capacity, element size."""
    per = ncpu if map_type == PERCPU_ARRAY else 1
    return {"data": max_entries * round8(value_size) * per, "aux": 0, "cap": max_entries,
            "elem": round8(value_size) * per}


#: Arrays of references (programs, perf events, maps, cgroups): a slot can be emptied.
FD_ARRAYS = (3, 4, 8, 12)
#: Arrays of devices, CPUs and sockets: emptied too, and an index past the end is EINVAL.
DEV_ARRAYS = (14, 16, 17)


@njit(cache=True)
def _slot(maps, m, rbase, idx):
    per = maps[m, M_NCPU] if maps[m, M_TYPE] == PERCPU_ARRAY else 1
    return data_base(maps, rbase, m) + idx * maps[m, M_VSTRIDE] * per


@njit(cache=True)
def lookup(maps, m, arena, rbase, kp, cpu):
    idx = load_u32(arena, kp)
    if idx >= maps[m, M_MAX]:
        return np.int64(-1)
    p = _slot(maps, m, rbase, idx)
    if maps[m, M_TYPE] in DEV_ARRAYS and load_u32(arena, p) == 0:
        return np.int64(-1)  # an empty device, CPU or socket slot: NULL, as in the kernel
    if maps[m, M_TYPE] == PERCPU_ARRAY:
        p += cpu * maps[m, M_VSTRIDE]
    return p


@njit(cache=True)
def update(maps, m, arena, rbase, kp, vp, flags, cpu, all_cpus):
    idx = load_u32(arena, kp)
    if idx >= maps[m, M_MAX]:
        return np.int64(-E2BIG)
    if flags & 3 == BPF_NOEXIST:
        return np.int64(-EEXIST)
    p = _slot(maps, m, rbase, idx)
    size = maps[m, M_VALUE]
    stride = maps[m, M_VSTRIDE]
    if maps[m, M_TYPE] == PERCPU_ARRAY:
        if all_cpus:
            for c in range(maps[m, M_NCPU]):
                copy(arena, p + c * stride, vp + c * stride, size)
            return np.int64(0)
        p += cpu * stride
    copy(arena, p, vp, size)
    return np.int64(0)


@njit(cache=True)
def delete(maps, m, arena, rbase, kp):
    """Plain arrays: EINVAL (elements always exist). Reference arrays: empty the slot, as
    the kernel's fd-array delete (E2BIG past the end, ENOENT when already empty); device,
    CPU and socket maps: empty it (EINVAL past the end)."""
    t = maps[m, M_TYPE]
    idx = load_u32(arena, kp)
    if t in FD_ARRAYS or t in DEV_ARRAYS:
        if idx >= maps[m, M_MAX]:
            return np.int64(-E2BIG if t in FD_ARRAYS else -EINVAL)
        p = _slot(maps, m, rbase, idx)
        was = load_u32(arena, p)
        zero(arena, p, maps[m, M_VSTRIDE])
        if t in FD_ARRAYS and was == 0:
            return np.int64(-ENOENT)
        return np.int64(0)
    return np.int64(-EINVAL)


@njit(cache=True)
def next_key(maps, m, arena, rbase, kp, outp):
    n = maps[m, M_MAX]
    nxt = 0
    if kp >= 0:
        idx = load_u32(arena, kp)
        if idx < n:
            nxt = idx + 1
    if nxt >= n:
        return np.int64(-ENOENT)
    for i in range(4):
        arena[outp + i] = np.uint8((nxt >> (8 * i)) & 0xFF)
    return np.int64(0)


@njit(cache=True)
def clear_slot(maps, m, arena, rbase, idx):
    """Zero element ``idx`` (all CPUs): used by the Python API."""
    per = maps[m, M_NCPU] if maps[m, M_TYPE] == PERCPU_ARRAY else 1
    zero(arena, _slot(maps, m, rbase, idx), maps[m, M_VSTRIDE] * per)


@njit(cache=True)
def elem_at(maps, m, arena, rbase, pos, cpu, keyp):
    """Element ``pos`` for bpf_for_each_map_elem: (next position, key offset, value offset),
    or (-1, -1, -1) past the end. The u32 key is written at arena offset ``keyp``."""
    if pos >= maps[m, M_MAX]:
        return np.int64(-1), np.int64(-1), np.int64(-1)
    for i in range(4):
        arena[keyp + i] = np.uint8((pos >> (8 * i)) & 0xFF)
    vp = _slot(maps, m, rbase, pos)
    if maps[m, M_TYPE] == PERCPU_ARRAY:
        vp += cpu * maps[m, M_VSTRIDE]
    return np.int64(pos + 1), np.int64(keyp), vp
