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


def memmove(dst, dst_off, src, src_off, n):
    """``memmove(dst.data + dst_off, src.data + src_off, n)`` for byte arrays (the same one
    or two; the ranges may overlap). Compiled, it is LLVM's memmove: a slice assignment
    would need Numba's reference counting, which pybpf's compiled code runs without
    (:func:`pybpf._jitcache.njit`), and a byte loop is several times slower on
    packet-sized copies. This body is the plain-Python (``py`` tier) version."""
    dst[dst_off:dst_off + n] = src[src_off:src_off + n].copy()


def memzero(dst, dst_off, n):
    """``memset(dst.data + dst_off, 0, n)`` for a byte array: LLVM's memset when compiled
    (Numba fills a slice a byte at a time); this body is the plain-Python version."""
    dst[dst_off:dst_off + n] = 0


def _compiled_versions() -> None:
    """The compiled :func:`memmove` and :func:`memzero` (LLVM's memmove and memset), given
    to Numba when it is loaded (:func:`pybpf._jitcache.when_loaded`)."""
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic, overload

    @intrinsic
    def _memmove(typingctx, dst, dst_off, src, src_off, n):
        sig = types.void(dst, dst_off, src, src_off, n)

        def codegen(context, builder, signature, args):
            d, d_off, s, s_off, count = args
            d_ary = context.make_array(signature.args[0])(context, builder, d)
            s_ary = context.make_array(signature.args[2])(context, builder, s)
            cgutils.raw_memmove(builder, builder.gep(d_ary.data, [d_off]),
                                builder.gep(s_ary.data, [s_off]), count, 1)

        return sig, codegen

    @overload(memmove, inline="always")
    def _memmove_compiled(dst, dst_off, src, src_off, n):
        def impl(dst, dst_off, src, src_off, n):
            _memmove(dst, dst_off, src, src_off, n)
        return impl

    @intrinsic
    def _memzero(typingctx, dst, dst_off, n):
        sig = types.void(dst, dst_off, n)

        def codegen(context, builder, signature, args):
            d, d_off, count = args
            d_ary = context.make_array(signature.args[0])(context, builder, d)
            cgutils.memset(builder, builder.gep(d_ary.data, [d_off]), count, 0)

        return sig, codegen

    @overload(memzero, inline="always")
    def _memzero_compiled(dst, dst_off, n):
        def impl(dst, dst_off, n):
            _memzero(dst, dst_off, n)
        return impl


_jitcache.when_loaded(_compiled_versions)


@njit(cache=True, inline="always")   # inlined: a batch's loop is one function (pybpf.batch)
def begin(regs, st, arena, rbase, rhi, r1, r2, entry, budget, ncode, stack_bytes):
    """Registers, stack, call state and budget for a fresh run from slot ``entry``.

    ``stack_bytes``: how much of the stack a run of this code can dirty
    (:attr:`pybpf.vm.program.Code.stack_in_use`): it is cleared, so every run
    starts from the same zeroed stack (up to one frame: the top of frame 0)."""
    for i in range(11):
        regs[i] = U64(0)
    regs[1] = r1
    regs[2] = r2
    stack_va = U64((abi.REGION_STACK + 1) << 32)
    regs[10] = stack_va + U64(STACK_SIZE)
    base = np.int64(rbase[abi.REGION_STACK])
    if stack_bytes <= STACK_SIZE:   # the top of frame 0 (frames grow up from the base)
        memzero(arena, base + STACK_SIZE - stack_bytes, stack_bytes)
    else:
        memzero(arena, base, stack_bytes)
    rhi[abi.REGION_STACK] = U64(STACK_SIZE)  # only frame 0 is live
    st[abi.PC] = U64(entry)
    st[abi.TAILS] = U64(0)
    st[abi.DEPTH] = U64(0)
    st[abi.COUNT] = U64(0)
    st[abi.BUDGET] = U64(budget)
    st[abi.STACK_VA] = stack_va
    st[abi.CODE_VA] = U64((abi.REGION_CODE + 1) << 32)
    st[abi.NCODE] = U64(ncode)


@njit(cache=True, inline="always")
def repoint(st, rlo, rhi, old, new, meta, data, end):
    """A packet moved from region ``old`` to region ``new`` (offsets ``meta`` <= ``data`` <=
    ``end``): the old region retired (stale packet pointers fault, as the verifier would
    have refused them), the new one's window and the state vector's pointers set."""
    rlo[old] = U64(0)
    rhi[old] = U64(0)
    rlo[new] = U64(meta)
    rhi[new] = U64(end)
    va = U64(new + 1) << U64(32)
    st[abi.PKT_DATA] = va + U64(data)
    st[abi.PKT_END] = va + U64(end)
    st[abi.PKT_META] = va + U64(meta)
