"""Run the bpf_conformance corpus against pybpf's VM.

Positive cases (``tests/``) pass when the program returns the expected ``r0``.
Negative cases (``negative/``) pass when pybpf refuses them as intended: the
assembler or the decoder rejects the program (with the expected message where
the file gives one), the file has no program, or the program's result differs
from the deliberately wrong expectation. Never a traceback: anything pybpf
raises is a :class:`PyBPFError`, and anything else is reported as a bug.

Conventions of the suite: ``r1`` points at the test memory and ``r2`` holds its
length; helper 5 ("unwind") returns its argument and, when that is 0, ends the
program with ``r0 = 0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .conformance_data import ConformanceCase, load_corpus
from .errors import PyBPFError
from .vm import Machine, Memory, ProgramExit, build_code

UNWIND_HELPER = 5


def _unwind(machine, r1, *_):
    if r1 == 0:
        raise ProgramExit(0)
    return r1


CONFORMANCE_HELPERS = {UNWIND_HELPER: _unwind}


@dataclass(frozen=True)
class CaseResult:
    name: str
    passed: bool
    message: str = ""


def execute(program: bytes, mem: bytes, name: str = "prog") -> int:
    """Run raw bytecode with the suite's calling convention; returns r0."""
    memory = Memory()
    region = memory.add_region("mem", len(mem), data=mem)
    machine = Machine(build_code(program, name=name), memory, helpers=CONFORMANCE_HELPERS)
    return machine.run(region.va, len(mem))


def run_case(case: ConformanceCase, negative: bool = False) -> CaseResult:
    """Run one case; ``negative`` cases must be refused (or give a different result)."""
    if case.unknown_sections:
        reason = f"unknown directive: -- {case.unknown_sections[0]}"
        return CaseResult(case.name, negative, "refused: " + reason if negative else reason)
    if not case.has_program:
        msg = "no instructions"
        return CaseResult(case.name, negative, "refused: " + msg if negative else msg)
    try:
        result = execute(case.program_bytes(), case.mem, case.name)
    except PyBPFError as exc:
        if not negative:
            return CaseResult(case.name, False, f"error: {exc}")
        if case.error and case.error not in str(exc):
            return CaseResult(case.name, False, f"refused with {exc!s}, expected {case.error!r}")
        return CaseResult(case.name, True, f"refused: {exc}")
    if negative:
        if case.result is not None and result != case.result and not case.error:
            return CaseResult(case.name, True, f"result 0x{result:x} differs from 0x{case.result:x}")
        return CaseResult(case.name, False, f"accepted, returned 0x{result:x}")
    if case.result is None:
        return CaseResult(case.name, False, "the file has no -- result section")
    if result != case.result:
        return CaseResult(case.name, False, f"returned 0x{result:x}, expected 0x{case.result:x}")
    return CaseResult(case.name, True)


def run_directory(directory, negative: bool | None = None) -> list[CaseResult]:
    """Run every ``*.data`` file of ``directory``; a folder named ``negative`` is negative."""
    directory = Path(directory)
    if negative is None:
        negative = directory.name == "negative"
    return [run_case(case, negative) for case in load_corpus(directory)]


def main(directory, negative: bool | None = None, verbose: bool = False, out=None) -> int:
    """CLI body: one line per failure, then ``N passed, N failed``; exit 1 on failures."""
    import sys
    out = out or sys.stdout
    results = run_directory(directory, negative)
    failed = [r for r in results if not r.passed]
    for r in results:
        if not r.passed or verbose:
            print(f"{'PASS' if r.passed else 'FAIL'} {r.name}: {r.message}".rstrip(": "), file=out)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed", file=out)
    return 1 if failed else 0
