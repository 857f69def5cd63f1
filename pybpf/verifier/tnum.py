"""Tristate numbers: a 64-bit value whose bits are each 0, 1 or unknown.

A tnum is ``(value, mask)``: bits set in ``mask`` are unknown, the others are
those of ``value`` (``value & mask == 0``). The kernel tracks every scalar's
known bits this way (``var_off``); the operations here give, for each ALU
operation, a tnum containing every possible concrete result.
"""

from __future__ import annotations

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1

CONST0 = (0, 0)
UNKNOWN = (0, M64)


def const(v: int) -> tuple[int, int]:
    return (v & M64, 0)


def trange(lo: int, hi: int) -> tuple[int, int]:
    """The smallest tnum holding every value of the unsigned range ``[lo, hi]``."""
    chi = lo ^ hi
    bits = chi.bit_length()
    if bits > 63:
        return UNKNOWN
    delta = (1 << bits) - 1
    return (lo & ~delta & M64, delta)


def is_const(t) -> bool:
    return t[1] == 0


def lshift(t, n: int):
    return ((t[0] << n) & M64, (t[1] << n) & M64)


def rshift(t, n: int):
    return (t[0] >> n, t[1] >> n)


def arshift(t, n: int, bits: int):
    """Arithmetic right shift of the low ``bits`` bits (sign bit of that width)."""
    def sar(x):
        top = 1 << (bits - 1)
        x &= (1 << bits) - 1
        x = x - (1 << bits) if x & top else x
        return (x >> n) & ((1 << bits) - 1)
    return (sar(t[0]), sar(t[1]))


def add(a, b):
    sm = (a[1] + b[1]) & M64
    sv = (a[0] + b[0]) & M64
    sigma = (sm + sv) & M64
    chi = sigma ^ sv
    mu = chi | a[1] | b[1]
    return (sv & ~mu & M64, mu)


def sub(a, b):
    dv = (a[0] - b[0]) & M64
    alpha = (dv + a[1]) & M64
    beta = (dv - b[1]) & M64
    chi = alpha ^ beta
    mu = chi | a[1] | b[1]
    return (dv & ~mu & M64, mu)


def band(a, b):
    alpha = a[0] | a[1]
    beta = b[0] | b[1]
    v = a[0] & b[0]
    return (v, alpha & beta & ~v & M64)


def bor(a, b):
    v = a[0] | b[0]
    mu = a[1] | b[1]
    return (v, mu & ~v & M64)


def bxor(a, b):
    v = a[0] ^ b[0]
    mu = a[1] | b[1]
    return (v & ~mu & M64, mu)


def mul(a, b):
    acc_v = (a[0] * b[0]) & M64
    acc_m = CONST0
    while a[0] or a[1]:
        if a[0] & 1:
            acc_m = add(acc_m, (0, b[1]))
        elif a[1] & 1:
            acc_m = add(acc_m, (0, b[0] | b[1]))
        a = rshift(a, 1)
        b = lshift(b, 1)
    return add((acc_v, 0), acc_m)


def intersect(a, b):
    v = a[0] | b[0]
    mu = a[1] & b[1]
    return (v & ~mu & M64, mu)


def subreg(t):
    return (t[0] & M32, t[1] & M32)


def clear_subreg(t):
    return (t[0] & ~M32 & M64, t[1] & ~M32 & M64)


def with_subreg(t, sub32):
    """``t`` with its low 32 bits replaced by ``sub32``'s."""
    return bor(clear_subreg(t), subreg(sub32))


def narrow(t, umin: int, umax: int, u32min: int, u32max: int):
    """``t`` narrowed by the unsigned ranges ``[umin, umax]`` (64 bits) and ``[u32min,
    u32max]`` (low 32 bits): ``bor(clear_subreg(intersect(t, trange(umin, umax))),
    intersect(subreg(t), trange(u32min, u32max)))``, written out (it runs on every
    bounds synchronisation)."""
    v, m = t
    chi = (umin ^ umax).bit_length()
    if chi > 63:
        rv, rm = 0, M64
    else:
        rm = (1 << chi) - 1
        rv = umin & ~rm & M64
    mu = m & rm
    v64 = (v | rv) & ~mu & M64
    chi = (u32min ^ u32max).bit_length()
    if chi > 63:
        rv, rm = 0, M64
    else:
        rm = (1 << chi) - 1
        rv = u32min & ~rm & M64
    mu32 = m & M32 & rm
    v32 = ((v & M32) | rv) & ~mu32 & M64
    hi = ~M32 & M64
    val = (v64 & hi) | v32
    return (val, ((mu & hi) | mu32) & ~val & M64)


def contains(a, b) -> bool:
    """Whether every value of ``b`` is a value of ``a``."""
    if b[1] & ~a[1]:
        return False
    return (b[0] & ~a[1]) == a[0]


def is_aligned(t, size: int) -> bool:
    if not size:
        return True
    return ((t[0] | t[1]) & (size - 1)) == 0


def fmt(t) -> str:
    """As the kernel's ``tnum_strn``: ``(0x0; 0xff)``."""
    return f"({t[0]:#x}; {t[1]:#x})"
