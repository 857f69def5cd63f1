"""The verifier agrees with Linux on every corpus case (tests/verifier_corpus).

Each case's verdict and last log line were recorded from the kernel
(``python tests/verifier_corpus/record.py``); pybpf must give the same verdict
and the same message. Where ``bpf()`` works, each case is also loaded into the
running kernel now and compared with pybpf directly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "verifier_corpus"))

from corpus import (c_cases, compile_c, expected, kernel_verdict, kernel_verdict_object,  # noqa: E402
                    load_cases)

from pybpf import kernel  # noqa: E402
from pybpf.toolchain import zig_available  # noqa: E402
from pybpf.verifier import verify, verify_insns  # noqa: E402

CASES = load_cases()
C_CASES = c_cases()
EXPECTED = expected()


def _pybpf(case):
    v = verify_insns(case.insns(), case.prog_type, case.map_descs(), name=case.name)
    return {"accepted": v.accepted, "message": v.message}


def _same(a: dict, b: dict) -> dict:
    return {"accepted": a["accepted"], "message": a["message"]} == \
        {"accepted": b["accepted"], "message": b["message"]}


def test_every_case_has_a_kernel_record():
    names = {c.name for c in CASES} | {p.stem for p in C_CASES}
    assert names == set(EXPECTED) - {"_kernel"}
    assert len(names) >= 150
    # both outcomes are well represented
    verdicts = [EXPECTED[n]["accepted"] for n in names]
    assert verdicts.count(True) >= 50 and verdicts.count(False) >= 50


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_asm_case_matches_kernel_record(case):
    got = _pybpf(case)
    want = EXPECTED[case.name]
    assert _same(got, want), f"{case.name}: pybpf {got} kernel {want}"


needs_bpf = pytest.mark.skipif(not kernel.available(libbpf=False),
                               reason=kernel.unavailable_reason(libbpf=False) or "no bpf()")


@needs_bpf
@pytest.mark.parametrize("case", [c for c in CASES if c.name != "infinite_loop_counter"],
                         ids=lambda c: c.name)
def test_asm_case_live_kernel(case):
    live = kernel_verdict(case)
    assert _same(live, _pybpf(case)), f"{case.name}: kernel now {live}"


needs_zig = pytest.mark.skipif(not zig_available(), reason="ziglang is not installed")


@pytest.fixture(scope="module")
def c_objects(tmp_path_factory):
    out = tmp_path_factory.mktemp("verifier_c")
    return {src.stem: compile_c(src, out) for src in C_CASES}


@needs_zig
@pytest.mark.parametrize("src", C_CASES, ids=lambda p: p.stem)
def test_c_case_matches_kernel_record(src, c_objects):
    [v] = verify(c_objects[src.stem])
    got = {"accepted": v.accepted, "message": v.message}
    assert _same(got, EXPECTED[src.stem]), f"{src.stem}: pybpf {got}"
    if not v.accepted:  # a refusal names the C line it happened at
        assert v.line is not None and v.line[0].endswith(src.name)


@needs_zig
@pytest.mark.skipif(not kernel.available(), reason=kernel.unavailable_reason() or "no libbpf")
@pytest.mark.parametrize("src", C_CASES, ids=lambda p: p.stem)
def test_c_case_live_kernel(src, c_objects):
    live = kernel_verdict_object(c_objects[src.stem])
    [v] = verify(c_objects[src.stem])
    assert _same(live, {"accepted": v.accepted, "message": v.message})
