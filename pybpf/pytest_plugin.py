"""pytest plugin: test BPF C programs without root (registered as ``pybpf`` under ``pytest11``).

* the ``bpf`` fixture (:class:`pybpf.testing.fixture.BPF`): ``bpf.load("prog.bpf.c")``
  compiles (cached), loads and returns the object;
* files named ``test_*.bpf.c`` are tests written in BPF C (``<pybpf/test.h>``, or
  Cilium's ``"common.h"`` API): each CHECK program is one test item;
* ``@pytest.mark.kernel``: the test needs the real kernel's ``bpf()``; skipped without it;
* a :class:`pybpf.errors.PyBPFError` (memory fault, instruction budget, load error)
  fails a test with pybpf's report and the test's line, not a traceback of pybpf;
* ``==`` between packets (bytes holding an Ethernet frame, scapy packets) explains a
  mismatch field by field;
* options ``--pybpf-cc``, ``--pybpf-cflags``, ``--pybpf-cov``, ``--pybpf-cov-lcov``.

Importing this module imports nothing of pybpf's runtime (no Numba, no compiler):
everything heavy is imported when a fixture, a C test or coverage is used.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

_PACKAGE_DIR = Path(__file__).resolve().parent
_COVERAGE = pytest.StashKey()
_CILIUM_COMPAT = _PACKAGE_DIR.parent / "runtime" / "include" / "pybpf" / "cilium"


def pytest_addoption(parser):
    group = parser.getgroup("pybpf", "pybpf: BPF programs in userspace")
    group.addoption("--pybpf-cc", default=None, metavar="CC",
                    help="clang executable for BPF C (default: the pinned ziglang clang)")
    group.addoption("--pybpf-cflags", default="", metavar="FLAGS",
                    help="extra compiler flags for BPF C, one shell-quoted string")
    group.addoption("--pybpf-cov", action="store_true", default=False,
                    help="report line and branch coverage of the BPF C that ran")
    group.addoption("--pybpf-cov-lcov", default=None, metavar="PATH",
                    help="write the coverage as an lcov tracefile (implies --pybpf-cov)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "kernel: needs the Linux bpf() syscall (pybpf.kernel.available()); "
                   "skipped where it is refused")
    if config.getoption("pybpf_cov") or config.getoption("pybpf_cov_lcov"):
        from pybpf.testing.coverage import Coverage  # noqa: PLC0415
        config.stash[_COVERAGE] = Coverage()


def _options(config) -> tuple[str | None, list[str]]:
    cc = config.getoption("pybpf_cc")
    return (None if cc in (None, "", "zig", "ziglang") else cc,
            shlex.split(config.getoption("pybpf_cflags") or ""))


@pytest.fixture
def bpf(request):
    """Compile, load and run BPF programs: ``obj = bpf.load("prog.bpf.c")``."""
    from pybpf.testing.fixture import BPF  # noqa: PLC0415
    cc, cflags = _options(request.config)
    return BPF(cc=cc, cflags=cflags, coverage=request.config.stash.get(_COVERAGE, None),
               base_dir=Path(str(request.path)).parent)


def pytest_runtest_setup(item):
    if item.get_closest_marker("kernel") is None:
        return
    from pybpf import kernel  # noqa: PLC0415
    if not kernel.available():
        pytest.skip("needs the bpf() syscall (pybpf.kernel.available() is false)")


# --------------------------------------------------------------------------------------------
# BPF errors: the pybpf report, not pybpf's internals
# --------------------------------------------------------------------------------------------

def _is_bpf_error(excinfo) -> bool:
    errors = sys.modules.get("pybpf.errors")
    return errors is not None and excinfo is not None and excinfo.errisinstance(errors.PyBPFError)


def bpf_error_report(excinfo, note: str = "") -> str:
    """The error's class and message (which names program, instruction and C line), then
    ``file:line: in test`` of the innermost frame outside pybpf and its source line."""
    exc = excinfo.value
    lines = [f"{type(exc).__module__}.{type(exc).__name__}: {note}{exc}"]
    user = [e for e in excinfo.traceback if not str(e.path).startswith(str(_PACKAGE_DIR) + "/")]
    if user:
        entry = user[-1]
        lines.append(f"{entry.path}:{entry.lineno + 1}: in {entry.name}")
        try:
            lines.append(f"    {str(entry.statement).strip()}")
        except Exception:  # noqa: BLE001 - no source available; the location is enough
            pass
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _is_bpf_error(call.excinfo) and not isinstance(item, CTest):
        report.longrepr = bpf_error_report(call.excinfo)


# --------------------------------------------------------------------------------------------
# packets compared with ==
# --------------------------------------------------------------------------------------------

_ETHERTYPES = {0x0800, 0x86DD, 0x0806, 0x8100, 0x88A8}


def _packetish(value) -> bool:
    if isinstance(value, (bytes, bytearray)):
        return len(value) >= 14 and int.from_bytes(value[12:14], "big") in _ETHERTYPES
    return any(c.__module__.startswith("scapy.") and c.__name__ == "Packet"
               for c in type(value).__mro__)


def pytest_assertrepr_compare(config, op, left, right):
    if op != "==" or not (_packetish(left) and _packetish(right)):
        return None
    from pybpf.testing.packets import as_bytes, diff  # noqa: PLC0415
    lines = diff(left, right)
    if not lines:
        return None
    a, b = as_bytes(left), as_bytes(right)
    return [f"packet of {len(a)} bytes == packet of {len(b)} bytes",
            "field: got != expected"] + lines[1:] + [
        f"  got:      {a.hex()}", f"  expected: {b.hex()}"]


# --------------------------------------------------------------------------------------------
# tests written in BPF C
# --------------------------------------------------------------------------------------------

def pytest_collect_file(file_path, parent):
    name = file_path.name
    if name.startswith("test_") and name.endswith(".bpf.c"):
        return CFile.from_parent(parent, path=file_path)
    return None


class CFile(pytest.File):
    """A ``test_*.bpf.c`` file: compiled at collection, loaded once for all its tests."""

    _obj = None

    def collect(self):
        from pybpf.elf import read_object  # noqa: PLC0415
        from pybpf.errors import PyBPFError  # noqa: PLC0415
        from pybpf.testing.build import compile_cached  # noqa: PLC0415
        from pybpf.testing.ctest import find_tests  # noqa: PLC0415
        from pybpf.toolchain import compiler_command  # noqa: PLC0415

        cc, cflags = _options(self.config)
        flags = [*cflags, "-idirafter", str(_CILIUM_COMPAT)]
        try:
            self.object_path = compile_cached(self.path, flags, cc)
            spec = read_object(str(self.object_path))
            tests = find_tests(spec.programs)
        except (PyBPFError, ValueError) as exc:
            raise self.CollectError(f"{self.path.name}: {exc}") from None
        self.source_dir = compiler_command(self.path, self.object_path)[1]
        if not tests:
            raise self.CollectError(f"{self.path.name}: no CHECK programs (sections "
                                    f"<type>/test/<name>/check)")
        for test, roles in tests.items():
            lines = spec.programs[roles["check"]].line_info
            yield CTest.from_parent(self, name=test, roles=roles,
                                    lineno=lines[0].line - 1 if lines else 0)

    def loaded(self):
        """The object, loaded on first use; its maps persist across this file's tests."""
        if self._obj is None:
            import pybpf  # noqa: PLC0415
            self._obj = pybpf.load(str(self.object_path), pin_root=False)
            coverage = self.config.stash.get(_COVERAGE, None)
            if coverage is not None:
                coverage.attach(self._obj, self.source_dir)
        return self._obj


class CTestFailed(Exception):
    """A C test reported FAIL or ERROR; carries its :class:`~pybpf.testing.ctest.Outcome`."""


class CTest(pytest.Item):
    """One CHECK program: pktgen -> setup -> check, its sub-tests and log in the report."""

    def __init__(self, *, roles, lineno=0, **kw):
        super().__init__(**kw)
        self.roles = roles
        self.lineno = lineno

    def runtest(self):
        from pybpf.testing.ctest import run_test  # noqa: PLC0415
        outcome = run_test(self.parent.loaded(), self.roles)
        if outcome.failed:
            raise CTestFailed(outcome)
        self.add_report_section("call", "bpf log", outcome.report())
        if outcome.skipped:
            raise pytest.skip.Exception(outcome.report().replace("\n", "; "),
                                        _use_item_location=True)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CTestFailed):
            outcome = excinfo.value.args[0]
            return f"{outcome.summary()}\n{outcome.report()}"
        if _is_bpf_error(excinfo):
            stage = getattr(excinfo.value, "pybpf_stage", None)
            return f"{self.path.name}::{self.name}" + (f" ({stage})" if stage else "") + \
                f": {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.lineno, self.name


# --------------------------------------------------------------------------------------------
# coverage
# --------------------------------------------------------------------------------------------

def pytest_terminal_summary(terminalreporter, config):
    coverage = config.stash.get(_COVERAGE, None)
    if coverage is None:
        return
    from pybpf.testing.coverage import lcov, summary  # noqa: PLC0415
    files = coverage.report()
    terminalreporter.section("pybpf coverage of BPF C")
    if not files:
        terminalreporter.write_line("no BPF program ran")
    for line in summary(files, Path(str(config.rootpath))):
        terminalreporter.write_line(line)
    path = config.getoption("pybpf_cov_lcov")
    if path:
        Path(path).write_text(lcov(files))
        terminalreporter.write_line(f"lcov tracefile written to {path}")
