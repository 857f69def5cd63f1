"""The execution tiers agree: the same programs give the same r0 / error / message /
instruction count in the ``interp`` tier (in-process, Numba-compiled) and the ``py``
tier (a subprocess with ``NUMBA_DISABLE_JIT=1``).

The programs come from ``tests/tier_driver.py``: the bpf_conformance corpus, a set of
VM programs (faults, context, budget, calls, helpers, edge cases) and seeded random
straight-line ALU/JMP programs over every ALU, byte-order and jump row of the table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import tier_driver
from pybpf.vm import current_tier
from pybpf.vm.machine import py_tier_env

REPO = Path(__file__).resolve().parents[1]
DRIVER = Path(tier_driver.__file__).resolve()
SEED, COUNT = 20240601, 400


@pytest.fixture(scope="module")
def both_tiers(corpus_dir):
    """(interp results, py results), each a list of dicts in the same case order."""
    assert current_tier() == "interp"
    interp = json.loads(json.dumps(tier_driver.run_all(corpus_dir, SEED, COUNT)))
    env = py_tier_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, str(DRIVER), "--corpus", str(corpus_dir), "--seed", str(SEED),
         "--count", str(COUNT), "--expect-tier", "py"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"py-tier driver failed:\n{proc.stderr[-4000:]}"
    out = json.loads(proc.stdout)
    assert out["tier"] == "py"
    return interp, out["results"]


def _pick(results, prefix):
    return [r for r in results if r["name"].startswith(prefix)]


def _compare(interp, py, prefix):
    a, b = _pick(interp, prefix), _pick(py, prefix)
    assert [r["name"] for r in a] == [r["name"] for r in b]
    diffs = [(x, y) for x, y in zip(a, b) if x != y]
    assert not diffs, "tiers disagree:\n" + "\n".join(f"interp {x}\npy     {y}" for x, y in diffs[:5])
    return a


def test_conformance_corpus_agrees(both_tiers):
    interp, py = both_tiers
    positive = _compare(interp, py, "tests:")
    negative = _compare(interp, py, "negative:")
    assert len(positive) == 313
    assert all(r["error"] is None for r in positive), [r for r in positive if r["error"]][:3]
    assert len(negative) >= 50


def test_vm_programs_agree(both_tiers):
    interp, py = both_tiers
    vm = _compare(interp, py, "vm:")
    by_name = {r["name"][3:]: r for r in vm}
    # the set exercises each way a run can end, with exact counts
    kinds = Counter(r["error"] for r in vm)
    for kind in (None, "MemoryFault", "InstructionLimit", "CallDepthError", "HelperError",
                 "VMError", "DecodeError"):
        assert kinds[kind] > 0, kind
    assert by_name["infinite_loop"]["executed"] == 20_000
    assert by_name["budget_1001"]["executed"] == 1001
    assert by_name["depth_8"]["r0"] == 42
    assert by_name["ctx_len"]["r0"] == 16
    assert by_name["ldpkt_2"]["r0"] == 0x1C1D1E1F + 7
    assert by_name["ldpkt_3"]["r0"] == 0 and by_name["ldpkt_3"]["executed"] == 2
    assert by_name["alu_7"]["r0"] == 0x8000000000000000
    assert by_name["hot_clock_cpu"]["r0"] == 1_700_000_000_123_456_789 + 3
    assert by_name["hot_prandom"]["r0"] >> 32 != by_name["hot_prandom"]["r0"] & 0xFFFFFFFF


def test_random_programs_agree_bit_for_bit(both_tiers):
    interp, py = both_tiers
    rnd = _compare(interp, py, "random:")
    assert len(rnd) == COUNT
    assert all(r["error"] is None for r in rnd), [r for r in rnd if r["error"]][:3]
    assert all(len(r["regs"]) == 10 and r["regs"][0] == r["r0"] for r in rnd)
    # forward jumps only: at most lddw x10 + 40 + exit; taken branches make paths differ
    executed = {r["executed"] for r in rnd}
    assert max(executed) <= 10 + 40 + 1 and len(executed) > 10


def test_random_programs_cover_every_alu_and_jump_row():
    from pybpf.isa.table import lookup
    rows = tier_driver.random_rows()
    kinds = {r.kind for r in rows}
    assert kinds == {"alu", "end", "jmp", "ja"}
    seen = set()
    for case in tier_driver.random_cases(SEED, COUNT):
        for insn in case.program:
            row = lookup(insn.opcode, insn.dst, insn.src, insn.off, insn.imm)
            assert not isinstance(row, str), (insn, row)
            seen.add(row.name)
    missing = {r.name for r in rows} - seen
    assert not missing


def test_random_programs_are_deterministic():
    a = [c.program for c in tier_driver.random_cases(7, 5)]
    b = [c.program for c in tier_driver.random_cases(7, 5)]
    assert a == b
    assert a != [c.program for c in tier_driver.random_cases(8, 5)]


def test_driver_refuses_the_wrong_tier():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("NUMBA_DISABLE_JIT", None)
    proc = subprocess.run([sys.executable, str(DRIVER), "--count", "0", "--expect-tier", "py"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "expected tier py, running interp" in proc.stderr
