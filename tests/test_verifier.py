"""The verifier: programs of the repository, the CLI, reports, and the abstract domain's soundness."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pybpf import kernel
from pybpf.isa import semantics
from pybpf.isa.table import ROWS
from pybpf.verifier import verify
from pybpf.verifier import regs as R
from pybpf.verifier import tnum as T

REPO = Path(__file__).resolve().parents[1]
OBJECTS = sorted(REPO.glob("programs/**/*.o"))


sys.path.insert(0, str(REPO / "tests" / "verifier_corpus"))
from corpus import (PROGRAMS_EXPECTED, object_verdict_kernel,  # noqa: E402
                    object_verdict_pybpf)

RECORDED = json.loads(PROGRAMS_EXPECTED.read_text())


@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: str(p.relative_to(REPO)))
def test_repository_programs_get_the_kernels_verdict(path):
    """Every object in programs/ gets the verdict Linux gave it (recorded, or live here)."""
    rel = str(path.relative_to(REPO))
    want = RECORDED.get(rel)
    if want is None:
        if not kernel.available():
            pytest.skip(f"{rel} has no recorded kernel verdict (run tests/verifier_corpus/record.py)")
        want = object_verdict_kernel(path)
    if want.get("libbpf"):
        pytest.skip(f"libbpf itself refuses {rel}: {want['message']}")
    got = object_verdict_pybpf(path)
    assert got == {"accepted": want["accepted"], "message": want["message"]}


@pytest.mark.skipif(not kernel.available(), reason=kernel.unavailable_reason() or "no libbpf")
@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: str(p.relative_to(REPO)))
def test_repository_programs_live_kernel(path):
    want = object_verdict_kernel(path)
    if want.get("libbpf"):
        pytest.skip(f"libbpf itself refuses {path.name}: {want['message']}")
    got = object_verdict_pybpf(path)
    assert got == {"accepted": want["accepted"], "message": want["message"]}


# ---- soundness of the scalar domain: every concrete result lies in the abstract one ------------
_ALU_FNS = sorted({(r.fn, r.width) for r in ROWS if r.kind == "alu"
                   and r.fn in ("add", "sub", "mul", "band", "bor", "bxor", "lsh64", "rsh64",
                                "arsh64", "lsh32", "rsh32", "arsh32", "div", "mod")})


def _abstract(lo: int, hi: int, mask: int) -> R.Reg:
    r = R.Reg.scalar()
    r.umin, r.umax = lo, hi
    r.var = T.intersect(r.var, (0, mask)) if mask != R.M64 else r.var
    R.sync(r)
    return r


def _contains(r: R.Reg, v: int, width: int) -> bool:
    if width == 32:
        v &= R.M32
    return (r.umin <= v <= r.umax and r.smin <= R.s64(v) <= r.smax
            and r.u32min <= (v & R.M32) <= r.u32max and r.s32min <= R.s32(v) <= r.s32max
            and T.contains(r.var, (v, 0)))


@pytest.mark.parametrize("fn,width", _ALU_FNS)
def test_alu_transfer_is_sound(fn, width):
    rng = random.Random(f"{fn}{width}")
    f = getattr(semantics, fn).py_func
    for _ in range(300):
        a_lo = rng.choice([0, rng.randrange(1 << 8), rng.randrange(1 << 40), rng.randrange(1 << 64)])
        a_hi = min(R.M64, a_lo + rng.choice([0, 1, 15, 1 << 20, 1 << 62]))
        b = rng.choice([rng.randrange(64 if width == 64 else 32), rng.randrange(1 << 64)])
        if fn.startswith(("lsh", "rsh", "arsh")):
            b %= width
        dst = _abstract(a_lo, a_hi, R.M64)
        src = R.Reg.scalar(b)
        for _ in range(3):
            a = rng.randint(a_lo, a_hi)
            if not _contains(dst, a, 64):
                continue
            out = dst.copy()
            R.alu(fn, width, out, src)
            x, y = (a, b) if width == 64 else (a & R.M32, b & R.M32)
            with np.errstate(all="ignore"):
                try:
                    want = int(f(np.uint64(x), np.uint64(y)))
                except OverflowError:   # the plain-Python form of a signed cast
                    continue
            want &= R.M64 if width == 64 else R.M32
            assert _contains(out, want, 64), (fn, width, a_lo, a_hi, a, b, out.describe())


def test_tnum_add_and_range_are_sound():
    rng = random.Random(5)
    for _ in range(500):
        lo = rng.randrange(1 << 64)
        hi = min(R.M64, lo + rng.randrange(1 << rng.randrange(1, 64)))
        t = T.trange(lo, hi)
        x = rng.randint(lo, hi)
        assert T.contains(t, (x, 0))
        y = rng.randrange(1 << 64)
        assert T.contains(T.add(t, T.const(y)), ((x + y) & R.M64, 0))
        assert T.contains(T.mul(t, T.const(y)), ((x * y) & R.M64, 0))


# ---- reports and the command line -----------------------------------------------------------------
UNCHECKED = REPO / "tests" / "verifier_corpus" / "c" / "c_pkt_unchecked.c"


@pytest.fixture(scope="module")
def unchecked_obj(tmp_path_factory):
    from pybpf.toolchain import compile as cc, zig_available
    if not zig_available():
        pytest.skip("ziglang is not installed")
    return cc(UNCHECKED, tmp_path_factory.mktemp("v") / "unchecked.o")


def test_report_names_line_instruction_registers_and_fix(unchecked_obj):
    [v] = verify(unchecked_obj)
    assert not v.accepted
    text = v.report()
    lines = text.splitlines()
    assert lines[-1] == "R1 offset is outside of the packet"      # the kernel's line, last
    assert "c_pkt_unchecked.c:12" in lines[0]
    assert "eth->h_proto == 0x0008" in text                         # the C source line
    assert "r2 = *(u8 *)(r1 +12)" in text                            # the instruction
    assert "R1 = pkt(off=0,r=0)" in text                             # the register that made it unsafe
    assert "data + 13 > data_end" in v.hint                          # what to change


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "pybpf", "verify", *map(str, args)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)


def test_cli_verify_exit_codes(unchecked_obj, tmp_path):
    ok = _cli(REPO / "programs" / "examples" / "xdp_filter.o")
    assert ok.returncode == 0 and "accepted" in ok.stdout
    bad = _cli(unchecked_obj)
    assert bad.returncode == 1
    assert bad.stdout.strip().splitlines()[-1] == "R1 offset is outside of the packet"
    junk = tmp_path / "junk.o"
    junk.write_bytes(b"not an ELF file")
    broken = _cli(junk)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert broken.stderr.startswith("pybpf: error:")


def test_cli_verify_json(unchecked_obj):
    out = _cli(unchecked_obj, "--json")
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert data["accepted"] is False
    assert data["message"] == "R1 offset is outside of the packet"
    assert data["insn"] == 1 and data["source"]["line"] == 12
    assert data["registers"] == {"R1": "pkt(off=0,r=0)"}


def test_cli_verify_log_level(unchecked_obj):
    out = _cli(unchecked_obj, "--log-level", "2")
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert "0: R1=ctx() R10=fp0" in lines                  # registers before each instruction
    assert "1: (71) r2 = *(u8 *)(r1 +12)" in lines          # each instruction walked
    assert lines[-1] == "R1 offset is outside of the packet"
