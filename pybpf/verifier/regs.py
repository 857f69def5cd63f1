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
def _update_bounds(r: Reg) -> None:
    v, m = r.var
    r.smin = max(r.smin, s64(v | (m & (1 << 63))))
    r.smax = min(r.smax, s64(v | (m & S64_MAX)))
    r.umin = max(r.umin, v)
    r.umax = min(r.umax, v | m)
    v32, m32 = v & M32, m & M32
    r.s32min = max(r.s32min, s32(v32 | (m32 & (1 << 31))))
    r.s32max = min(r.s32max, s32(v32 | (m32 & S32_MAX)))
    r.u32min = max(r.u32min, v32)
    r.u32max = min(r.u32max, v32 | m32)


def _deduce32(r: Reg) -> None:
    if (r.umin >> 32) == (r.umax >> 32):
        r.u32min = max(r.u32min, r.umin & M32)
        r.u32max = min(r.u32max, r.umax & M32)
        if s32(r.umin) <= s32(r.umax):
            r.s32min = max(r.s32min, s32(r.umin))
            r.s32max = min(r.s32max, s32(r.umax))
    if (r.smin >> 32) == (r.smax >> 32):
        if (r.smin & M32) <= (r.smax & M32):
            r.u32min = max(r.u32min, r.smin & M32)
            r.u32max = min(r.u32max, r.smax & M32)
        if s32(r.smin) <= s32(r.smax):
            r.s32min = max(r.s32min, s32(r.smin))
            r.s32max = min(r.s32max, s32(r.smax))
    if s32(r.u32min) <= s32(r.u32max):
        r.s32min = max(r.s32min, s32(r.u32min))
        r.s32max = min(r.s32max, s32(r.u32max))
    if (r.s32min & M32) <= (r.s32max & M32):
        r.u32min = max(r.u32min, r.s32min & M32)
        r.u32max = min(r.u32max, r.s32max & M32)


def _deduce64(r: Reg) -> None:
    if s64(r.umin) <= s64(r.umax):
        r.smin = max(r.smin, s64(r.umin))
        r.smax = min(r.smax, s64(r.umax))
    if (r.smin & M64) <= (r.smax & M64):
        r.umin = max(r.umin, r.smin & M64)
        r.umax = min(r.umax, r.smax & M64)


def _deduce_mixed(r: Reg) -> None:
    new_umin = (r.umin & ~M32 & M64) | r.u32min
    new_umax = (r.umax & ~M32 & M64) | r.u32max
    r.umin = max(r.umin, new_umin)
    r.umax = min(r.umax, new_umax)
    new_smin = s64((r.smin & ~M32 & M64) | r.u32min)
    new_smax = s64((r.smax & ~M32 & M64) | r.u32max)
    r.smin = max(r.smin, new_smin)
    r.smax = min(r.smax, new_smax)


_SYNCED: dict = {}
_SYNC_CACHE_MAX = 1 << 16


def reset_memos() -> None:
    """Forget memoised results (:func:`sync`, :func:`alu`): each verification starts afresh,
    so its time does not depend on what was verified before in the process."""
    _SYNCED.clear()
    _ALU_DONE.clear()


def sync(r: Reg) -> None:
    """Make tnum and the four ranges agree (``reg_bounds_sync``). A pure function of the nine
    values, so results are memoised: programs repeat the same bounds on many paths."""
    key = (r.var, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max, r.u32min, r.u32max)
    out = _SYNCED.get(key)
    if out is None:
        _sync(r)
        out = (r.var, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max, r.u32min, r.u32max)
        if len(_SYNCED) >= _SYNC_CACHE_MAX:
            _SYNCED.clear()
        _SYNCED[key] = out
        return
    (r.var, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max, r.u32min, r.u32max) = out


def _sync(r: Reg) -> None:
    if r.var[1] == 0:
        v = r.var[0]
        if r.umin <= v <= r.umax and r.smin <= s64(v) <= r.smax:
            r.set_const(v)
            return
    _update_bounds(r)
    _deduce32(r)
    _deduce64(r)
    _deduce_mixed(r)
    _deduce64(r)
    _deduce32(r)
    t64 = T.intersect(r.var, T.trange(r.umin, r.umax))
    t32 = T.intersect(T.subreg(r.var), T.trange(r.u32min, r.u32max))
    r.var = T.bor(T.clear_subreg(t64), t32)
    _update_bounds(r)


def valid(r: Reg) -> bool:
    """False when the bounds contradict each other (a path that cannot happen)."""
    return (r.smin <= r.smax and r.umin <= r.umax and r.s32min <= r.s32max
            and r.u32min <= r.u32max and not (r.var[0] & r.var[1])
            and r.umin <= (r.var[0] | r.var[1]) and r.var[0] <= r.umax)


def zext32(r: Reg) -> None:
    """Zero-extend the 32-bit subregister (after a 32-bit ALU op)."""
    r.var = T.subreg(r.var)
    r.umin, r.umax = r.u32min, r.u32max
    r.smin, r.smax = r.u32min, r.u32max
    r.s32min, r.s32max = (s32(r.u32min), s32(r.u32max)) if s32(r.u32min) <= s32(r.u32max) \
        else (S32_MIN, S32_MAX)
    sync(r)


def set_range64(r: Reg, lo: int, hi: int) -> None:
    """Unsigned 64-bit bounds ``[lo, hi]``; the rest follows."""
    r.set_unbounded()
    r.umin, r.umax = lo, hi
    r.var = T.trange(lo, hi)
    sync(r)


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


class _View:
    """The bounds of one width of a register: (tnum, smin, smax, umin, umax)."""

    __slots__ = ("var", "smin", "smax", "umin", "umax", "bits")

    def __init__(self, r: Reg, bits: int):
        self.bits = bits
        if bits == 64:
            self.var, self.smin, self.smax, self.umin, self.umax = r.var, r.smin, r.smax, r.umin, r.umax
        else:
            self.var = T.subreg(r.var)
            self.smin, self.smax, self.umin, self.umax = r.s32min, r.s32max, r.u32min, r.u32max

    @property
    def const(self) -> bool:
        return self.var[1] == 0


def _limits(bits):
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1, (1 << bits) - 1)


def _alu_view(fn: str, d: _View, s: _View) -> None:
    """``d = d fn s`` on one width's bounds, as the kernel's scalar(32)_min_max_* do."""
    bits = d.bits
    slo, shi, umask = _limits(bits)
    sx = s64 if bits == 64 else s32
    if fn == "add":
        d.smin, d.smax = _signed_add(d.smin, d.smax, s.smin, s.smax, slo, shi)
        lo, hi = d.umin + s.umin, d.umax + s.umax
        d.umin, d.umax = (lo, hi) if hi <= umask else (0, umask)
        d.var = T.add(d.var, s.var)
    elif fn == "sub":
        d.smin, d.smax = _signed_sub(d.smin, d.smax, s.smin, s.smax, slo, shi)
        if d.umin < s.umax:
            d.umin, d.umax = 0, umask
        else:
            d.umin, d.umax = d.umin - s.umax, d.umax - s.umin
        d.var = T.sub(d.var, s.var)
    elif fn == "mul":
        hi = d.umax * s.umax
        d.umin, d.umax = (d.umin * s.umin, hi) if hi <= umask else (0, umask)
        prods = [d.smin * s.smin, d.smin * s.smax, d.smax * s.smin, d.smax * s.smax]
        if min(prods) < slo or max(prods) > shi:
            d.smin, d.smax = slo, shi
        else:
            d.smin, d.smax = min(prods), max(prods)
        d.var = T.mul(d.var, s.var)
    elif fn in ("band", "bor", "bxor"):
        d.var = {"band": T.band, "bor": T.bor, "bxor": T.bxor}[fn](d.var, s.var)
        d.var = (d.var[0] & umask, d.var[1] & umask)
        v, m = d.var
        if fn == "band":
            d.umin, d.umax = v, min(d.umax, s.umax)
        elif fn == "bor":
            d.umin, d.umax = max(d.umin, s.umin), v | m
        else:
            d.umin, d.umax = v, v | m
        if sx(d.umin) <= sx(d.umax):
            d.smin, d.smax = sx(d.umin), sx(d.umax)
        else:
            d.smin, d.smax = slo, shi
    elif fn in ("lsh64", "lsh32", "rsh64", "rsh32", "arsh64", "arsh32"):
        k = s.umin
        if fn.startswith("lsh"):
            if d.umax > (umask >> k):
                d.umin, d.umax = 0, umask
            else:
                d.umin, d.umax = d.umin << k, d.umax << k
            d.smin, d.smax = slo, shi
            d.var = T.lshift(d.var, k)
            d.var = (d.var[0] & umask, d.var[1] & umask)
        elif fn.startswith("rsh"):
            d.smin, d.smax = slo, shi
            d.umin, d.umax = d.umin >> k, d.umax >> k
            d.var = T.rshift(d.var, k)
        else:
            d.smin, d.smax = d.smin >> k, d.smax >> k
            d.umin, d.umax = 0, umask
            d.var = T.arshift(d.var, k, bits)
    else:
        raise AssertionError(fn)


def _store_view(r: Reg, v: _View) -> None:
    if v.bits == 64:
        r.var, r.smin, r.smax, r.umin, r.umax = v.var, v.smin, v.smax, v.umin, v.umax
    else:
        r.var = T.with_subreg(r.var, v.var)
        r.s32min, r.s32max, r.u32min, r.u32max = v.smin, v.smax, v.umin, v.umax


_RANGED = {"add", "sub", "mul", "band", "bor", "bxor"}
_SHIFTS = {"lsh64", "lsh32", "rsh64", "rsh32", "arsh64", "arsh32"}


_ALU_DONE: dict = {}


def alu(fn: str, width: int, dst: Reg, src: Reg) -> None:
    """``dst = dst fn src`` for scalar ``dst`` and ``src`` (``adjust_scalar_min_max_vals``).

    ``fn`` is the opcode table row's semantics name; operations the kernel does
    not track (div, mod, shifts by unknown amounts ...) give an unknown scalar.
    Where the kernel tracks the result, it is a pure function of the operation and
    the operands' bounds, so it is memoised as :func:`sync` is (paths repeat them).
    """
    key = (fn, width, dst.var, dst.smin, dst.smax, dst.umin, dst.umax, dst.s32min, dst.s32max,
           dst.u32min, dst.u32max, src.var, src.smin, src.smax, src.umin, src.umax, src.s32min,
           src.s32max, src.u32min, src.u32max)
    out = _ALU_DONE.get(key)
    if out is not None:
        (dst.var, dst.smin, dst.smax, dst.umin, dst.umax, dst.s32min, dst.s32max, dst.u32min,
         dst.u32max) = out
        dst.id = 0
        return
    if _alu(fn, width, dst, src):
        if len(_ALU_DONE) >= _SYNC_CACHE_MAX:
            _ALU_DONE.clear()
        _ALU_DONE[key] = (dst.var, dst.smin, dst.smax, dst.umin, dst.umax, dst.s32min,
                          dst.s32max, dst.u32min, dst.u32max)


def _alu(fn: str, width: int, dst: Reg, src: Reg) -> bool:
    """:func:`alu`, computed; True when the result is tracked (bounds, not unknown)."""
    if dst.var[1] == 0 and src.var[1] == 0:
        value = _concrete(_semantics(), fn, width, dst.value, src.value)
        if value is not None:
            dst.set_const(value)
            dst.id = 0
            return True
    if fn in _SHIFTS and not (src.is_const and (src.value if width == 64 else src.value & M32) < width):
        fn = None
    if fn in _RANGED or fn in _SHIFTS:
        if width == 64:
            d32, s32v = _View(dst, 32), _View(src, 32)
            d64, s64v = _View(dst, 64), _View(src, 64)
            if fn in _SHIFTS:
                s32v.umin = s64v.umin = src.value
                # the kernel keeps 32-bit bounds only for the 64-bit shift it understands
                dst.s32min, dst.s32max, dst.u32min, dst.u32max = S32_MIN, S32_MAX, 0, M32
                _alu_view(fn, d64, s64v)
                _store_view(dst, d64)
            else:
                _alu_view(fn, d32, s32v)
                _alu_view(fn, d64, s64v)
                _store_view(dst, d64)
                dst.s32min, dst.s32max, dst.u32min, dst.u32max = d32.smin, d32.smax, d32.umin, d32.umax
            sync(dst)
        else:
            d32, s32v = _View(dst, 32), _View(src, 32)
            if fn in _SHIFTS:
                s32v.umin = src.value & M32
                fn = fn.replace("64", "32")
            _alu_view(fn, d32, s32v)
            _store_view(dst, d32)
            dst.var = T.subreg(dst.var)
            dst.umin, dst.umax, dst.smin, dst.smax = 0, M64, S64_MIN, S64_MAX
            sync(dst)
            zext32(dst)
        dst.id = 0
        return True
    # not tracked: the result of constants is computed, the rest is unknown
    dst.mark_unknown()
    if width == 32:
        zext32(dst)
    return False


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
