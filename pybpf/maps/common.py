"""Numba building blocks shared by the map families and the map helpers."""

import importlib

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..vm.abi import F_CTX
from .layout import M_AUX, M_DATA

U64 = np.uint64


def call_compiled(fn, *args, results: int = 0):
    """``fn(*args)`` for Python code (a map's set-up, a map operation from Python): as
    machine code loaded without Numba while Numba is not loaded (:func:`pybpf.vm.aot.run`:
    a process that only runs compiled programs need not load it). ``results``: how many
    integers ``fn`` returns. (Looked up by name: a static import would put the compiled
    tier into this file's cache key, :mod:`pybpf._jitcache`.)"""
    return importlib.import_module("pybpf.vm.aot").run(fn, *args, results=results)


FNV_OFFSET = U64(0xCBF29CE484222325)
FNV_PRIME = U64(0x100000001B3)


@njit(cache=True)
def hash_bytes(arena, p, n):
    """FNV-1a over ``n`` arena bytes at ``p``: deterministic, so iteration order is too."""
    h = FNV_OFFSET
    for i in range(n):
        h = (h ^ U64(arena[p + i])) * FNV_PRIME
    return h


@njit(cache=True)
def equal(arena, a, b, n):
    for i in range(n):
        if arena[a + i] != arena[b + i]:
            return False
    return True


@njit(cache=True)
def copy(arena, dst, src, n):
    for i in range(n):
        arena[dst + i] = arena[src + i]


@njit(cache=True)
def zero(arena, dst, n):
    for i in range(n):
        arena[dst + i] = 0


@njit(cache=True)
def data_base(maps, rbase, m):
    """Arena offset of map ``m``'s program-visible storage."""
    return np.int64(rbase[maps[m, M_DATA]])


@njit(cache=True)
def aux_base(maps, rbase, m):
    return np.int64(rbase[maps[m, M_AUX]])


@njit(cache=True)
def load_u32(arena, p):
    return (np.int64(arena[p]) | (np.int64(arena[p + 1]) << 8) | (np.int64(arena[p + 2]) << 16)
            | (np.int64(arena[p + 3]) << 24))


@njit(cache=True)
def load_i64(arena, p):
    v = U64(0)
    for i in range(8):
        v |= U64(arena[p + i]) << U64(8 * i)
    return np.int64(v)


@njit(cache=True)
def store_i64(arena, p, value):
    v = U64(value)
    for i in range(8):
        arena[p + i] = np.uint8((v >> U64(8 * i)) & U64(0xFF))


@njit(cache=True, inline="always")
def va_to_offset(va, n, rbase, rlo, rhi, rflag, write):
    """Arena offset of ``n`` bytes at virtual address ``va``, or -1 when out of bounds.

    The same rule the interpreter applies to loads and stores; context memory is
    never a valid helper buffer.
    """
    k = (va >> U64(32)) - U64(1)
    a = va & U64(0xFFFFFFFF)
    if k >= U64(rbase.shape[0]) or a < rlo[k] or a + U64(n) > rhi[k]:
        return np.int64(-1)
    if (rflag[k] & U64(F_CTX)) != U64(0) or (write and rflag[k] != U64(0)):
        return np.int64(-1)
    return np.int64(rbase[k] + a)
