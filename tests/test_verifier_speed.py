"""The verifier's speed devices of the per-slot decoding keep its results.

* ``dst = imm`` puts one shared constant register in the frame without ownership: a later
  change to that register copies it first, so the constant itself never changes; a packet
  load inside the proven range puts one shared unknown of its size there, likewise;
* the id map of ``states_equal`` stays one-to-one (it keeps the ids it used in a set);
* :func:`regs.sync_valid` is :func:`regs.sync` followed by the bounds' consistency test;
* :func:`regs.set_range64`'s memoised bounds equal freshly computed ones;
* the one-step bounds sync of values below 2**31 (``regs._sync_small``) gives what the
  kernel's steps give (``regs._sync_steps``);
* a verification leaves nothing for the cyclic collector (its saved states are freed by
  reference counts when it ends) and empties its memo tables.
"""

from __future__ import annotations

import random

from pybpf.isa.asm import assemble
from pybpf.verifier import regs as R
from pybpf.verifier import tnum as T
from pybpf.verifier.cfg import build
from pybpf.verifier.core import Verifier
from pybpf.verifier.state import IdMap


def test_a_shared_constant_is_copied_before_it_changes():
    # r1 = 5, then changed in place at once (added to) and after a branch (refined, added
    # to): the register shared by every `r1 = 5` must still be the constant 5 afterwards
    prog = build(assemble("""
        r2 = *(u32 *)(r1 +0)
        r3 = *(u32 *)(r1 +4)
        r1 = 5
        r1 += 1
        if r2 > r3 goto big
        r1 = 5
        r1 *= 3
        goto out
    big:
        r1 = 5
        r4 = *(u8 *)(r10 -1)
        if r1 > r4 goto out
        r1 += r4
    out:
        r0 = 2
        exit
    """))
    v = Verifier(prog, "xdp", lambda slot, insn: None)
    v.run()
    five = v._imm(5)
    assert five.describe() == "5" and R.bounds(five) == R.const_bounds(5) and five.id == 0
    assert v.processed > len(prog.insns)       # both paths were walked


def test_a_shared_packet_load_is_copied_before_it_changes():
    # bytes loaded from the packet, then added to, narrowed by a branch, copied (which links
    # the two by an id) and spilled (likewise): the unknown byte all loads share must stay
    # the unknown byte
    prog = build(assemble("""
        r2 = *(u32 *)(r1 +0)
        r3 = *(u32 *)(r1 +4)
        r1 = r2
        r1 += 8
        if r1 > r3 goto out
        r4 = *(u8 *)(r2 +0)
        r5 = *(u8 *)(r2 +1)
        r4 += 1
        if r5 > 3 goto out
        r6 = *(u8 *)(r2 +2)
        r7 = r6
        if r7 > 9 goto out
        r8 = *(u8 *)(r2 +3)
        *(u64 *)(r10 -8) = r8
        r0 = *(u8 *)(r2 +4)
        r0 &= r8
        if r0 == r6 goto out
        r0 = *(u16 *)(r2 +4)
        r0 += r6
    out:
        r0 = 2
        exit
    """))
    v = Verifier(prog, "xdp", lambda slot, insn: None)
    v.run()
    byte = v._unknown(1, False)
    assert byte is v._unknown(1, False)
    assert R.bounds(byte) == R.bounds(v._loaded(1, False))
    assert byte.describe() == "scalar(smin=0,smax=255,umax=255,var_off=(0x0; 0xff))"
    assert byte.id == 0 and byte.type == R.SCALAR
    assert R.bounds(v._unknown(2, False)) == R.bounds(v._loaded(2, False))


def test_id_map_is_one_to_one():
    ids = IdMap()
    assert ids.check(0, 7)                     # no id in the old state: nothing to map
    assert ids.check(1, 7) and ids.check(1, 7)
    assert not ids.check(1, 8)                 # 1 is mapped to 7 already
    assert not ids.check(2, 7)                 # and 7 is taken
    assert ids.check(2, 8)
    assert ids.check(3, 0)                     # an id the current state lacks: a fresh one
    assert not ids.check(3, 0)                 # which nothing else matches
    assert not ids.check(2, 0)


def _random_reg(rng: random.Random) -> R.Reg:
    r = R.Reg.scalar()
    pick = lambda: rng.choice([0, 1, 255, R.M32, R.M64, 1 << 63, rng.randrange(1 << 64),  # noqa: E731
                               rng.randrange(1 << 32), rng.randrange(256)])
    r.umin, r.umax = sorted((pick(), pick()))
    r.smin, r.smax = sorted((R.s64(pick()), R.s64(pick())))
    r.u32min, r.u32max = sorted((pick() & R.M32, pick() & R.M32))
    r.s32min, r.s32max = sorted((R.s32(pick()), R.s32(pick())))
    m = rng.choice([0, 0xFF, R.M32, R.M64, rng.randrange(1 << 64)])
    r.var = (pick() & ~m & R.M64, m)
    return r


def test_sync_valid_is_sync_then_the_bounds_test():
    rng = random.Random(5)
    for _ in range(3000):
        r = _random_reg(rng)
        want = r.copy()
        R.sync(want)
        v, m = want.var
        ok = (want.smin <= want.smax and want.umin <= want.umax and want.s32min <= want.s32max
              and want.u32min <= want.u32max and not v & m and want.umin <= v | m
              and v <= want.umax)
        assert R.sync_valid(r) == ok
        assert R.bounds(r) == R.bounds(want)


def test_set_range64_memo_equals_fresh_bounds():
    for lo, hi in ((0, 0xFF), (0, 0xFFFF), (0, R.M32), (0, R.M64), (3, 9)):
        for _ in range(2):                     # the first call fills the memo
            r = R.Reg.scalar(77)
            R.set_range64(r, lo, hi)
            fresh = R.Reg.scalar()
            fresh.umin, fresh.umax, fresh.var = lo, hi, T.trange(lo, hi)
            R.sync(fresh)
            assert R.bounds(r) == R.bounds(fresh)


def test_the_stack_pointer_analysis_shortcut_gives_the_full_answer(monkeypatch):
    """A program whose only stack pointer is r10 (never copied, stored, or returned by a
    call) skips the stack-pointer analysis: its answer is known. It must be the answer the
    full analysis gives (checked over all of pybpf's corpora while it was written)."""
    import sys
    from pathlib import Path
    from pybpf.verifier import core
    repo = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(repo / "benchmarks"))
    try:
        import verify_bench
    finally:
        sys.path.pop(0)
    sources = [verify_bench.branchy_program(40), """
        r2 = *(u32 *)(r1 +0)
        *(u64 *)(r10 -8) = r2
        r3 = *(u64 *)(r10 -8)
        if r3 > 7 goto out
        r0 = *(u8 *)(r10 -16)
    out:
        r0 = 2
        exit
    """]
    for source in sources:
        prog = build(assemble(source))
        succ = core._successors(prog)
        assert core._only_r10(prog)
        short = core._stack_pointers(prog, succ, True)
        monkeypatch.setattr(core, "_only_r10", lambda p: False)
        assert core._stack_pointers(prog, succ, True) == short
        monkeypatch.undo()
    # copied r10: the shortcut does not apply
    assert not core._only_r10(build(assemble("r1 = r10\nr1 += -8\nr0 = 0\nexit")))


def _small_bounds(rng: random.Random) -> tuple:
    """Bounds in the shapes the one-step sync takes: values below 2**31 with the signed and
    unsigned views equal, the 64-bit views the 32-bit ones' (or another such range), or
    unbounded (a 32-bit ALU result before its zero extension); some ranges empty, some
    outside the known bits."""
    pick = lambda: rng.choice([0, 1, 255, 256, 0xFFFF, R.S32_MAX, R.S32_MAX - 1,  # noqa: E731
                               rng.randrange(256), rng.randrange(1 << 16), rng.randrange(1 << 31)])
    v = rng.choice([0, rng.randrange(256), rng.randrange(1 << 20), rng.randrange(1 << 31)])
    m = rng.choice([rng.randrange(1, 256), (1 << rng.randrange(1, 32)) - 1,
                    rng.randrange(1, 1 << 31)]) & ~v & R.S32_MAX
    m = m or 1 << 30 & ~v or 1
    lo32, hi32 = sorted((pick(), pick()))
    shape = rng.randrange(3)
    if shape == 0:
        lo, hi = lo32, hi32
    elif shape == 1:
        lo, hi = sorted((pick(), pick()))
    else:
        return ((v, m), R.S64_MIN, R.S64_MAX, 0, R.M64, lo32, hi32, lo32, hi32)
    return ((v, m), lo, hi, lo, hi, lo32, hi32, lo32, hi32)


def test_one_step_sync_of_small_values_equals_the_kernel_steps():
    rng = random.Random(11)
    for _ in range(20000):
        b = _small_bounds(rng)
        assert R._sync(*b) == R._sync_steps(*b), b
    # and on what the verifier meets: every bounds tuple synchronised on checksum.o's walk
    from pathlib import Path
    from pybpf.verifier import verify
    seen = []
    real = R._sync

    def spy(*b):
        seen.append(b)
        return real(*b)
    R._sync = spy
    try:
        verify(str(Path(__file__).resolve().parents[1] / "programs/bench/checksum.o"))
    finally:
        R._sync = real
    small = [b for b in seen if b[0][1] and b[0][0] | b[0][1] <= R.S32_MAX]
    assert len(small) > 5000
    for b in small:
        assert R._sync(*b) == R._sync_steps(*b), b


def test_a_verification_leaves_no_cycles_and_no_memos():
    import gc
    import weakref
    from pybpf.verifier import verify_insns
    from pybpf.verifier.core import _REFINED
    source = """
        r2 = *(u32 *)(r1 +0)
        r3 = *(u32 *)(r1 +4)
        r1 = r2
        r1 += 8
        if r1 > r3 goto out
        r4 = *(u8 *)(r2 +0)
        r5 = *(u8 *)(r2 +1)
        r4 += r5
        if r4 > 100 goto out
        *(u64 *)(r10 -8) = r4
    out:
        r0 = 2
        exit
    """
    insns = assemble(source)
    was = gc.isenabled()
    gc.disable()
    try:
        v = Verifier(build(insns), "xdp", lambda slot, insn: None)
        v.run()
        assert v.total_states and v._prune_at      # (closures over its tables)
        ref = weakref.ref(v)
        del v
        assert ref() is None                       # freed at once, by reference counts
    finally:
        if was:
            gc.enable()
    assert verify_insns(insns, "xdp").accepted
    assert not R._SYNCED and not R._ALU_DONE and not _REFINED
