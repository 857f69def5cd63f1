"""Per-run setup in compiled code: what every run does before the first instruction.

Done in Python it was a dozen numpy scalar writes and a slice fill per run
(several microseconds); one compiled call does the same work.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..isa.opcodes import STACK_SIZE
from . import abi

U64 = np.uint64


@njit(cache=True)
def begin(regs, st, arena, rbase, rhi, r1, r2, entry, budget, ncode, stack_bytes):
    """Registers, stack, call state and budget for a fresh run from slot ``entry``.

    ``stack_bytes``: how much of the stack a run of this code can dirty
    (:attr:`pybpf.vm.program.Code.stack_in_use`): it is cleared, so every run
    starts from the same zeroed stack."""
    for i in range(11):
        regs[i] = U64(0)
    regs[1] = r1
    regs[2] = r2
    stack_va = U64((abi.REGION_STACK + 1) << 32)
    regs[10] = stack_va + U64(STACK_SIZE)
    base = np.int64(rbase[abi.REGION_STACK])
    arena[base:base + stack_bytes] = 0  # a slice fill: a memset, not a loop
    rhi[abi.REGION_STACK] = U64(STACK_SIZE)  # only frame 0 is live
    st[abi.PC] = U64(entry)
    st[abi.TAILS] = U64(0)
    st[abi.DEPTH] = U64(0)
    st[abi.COUNT] = U64(0)
    st[abi.BUDGET] = U64(budget)
    st[abi.STACK_VA] = stack_va
    st[abi.CODE_VA] = U64((abi.REGION_CODE + 1) << 32)
    st[abi.NCODE] = U64(ncode)
