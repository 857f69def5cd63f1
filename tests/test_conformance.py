"""The bpf_conformance corpus through pybpf.conformance and through ``python -m pybpf``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pybpf.conformance import execute, run_case, run_directory
from pybpf.conformance_data import parse_test_text

REPO = Path(__file__).resolve().parents[1]


def test_all_positive_cases_pass(corpus_dir):
    results = run_directory(corpus_dir / "tests")
    assert len(results) == 313
    assert len({r.name for r in results}) == 313
    failed = [f"{r.name}: {r.message}" for r in results if not r.passed]
    assert not failed, "\n".join(failed)
    assert all(r.message == "" for r in results)


def test_all_negative_cases_are_refused(corpus_dir):
    results = run_directory(corpus_dir / "negative")
    assert len(results) == 60
    failed = [f"{r.name}: {r.message}" for r in results if not r.passed]
    assert not failed, "\n".join(failed)
    # each says how it was refused; never a bare pass
    assert all(r.message.startswith(("refused: ", "result 0x")) for r in results), \
        [r.message for r in results if not r.message.startswith(("refused: ", "result 0x"))]


def test_positive_corpus_read_as_negative_fails_everywhere(corpus_dir):
    results = run_directory(corpus_dir / "tests", negative=True)
    assert len(results) == 313
    assert not [r.name for r in results if r.passed]
    assert all(r.message.startswith("accepted, returned 0x") for r in results)


CASE = """\
-- asm
mov %r0, 0
ldxb %r0, [%r1+1]
add %r0, %r2
exit
-- mem
05 06 07
-- result
{result}
"""


def test_run_case_compares_result():
    assert run_case(parse_test_text(CASE.format(result="0x9"), "ok")).passed
    wrong = run_case(parse_test_text(CASE.format(result="0xa"), "wrong"))
    assert not wrong.passed
    assert wrong.message == "returned 0x9, expected 0xa"
    # as a negative case the deliberately wrong expectation counts as refused
    assert run_case(parse_test_text(CASE.format(result="0xa"), "wrong"), negative=True).passed


def test_run_case_reports_runtime_errors_without_traceback():
    case = parse_test_text("-- asm\nldxdw %r0, [%r1+8]\nexit\n-- mem\n00\n-- result\n0x0\n", "oob")
    result = run_case(case)
    assert not result.passed
    assert result.message.startswith("error: oob: insn 0: r0 = *(u64 *)(r1 +8): invalid read "
                                      "of 8 bytes at mem+8")


def test_execute_convention_r1_memory_r2_length():
    program = bytes.fromhex("bf20000000000000" "7111020000000000" "0f10000000000000"
                            "9500000000000000")  # r0 = r2; r1 = *(u8 *)(r1 + 2); r0 += r1
    assert execute(program, b"\x01\x02\x30\x04") == 4 + 0x30


# ----------------------------------------------------------------------------- the CLI

def _cli(*argv, stdin: str | None = None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "pybpf", *argv], cwd=REPO, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_cli_conformance_positive(corpus_dir):
    proc = _cli("conformance", str(corpus_dir / "tests"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines() == ["313 passed, 0 failed"]


def test_cli_conformance_negative(corpus_dir):
    proc = _cli("conformance", str(corpus_dir / "negative"), "-v")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "60 passed, 0 failed"
    assert len(lines) == 61 and all(line.startswith("PASS ") for line in lines[:-1])


def test_cli_conformance_failures_exit_1(corpus_dir):
    proc = _cli("conformance", "--negative", str(corpus_dir / "tests"))
    assert proc.returncode == 1
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "0 passed, 313 failed"
    assert lines[0].startswith("FAIL ") and "accepted, returned 0x" in lines[0]


def test_cli_conformance_missing_directory(tmp_path):
    missing = tmp_path / "no-such-corpus"
    proc = _cli("conformance", str(missing))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"pybpf: error: conformance: {missing} is not a directory"
    assert "Traceback" not in proc.stderr


def test_cli_conformance_plugin():
    program = "bf20000000000000 7111020000000000 0f10000000000000 9500000000000000"
    proc = _cli("conformance-plugin", "01023004", stdin=program)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{4 + 0x30:x}"
    proc = _cli("conformance-plugin", "", stdin="ff00000000000000")
    assert proc.returncode == 1
    assert "unknown opcode ff" in proc.stderr
