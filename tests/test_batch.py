"""Batched runs (pybpf.batch) give exactly what Program.run gives packet by packet.

Each case runs the same packets through two fresh loads of one object: one
packet at a time through ``Program.run``, and all at once through
``pybpf.batch.run_xdp``. Return values, output packets, instruction counts,
errors (faults, budget, refused input), redirects, maps, trace_printk lines and
perf/ring buffer events must be identical. The batched side also runs on the
``compiled`` tier (machine code through LLVM) against the interpreter.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from pybpf import batch
from pybpf.batch import run_xdp
from pybpf.capture import scan
from pybpf.errors import PyBPFError
from pybpf.loader import load
from pybpf.pcap import Packet, read_packets, write_pcap
from pybpf.toolchain import compile as compile_c, zig_available

sys.path.insert(0, str(Path(__file__).parent))
from batch_checks import same_as_runs  # noqa: E402

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DEFAULT_PCAP = REPO / "programs" / "pcaps" / "default.pcap"
pytestmark = pytest.mark.skipif(not zig_available(), reason="the pinned ziglang compiler is not installed")


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    """The default capture plus random frames, a runt and one too long for a linear frame."""
    rng = random.Random(4)
    packets = [p for p in read_packets(DEFAULT_PCAP)]
    for i in range(60):
        size = rng.choice([14, 42, 54, 60, 64, 128, 600, 1514])
        frame = bytearray(rng.randrange(256) for _ in range(size))
        if size >= 34 and rng.random() < 0.7:
            frame[12:14] = b"\x08\x00"
            frame[14] = 0x45
            frame[23] = rng.choice([6, 17, 1])
        packets.append(Packet(len(packets), 1_700_000_000_000_000_000 + i * 1000, bytes(frame)))
    packets.append(Packet(len(packets), 5, bytes(8)))
    packets.append(Packet(len(packets), 6, bytes(3600)))
    path = tmp_path_factory.mktemp("batch") / "mix.pcap"
    write_pcap(path, packets, resolution="ns")
    return path


def compiled(tmp_path_factory, src):
    out = tmp_path_factory.mktemp("batch_obj") / (src.stem + ".o")
    return compile_c(src, out=out)


def compare(path, prog_name, pcap, setup=None, batch_tier=None, loop=None, **load_kw):
    """``batch_tier``: the batched side's tier (the per-packet side always interprets);
    ``loop``: the kind of loop the batch must run in (default: ``native`` for the compiled
    tier, else ``numba``)."""
    single = load(path, pin_root=False, **load_kw)
    batched = load(path, pin_root=False, tier=batch_tier, **load_kw)
    if setup:
        setup(single)
        setup(batched)
    before = dict(batch.STATS)
    res = run_xdp(batched.program(prog_name), scan(pcap))
    # the compiled tier's loop is machine code of its own (called without Numba)
    loop = loop or ("native" if batched.machine.tier == "compiled" else "numba")
    assert batch.STATS[loop] == before[loop] + 1, batch.STATS

    def same_result(i, got, want):
        assert (got.retval, got.verdict, got.data, got.executed, got.redirect) == \
            (want.retval, want.verdict, want.data, want.executed, want.redirect), i

    kinds = same_as_runs(res, single, batched, pcap,
                         lambda i, pkt: single.program(prog_name).run(pkt.data), same_result)
    return kinds, single


@pytest.mark.parametrize("obj, prog", [
    ("programs/examples/xdp_filter.o", None),
    ("programs/examples/xdp_firewall.o", None),
    ("programs/examples/xdp_tailcall.o", "xdp_entry"),
    ("programs/bench/parse.o", None),
    ("programs/bench/parse_map.o", None),
    ("programs/bench/checksum.o", None),
    ("programs/bench/l4lb.o", None),
])
@pytest.mark.parametrize("tier", ["interp", "compiled"])
def test_fixtures(capture, obj, prog, tier):
    path = REPO / obj
    name = prog or next(iter(load(path, pin_root=False).programs))
    kinds, _ = compare(path, name, capture, batch_tier=tier)
    assert "TestRunRefused" in kinds and "PyBPFError" in kinds   # runt and jumbo frames


@pytest.mark.parametrize("tier", ["interp", "compiled"])
def test_faults_are_reported_per_packet_and_the_batch_goes_on(tier, tmp_path_factory, capture):
    path = compiled(tmp_path_factory, TESTS / "loader_src" / "unchecked.c")
    kinds, _ = compare(path, "unchecked", capture, batch_tier=tier)
    assert "MemoryFault" in kinds and kinds & {"XDP_PASS", "XDP_DROP"}


@pytest.mark.parametrize("tier", ["interp", "compiled"])
def test_budget_exhaustion_matches(tier, tmp_path_factory, capture):
    path = compiled(tmp_path_factory, TESTS / "loader_src" / "loop.c")
    kinds, _ = compare(path, "looper", capture, budget=300, batch_tier=tier)
    assert "InstructionLimit" in kinds


@pytest.mark.parametrize("tier", ["interp", "compiled"])
def test_python_helpers_trace_and_clock(tier, tmp_path_factory, capture):
    path = compiled(tmp_path_factory, TESTS / "loader_src" / "printk.c")
    _, single = compare(path, "printk", capture, helpers={"fib_lookup": lambda m, *a: 0}, batch_tier=tier)
    assert len(single.trace) > 100


@pytest.mark.parametrize("tier", ["interp", "compiled"])
@pytest.mark.parametrize("src, prog", [("events_ringbuf.c", None), ("events_perf.c", None)])
def test_events(tier, tmp_path_factory, capture, src, prog):
    path = compiled(tmp_path_factory, TESTS / "maps_src" / src)
    name = prog or next(iter(load(path, pin_root=False).programs))
    _, single = compare(path, name, capture, batch_tier=tier)
    assert len(single.events) > 10


@pytest.mark.parametrize("tier", ["interp", "compiled"])
def test_packets_moved_by_python_helpers(tier, tmp_path):
    """The load balancer encapsulates with bpf_xdp_adjust_head (a Python helper moving the
    packet between frames) for most packets of its traffic."""
    import sys
    sys.path.insert(0, str(TESTS))
    import test_l4lb as lb
    pcap = tmp_path / "lb.pcap"
    write_pcap(pcap, [Packet(i, 1000 * (i + 1), p) for i, p in enumerate(lb.traffic(seed=2))],
               resolution="ns")
    kinds, single = compare(lb.OBJ, "l4lb", pcap, setup=lb.configure, ncpu=2,
                            rodata={"gw_mac": lb.GW_MAC}, batch_tier=tier)
    assert kinds == {"XDP_TX", "XDP_PASS", "XDP_DROP"}
    assert len(single.maps["conns"]) > 10


def test_compiled_tier_falls_back_to_numbas_loop(tmp_path_factory, capture, monkeypatch):
    """Where the compiled tier's loop cannot be built as machine code, Numba runs the same
    loop over the program's machine code, with the same results."""
    import pybpf.batch
    monkeypatch.setattr(pybpf.batch, "native_loop", lambda values, function: None)
    before = batch.STATS["numba"]
    path = compiled(tmp_path_factory, TESTS / "loader_src" / "unchecked.c")
    kinds, _ = compare(REPO / "programs/examples/xdp_filter.o", "xdp_filter", capture,
                       batch_tier="compiled", loop="numba")
    assert {"XDP_PASS", "XDP_DROP"} <= kinds
    kinds, _ = compare(path, "unchecked", capture, batch_tier="compiled", loop="numba")
    assert "MemoryFault" in kinds
    assert batch.STATS["numba"] == before + 2


@pytest.mark.parametrize("tier", ["interp", "compiled"])
def test_test_run_repeat_runs_in_one_batch(tmp_path_factory, tier, monkeypatch):
    """``test_run(repeat=N)`` (XDP) runs N - 1 times in the compiled loop (in chunks) and the
    last one as usual: results, maps and errors as N separate runs give them."""
    import sys

    import pybpf.batch
    import pybpf.loader
    monkeypatch.setattr(pybpf.loader, "TEST_RUN_CHUNK", 4)   # 6 runs: chunks of 4 and 2
    calls = []
    real = pybpf.batch.run_xdp
    monkeypatch.setattr(pybpf.batch, "run_xdp",
                        lambda prog, pkts, **kw: calls.append(len(pkts)) or real(prog, pkts, **kw))
    sys.path.insert(0, str(TESTS))
    import test_l4lb as lb
    unchecked = compiled(tmp_path_factory, TESTS / "loader_src" / "unchecked.c")
    cases = [(REPO / "programs/bench/parse_map.o", None, {}, read_packets(DEFAULT_PCAP)[0].data),
             (lb.OBJ, lb.configure, {"ncpu": 2, "rodata": {"gw_mac": lb.GW_MAC}},
              lb.traffic(seed=3)[0]),
             (unchecked, None, {}, read_packets(DEFAULT_PCAP)[0].data),
             (unchecked, None, {}, bytes(20))]
    seen = set()
    for path, setup, kw, pkt in cases:
        objs = [load(path, pin_root=False, tier=tier, **kw) for _ in range(2)]
        if setup:
            for o in objs:
                setup(o)
        progs = [next(iter(o.programs.values())) for o in objs]
        outcome = []
        for n, prog in enumerate(progs):
            try:
                if n == 0:
                    r = prog.test_run(pkt, repeat=7)
                else:
                    for _ in range(7):
                        r = prog.test_run(pkt)
                outcome.append((r.retval, r.data, r.executed, r.ctx, r.redirect))
            except PyBPFError as exc:
                outcome.append((type(exc).__name__, str(exc)))
        assert outcome[0] == outcome[1], path
        assert objs[0].maps.to_json() == objs[1].maps.to_json(), path
        seen.add(outcome[0][0] if isinstance(outcome[0][0], str) else "ok")
    assert seen == {"ok", "MemoryFault"}
    assert calls and calls[:2] == [4, 2] and set(calls) == {4, 2}   # repeat=7: 4 + 2 + 1


def test_memmove_compiled_and_plain_agree_on_overlaps():
    """fastpath.memmove (LLVM's memmove when compiled, a slice copy as plain Python): the
    ranges may overlap either way, and source and destination may be different arrays."""
    import numpy as np
    from numba import njit

    from pybpf.vm.fastpath import memmove

    @njit
    def move(dst, doff, src, soff, n):
        memmove(dst, doff, src, soff, n)

    rng = np.random.default_rng(7)
    for doff, soff, n in ((0, 5, 20), (5, 0, 20), (3, 3, 10), (10, 0, 0), (0, 0, 64)):
        base = rng.integers(0, 256, 64, dtype=np.uint8)
        want = base.copy()
        want[doff:doff + n] = base[soff:soff + n].copy()
        for fn in (move, move.py_func):
            got = base.copy()
            fn(got, doff, got, soff, n)
            assert (got == want).all(), (fn, doff, soff, n)
    other = np.zeros(8, dtype=np.uint8)
    move(other, 2, np.arange(8, dtype=np.uint8), 4, 3)
    assert other.tolist() == [0, 0, 4, 5, 6, 0, 0, 0]


def test_memzero_compiled_and_plain_agree():
    import numpy as np
    from numba import njit

    from pybpf.vm.fastpath import memzero

    @njit
    def zero(dst, off, n):
        memzero(dst, off, n)

    for off, n in ((0, 64), (5, 7), (63, 1), (10, 0)):
        for fn in (zero, zero.py_func):
            got = np.full(64, 0xAB, dtype=np.uint8)
            fn(got, off, n)
            assert got.tolist() == [0xAB] * off + [0] * n + [0xAB] * (64 - off - n)


def test_a_helper_ending_the_program_in_a_batch_without_numba(tmp_path):
    """A Python helper that ends the program (ProgramExit) inside a compiled-tier batch, in
    a process where Numba is not loaded yet: the packet's result is recorded by Numba's
    loop functions, loaded then (the machine switches from its ctypes calls)."""
    import os
    import subprocess
    import sys
    obj = compile_c(TESTS / "loader_src" / "printk.c", out=tmp_path / "printk.o")
    script = (
        "import sys\n"
        "from pybpf.batch import run_xdp\nfrom pybpf.loader import load\n"
        "from pybpf.vm.machine import ProgramExit\n"
        "def stop(machine, *args):\n"
        "    raise ProgramExit(5)\n"
        f"obj = load({str(obj)!r}, tier='compiled', helpers={{'trace_printk': stop}})\n"
        "res = run_xdp(obj.program('printk'), [bytes(60), bytes(64), bytes(70)])\n"
        "print([res.result(i).retval for i in range(3)], [len(res.data(i)) for i in range(3)])\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    for _ in range(2):   # the second with the caches filled: Numba not loaded at first
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=900, env=env)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.split("\n")[0] == "[5, 5, 5] [60, 64, 70]"
