"""Concrete semantics of every arithmetic, byte-order, jump and atomic operation.

Each function takes and returns ``np.uint64`` bit patterns (registers are 64-bit
unsigned), so the same code is exact in three places: the Numba interpreter, the
same interpreter run as plain Python (``NUMBA_DISABLE_JIT=1``) and the verifier's
concrete checks. The opcode table (:mod:`pybpf.isa.table`) names these functions;
nothing else defines what an instruction computes.

32-bit variants receive operands already truncated to 32 bits and return a
32-bit result (the caller zero-extends, as ``BPF_ALU`` requires). RFC 9669 rules:
division by zero gives 0, modulo by zero leaves the dividend; signed overflow
(INT_MIN / -1) gives INT_MIN and INT_MIN % -1 gives 0; shift amounts are masked
to the operand width.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

U64 = np.uint64
M8 = U64(0xFF)
M16 = U64(0xFFFF)
M32 = U64(0xFFFFFFFF)
U0 = U64(0)
U1 = U64(1)
U8 = U64(8)
U16 = U64(16)
U24 = U64(24)
U31 = U64(31)
U32 = U64(32)
U40 = U64(40)
U48 = U64(48)
U56 = U64(56)
U63 = U64(63)
SIGN32 = U64(0x80000000)
SIGN16 = U64(0x8000)
SIGN8 = U64(0x80)

_jit = njit(cache=True, inline="never")


# --- sign handling -----------------------------------------------------------

@_jit
def neg64(a, b):
    """``dst = -dst`` (two's complement); ``b`` unused."""
    return (~a) + U1


@_jit
def neg32(a, b):
    return ((~a) + U1) & M32


@_jit
def sext8(a):
    a &= M8
    return a | ~M8 if a & SIGN8 else a


@_jit
def sext16(a):
    a &= M16
    return a | ~M16 if a & SIGN16 else a


@_jit
def sext32(a):
    a &= M32
    return a | ~M32 if a & SIGN32 else a


# --- arithmetic ----------------------------------------------------------------

@_jit
def add(a, b):
    return a + b


@_jit
def sub(a, b):
    return a - b


@_jit
def mul(a, b):
    return a * b


@_jit
def div(a, b):
    """Unsigned division; by zero gives 0."""
    return U0 if b == U0 else a // b


@_jit
def mod(a, b):
    """Unsigned modulo; by zero leaves ``a``."""
    return a if b == U0 else a % b


@_jit
def _sdiv(a, b, sign, mask):
    if b == U0:
        return U0
    na = (a & sign) != U0
    nb = (b & sign) != U0
    ua = ((~a) + U1) & mask if na else a
    ub = ((~b) + U1) & mask if nb else b
    q = ua // ub
    return ((~q) + U1) & mask if na != nb else q & mask


@_jit
def _smod(a, b, sign, mask):
    if b == U0:
        return a
    na = (a & sign) != U0
    nb = (b & sign) != U0
    ua = ((~a) + U1) & mask if na else a
    ub = ((~b) + U1) & mask if nb else b
    r = ua % ub
    return ((~r) + U1) & mask if na else r


@_jit
def sdiv64(a, b):
    """Signed division truncating toward zero; INT64_MIN / -1 = INT64_MIN."""
    return _sdiv(a, b, U1 << U63, ~U0)


@_jit
def sdiv32(a, b):
    return _sdiv(a, b, SIGN32, M32)


@_jit
def smod64(a, b):
    """Signed remainder with the sign of the dividend; by zero leaves ``a``."""
    return _smod(a, b, U1 << U63, ~U0)


@_jit
def smod32(a, b):
    return _smod(a, b, SIGN32, M32)


# --- bitwise and shifts -----------------------------------------------------------

@_jit
def bor(a, b):
    return a | b


@_jit
def band(a, b):
    return a & b


@_jit
def bxor(a, b):
    return a ^ b


@_jit
def mov(a, b):
    return b


@_jit
def lsh64(a, b):
    return a << (b & U63)


@_jit
def lsh32(a, b):
    return (a << (b & U31)) & M32


@_jit
def rsh64(a, b):
    return a >> (b & U63)


@_jit
def rsh32(a, b):
    return (a & M32) >> (b & U31)


@_jit
def arsh64(a, b):
    return U64(np.int64(a) >> np.int64(b & U63))


@_jit
def arsh32(a, b):
    return U64(np.int64(sext32(a)) >> np.int64(b & U31)) & M32


# --- sign-extending moves (movsx) -------------------------------------------------

@_jit
def movsx8(a, b):
    return sext8(b)


@_jit
def movsx16(a, b):
    return sext16(b)


@_jit
def movsx32(a, b):
    return sext32(b)


# --- byte order ------------------------------------------------------------------------

@_jit
def bswap16(a):
    return ((a & M8) << U8) | ((a >> U8) & M8)


@_jit
def bswap32(a):
    return (((a & M8) << U24) | (((a >> U8) & M8) << U16)
            | (((a >> U16) & M8) << U8) | ((a >> U24) & M8))


@_jit
def bswap64(a):
    return (bswap32(a >> U32) | (bswap32(a & M32) << U32))


@_jit
def le16(a):
    """To little-endian on a little-endian machine: truncate and zero-extend."""
    return a & M16


@_jit
def le32(a):
    return a & M32


@_jit
def le64(a):
    return a


@_jit
def be16(a):
    return bswap16(a)


@_jit
def be32(a):
    return bswap32(a)


@_jit
def be64(a):
    return bswap64(a)


# --- jump conditions ------------------------------------------------------------------
# 32-bit variants get both operands truncated to 32 bits by the caller.

@_jit
def jeq(a, b):
    return a == b


@_jit
def jne(a, b):
    return a != b


@_jit
def jgt(a, b):
    return a > b


@_jit
def jge(a, b):
    return a >= b


@_jit
def jlt(a, b):
    return a < b


@_jit
def jle(a, b):
    return a <= b


@_jit
def jset(a, b):
    return (a & b) != U0


@_jit
def jsgt64(a, b):
    return np.int64(a) > np.int64(b)


@_jit
def jsge64(a, b):
    return np.int64(a) >= np.int64(b)


@_jit
def jslt64(a, b):
    return np.int64(a) < np.int64(b)


@_jit
def jsle64(a, b):
    return np.int64(a) <= np.int64(b)


@_jit
def jsgt32(a, b):
    return np.int64(sext32(a)) > np.int64(sext32(b))


@_jit
def jsge32(a, b):
    return np.int64(sext32(a)) >= np.int64(sext32(b))


@_jit
def jslt32(a, b):
    return np.int64(sext32(a)) < np.int64(sext32(b))


@_jit
def jsle32(a, b):
    return np.int64(sext32(a)) <= np.int64(sext32(b))
