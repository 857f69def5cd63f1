"""The verifier's speed devices keep its results: shared state, memo tables, fused tnum steps.

* copy-on-write frames: a state copy shares register objects and stack slots; changing
  one side (``Frame.own``, ``Frame.slot``, ``State.regs_where``) never shows on the other;
* memoised ALU results (``regs.alu``) equal freshly computed ones, whatever ran before;
* ``tnum.narrow`` equals the composition of tnum operations it stands for.
"""

from __future__ import annotations

import random

from pybpf.verifier import regs as R
from pybpf.verifier import tnum as T
from pybpf.verifier.regs import SCALAR, Reg
from pybpf.verifier.state import Frame, State, states_equal


def _state() -> State:
    st = State()
    f = Frame(0, 0)
    f.regs[1] = Reg.scalar()
    f.regs[2] = Reg.scalar(7)
    f.regs[3] = Reg.scalar()
    f.regs[3].id = 5
    spill = f.slot(0)
    spill.spill = Reg.scalar()
    spill.spill.id = 5
    spill.types = "SSSSSSSS"
    st.frames.append(f)
    return st


def _snapshot(st: State) -> list:
    f = st.frames[-1]
    regs = [r.describe() + f"/id={r.id}" for r in f.regs]
    stack = {k: (s.types, s.spill.describe() if s.spill else None, s.spill.id if s.spill else 0)
             for k, s in f.stack.items()}
    return [regs, stack]


def test_changes_to_a_copy_do_not_reach_the_original():
    st = _state()
    before = _snapshot(st)
    cp = st.copy()
    f = cp.frames[-1]
    f.own(1).set_const(3)                  # in place, after taking the register
    f.put(2, Reg.scalar())                 # replaced
    f.slot(0).set(0, "M")                  # a private slot
    for r in cp.regs_where(lambda g: g.id == 5 and g.type == SCALAR):
        r.mark_unknown()                   # the register and its spilled copy
    assert _snapshot(st) == before
    assert _snapshot(cp) != before
    # the copy's own registers now differ; untouched ones are still shared objects
    assert f.regs[1] is not st.frames[-1].regs[1]
    assert f.regs[10] is st.frames[-1].regs[10]


def test_original_changes_do_not_reach_an_earlier_copy():
    st = _state()
    cp = st.copy()
    before = _snapshot(cp)
    st.frames[-1].own(3).set_const(1)
    st.frames[-1].slot(0).spill = None
    assert _snapshot(cp) == before


def test_a_copy_covers_its_original_and_the_ids_still_count():
    st = _state()
    cp = st.copy()
    every = lambda i, old, cur: (0x7FF, 0x7FF)  # noqa: E731 - all registers live, precise
    assert states_equal(cp, st, every) and states_equal(cp, st, every, exact=True)
    # the old state links r1 to r3 and the spill (one id), the current one does not:
    # the shared r3 and spill still take part in the id mapping
    cp.frames[-1].own(1).id = 5
    assert not states_equal(cp, st, every)
    assert not states_equal(cp, st, every, exact=True)
    assert states_equal(st, cp, every)       # fewer links: covers the linked state


def _random_scalar(rng: random.Random) -> Reg:
    r = Reg.scalar()
    lo = rng.choice([0, 1, 255, 1 << 31, rng.randrange(1 << 64)])
    hi = min(R.M64, lo + rng.choice([0, 1, 255, 1 << 33, rng.randrange(1 << 64)]))
    r.umin, r.umax = lo, hi
    r.var = T.trange(lo, hi)
    R.sync(r)
    return r


def test_memoised_alu_results_equal_fresh_ones():
    rng = random.Random(11)
    fns = ["add", "sub", "mul", "band", "bor", "bxor", "lsh64", "rsh64", "arsh64", "div"]
    cases = []
    for _ in range(300):
        a = _random_scalar(rng)
        b = Reg.scalar(rng.randrange(64)) if rng.random() < 0.5 else _random_scalar(rng)
        cases.append((rng.choice(fns), rng.choice([32, 64]), a, b))
    fresh = []
    for fn, width, a, b in cases:
        R.reset_memos()
        out = a.copy()
        R.alu(fn, width, out, b)
        fresh.append(R.bounds(out))
    R.reset_memos()
    for _ in range(2):     # first pass fills the memo, second reads it
        for (fn, width, a, b), want in zip(cases, fresh):
            out = a.copy()
            out.id = 9
            R.alu(fn, width, out, b)
            assert R.bounds(out) == want, (fn, width, a, b)
            assert out.id == 0


def test_narrow_is_the_composition_it_replaces():
    rng = random.Random(3)
    for _ in range(3000):
        m = rng.choice([0, T.M32, T.M64, 0xFF, rng.randrange(1 << 64)])
        t = (rng.randrange(1 << 64) & ~m & T.M64, m)
        lo, hi, lo32, hi32 = (rng.choice([0, 1, 255, T.M32, T.M64, rng.randrange(1 << 64),
                                          rng.randrange(1 << 32)]) for _ in range(4))
        want = T.bor(T.clear_subreg(T.intersect(t, T.trange(lo, hi))),
                     T.intersect(T.subreg(t), T.trange(lo32, hi32)))
        assert T.narrow(t, lo, hi, lo32, hi32) == want


def test_use_def_of_a_store_through_its_own_value():
    """``*(u64 *)(r1 +0) = r1`` reads r1 (masks are OR-ed: added, r1 + r1 named r2)."""
    from pybpf.isa.asm import assemble
    from pybpf.isa.table import lookup
    from pybpf.verifier.core import _use_def
    for text, used in (("*(u64 *)(r1 +0) = r1", 1 << 1), ("*(u64 *)(r1 +0) = r2", 0b110),
                       ("lock *(u64 *)(r3 +0) += r3", 1 << 3)):
        (insn,) = assemble(text)
        row = lookup(insn.opcode, insn.dst, insn.src, insn.off, insn.imm)
        assert _use_def(insn, row)[0] == used, text
