"""Register state: the kernel's ``bpf_reg_state``, and scalar range arithmetic.

A register is ``NOT_INIT``, a scalar, or a pointer of some type. Scalars, and
the variable part of a pointer's offset, are tracked as a tnum (known bits)
plus signed and unsigned bounds at 64 and 32 bits; :func:`sync` makes the five
views agree, as the kernel's ``reg_bounds_sync`` does.
"""

from __future__ import annotations

from . import tnum as T
from .tnum import M32, M64

S64_MIN, S64_MAX = -(1 << 63), (1 << 63) - 1
S32_MIN, S32_MAX = -(1 << 31), (1 << 31) - 1

NOT_INIT = "not_init"
SCALAR = "scalar"
CTX = "ctx"
STACK = "fp"
PKT = "pkt"
PKT_META = "pkt_meta"
PKT_END = "pkt_end"
MAP_PTR = "map_ptr"
MAP_VALUE = "map_value"
MAP_KEY = "map_key"
MEM = "mem"
RINGBUF_MEM = "ringbuf_mem"
FUNC = "func"
SOCK = "sock"
SOCK_COMMON = "sock_common"
TCP_SOCK = "tcp_sock"
FLOW_KEYS = "flow_keys"

PKT_TYPES = (PKT, PKT_META)


def s64(x: int) -> int:
    x &= M64
    return x - (1 << 64) if x >> 63 else x


def s32(x: int) -> int:
    x &= M32
    return x - (1 << 32) if x >> 31 else x


class Reg:
    """One register (or spilled stack slot) as the verifier sees it."""

    __slots__ = ("type", "null", "off", "var", "smin", "smax", "umin", "umax",
                 "s32min", "s32max", "u32min", "u32max", "id", "ref", "range", "map",
                 "mem_size", "frameno", "target")

    def __init__(self, type_: str = NOT_INIT):
        self.type = type_
        self.null = False        # PTR_MAYBE_NULL
        self.off = 0             # fixed pointer offset
        self.id = 0
        self.ref = 0             # ref_obj_id
        self.range = 0           # packet bytes proven readable from the pointer
        self.map = None          # MapDesc for map_ptr / map_value
        self.mem_size = 0
        self.frameno = 0         # stack pointers: whose frame
        self.target = None       # func pointers: target slot
        # the constant 0 (set_const(0), written out: registers are made on every instruction)
        self.var = T.CONST0
        self.smin = self.smax = self.umin = self.umax = 0
        self.s32min = self.s32max = self.u32min = self.u32max = 0

    # -- construction ----------------------------------------------------------------
    def copy(self) -> "Reg":
        r = Reg.__new__(Reg)
        (r.type, r.null, r.off, r.var, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max,
         r.u32min, r.u32max, r.id, r.ref, r.range, r.map, r.mem_size, r.frameno, r.target) = (
            self.type, self.null, self.off, self.var, self.smin, self.smax, self.umin,
            self.umax, self.s32min, self.s32max, self.u32min, self.u32max, self.id, self.ref,
            self.range, self.map, self.mem_size, self.frameno, self.target)
        return r

    def set_const(self, v: int) -> None:
        v &= M64
        self.var = (v, 0)
        self.smin = self.smax = s64(v)
        self.umin = self.umax = v
        self.s32min = self.s32max = s32(v)
        self.u32min = self.u32max = v & M32

    def set_unbounded(self) -> None:
        self.var = T.UNKNOWN
        self.smin, self.smax, self.umin, self.umax = S64_MIN, S64_MAX, 0, M64
        self.s32min, self.s32max, self.u32min, self.u32max = S32_MIN, S32_MAX, 0, M32

    @classmethod
    def scalar(cls, value: int | None = None) -> "Reg":
        """An unknown scalar, or the constant ``value``."""
        if value is not None:
            return cls.const(value)
        r = cls(SCALAR)
        r.set_unbounded()
        return r

    @classmethod
    def const(cls, value: int) -> "Reg":
        """The scalar constant ``value`` (as ``scalar(value)``, built in one step)."""
        r = cls.__new__(cls)
        v = value & M64
        sv = v - (1 << 64) if v >> 63 else v
        v32 = v & M32
        sv32 = v32 - (1 << 32) if v32 >> 31 else v32
        (r.type, r.null, r.off, r.var, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max,
         r.u32min, r.u32max, r.id, r.ref, r.range, r.map, r.mem_size, r.frameno, r.target) = (
            SCALAR, False, 0, (v, 0), sv, sv, v, v, sv32, sv32, v32, v32, 0, 0, 0, None, 0, 0,
            None)
        return r

    @classmethod
    def pointer(cls, type_: str, **kw) -> "Reg":
        r = cls(type_)
        for k, v in kw.items():
            setattr(r, k, v)
        return r

    def mark_unknown(self) -> None:
        """An unknown scalar (``__mark_reg_unknown``)."""
        self.__init__(SCALAR)
        self.set_unbounded()

    # -- queries -----------------------------------------------------------------------
    @property
    def is_scalar(self) -> bool:
        return self.type == SCALAR

    @property
    def is_ptr(self) -> bool:
        return self.type not in (SCALAR, NOT_INIT)

    @property
    def is_const(self) -> bool:
        return self.var[1] == 0

    @property
    def value(self) -> int:
        return self.var[0]

    @property
    def type_str(self) -> str:
        return self.type + ("_or_null" if self.null else "")

    def is_null_const(self) -> bool:
        return self.type == SCALAR and self.var == (0, 0)

    def __repr__(self) -> str:
        return f"Reg({self.describe()})"

    def describe(self) -> str:
        """The register as the kernel's log prints it: ``scalar(umax=255,var_off=(0x0; 0xff))``."""
        if self.type == NOT_INIT:
            return "?"
        if self.type == SCALAR:
            if self.is_const:
                return str(s64(self.value))
            return f"scalar({self._bounds()})"
        parts = []
        if self.id:
            parts.append(f"id={self.id}")
        if self.ref:
            parts.append(f"ref_obj_id={self.ref}")
        if self.type in (PKT, PKT_META, PKT_END) or self.off:
            parts.append(f"off={self.off}")
        if self.type in PKT_TYPES:
            parts.append(f"r={self.range}")
        if self.map is not None and self.type in (MAP_PTR, MAP_VALUE):
            parts.append(f"map={self.map.name},ks={self.map.key_size},vs={self.map.value_size}")
        if self.type in (MEM, RINGBUF_MEM):
            parts.append(f"sz={self.mem_size}")
        if not self.is_const or self.value:
            parts.append(self._bounds())
        if self.type == STACK:
            return f"fp{self.off}" if self.is_const and not self.value else "fp(" + ",".join(parts) + ")"
        return f"{self.type_str}({','.join(parts)})"

    def _bounds(self) -> str:
        out = []
        if self.smin != S64_MIN:
            out.append(f"smin={self.smin}")
        if self.smax != S64_MAX:
            out.append(f"smax={self.smax}")
        if self.umin:
            out.append(f"umin={self.umin}")
        if self.umax != M64:
            out.append(f"umax={self.umax}")
        if self.s32min != S32_MIN and self.s32min != self.smin:
            out.append(f"smin32={self.s32min}")
        if self.s32max != S32_MAX and self.s32max != self.smax:
            out.append(f"smax32={self.s32max}")
        if self.u32min and self.u32min != self.umin:
            out.append(f"umin32={self.u32min}")
        if self.u32max != M32 and self.u32max != self.umax:
            out.append(f"umax32={self.u32max}")
        if self.var[1] != M64 and not self.is_const:
            out.append(f"var_off={T.fmt(self.var)}")
        return ",".join(out)


# ---- bounds synchronisation (reg_bounds_sync) ---------------------------------------------
# A register's bounds as a tuple, the order of Reg's fields: (var, smin, smax, umin, umax,
# s32min, s32max, u32min, u32max). The functions here compute on such tuples (local
# variables are several times faster than attributes), Reg methods read and write them.
def bounds(r: Reg) -> tuple:
    return (r.var, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max, r.u32min, r.u32max)


def set_bounds(r: Reg, b: tuple) -> None:
    (r.var, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max, r.u32min, r.u32max) = b


def const_bounds(v: int) -> tuple:
    """The bounds of the constant ``v`` (as :meth:`Reg.set_const`)."""
    v &= M64
    sv = v - (1 << 64) if v >> 63 else v
    v32 = v & M32
    sv32 = v32 - (1 << 32) if v32 >> 31 else v32
    return ((v, 0), sv, sv, v, v, sv32, sv32, v32, v32)


UNBOUNDED = (T.UNKNOWN, S64_MIN, S64_MAX, 0, M64, S32_MIN, S32_MAX, 0, M32)


# These run on every tracked ALU result and branch: min/max and s32/s64 are written out as
# comparisons (a builtin call costs more than the arithmetic): ``x - _B32 if x & _B31 else x``
# is ``s32(x)`` for a 32-bit ``x``, ``x - _B64 if x & _B63 else x`` ``s64(x)`` for 64 bits.
_B31, _B32, _B63, _B64 = 1 << 31, 1 << 32, 1 << 63, 1 << 64
_HI32 = M64 & ~M32


def _update_bounds(var, smin, smax, umin, umax, s32min, s32max, u32min, u32max):
    """Bounds from the known bits (``__update_reg_bounds``)."""
    v, m = var
    x = (v | (m & _B63)) & M64
    x = x - _B64 if x & _B63 else x
    if x > smin:
        smin = x
    x = (v | (m & S64_MAX)) & M64
    x = x - _B64 if x & _B63 else x
    if x < smax:
        smax = x
    if v > umin:
        umin = v
    if v | m < umax:
        umax = v | m
    v32, m32 = v & M32, m & M32
    x = v32 | (m32 & _B31)
    x = x - _B32 if x & _B31 else x
    if x > s32min:
        s32min = x
    x = v32 | (m32 & S32_MAX)
    x = x - _B32 if x & _B31 else x
    if x < s32max:
        s32max = x
    if v32 > u32min:
        u32min = v32
    if v32 | m32 < u32max:
        u32max = v32 | m32
    return smin, smax, umin, umax, s32min, s32max, u32min, u32max


def _deduce32(smin, smax, umin, umax, s32min, s32max, u32min, u32max):
    """32-bit bounds from the 64-bit ones and from each other (``__reg32_deduce_bounds``).

    "Narrow s32 to [lo, hi]" below: the low halves of ``lo`` and ``hi`` as signed 32-bit
    values, when ordered, bound ``[s32min, s32max]`` (written out three times: a call
    costs more than the arithmetic)."""
    if (umin >> 32) == (umax >> 32):
        lo, hi = umin & M32, umax & M32
        if lo > u32min:
            u32min = lo
        if hi < u32max:
            u32max = hi
        lo = lo - _B32 if lo & _B31 else lo      # narrow s32 to [umin, umax]
        hi = hi - _B32 if hi & _B31 else hi
        if lo <= hi:
            if lo > s32min:
                s32min = lo
            if hi < s32max:
                s32max = hi
    if (smin >> 32) == (smax >> 32):
        lo, hi = smin & M32, smax & M32
        if lo <= hi:
            if lo > u32min:
                u32min = lo
            if hi < u32max:
                u32max = hi
        lo = lo - _B32 if lo & _B31 else lo      # narrow s32 to [smin, smax]
        hi = hi - _B32 if hi & _B31 else hi
        if lo <= hi:
            if lo > s32min:
                s32min = lo
            if hi < s32max:
                s32max = hi
    lo, hi = u32min & M32, u32max & M32     # narrow s32 to [u32min, u32max]
    lo = lo - _B32 if lo & _B31 else lo
    hi = hi - _B32 if hi & _B31 else hi
    if lo <= hi:
        if lo > s32min:
            s32min = lo
        if hi < s32max:
            s32max = hi
    lo, hi = s32min & M32, s32max & M32
    if lo <= hi:
        if lo > u32min:
            u32min = lo
        if hi < u32max:
            u32max = hi
    return s32min, s32max, u32min, u32max


def _deduce64(smin, smax, umin, umax):
    """Signed and unsigned 64-bit bounds from each other (``__reg64_deduce_bounds``)."""
    lo, hi = umin & M64, umax & M64
    lo = lo - _B64 if lo & _B63 else lo
    hi = hi - _B64 if hi & _B63 else hi
    if lo <= hi:
        if lo > smin:
            smin = lo
        if hi < smax:
            smax = hi
    lo, hi = smin & M64, smax & M64
    if lo <= hi:
        if lo > umin:
            umin = lo
        if hi < umax:
            umax = hi
    return smin, smax, umin, umax


def _deduce_mixed(smin, smax, umin, umax, u32min, u32max):
    """64-bit bounds from the 32-bit ones (``__reg_deduce_mixed_bounds``)."""
    x = (umin & _HI32) | u32min
    if x > umin:
        umin = x
    x = (umax & _HI32) | u32max
    if x < umax:
        umax = x
    x = ((smin & _HI32) | u32min) & M64
    x = x - _B64 if x & _B63 else x
    if x > smin:
        smin = x
    x = ((smax & _HI32) | u32max) & M64
    x = x - _B64 if x & _B63 else x
    if x < smax:
        smax = x
    return smin, smax, umin, umax


_SYNCED: dict = {}
_SYNC_CACHE_MAX = 1 << 16


def reset_memos() -> None:
    """Forget memoised results (:func:`sync`, :func:`alu`): each verification starts afresh,
    so its time does not depend on what was verified before in the process."""
    _SYNCED.clear()
    _ALU_DONE.clear()


def sync(r: Reg) -> None:
    """Make tnum and the four ranges agree (``reg_bounds_sync``)."""
    set_bounds(r, synced(bounds(r)))


def synced(b: tuple) -> tuple:
    """:func:`sync` on a bounds tuple. A pure function of the nine values, so results are
    memoised: programs repeat the same bounds on many paths."""
    out = _SYNCED.get(b)
    if out is None:
        out = _sync(*b)
        if len(_SYNCED) >= _SYNC_CACHE_MAX:
            _SYNCED.clear()
        _SYNCED[b] = out
    return out


def _sync(var, smin, smax, umin, umax, s32min, s32max, u32min, u32max) -> tuple:
    v, m = var
    if m == 0 and umin <= v <= umax and smin <= s64(v) <= smax:
        return const_bounds(v)
    if v | m <= S32_MAX and 0 <= u32min == s32min and u32max == s32max <= S32_MAX:
        # the common case of values below 2**31 (lengths, bytes, sums ...): see _sync_small
        if 0 <= umin == smin and umax == smax <= S32_MAX:
            out = _sync_small(var, umin if umin > u32min else u32min,
                              umax if umax < u32max else u32max)
            if out is not None:
                return out
        elif smin == S64_MIN and smax == S64_MAX and umin == 0 and umax == M64:
            out = _sync_small(var, u32min, u32max)
            if out is not None:
                return out
    return _sync_steps(var, smin, smax, umin, umax, s32min, s32max, u32min, u32max)


def _sync_steps(var, smin, smax, umin, umax, s32min, s32max, u32min, u32max) -> tuple:
    """reg_bounds_sync step by step, as the kernel orders them (all the cases)."""
    smin, smax, umin, umax, s32min, s32max, u32min, u32max = _update_bounds(
        var, smin, smax, umin, umax, s32min, s32max, u32min, u32max)
    s32min, s32max, u32min, u32max = _deduce32(smin, smax, umin, umax,
                                               s32min, s32max, u32min, u32max)
    smin, smax, umin, umax = _deduce64(smin, smax, umin, umax)
    smin, smax, umin, umax = _deduce_mixed(smin, smax, umin, umax, u32min, u32max)
    smin, smax, umin, umax = _deduce64(smin, smax, umin, umax)
    s32min, s32max, u32min, u32max = _deduce32(smin, smax, umin, umax,
                                               s32min, s32max, u32min, u32max)
    var = T.narrow(var, umin, umax, u32min, u32max)
    return (var,) + _update_bounds(var, smin, smax, umin, umax, s32min, s32max, u32min, u32max)


def _sync_small(var, lo: int, hi: int) -> tuple | None:
    """:func:`_sync` where the known bits hold no value of 2**31 or more and the bounds are
    one range ``[lo, hi]`` within ``[0, 2**31)`` in every view (the 64-bit views may instead
    be unbounded, as for a 32-bit ALU result before its zero extension: the known bits then
    bound them). The deductions between signed and unsigned, 32 and 64 bits then change
    nothing but the range, the same in every view: ``[lo, hi]`` narrowed by the known bits,
    the known bits narrowed by the range, the range again by the known bits. None when the
    range is empty (the general path then finds the contradiction as it does)."""
    v, m = var
    if v > lo:
        lo = v
    if v | m < hi:
        hi = v | m
    if lo > hi:
        return None
    # T.narrow(var, lo, hi, lo, hi), written out for values below 2**31: the known bits
    # intersected with those common to every value of [lo, hi]
    rm = (1 << (lo ^ hi).bit_length()) - 1
    mu = m & rm
    v = (v | (lo & ~rm)) & ~mu
    m = mu & ~v
    var = (v, m)
    if v > lo:
        lo = v
    if v | m < hi:
        hi = v | m
    return (var, lo, hi, lo, hi, lo, hi, lo, hi)


def sync_valid(r: Reg) -> bool:
    """:func:`sync`; then whether the bounds agree, False when they contradict each other (a
    path that cannot happen). One call: it runs on both sides of every branch."""
    b = synced((r.var, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max, r.u32min, r.u32max))
    var, smin, smax, umin, umax, s32min, s32max, u32min, u32max = b
    r.var, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max, r.u32min, r.u32max = b
    v, m = var
    return (smin <= smax and umin <= umax and s32min <= s32max and u32min <= u32max
            and not (v & m) and umin <= (v | m) and v <= umax)


def zext32(r: Reg) -> None:
    """Zero-extend the 32-bit subregister (after a 32-bit ALU op)."""
    set_bounds(r, zext32_bounds(bounds(r)))


def zext32_bounds(b: tuple) -> tuple:
    """:func:`zext32` on a bounds tuple."""
    (v, m), _, _, _, _, _, _, u32min, u32max = b
    lo = u32min - _B32 if u32min & _B31 else u32min     # s32(), written out
    hi = u32max - _B32 if u32max & _B31 else u32max
    s32min, s32max = (lo, hi) if lo <= hi else (S32_MIN, S32_MAX)
    return synced(((v & M32, m & M32), u32min, u32max, u32min, u32max, s32min, s32max, u32min,
                   u32max))


def set_range64(r: Reg, lo: int, hi: int) -> None:
    """Unsigned 64-bit bounds ``[lo, hi]``; the rest follows (a function of ``lo`` and
    ``hi`` only: memoised, byte swaps and loads ask for the same few ranges)."""
    b = _RANGES.get((lo, hi))
    if b is None:
        r.set_unbounded()
        r.umin, r.umax = lo, hi
        r.var = T.trange(lo, hi)
        sync(r)
        _RANGES[(lo, hi)] = bounds(r)
    else:
        set_bounds(r, b)


_RANGES: dict[tuple, tuple] = {}


def coerce_size(r: Reg, size: int, signed: bool = False) -> None:
    """The value loaded by a ``size``-byte load (zero- or sign-extended)."""
    if size == 8:
        return
    bits = size * 8
    mask = (1 << bits) - 1
    if r.is_const:
        v = r.value & mask
        if signed and v >> (bits - 1):
            v -= 1 << bits
        r.set_const(v)
        return
    if signed:
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        r.set_unbounded()
        r.smin, r.smax = lo, hi
        if bits < 32:
            r.s32min, r.s32max = lo, hi
        sync(r)
    else:
        set_range64(r, 0, mask)


# ---- ALU transfer functions, selected by the opcode table's ``fn`` ------------------------
def _signed_add(a_lo, a_hi, b_lo, b_hi, lo_lim, hi_lim):
    lo, hi = a_lo + b_lo, a_hi + b_hi
    if lo < lo_lim or lo > hi_lim or hi < lo_lim or hi > hi_lim:
        return lo_lim, hi_lim
    return lo, hi


def _signed_sub(a_lo, a_hi, b_lo, b_hi, lo_lim, hi_lim):
    lo, hi = a_lo - b_hi, a_hi - b_lo
    if lo < lo_lim or lo > hi_lim or hi < lo_lim or hi > hi_lim:
        return lo_lim, hi_lim
    return lo, hi


#: bits -> (signed min, signed max, unsigned max)
_LIMITS = {64: (S64_MIN, S64_MAX, M64), 32: (S32_MIN, S32_MAX, M32)}
_BITWISE = {"band": T.band, "bor": T.bor, "bxor": T.bxor}


def _alu_view(fn: str, bits: int, d: tuple, s: tuple) -> tuple:
    """``d = d fn s`` on one width's bounds, as the kernel's scalar(32)_min_max_* do.

    ``d`` and ``s`` are that width's ``(tnum, smin, smax, umin, umax)``; for shifts,
    ``s``'s umin is the shift amount. Returns ``d``'s new view.
    """
    var, smin, smax, umin, umax = d
    svar, ssmin, ssmax, sumin, sumax = s
    slo, shi, umask = _LIMITS[bits]
    if fn == "add":
        smin, smax = _signed_add(smin, smax, ssmin, ssmax, slo, shi)
        lo, hi = umin + sumin, umax + sumax
        umin, umax = (lo, hi) if hi <= umask else (0, umask)
        var = T.add(var, svar)
    elif fn == "sub":
        smin, smax = _signed_sub(smin, smax, ssmin, ssmax, slo, shi)
        if umin < sumax:
            umin, umax = 0, umask
        else:
            umin, umax = umin - sumax, umax - sumin
        var = T.sub(var, svar)
    elif fn == "mul":
        hi = umax * sumax
        umin, umax = (umin * sumin, hi) if hi <= umask else (0, umask)
        prods = [smin * ssmin, smin * ssmax, smax * ssmin, smax * ssmax]
        if min(prods) < slo or max(prods) > shi:
            smin, smax = slo, shi
        else:
            smin, smax = min(prods), max(prods)
        var = T.mul(var, svar)
    elif fn in _BITWISE:
        var = _BITWISE[fn](var, svar)
        var = (var[0] & umask, var[1] & umask)
        v, m = var
        if fn == "band":
            umin, umax = v, min(umax, sumax)
        elif fn == "bor":
            umin, umax = max(umin, sumin), v | m
        else:
            umin, umax = v, v | m
        sx = s64 if bits == 64 else s32
        if sx(umin) <= sx(umax):
            smin, smax = sx(umin), sx(umax)
        else:
            smin, smax = slo, shi
    elif fn in _SHIFTS:
        k = sumin
        if fn.startswith("lsh"):
            if umax > (umask >> k):
                umin, umax = 0, umask
            else:
                umin, umax = umin << k, umax << k
            smin, smax = slo, shi
            var = T.lshift(var, k)
            var = (var[0] & umask, var[1] & umask)
        elif fn.startswith("rsh"):
            smin, smax = slo, shi
            umin, umax = umin >> k, umax >> k
            var = T.rshift(var, k)
        else:
            smin, smax = smin >> k, smax >> k
            umin, umax = 0, umask
            var = T.arshift(var, k, bits)
    else:
        raise AssertionError(fn)
    return var, smin, smax, umin, umax


_RANGED = {"add", "sub", "mul", "band", "bor", "bxor"}
_SHIFTS = {"lsh64", "lsh32", "rsh64", "rsh32", "arsh64", "arsh32"}
_ALU_DONE: dict = {}


def alu(fn: str, width: int, dst: Reg, src: Reg, s: tuple | None = None) -> None:
    """``dst = dst fn src`` for scalar ``dst`` and ``src`` (``adjust_scalar_min_max_vals``).

    ``fn`` is the opcode table row's semantics name; operations the kernel does
    not track (div, mod, shifts by unknown amounts ...) give an unknown scalar.
    Where the kernel tracks the result, it is a pure function of the operation and
    the operands' bounds, so it is memoised as :func:`sync` is (paths repeat them).
    ``s``: ``bounds(src)`` when the caller has it (an immediate's, computed once).
    """
    # bounds() and set_bounds() written out: this runs on every scalar ALU instruction
    d = (dst.var, dst.smin, dst.smax, dst.umin, dst.umax, dst.s32min, dst.s32max, dst.u32min,
         dst.u32max)
    if s is None:
        s = (src.var, src.smin, src.smax, src.umin, src.umax, src.s32min, src.s32max,
             src.u32min, src.u32max)
    key = (fn, width, d, s)
    out = _ALU_DONE.get(key)
    if out is None:
        out = _alu(fn, width, d, s)
        if out is None:     # not tracked: the result of constants is computed, the rest unknown
            dst.mark_unknown()
            if width == 32:
                zext32(dst)
            return
        if len(_ALU_DONE) >= _SYNC_CACHE_MAX:
            _ALU_DONE.clear()
        _ALU_DONE[key] = out
    (dst.var, dst.smin, dst.smax, dst.umin, dst.umax, dst.s32min, dst.s32max, dst.u32min,
     dst.u32max) = out
    dst.id = 0


def _alu(fn: str, width: int, d: tuple, s: tuple) -> tuple | None:
    """:func:`alu` on bounds tuples: the new bounds of ``dst``, None when not tracked."""
    dvar, svar = d[0], s[0]
    if dvar[1] == 0 and svar[1] == 0:
        value = _concrete(_semantics(), fn, width, dvar[0], svar[0])
        if value is not None:
            return const_bounds(value)
    if fn in _SHIFTS and not (svar[1] == 0 and (svar[0] if width == 64 else svar[0] & M32)
                              < width):
        return None
    if fn not in _RANGED and fn not in _SHIFTS:
        return None
    d32, s32v = (T.subreg(dvar),) + d[5:], (T.subreg(svar),) + s[5:]
    if width == 64:
        if fn in _SHIFTS:
            # the kernel keeps 32-bit bounds only for the 64-bit shift it understands
            var, smin, smax, umin, umax = _alu_view(fn, 64, d[:5], (svar, 0, 0, svar[0], 0))
            out = (var, smin, smax, umin, umax, S32_MIN, S32_MAX, 0, M32)
        else:
            _, s32min, s32max, u32min, u32max = _alu_view(fn, 32, d32, s32v)
            out = _alu_view(fn, 64, d[:5], s[:5]) + (s32min, s32max, u32min, u32max)
        return synced(out)
    if fn in _SHIFTS:
        s32v = (s32v[0], 0, 0, svar[0] & M32, 0)
        fn = fn.replace("64", "32")
    (v, m), s32min, s32max, u32min, u32max = _alu_view(fn, 32, d32, s32v)
    var = (v & M32, m & M32 & ~v)      # subreg(with_subreg(dvar, (v, m))), written out
    out = synced((var, S64_MIN, S64_MAX, 0, M64, s32min, s32max, u32min, u32max))
    return zext32_bounds(out)


_SEM = None


def _semantics():
    global _SEM
    if _SEM is None:
        import warnings
        from ..isa import semantics
        # uint64 wrap-around is the intended semantics, not an error
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"pybpf\.isa\.semantics")
        _SEM = semantics
    return _SEM


_U64 = None


def _concrete(semantics, fn, width, a, b):
    """The concrete result through the opcode table's own semantics function (plain Python)."""
    global _U64
    f = getattr(getattr(semantics, fn, None), "py_func", None)
    if f is None:
        return None
    if _U64 is None:
        import numpy as np
        _U64 = np.uint64
    if width == 32:
        a, b = a & M32, b & M32
    args = (_U64(a), _U64(b))[:f.__code__.co_argcount]
    try:
        return int(f(*args)) & (M64 if width == 64 else M32)
    except OverflowError:   # signed casts of the plain-Python form: let the abstract path answer
        return None
