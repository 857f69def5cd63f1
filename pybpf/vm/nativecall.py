"""Calling a program's machine code (:mod:`pybpf.vm.native`) from Numba-compiled code.

:func:`call_native` is a Numba intrinsic: given the function's address and the
interpreter's 17 arrays, it passes their data pointers and lengths straight to
the function, with no Python and no array objects in between. The address is a
run-time value (``st[NATIVE_FN]``), so callers stay cacheable on disk across
processes. :func:`execute` is the run function of a compiled Machine: the
interpreter's signature, contract and statuses.
"""

from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from llvmlite import ir
from numba import types
from pybpf._jitcache import njit
from numba.core.extending import intrinsic

from .abi import STATE_SIZE

NATIVE_FN = STATE_SIZE - 2   # pybpf.vm.native.NATIVE_FN (that module does not use Numba)


@intrinsic
def call_native(typingctx, addr, h, dsts, srcs, offs, offu, immu, regs, st, frames, arena, rbase,
                rlo, rhi, rflag, ctxmap, hot, maps):
    """``int64 fn(h.data, ..., maps.data, len(h), ..., len(maps))``, ``fn`` at ``addr``."""
    arrays = (h, dsts, srcs, offs, offu, immu, regs, st, frames, arena, rbase, rlo, rhi, rflag,
              ctxmap, hot, maps)
    sig = types.int64(addr, *arrays)

    def codegen(context, builder, signature, args):
        i8p = ir.IntType(8).as_pointer()
        pointers, lengths = [], []
        for ty, value in zip(signature.args[1:], args[1:]):
            ary = context.make_array(ty)(context, builder, value)
            pointers.append(builder.bitcast(ary.data, i8p))
            lengths.append(builder.extract_value(ary.shape, 0))
        fnty = ir.FunctionType(ir.IntType(64), [i8p] * len(pointers)
                               + [ir.IntType(64)] * len(lengths))
        fn = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(fn, pointers + lengths)

    return sig, codegen


@njit(cache=True, nogil=True, inline="always")   # inlined: see pybpf.batch's native loop
def execute(h, dsts, srcs, offs, offu, immu, regs, st, frames, arena, rbase, rlo, rhi, rflag,
            ctxmap, hot, maps):
    """Run the machine code at ``st[NATIVE_FN]`` from ``st[PC]``: the interpreter's contract."""
    return call_native(st[NATIVE_FN], h, dsts, srcs, offs, offu, immu, regs, st, frames, arena,
                       rbase, rlo, rhi, rflag, ctxmap, hot, maps)
