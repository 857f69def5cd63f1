"""Map operations by map type: the one dispatch used by program helpers and the Python API."""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from . import array, hash, lpm, queue, ringbuf
from .layout import EINVAL, EOPNOTSUPP, M_TYPE

ARRAY, HASH, LPM, QUEUE = 1, 2, 3, 4
RINGBUF = 5  # no dispatch branch: the defaults below are the kernel's answers
_FAMILY = np.zeros(64, dtype=np.int64)
for _fam, _mod in ((ARRAY, array), (HASH, hash), (LPM, lpm), (QUEUE, queue), (RINGBUF, ringbuf)):
    for _t in _mod.TYPES:
        _FAMILY[_t] = _fam
FAMILY_OF = _FAMILY  # map type id -> family code (0: unsupported)


def family_module(map_type: int):
    """The Python module implementing ``map_type``, or None."""
    code = int(FAMILY_OF[map_type]) if 0 <= map_type < len(FAMILY_OF) else 0
    return {ARRAY: array, HASH: hash, LPM: lpm, QUEUE: queue, RINGBUF: ringbuf}.get(code)


@njit(cache=True)
def lookup(maps, m, arena, rbase, kp, cpu):
    f = FAMILY_OF[maps[m, M_TYPE]]
    if f == ARRAY:
        return array.lookup(maps, m, arena, rbase, kp, cpu)
    if f == HASH:
        return hash.lookup(maps, m, arena, rbase, kp, cpu)
    if f == LPM:
        return lpm.lookup(maps, m, arena, rbase, kp, cpu)
    return np.int64(-1)


@njit(cache=True)
def lookup_sys(maps, m, arena, rbase, kp, cpu):
    """Lookup from user space (the syscall side): an LRU map's recency is not touched."""
    if FAMILY_OF[maps[m, M_TYPE]] == HASH:
        return hash.peek(maps, m, arena, rbase, kp, cpu)
    return lookup(maps, m, arena, rbase, kp, cpu)


@njit(cache=True)
def update(maps, m, arena, rbase, kp, vp, flags, cpu, all_cpus):
    f = FAMILY_OF[maps[m, M_TYPE]]
    if f == ARRAY:
        return array.update(maps, m, arena, rbase, kp, vp, flags, cpu, all_cpus)
    if f == HASH:
        return hash.update(maps, m, arena, rbase, kp, vp, flags, cpu, all_cpus)
    if f == LPM:
        return lpm.update(maps, m, arena, rbase, kp, vp, flags, cpu, all_cpus)
    return np.int64(-EINVAL)


@njit(cache=True)
def delete(maps, m, arena, rbase, kp):
    f = FAMILY_OF[maps[m, M_TYPE]]
    if f == ARRAY:
        return array.delete(maps, m, arena, rbase, kp)
    if f == HASH:
        return hash.delete(maps, m, arena, rbase, kp)
    if f == LPM:
        return lpm.delete(maps, m, arena, rbase, kp)
    return np.int64(-EINVAL)


@njit(cache=True)
def next_key(maps, m, arena, rbase, kp, outp):
    f = FAMILY_OF[maps[m, M_TYPE]]
    if f == ARRAY:
        return array.next_key(maps, m, arena, rbase, kp, outp)
    if f == HASH:
        return hash.next_key(maps, m, arena, rbase, kp, outp)
    if f == LPM:
        return lpm.next_key(maps, m, arena, rbase, kp, outp)
    if f == QUEUE:
        return np.int64(-EINVAL)
    return np.int64(-EOPNOTSUPP)


#: Map types bpf_for_each_map_elem walks (the kernel's list): hash, array, their per-CPU and LRU kinds.
FOREACH_TYPES = (1, 2, 5, 6, 9, 10)


@njit(cache=True)
def foreach_next(maps, m, arena, rbase, pos, cpu, keyp):
    """Next element for bpf_for_each_map_elem: (next position, key offset, value offset),
    or (-1, -1, -1). ``keyp``: where an array's key is written (arrays have no key bytes)."""
    t = maps[m, M_TYPE]
    if t == 1 or t == 5 or t == 9 or t == 10:
        return hash.elem_at(maps, m, arena, rbase, pos, cpu)
    if t == 2 or t == 6:
        return array.elem_at(maps, m, arena, rbase, pos, cpu, keyp)
    return np.int64(-1), np.int64(-1), np.int64(-1)
