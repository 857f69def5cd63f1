"""Run tests written in BPF C (``<pybpf/test.h>``, Cilium's bpf/tests conventions).

A test ``name`` is the programs in sections ``<type>/test/<name>/pktgen``,
``.../setup`` and ``.../check`` (only check is required). As Cilium's runner
does: pktgen runs on 3520 zero bytes (``BPF_PROG_TEST_RUN``'s largest packet:
a page less headroom and tailroom) and its output packet (and, for tc, its
``ctx_out``) feeds setup; setup's return value is prepended to its output
packet as 4 little-endian bytes and fed to check; check's return value is the
suite status. The check program writes its results into ``suite_result_map``
as a protobuf ``SuiteResult``: sub-tests (``TEST``) with name, status and
logs, and suite-level logs. The map is cleared after each test; other maps
keep their state across the tests of a file, which run in name order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SECTION = re.compile(r"^[^/]+/test/([^/]+)/(pktgen|setup|check)$")
RESULT_MAP = "suite_result_map"
PKTGEN_SIZE = 4096 - 256 - 320
STATUS = {0: "ERROR", 1: "PASS", 2: "FAIL", 3: "SKIP"}


@dataclass
class SubTest:
    """One ``TEST(name, ...)`` block of a check program."""

    name: str
    status: str = "PASS"
    logs: list = field(default_factory=list)


@dataclass
class Outcome:
    """What one test gave: suite ``status`` (check's return value), suite ``logs``,
    the ``TEST`` blocks, and the RunResult of each stage that ran."""

    status: str
    logs: list
    subtests: list
    stages: dict

    @property
    def failed(self) -> bool:
        return self.status in ("FAIL", "ERROR") or any(s.status in ("FAIL", "ERROR")
                                                       for s in self.subtests)

    @property
    def skipped(self) -> bool:
        return not self.failed and (self.status == "SKIP" or
                                    (bool(self.subtests) and all(s.status == "SKIP"
                                                                 for s in self.subtests)))

    def summary(self) -> str:
        """One line: what failed and the last thing it logged."""
        bad = [s for s in self.subtests if s.status in ("FAIL", "ERROR")]
        parts = [f"TEST {s.name}: {s.status}" + (f" ({s.logs[-1]})" if s.logs else "")
                 for s in bad]
        if self.status != "PASS" or not parts:
            parts.insert(0, f"check returned {self.status}" +
                         (f" ({self.logs[-1]})" if self.logs else ""))
        return "; ".join(parts)

    def report(self) -> str:
        """The log as the test wrote it: suite lines, then each sub-test with its status."""
        lines = list(self.logs)
        for sub in self.subtests:
            lines.append(f"TEST {sub.name}: {sub.status}")
            lines += [f"    {line}" for line in sub.logs]
        lines.append(f"check returned {self.status}")
        return "\n".join(lines)


def find_tests(spec_programs) -> dict[str, dict[str, str]]:
    """Test name -> {"pktgen"/"setup"/"check": program name}, from section names.

    Raises ValueError for a duplicate role or a test without a check program.
    """
    tests: dict[str, dict[str, str]] = {}
    for name, prog in spec_programs.items():
        m = SECTION.match(prog.section)
        if not m:
            continue
        roles = tests.setdefault(m.group(1), {})
        if m.group(2) in roles:
            raise ValueError(f"test {m.group(1)!r} has two {m.group(2)} programs "
                             f"({roles[m.group(2)]} and {name})")
        roles[m.group(2)] = name
    for test, roles in tests.items():
        if "check" not in roles:
            raise ValueError(f"test {test!r} has no check program "
                             f"(sections: {', '.join(sorted(roles))})")
    return dict(sorted(tests.items()))


def run_test(obj, roles: dict[str, str]) -> Outcome:
    """Run one test's pktgen -> setup -> check on the loaded object ``obj``."""
    check = obj.programs[roles["check"]]
    data = bytes(PKTGEN_SIZE)
    ctx = None if check.type == "xdp" else bytes(256)   # the runner's ctx for tc: 256 zeros
    stages = {}
    try:
        for role in ("pktgen", "setup", "check"):
            if role not in roles:
                continue
            prog = obj.programs[roles[role]]
            try:
                res = prog.test_run(data, ctx_in=ctx) if ctx is not None else prog.test_run(data)
            except Exception as exc:
                exc.pybpf_stage = role            # which program of the test stopped
                raise
            stages[role] = res
            data = res.data
            if ctx is not None and res.ctx_raw is not None:
                ctx = res.ctx_raw
            if role == "setup":
                data = res.retval.to_bytes(4, "little") + data
        raw = bytes(obj.maps[RESULT_MAP][0]) if RESULT_MAP in obj.maps.maps else b""
    finally:
        if RESULT_MAP in obj.maps.maps:
            obj.maps[RESULT_MAP][0] = bytes(obj.maps[RESULT_MAP].value_size)
    logs, subtests = decode_results(raw)
    return Outcome(STATUS.get(stages["check"].retval, f"status {stages['check'].retval}"),
                   logs, subtests, stages)


# --------------------------------------------------------------------------------------------
# the result buffer: protobuf SuiteResult, read by hand
# --------------------------------------------------------------------------------------------

def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        value |= (b & 0x7F) << shift
        i += 1
        shift += 7
        if not b & 0x80:
            return value, i


def _fields(buf: bytes):
    """(field number, value) of a protobuf message; stops at a zero tag (the zeroed rest)."""
    i = 0
    while i < len(buf):
        tag, i = _varint(buf, i)
        if tag == 0:
            return
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise ValueError(f"unknown protobuf wire type {wire}")
        yield number, value


def _log(buf: bytes) -> str:
    fmt, args = "", []
    for number, value in _fields(buf):
        if number == 1:
            fmt = value.split(b"\0", 1)[0].decode("utf-8", "replace")
        elif number == 2:
            args.append(value)
    return format_log(fmt, args)


def decode_results(raw: bytes) -> tuple[list[str], list[SubTest]]:
    """Suite logs and sub-tests from the result map's value."""
    logs, subtests = [], []
    try:
        for number, value in _fields(raw):
            if number == 2:
                logs.append(_log(value))
            elif number == 1:
                sub = SubTest("")
                for n, v in _fields(value):
                    if n == 1:
                        sub.name = v.split(b"\0", 1)[0].decode("utf-8", "replace")
                    elif n == 2:
                        sub.status = STATUS.get(v, f"status {v}")
                    elif n == 3:
                        sub.logs.append(_log(v))
                subtests.append(sub)
    except ValueError as exc:
        logs.append(f"(the result buffer is corrupt after this point: {exc})")
    return logs, subtests


_SPEC = re.compile(r"%(l{0,2})([diuxXp%s])")


def format_log(fmt: str, args: list[int]) -> str:
    """``fmt`` with ``args`` as bpf_trace_printk formats them (``%d`` 32-bit, ``%ld``/``%lld``
    64-bit, ``%x`` unpadded hex, ``%p`` 0x-prefixed)."""
    it = iter(args)

    def one(m):
        size, conv = m.group(1), m.group(2)
        if conv == "%":
            return "%"
        value = next(it, None)
        if value is None:
            return f"%!{size}{conv}(MISSING)"
        bits = 64 if size or conv == "p" else 32
        value &= (1 << bits) - 1
        if conv in "di" and value >> (bits - 1):
            value -= 1 << bits
        if conv in "xX":
            return f"{value:{conv}}"
        if conv == "p":
            return f"0x{value:x}"
        return str(value)

    return _SPEC.sub(one, fmt)
