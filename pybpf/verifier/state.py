"""Verifier state: frames of registers and stack slots, acquired references.

Stack bytes are typed as the kernel types them: ``I`` invalid (never written),
``M`` misc (some unknown data), ``Z`` zero, ``S`` part of a spilled register.
A slot is 8 bytes; byte ``b`` of the frame (``-512 <= b < 0``) is slot
``(-b - 1) // 8``, index ``(-b - 1) % 8`` in that slot.
"""

from __future__ import annotations

from operator import attrgetter

from . import tnum as T
from .regs import NOT_INIT, SCALAR, STACK, Reg

MAX_STACK = 512
INVALID_SLOT = "IIIIIIII"
_UNBOUNDED = Reg.scalar()      # what a load of 8 misc bytes gives (never changed)


class Slot:
    """8 stack bytes: their types, a string indexed as in the module docstring (immutable, so
    copies share it), and the register spilled there, if any."""

    __slots__ = ("types", "spill")

    def __init__(self):
        self.types = INVALID_SLOT
        self.spill: Reg | None = None

    def copy(self) -> "Slot":
        """A copy sharing the spilled register: replace ``spill``, or copy it to change it."""
        s = Slot.__new__(Slot)
        s.types = self.types
        s.spill = self.spill
        return s

    def set(self, idx: int, t: str) -> None:
        """Byte ``idx`` of the slot is now of type ``t``."""
        self.types = self.types[:idx] + t + self.types[idx + 1:]

    @property
    def is_spill(self) -> bool:
        return self.types[7] == "S" and self.spill is not None


_NONE: frozenset = frozenset()     # Frame.owned of a fresh copy (made a set when written)


class Frame:
    """One function's registers and stack.

    Copies share register objects and stack slots until they are written: ``own``
    gives a private, writable register and ``slot`` a private, writable slot (a
    shared register is never changed in place; assigning a new one to ``regs[i]``
    is always allowed). Copying a state is then cheap, as it happens on every branch.
    """

    __slots__ = ("regs", "stack", "callsite", "subprog", "frameno", "callback", "depth", "owned",
                 "mine")

    def __init__(self, frameno: int, subprog: int, callsite: int = -1):
        self.regs = [Reg() for _ in range(11)]
        self.regs[10] = Reg.pointer(STACK, frameno=frameno)
        self.mine = 0                     # bit mask of the registers this frame may change
        self.stack: dict[int, Slot] = {}
        self.owned: set[int] = set()      # slots this frame may write in place
        self.callsite = callsite
        self.subprog = subprog
        self.frameno = frameno
        self.callback = None      # for a callback frame: (helper id, return range)
        self.depth = 0            # deepest stack byte used (positive)

    def copy(self) -> "Frame":
        f = Frame.__new__(Frame)
        f.regs = list(self.regs)
        f.mine = self.mine = 0
        f.stack = dict(self.stack)
        f.owned = self.owned = _NONE
        f.callsite, f.subprog, f.frameno = self.callsite, self.subprog, self.frameno
        f.callback, f.depth = self.callback, self.depth
        return f

    def own(self, r: int) -> Reg:
        """Register ``r``, private to this frame: change it in place freely."""
        if self.mine >> r & 1:
            return self.regs[r]
        reg = self.regs[r] = self.regs[r].copy()
        self.mine |= 1 << r
        return reg

    def put(self, r: int, reg: Reg) -> None:
        """``regs[r] = reg`` for a new register no one else holds (so it is this frame's to
        change in place)."""
        self.regs[r] = reg
        self.mine |= 1 << r

    def slot(self, spi: int) -> Slot:
        """Slot ``spi``, private to this frame: write to it freely."""
        s = self.stack.get(spi)
        if s is None:
            s = self.stack[spi] = Slot()
        elif spi not in self.owned:
            s = self.stack[spi] = s.copy()
        if self.owned is _NONE:
            self.owned = set()
        self.owned.add(spi)
        return s


class State:
    """A verifier state: its frames, acquired references, and the checkpoint it descends from.

    ``hist``: the instructions this state walked since its last checkpoint (the kernel's
    jump history, every instruction): cells ``[slot, flags, older cell]``, newest first,
    shared by the copies a branch makes. ``flags``: None; where a load or store reached a
    spilled register, ``frame * 64 + spi``; the scalars linked to a jump's operands, a
    tuple of ``(frame, is_slot, regno or spi)``; or ``core._CALLBACK`` (-1) where a
    callback was entered or left.

    ``hcnt``: how many entries the kernel's jump history would hold since the last
    checkpoint (jump targets and returns walked, spills, fills and linked jumps): past 40
    the kernel saves a state at the next prune point whatever its other heuristics say.

    ``prec``: for a checkpoint's saved state, the scalars whose values proved to matter
    (the kernel's precise marks): per frame, ``[registers, stack slots]`` as bit masks,
    set by backtracking from later uses (``core.Verifier._mark_precise``); None where the
    static relevance analysis decides instead (``core._relevance``).
    """

    __slots__ = ("frames", "refs", "parent", "branches", "insn", "sig", "tsig", "hist", "prec",
                 "hcnt")

    def __init__(self):
        self.frames: list[Frame] = []
        self.refs: list[tuple[int, int]] = []   # (ref id, allocating insn)
        self.parent: State | None = None
        self.branches = 0
        self.insn = 0
        self.sig = self.tsig = None
        self.hist: list | None = None
        self.prec: list | None = None
        self.hcnt = 0

    def copy(self) -> "State":
        s = State.__new__(State)
        s.frames = [f.copy() for f in self.frames]
        s.refs = list(self.refs)
        s.parent = self.parent
        s.branches = 0
        s.insn = self.insn
        s.sig = s.tsig = None
        s.hist = self.hist
        s.prec = None
        s.hcnt = self.hcnt
        return s

    @property
    def cur(self) -> Frame:
        return self.frames[-1]

    def regs_where(self, pred):
        """Every register and spilled register of every frame for which ``pred`` holds,
        private to this state (callers may change them)."""
        for f in self.frames:
            for i, r in enumerate(f.regs):
                if pred(r):
                    yield f.own(i)
            for spi in [k for k, s in f.stack.items() if s.spill is not None and pred(s.spill)]:
                s = f.slot(spi)
                s.spill = s.spill.copy()
                yield s.spill

    def regs_with(self, type_: str, rid: int):
        """:meth:`regs_where` for the registers of type ``type_`` and id ``rid``, without a
        predicate call per register (branches on linked scalars and packet pointers)."""
        for f in self.frames:
            regs = f.regs
            for i in range(len(regs)):
                r = regs[i]
                if r.id == rid and r.type == type_:
                    yield f.own(i)
            for spi in [k for k, s in f.stack.items()
                        if s.spill is not None and s.spill.id == rid and s.spill.type == type_]:
                s = f.slot(spi)
                s.spill = s.spill.copy()
                yield s.spill


# ---- state equivalence for pruning (states_equal) -----------------------------------------
class IdMap:
    """check_ids: a one-to-one map from the old state's ids to the current state's.

    A current id of 0 (none) is given a fresh negative one, mapped to nothing else.
    ``used`` holds the current ids mapped so far (so the one-to-one test is not a scan).
    """

    __slots__ = ("map", "used", "fresh")

    def __init__(self):
        # (made on the first id to map: most comparisons at prune points map none)
        self.map: dict[int, int] | None = None
        self.used: set[int] | None = None
        self.fresh = -1

    def check(self, old: int, cur: int) -> bool:
        if not old:
            return True
        if self.map is None:
            self.map, self.used = {}, set()
        if not cur:
            cur = self.fresh
            self.fresh -= 1
        seen = self.map.get(old)
        if seen is None:
            if cur in self.used:
                return False
            self.map[old] = cur
            self.used.add(cur)
            return True
        return seen == cur


def _range_within(o: Reg, c: Reg) -> bool:
    return (o.umin <= c.umin and c.umax <= o.umax and o.smin <= c.smin and c.smax <= o.smax
            and o.u32min <= c.u32min and c.u32max <= o.u32max
            and o.s32min <= c.s32min and c.s32max <= o.s32max)


def regsafe(o: Reg, c: Reg, ids: IdMap, exact: bool = False, precise: bool = True) -> bool:
    """Whether every concrete state of ``c`` is one of ``o`` (for registers).

    A scalar whose value does not matter for safety (``precise`` False) matches any scalar.
    """
    if o is c:      # one register object, shared by copy-on-write: only its ids need mapping
        if o.type == NOT_INIT or (o.type == SCALAR and not exact and not precise):
            return True
        if not ids.check(o.id, o.id):
            return False
        return ids.check(o.ref, o.ref) if o.type != SCALAR or exact else True
    if o.type == NOT_INIT:
        return True if not exact else c.type == NOT_INIT
    if c.type == NOT_INIT:
        return False
    if o.type != c.type or o.null != c.null:
        return False
    if exact:
        return all(getattr(o, k) == getattr(c, k) for k in Reg.__slots__ if k not in ("id", "ref")) \
            and ids.check(o.id, c.id) and ids.check(o.ref, c.ref)
    if o.type == SCALAR:
        if not precise:
            return True
        # _range_within and T.contains written out: the common comparison at prune points
        ov, om = o.var
        cv, cm = c.var
        return (o.umin <= c.umin and c.umax <= o.umax and o.smin <= c.smin and c.smax <= o.smax
                and o.u32min <= c.u32min and c.u32max <= o.u32max
                and o.s32min <= c.s32min and c.s32max <= o.s32max
                and not cm & ~om and cv & ~om == ov and ids.check(o.id, c.id))
    if o.off != c.off or o.map is not c.map or o.frameno != c.frameno or o.target != c.target:
        return False
    if o.range > c.range or o.mem_size != c.mem_size:
        return False
    return (_range_within(o, c) and T.contains(o.var, c.var) and ids.check(o.id, c.id)
            and ids.check(o.ref, c.ref))


_ALL_MISC, _ALL_SPILL = "MMMMMMMM", "SSSSSSSS"


def stacksafe(o: Frame, c: Frame, ids: IdMap, exact: bool, rel: int = -1,
              live: int = -1) -> bool:
    """Whether every concrete stack of ``c`` is one of ``o``.

    ``live``: bit ``spi`` set when slot ``spi`` may be read before it is overwritten; the
    other slots are not compared (the kernel's stack liveness).

    ``rel``: bit ``spi`` set when the value of a scalar spilled in slot ``spi`` may matter
    for safety (the static stand-in for the kernel's precise stack slots, see
    ``core._relevance``); in the other slots a spilled scalar matches any spilled scalar,
    and a whole 8-byte one also a slot of misc bytes, as the kernel's stacksafe matches a
    non-precise spilled scalar with an unbounded scalar made for an all-misc slot
    (``scalar_reg_for_stack``). Byte types are always compared.
    """
    cstack = c.stack
    for spi, os_ in o.stack.items():
        if not live >> spi & 1 and not exact:
            continue
        cs = cstack.get(spi)
        if cs is os_:           # the same slot object, shared by copy-on-write
            sp = os_.spill
            if sp is not None and (sp.id or sp.ref) and os_.types[7] == "S" \
                    and not regsafe(sp, sp, ids, exact, exact or bool(rel >> spi & 1)):
                return False    # (only its ids can fail to map)
            continue
        ot = os_.types
        ct = cs.types if cs is not None else INVALID_SLOT
        if ot != ct:
            if exact:
                return False
            if ct == _ALL_MISC and ot == _ALL_SPILL and os_.spill is not None \
                    and os_.spill.type == SCALAR:
                # a whole spilled scalar against unknown bytes: an unbounded scalar
                if rel >> spi & 1 and not regsafe(os_.spill, _UNBOUNDED, ids):
                    return False
                continue
            for a, b in zip(ot, ct):
                if a != b and a != "I" and a != "M":   # root may read uninitialised stack
                    return False
        if ot[7] == "S" and os_.spill is not None:     # os_.is_spill
            if cs is None or not cs.is_spill or \
                    not regsafe(os_.spill, cs.spill, ids, exact, exact or bool(rel >> spi & 1)):
                return False
    if exact:
        for spi, cs in cstack.items():
            if spi not in o.stack and cs.types != INVALID_SLOT:
                return False
    return True


_BITS: dict[int, tuple] = {}


def _set_bits(mask: int) -> tuple:
    """The register numbers (r0-r10) in ``mask``, lowest first."""
    bits = _BITS.get(mask)
    if bits is None:
        bits = _BITS[mask] = tuple(r for r in range(11) if mask >> r & 1)
    return bits


def states_equal(old: State, cur: State, live, exact: bool = False) -> bool:
    """``old`` covers ``cur``: registers (live ones), stack, references, frames."""
    ofs, cfs = old.frames, cur.frames
    if len(ofs) != len(cfs) or len(old.refs) != len(cur.refs):
        return False
    ids = IdMap()
    prec = old.prec
    for i in range(len(ofs)):
        of, cf = ofs[i], cfs[i]
        if of.callsite != cf.callsite or of.callback != cf.callback:
            return False
        t = live(i, old, cur)   # registers, precise ones[, precise stack slots, live slots]
        if prec is not None:    # the precise marks backtracking gave the old state
            t = (t[0], prec[i][0], prec[i][1]) + t[3:]
        rel = t[1]
        oregs, cregs = of.regs, cf.regs
        for r in _set_bits(t[0]):
            o, c = oregs[r], cregs[r]
            if o is c and not o.id and not o.ref:
                continue        # one register object, shared by copy-on-write: equal
            if not regsafe(o, c, ids, exact, exact or bool(rel >> r & 1)):
                return False
        if not stacksafe(of, cf, ids, exact, *t[2:]):
            return False
    for (oid, _), (cid, _) in zip(old.refs, cur.refs):
        if not ids.check(oid, cid):
            return False
    return True


#: A register's part of the signatures below (attrgetter: one C call per register).
_TYPE_KEY = attrgetter("type", "null", "off")
_EXACT_KEY = attrgetter("type", "null", "off", "var", "smin", "smax", "umin", "umax")


def type_signature(st: State, live_regs: tuple) -> tuple:
    """A quick key over the current frame's live registers (``live_regs``): their types.

    One state can cover another only if their type keys are equal; compared before the
    full checks, for speed.
    """
    regs = st.frames[-1].regs
    return (len(st.frames),) + tuple(map(_TYPE_KEY, map(regs.__getitem__, live_regs)))


def exact_signature(st: State, live_regs: tuple) -> tuple:
    """As :func:`type_signature`, with the registers' values: equal states have equal keys."""
    regs = st.frames[-1].regs
    return (len(st.frames),) + tuple(map(_EXACT_KEY, map(regs.__getitem__, live_regs)))
