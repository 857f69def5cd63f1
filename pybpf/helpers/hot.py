"""Helpers implemented in Numba, called from inside the interpreter loop.

Every hot helper has the same signature,
``fn(regs, st, arena, rbase, rlo, rhi, rflag, maps) -> status``: it reads its
arguments from ``regs[1..5]``, leaves its result in ``regs[0]`` and returns 0
to continue (or a :mod:`pybpf.vm.abi` status to stop the program). Python
helpers and user replacements go through the trampoline in
:class:`pybpf.vm.Machine` instead.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..vm.abi import CLOCK, CPU, PRNG

U64 = np.uint64


@njit(cache=True)
def ktime_get_ns(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``u64 bpf_ktime_get_ns(void)``: the virtual clock (set per packet, never wall time)."""
    regs[0] = st[CLOCK]
    return 0


@njit(cache=True)
def get_prandom_u32(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``u32 bpf_get_prandom_u32(void)``: splitmix64 over a seeded state, upper 32 bits."""
    x = st[PRNG] + U64(0x9E3779B97F4A7C15)
    st[PRNG] = x
    x = (x ^ (x >> U64(30))) * U64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> U64(27))) * U64(0x94D049BB133111EB)
    x = x ^ (x >> U64(31))
    regs[0] = x >> U64(32)
    return 0


@njit(cache=True)
def get_smp_processor_id(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``u32 bpf_get_smp_processor_id(void)``: the configured CPU (default 0)."""
    regs[0] = st[CPU]
    return 0


@njit(cache=True)
def get_numa_node_id(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_get_numa_node_id(void)``: always node 0."""
    regs[0] = U64(0)
    return 0
