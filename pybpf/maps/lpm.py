"""PLACEHOLDER being replaced by a full implementation in this session (see layout.py's contract)."""

import numpy as np
from numba import njit

from .layout import EOPNOTSUPP

TYPES = ()


def layout(map_type, key_size, value_size, max_entries, ncpu):
    raise NotImplementedError("lpm maps are not implemented yet")


@njit(cache=True)
def lookup(maps, m, arena, rbase, kp, cpu):
    return np.int64(-1)


@njit(cache=True)
def update(maps, m, arena, rbase, kp, vp, flags, cpu, all_cpus):
    return np.int64(-EOPNOTSUPP)


@njit(cache=True)
def delete(maps, m, arena, rbase, kp):
    return np.int64(-EOPNOTSUPP)


@njit(cache=True)
def next_key(maps, m, arena, rbase, kp, outp):
    return np.int64(-EOPNOTSUPP)
