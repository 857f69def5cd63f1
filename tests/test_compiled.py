"""The ``compiled`` tier gives the interpreter's results bit for bit.

Each case runs twice in this process, ``Machine(tier="interp")`` and
``Machine(tier="compiled")``, and everything observable is compared: r0 (or the
error class and its full message), every register, the executed-instruction
count, the whole state vector (pc, depth, status, fault address and size) and
the whole arena (stack, context, packet, maps) after the run.

Which programs (compiling takes LLVM milliseconds per program, so the sets are
whole):

* every VM program of ``tests/tier_driver.py`` (faults of each kind, context
  accesses, budget, calls, callx, helpers, atomics, legacy packet loads);
* :data:`RANDOM` seeded random ALU/JMP programs (every ALU, byte-order and
  jump row appears, see ``test_random_subset_covers_every_row``);
* every program of the bpf_conformance corpus (positive and negative);
* budget exhaustion at every budget from 0 to past the end of a looping
  program with calls, faults and helper calls;
* the bench and example objects of ``programs/`` on real packets.
"""

from __future__ import annotations

import json
import hashlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from pybpf._jitcache import cache_dir

import tier_driver
from pybpf.errors import PyBPFError
from pybpf.isa.asm_conformance import assemble
from pybpf.vm import Machine, abi, build_code, current_tier, native

pytestmark = pytest.mark.skipif(current_tier() != "interp",
                                reason="the compiled tier needs Numba's JIT")

REPO = Path(__file__).resolve().parents[1]
SEED, RANDOM = 20240601, 200


# ----------------------------------------------------------------------------- running

def _code_of(case):
    """The case's Code, or the PyBPFError building it raised (the same for both tiers)."""
    try:
        if isinstance(case.program, Exception):
            raise case.program
        program = assemble(case.program) if isinstance(case.program, str) else case.program
        return build_code(program, name=case.name)
    except PyBPFError as exc:
        return exc


def _run(case, code, tier: str) -> dict:
    """Everything observable about one run of ``case`` in ``tier``."""
    out = {"r0": None, "error": None, "message": ""}
    mem, args, before = tier_driver._prepare(case)
    helpers = {} if case.setup == "hot" else tier_driver.HELPERS
    machine = Machine(code, mem, helpers=helpers, budget=case.budget, tier=tier)
    assert machine.tier == tier
    before(machine)
    try:
        out["r0"] = machine.run(*args)
    except PyBPFError as exc:
        out["error"], out["message"] = type(exc).__name__, str(exc)
    out["executed"] = machine.executed
    out["regs"] = [int(v) for v in machine.regs]
    st = [int(v) for v in machine.st]
    st[native.NATIVE_FN] = st[native.STEP_FN] = 0   # addresses of compiled functions
    out["st"] = st
    out["arena"] = machine.memory.arena.tobytes()
    out["frames"] = [int(v) for v in machine.frames]
    return out


def _compare(cases) -> list[tuple]:
    """Run both tiers on every case, assert equality; returns (case, interp result) of the
    cases that ran."""
    built = [(c, _code_of(c)) for c in cases]
    runnable = [(c, code) for c, code in built if not isinstance(code, Exception)]
    diffs, results = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for case, code in runnable:
            a, b = _run(case, code, "interp"), _run(case, code, "compiled")
            results.append((case, a))
            if a != b:
                diffs.append((case.name, {k: (a[k], b[k]) for k in a if a[k] != b[k]}))
    assert not diffs, "tiers disagree:\n" + "\n".join(
        f"{name}: " + ", ".join(k if k in ("arena", "frames") else f"{k} {v}" for k, v in d.items())
        for name, d in diffs[:5])
    return results


# ----------------------------------------------------------------------------- cases

def test_vm_programs_agree():
    results = _compare(tier_driver.vm_cases())
    by_name = {c.name[3:]: r for c, r in results}
    kinds = {r["error"] for _, r in results}
    for kind in (None, "MemoryFault", "InstructionLimit", "CallDepthError", "HelperError",
                 "VMError"):
        assert kind in kinds, kind
    assert by_name["infinite_loop"]["executed"] == 20_000
    assert by_name["budget_1001"]["executed"] == 1001
    assert by_name["depth_8"]["r0"] == 42
    assert by_name["callx_code"]["r0"] == 42
    assert by_name["ldpkt_3"]["r0"] == 0 and by_name["ldpkt_3"]["executed"] == 2
    assert by_name["hot_clock_cpu"]["r0"] == 1_700_000_000_123_456_789 + 3


def test_random_programs_agree():
    results = _compare(tier_driver.random_cases(SEED, RANDOM))
    assert len(results) == RANDOM
    assert all(r["error"] is None for _, r in results)
    assert len({r["executed"] for _, r in results}) > 5  # taken branches make paths differ


def test_random_subset_covers_every_row():
    from pybpf.isa.table import lookup
    seen = {lookup(i.opcode, i.dst, i.src, i.off, i.imm).name
            for case in tier_driver.random_cases(SEED, RANDOM) for i in case.program}
    assert {r.name for r in tier_driver.random_rows()} <= seen


def test_conformance_agrees(corpus_dir):
    cases = tier_driver.corpus_cases(corpus_dir)
    results = _compare(cases)
    positive = [r for c, r in results if c.name.startswith("tests:")]
    assert len(cases) >= 370 and len(positive) >= 300
    assert all(r["error"] is None for r in positive), [r for r in positive if r["error"]][:3]


# ----------------------------------------------------------------------------- budget

LOOPER = """
    mov %r6, 0
    mov %r7, 3
loop:
    call local f
    add %r6, %r0
    stxdw [%r10-8], %r6
    call 1
    sub %r7, 1
    jne %r7, 0, loop
    ldxdw %r0, [%r10-8]
    mov %r1, 0
    ldxb %r2, [%r1+0]
    exit
f:
    mov %r0, %r7
    lsh %r0, 4
    exit
"""


def test_budget_ends_on_the_same_instruction():
    """Every budget from 0 to past the end: same error (or result), pc and count."""
    code = build_code(assemble(LOOPER), name="looper")
    full = None
    outcomes = set()
    for budget in range(0, 60):
        case = tier_driver.Case("budget", LOOPER, budget=budget)
        a, b = _run(case, code, "interp"), _run(case, code, "compiled")
        assert a == b, (budget, {k: (a[k], b[k]) for k in a if a[k] != b[k] and k != "arena"})
        assert a["executed"] == min(budget, a["executed"])
        outcomes.add(a["error"])
        if a["error"] != "InstructionLimit":
            full = full or budget
    assert outcomes == {"InstructionLimit", "MemoryFault"}  # the run ends reading address 0
    assert full is not None and full > 20


def test_the_step_is_loaded_at_the_first_handover(monkeypatch):
    """The interpreter step is loaded when compiled code first hands over, not before; the
    run then goes on where it stopped, as if it had been there all along."""
    code = build_code(assemble(LOOPER), name="looper")   # calls: it hands over
    expected = _run(tier_driver.Case("lazy", LOOPER), code, "interp")
    monkeypatch.setattr(native, "_STEP_ADDRESS", [0])  # as in a process that has not loaded it
    got = _run(tier_driver.Case("lazy", LOOPER), code, "compiled")
    assert got == expected and expected["error"] == "MemoryFault"
    assert native._STEP_ADDRESS[0] != 0


@pytest.mark.parametrize("obj, name", [("programs/bench/parse.o", "bench_parse"),
                                       ("programs/examples/xdp_filter.o", "xdp_filter"),
                                       ("programs/examples/xdp_tailcall.o", "xdp_entry")])
def test_a_run_without_handover_does_not_load_the_step(obj, name):
    """parse.o on a good packet never leaves compiled code, nor does xdp_filter.o, whose
    bpf-to-bpf call and return are compiled too, nor xdp_tailcall.o, whose tail calls
    are: the process never loads the interpreter step (with Numba: a second or more of
    every start)."""
    script = (
        "import sys; sys.path.insert(0, 'benchmarks'); import bench\n"
        "from pybpf.loader import load\nfrom pybpf.vm import native\n"
        f"prog = load('{obj}', tier='compiled').program('{name}')\n"
        "r = prog.run(bench.bench_packet())\n"
        "print(r.retval, native._STEP_ADDRESS[0], any(m.startswith('pybpf_step_') "
        "for m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["2", "0", "False"]   # XDP_PASS, nothing loaded


def test_python_helpers_are_called_without_a_handover(monkeypatch):
    """A call of a helper implemented in Python stops the compiled code with the
    interpreter's HELPER status, and the run comes back after the call: no instruction
    is handed over to the interpreter (its step is never loaded); results, counts and
    the helper's arguments are the interpreter's."""
    source = """
        mov %r1, 7
        mov %r2, 5
        call 200
        add %r0, 1
        mov %r6, %r0
        mov %r1, %r0
        call 200
        add %r0, %r6
        exit
    """
    code = build_code(assemble(source), name="pyhelper")
    got = []
    for tier in ("interp", "compiled"):
        seen = []
        helper = lambda m, *a: seen.append(a) or a[0] * 3 + a[1]  # noqa: E731
        monkeypatch.setattr(native, "_STEP_ADDRESS", [0])   # not loaded: a handover loads it
        machine = Machine(code, helpers={200: helper}, tier=tier)
        got.append((machine.run(), machine.executed, seen))
        if tier == "compiled":
            assert native._STEP_ADDRESS[0] == 0
    assert got[0] == got[1]
    assert got[0][0] == (7 * 3 + 5 + 1) * 3 + 5 + (7 * 3 + 5 + 1) and got[0][1] == 9


def test_trace_is_identical():
    """``--trace`` single-steps through the budget; the compiled tier hands each step over."""
    code = build_code(assemble(LOOPER), name="looper")
    traces = []
    for tier in ("interp", "compiled"):
        machine = Machine(code, helpers=tier_driver.HELPERS, tier=tier)
        trace = []
        with pytest.raises(PyBPFError):
            machine.run(trace=trace)
        traces.append([(s.pc, s.changed) for s in trace])
    assert traces[0] == traces[1] and len(traces[0]) > 30


def test_block_structure():
    """Blocks start at branch targets and after jumps, calls and exits; a resume after a
    Python helper lands on a block start, so it stays compiled. A bpf-to-bpf call is
    compiled (it ends its block and goes on in the callee's); so is a call of a helper
    given in Python (it ends its block, stopping with the HELPER status)."""
    code = build_code(assemble(LOOPER), name="looper")
    starts = native.block_starts(code)
    for slot, row in enumerate(code.rows):
        if row is not None and row.kind in ("call", "exit", "jmp", "ja") and slot + 1 < code.nslots:
            assert slot + 1 in starts
    assert code.rows[2].name == "call_local" and 2 in starts     # loop: a call, compiled
    assert native.block_slots(code, 2, set(starts)) == [2]
    assert code.rows[5].name == "call" and 5 not in starts       # call 1: a Python helper
    assert native.block_slots(code, 3, set(starts)) == [3, 4, 5]   # ends its block
    assert 3 in starts and 12 in starts                          # after it, and f:
    # the dispatch enters compiled code at the start, in the callee (a callee is entered
    # from the interpreter too: bpf_loop's callbacks) and after each call (the callee's
    # exit returns through it, a helper); not at a block only jumps reach
    entries = native.dispatch_entries(code, starts)
    assert entries == [0, 3, 6, 12] and 8 in starts   # 8: after the loop, a jump target


STACK_READ_THEN_WRITE = """
    ldxdw %r0, [%r10-8]
    stdw [%r10-8], 42
    exit
"""
STACK_ESCAPES = """
    ldxdw %r0, [%r10-24]
    mov %r1, %r10
    stdw [%r1-24], 7
    exit
"""


def test_each_run_starts_from_a_zeroed_stack():
    """Every run clears the part of the stack the code can write (only the top of the frame
    its r10-based accesses reach, when r10 never escapes); a value the last run left there
    is never read, on either tier."""
    from pybpf.vm.program import frame_extent
    assert frame_extent(build_code(assemble(STACK_READ_THEN_WRITE), name="s"), 512) == 8
    assert frame_extent(build_code(assemble(STACK_ESCAPES), name="e"), 512) == 512
    assert build_code(assemble("mov %r0, 1\nexit"), name="n").stack_in_use == 0
    for source in (STACK_READ_THEN_WRITE, STACK_ESCAPES):
        code = build_code(assemble(source), name="stack")
        for tier in ("interp", "compiled"):
            machine = Machine(code, tier=tier)
            assert [machine.run() for _ in range(3)] == [0, 0, 0], (source, tier)


def test_context_stores_stay_compiled(monkeypatch):
    """Stores into __sk_buff (narrow fields, queue_mapping's skipped store, cb[], tstamp) are
    compiled as the kernel applies them, without handing over: the step is never loaded,
    and ctx_out and the packet are the interpreter's."""
    from pybpf.loader import load
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench
    finally:
        sys.path.pop(0)
    packet = bench.tcp_frame(90)
    expected = load(REPO / "programs/tests/tc_skb.o", tier="interp").program(
        "tc_fields").test_run(packet, bytes(192))
    monkeypatch.setattr(native, "_STEP_ADDRESS", [0])
    got = load(REPO / "programs/tests/tc_skb.o", tier="compiled").program(
        "tc_fields").test_run(packet, bytes(192))
    assert (got.retval, got.data, got.ctx_raw, got.executed) == (
        expected.retval, expected.data, expected.ctx_raw, expected.executed)
    # mark = tc_index | tc_classid << 16, after tc_index = 0x12345 kept its 16 bits
    assert expected.ctx["mark"] == 0x2345 | (0xabcdef << 16) & 0xFFFFFFFF
    assert native._STEP_ADDRESS[0] == 0


def test_context_reached_through_an_unexpected_register():
    """Compiled code expects the context only in registers that came from r1 (or a
    function's arguments); reached any other way, here through a constant address, its
    fields are still read and written as the interpreter does (by handing over)."""
    ctx = abi.region_va(abi.REGION_CTX)
    results = _compare([tier_driver.Case("ctx_by_constant", f"""
        lddw %r2, {ctx}
        ldxw %r3, [%r2+0]
        ldxw %r4, [%r2+4]
        stw [%r2+8], 7
        ldxw %r5, [%r2+8]
        mov %r0, %r4
        sub %r0, %r3
        add %r0, %r5
        exit
    """, setup="ctx", args=())])
    assert results[0][1]["error"] is None and results[0][1]["r0"] == len(tier_driver.PKT) + 7


@pytest.mark.parametrize("k", [abi.FIRST_FREE_REGION + 40, 500, abi.REGION_CAPACITY - 1,
                               abi.REGION_CAPACITY, 1 << 20, (1 << 32) - 2])
def test_addresses_in_regions_that_do_not_exist_fault_alike(k):
    """Region numbers past the last region, inside the tables' capacity (empty windows) or
    beyond it, fault on both tiers, for loads and stores, with the same message."""
    va = (k + 1) << 32
    results = _compare([tier_driver.Case(f"no_region_{k}_{op}", f"""
        lddw %r2, {va + 8}
        {op}
        mov %r0, 1
        exit
    """, setup="ctx", args=()) for op in ("ldxw %r3, [%r2+0]", "stw [%r2-8], 7")])
    assert [r["error"] for _, r in results] == ["MemoryFault", "MemoryFault"]


def test_only_the_context_region_routes_loads_through_ctx_load():
    """Compiled loads test the region number for the context (``REGION_CTX``), not its
    flags: the contexts set ``F_CTX`` on that region alone."""
    from pybpf.loader import load
    for path, name in (("programs/tests/tc_skb.o", "tc_fields"),
                       ("programs/bench/parse.o", "bench_parse")):
        prog = load(REPO / path, tier="interp").program(name)
        prog.test_run(bytes(64)) if path.endswith("parse.o") else prog.test_run(
            bytes(64), bytes(192))
        flags = prog.machine.memory.rflag
        assert flags[abi.REGION_CTX] & abi.F_CTX
        assert not any(int(f) & abi.F_CTX for k, f in enumerate(flags) if k != abi.REGION_CTX)


# ----------------------------------------------------------------------------- objects

def _objects():
    return sorted((REPO / "programs" / "bench").glob("*.o")) + [
        REPO / "programs" / "examples" / "xdp_filter.o",
        REPO / "programs" / "examples" / "xdp_tailcall.o"]


@pytest.mark.parametrize("path", _objects(), ids=lambda p: p.name)
def test_objects_agree_on_packets(path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench
    finally:
        sys.path.pop(0)
    from pybpf.loader import load
    packets = [bench.tcp_frame(1514), bench.tcp_frame(60, flags=0x02), bench.tcp_frame(90, ttl=1),
               bytes(14), bytes(range(64))]
    objs = {tier: load(path, tier=tier) for tier in ("interp", "compiled")}
    assert objs["compiled"].machine.tier == "compiled"
    for name in objs["interp"].programs:
        for pkt in packets:
            got = {}
            for tier, obj in objs.items():
                try:
                    r = obj.program(name).run(pkt)
                    got[tier] = (r.retval, r.data, r.executed, obj.machine.memory.arena.tobytes())
                except PyBPFError as exc:
                    got[tier] = (type(exc).__name__, str(exc), obj.machine.executed)
            assert got["interp"] == got["compiled"], (name, pkt[:20])


def test_budget_stops_inside_a_real_loop():
    """checksum.o: a loop of 11 instructions run ~750 times, then a straight tail. The
    compiled tier checks the budget only where a loop comes back, against the longest
    run to the next check; every budget around the loop and the tail must stop on the
    same instruction, with the same count, as the interpreter."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench
    finally:
        sys.path.pop(0)
    from pybpf.loader import load
    path = REPO / "programs" / "bench" / "checksum.o"
    pkt = bench.tcp_frame(1514)
    full = load(path, tier="interp").program("bench_checksum").run(pkt).executed
    code = load(path, tier="interp").code
    starts = native.block_starts(code)
    blocks = {b: native.block_slots(code, b, set(starts)) for b in starts}
    reserve, checkpoints = native._reserves(code, blocks)
    assert checkpoints and all(reserve[b] >= len(blocks[b]) for b in starts)
    budgets = sorted({*range(1, 40), *range(full - 40, full + 2), 1000, 4321, 7777})
    for budget in budgets:
        got = {}
        for tier in ("interp", "compiled"):
            obj = load(path, tier=tier, budget=budget)
            try:
                r = obj.program("bench_checksum").run(pkt)
                got[tier] = (r.retval, r.executed)
            except PyBPFError as exc:
                got[tier] = (type(exc).__name__, str(exc), obj.machine.executed)
        assert got["interp"] == got["compiled"], budget
        assert (got["interp"][0] == "InstructionLimit") == (budget < full), budget


# ----------------------------------------------------------------------------- selection

def test_tier_selection():
    code = build_code(assemble("mov %r0, 7\nexit"), name="tiny")
    assert Machine(code, tier="auto").tier == "compiled"
    assert Machine(code).tier == "compiled"    # the default is auto
    # a program over the size limit is interpreted, until its machine code is cached
    big = build_code(assemble("mov %r0, 1\n" * native.AUTO_LIMIT + f"mov %r0, {os.getpid()}\n"
                              + "exit"), name="big")
    if not native.is_cached(big):
        assert Machine(big, tier="auto").tier == "interp"
    assert Machine(big, tier="compiled").run() == os.getpid()
    assert native.is_cached(big) and Machine(big, tier="auto").tier == "compiled"
    with pytest.raises(ValueError, match="unknown tier"):
        Machine(code, tier="fast")
    with pytest.raises(ValueError, match="NUMBA_DISABLE_JIT"):
        Machine(code, tier="py")


def test_auto_falls_back_to_the_interpreter_when_llvm_fails(monkeypatch):
    def refuse(code, st):
        raise RuntimeError("LLVM says no")
    monkeypatch.setattr(native, "native_run", refuse)
    code = build_code(assemble("mov %r0, 9\nexit"), name="fallback")
    m = Machine(code, tier="auto")
    assert (m.tier, m.run()) == ("interp", 9) and "LLVM says no" in m.tier_note
    with pytest.raises(PyBPFError, match="compiled tier failed .RuntimeError: LLVM says no"):
        Machine(code, tier="compiled")


def test_object_code_is_cached_by_hash():
    """The cache key hashes the IR (so the program and the generator); a second process
    loads the object code instead of compiling it."""
    code = build_code(assemble("mov %r0, 5\nadd %r0, 6\nexit"), name="cached")
    other = build_code(assemble("mov %r0, 5\nadd %r0, 7\nexit"), name="cached")
    assert native.cache_key(code) == native.cache_key(code) != native.cache_key(other)
    assert Machine(code, tier="compiled").run() == 11   # compiled (or cached) here
    from pybpf._jitcache import cache_dir
    assert (cache_dir() / "native" / f"{native.cache_key(code)}.o").exists()
    script = ("from pybpf.isa.asm_conformance import assemble\n"
              "from pybpf.vm import Machine, build_code, native\n"
              "code = build_code(assemble('mov %r0, 5\\nadd %r0, 6\\nexit'), name='cached')\n"
              "m = Machine(code, tier='compiled')\n"
              "print(m.run(), native.STATS['compiled'], native.STATS['loaded'],\n"
              "      native._LAST_IR[0] is None)\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("NUMBA_DISABLE_JIT", None)
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # loaded, not compiled, and without making the IR (the recorded facts of this code)
    assert proc.stdout.split() == ["11", "0", "1", "True"]


def test_the_recorded_ir_facts_follow_the_code_and_the_generator(monkeypatch):
    """The IR's digest is recorded by the code's digest, which covers the instructions and
    the generator (its sources, its version): another program, or another generator, gets
    another object; a damaged record is made again."""
    code = build_code(assemble("mov %r0, 5\nadd %r0, 8\nexit"), name="facts")
    key = native.cache_key(code)
    record = cache_dir() / "native" / f"ir-{native.code_digest(code)}"
    assert record.read_text().split()[0] == native._ir_facts(code)[0]
    record.write_text("damaged")
    native._DIGESTS.clear()
    assert native.cache_key(code) == key and record.read_text().split()[0] != "damaged"
    monkeypatch.setattr(native, "GENERATOR_VERSION", native.GENERATOR_VERSION + 1000)
    native._DIGESTS.clear()
    assert native.cache_key(code) != key
    monkeypatch.undo()
    native._DIGESTS.clear()
    assert native.cache_key(code) == key
    # what the IR comes from: the same instructions give the same facts, others others
    again = build_code(assemble("mov %r0, 5\nadd %r0, 8\nexit"), name="facts")
    assert native._ir_facts(again) == native._ir_facts(code)
    assert native._ir_facts(again)[0] == hashlib.sha256(native.program_ir(again).encode()
                                                        ).hexdigest()


def test_cli_run_tier_option():
    """``pybpf run --tier compiled`` (and py, auto: the default) print what ``--tier interp``
    prints; py restarts the process with Numba's JIT off."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("NUMBA_DISABLE_JIT", None)
    out = {}
    for tier in ("interp", "compiled", "py", "auto"):
        proc = subprocess.run([sys.executable, "-m", "pybpf", "run", "--json", "--tier", tier],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        out[tier] = proc.stdout
    assert out["interp"] == out["compiled"] == out["py"] == out["auto"]
    assert out["interp"].count('"verdict"') >= 5


def test_program_runs_of_the_compiled_tier_need_no_numba():
    """``Program.test_run`` on the compiled tier, caches filled: the machine code is
    called through ctypes (pybpf.vm.native.DirectRun), the per-run set-up and Python map
    operations through pybpf.vm.aot: a process that runs compiled programs (the pytest
    plugin's, say) never imports Numba. Results are the interpreter's."""
    from pybpf.loader import load
    from pybpf.pcap import read_packets
    script = (
        "import json, sys\n"
        "from pybpf.loader import load\nfrom pybpf.pcap import read_packets\n"
        "out = []\n"
        "for path in ('programs/bench/parse_map.o', 'programs/examples/xdp_filter.o'):\n"
        "    obj = load(path, tier='compiled')\n"
        "    prog = next(iter(obj.programs.values()))\n"
        "    for p in read_packets('programs/pcaps/default.pcap'):\n"
        "        try:\n"
        "            r = prog.test_run(p.data)\n"
        "            out.append([r.retval, r.data.hex(), r.executed])\n"
        "        except Exception as exc:\n"
        "            out.append([type(exc).__name__, str(exc)])\n"
        "    out.append(obj.maps.to_json())\n"
        "print(json.dumps(out))\n"
        "print('numba' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    runs = [subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                           text=True, timeout=900, env=env) for _ in range(2)]
    for proc in runs:
        assert proc.returncode == 0, proc.stderr[-2000:]
    lines = runs[1].stdout.splitlines()
    assert lines[-1] == "False"
    want = []
    for path in ("programs/bench/parse_map.o", "programs/examples/xdp_filter.o"):
        obj = load(REPO / path, tier="interp")
        prog = next(iter(obj.programs.values()))
        for p in read_packets(REPO / "programs/pcaps/default.pcap"):
            try:
                r = prog.test_run(p.data)
                want.append([r.retval, r.data.hex(), r.executed])
            except PyBPFError as exc:
                want.append([type(exc).__name__, str(exc)])
        want.append(obj.maps.to_json())
    assert json.loads(lines[-2]) == want
    assert any(row and row[0] == "TestRunRefused" for row in want)


def test_tail_calls_stop_at_the_kernels_limit(tmp_path):
    """Compiled tail calls (a program calling itself through a prog array) stop where the
    interpreter's do, after 33 (the kernel's MAX_TAIL_CALL_CNT), when bpf_tail_call
    returns: same return value, instruction count and global data on both tiers, and the
    kernel's return value where bpf() works."""
    from pybpf import kernel
    from pybpf.loader import load
    from pybpf.toolchain import compile as compile_c
    path = compile_c(REPO / "tests" / "loader_src" / "tail_loop.c", out=tmp_path / "tail_loop.o")
    got = []
    for tier in ("interp", "compiled"):
        obj = load(path, tier=tier, pin_root=False)
        runs = [obj.program("tail_loop").run(bytes(64)) for _ in range(2)]
        got.append([(r.retval, r.executed) for r in runs] + [obj.maps.to_json()])
    assert got[0] == got[1]
    assert got[0][0][0] == 2 and got[0][1][0] == 1   # rounds == 34 once; then 68: XDP_DROP
    if kernel.available():
        with kernel.KernelObject(path) as ko:
            assert [ko.run("tail_loop", bytes(64)).retval for _ in range(2)] == [2, 1]


def test_a_long_series_of_runs_switches_to_numbas_calls():
    """A machine that calls its code through ctypes (no Numba loaded) loads Numba after
    ``DirectRun.CALLS_BEFORE_NUMBA`` runs and goes on through Numba's faster calls, with
    the same results."""
    script = (
        "import sys; sys.path.insert(0, 'benchmarks'); import bench\n"
        "from pybpf.loader import load\nfrom pybpf.vm import native\n"
        "native.DirectRun.CALLS_BEFORE_NUMBA = 5\n"
        "prog = load('programs/bench/parse_map.o', tier='compiled').program('bench_parse_map')\n"
        "out = []\n"
        "for _ in range(8):\n"
        "    r = prog.run(bench.bench_packet())\n"
        "    out.append((r.retval, r.executed, 'numba' in sys.modules,\n"
        "                type(prog.machine._run).__name__))\n"
        "print(out)\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    for _ in range(2):   # the first fills the caches, if need be
        proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                              text=True, timeout=900, env=env)
        assert proc.returncode == 0, proc.stderr[-2000:]
    out = eval(proc.stdout.strip().splitlines()[-1])
    assert len({(r, n) for r, n, _, _ in out}) <= 2          # the first run adds the flow
    assert {(r, n) for r, n, _, _ in out[1:]} == {out[1][:2]}
    assert [kind for *_, kind in out[:4]] == ["DirectRun"] * 4
    assert out[-1][2:] == (True, "CPUDispatcher")


def test_region_tables_not_laid_out_as_memory_lays_them_out_run_interpreted(monkeypatch):
    """Compiled code reads rlo/rhi/rflag from rbase at fixed offsets; given tables that are
    separate arrays, it leaves every instruction to the interpreter, with the same results."""
    from pybpf.loader import load
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench
    finally:
        sys.path.pop(0)
    packet = bench.tcp_frame(1514)
    from pybpf.vm import machine as machine_module
    prog = load(REPO / "programs/bench/checksum.o", tier="compiled").program("bench_checksum")
    linked = []
    real = machine_module.link_step
    monkeypatch.setattr(machine_module, "link_step", lambda st: (linked.append(1), real(st)))
    prog.machine.st[native.STEP_FN] = 0          # the first handover asks for the step
    want = prog.run(packet)
    assert not linked                            # all compiled
    mem = prog.machine.memory
    mem.rbase, mem.rlo, mem.rhi, mem.rflag = (a.copy() for a in (mem.rbase, mem.rlo, mem.rhi,
                                                                   mem.rflag))
    got = prog.run(packet)
    assert linked                                # the interpreter stepped
    assert (got.retval, got.executed, got.data) == (want.retval, want.executed, want.data)


def test_more_regions_than_the_tables_hold_is_a_pybpf_error():
    from pybpf.errors import PyBPFError
    from pybpf.vm import Memory
    mem = Memory(owner="big.o")
    while len(mem.regions) < abi.REGION_CAPACITY:
        mem.add_region("r", 1)
    arena = len(mem.arena)
    with pytest.raises(PyBPFError, match=f"^big.o: more than {abi.REGION_CAPACITY} memory "
                                         f"regions .*the next is 'one too many'"):
        mem.add_region("one too many", 1)
    assert (len(mem.regions), len(mem.arena)) == (abi.REGION_CAPACITY, arena)   # nothing added
