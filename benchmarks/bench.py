#!/usr/bin/env python3
"""pybpf speed benchmark: the bench programs on every execution tier, side by side.

Usage::

    python benchmarks/bench.py            # table
    python benchmarks/bench.py --json     # one JSON record on stdout
    python benchmarks/bench.py --quick    # fewer, shorter repetitions (smoke test)

For each program of ``programs/bench`` (run on a 1514-byte Ethernet/IPv4/TCP
frame with valid checksums) it measures, warm (compilation excluded):

* ``interp`` -- the Numba-compiled interpreter, in this process: the end-to-end
  ``Program.run(packet)`` and the bare ``Machine.run(ctx_va)`` re-executing on
  the packet the first ``run`` set up;
* ``compiled`` -- each program translated to its own Numba function
  (``load(..., tier="compiled")``), in this process: the same two figures, plus
  ``loop``: the compiled function called ``n`` times from a Numba loop (with the
  same per-run reset ``Machine.run`` does), so without Python's per-call cost;
* ``py`` -- the same interpreter as plain Python, in a subprocess with
  ``NUMBA_DISABLE_JIT=1`` (fewer repetitions: it is slow);
* ``kernel`` -- ``BPF_PROG_TEST_RUN`` with ``repeat=N`` through
  :mod:`pybpf.kernel` when it is available (the kernel's mean duration per
  repetition; with the BPF JIT on, that is native code).

Every figure is the median of several batches. Instructions per second use
the instruction count pybpf's interpreter reports for one execution.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import statistics
import struct
import subprocess
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("pybpf") is None:
    sys.path.insert(0, str(REPO))  # `python benchmarks/bench.py` from an uninstalled checkout

BENCH_DIR = REPO / "programs" / "bench"

#: (name, object file, program name) of every benchmark, in table order.
PROGRAMS = (
    ("parse", "parse.o", "bench_parse"),
    ("parse_map", "parse_map.o", "bench_parse_map"),
    ("alu_loop", "alu_loop.o", "bench_alu_loop"),
    ("checksum", "checksum.o", "bench_checksum"),
)

#: Whole captures through pybpf.batch (per packet: the packet placed as a test run places
#: it, the program, the output copied), against the kernel's test run with ``repeat``.
#: (name, object, program); ``l4lb`` gets a VIP, a ring and reals, and packets to the VIP;
#: ``tc_snat`` (a tc program: source NAT with bpf_l4/l3_csum_replace and
#: bpf_skb_store_bytes) a translation for the packets' source.
BATCH_PROGRAMS = (
    ("parse", "parse.o", "bench_parse"),
    ("parse_map", "parse_map.o", "bench_parse_map"),
    ("checksum", "checksum.o", "bench_checksum"),
    ("l4lb", "l4lb.o", "l4lb"),
    ("tc_snat", "../tests/tc_snat.o", "tc_snat"),
)
#: The maps each configured program's kernel copy gets from pybpf's.
CONFIGURED_MAPS = {"l4lb": ("vips", "ring", "reals"), "tc_snat": ("snat",)}

#: Objects whose cold compile (IR to machine code, no cache) is timed.
COMPILE_OBJECTS = ("parse.o", "l4lb.o", "unrolled.o", "../datapath/datapath.o")

FRAME_LEN = 1514  # a full-MTU (1500-byte) IPv4 datagram in an Ethernet frame

#: Timing settings per mode: seconds per batch and number of batches.
SETTINGS = {
    "full": {"interp_batch_s": 0.25, "interp_batches": 7,
             "compiled_batch_s": 0.25, "compiled_batches": 7,
             "py_batch_s": 0.5, "py_batches": 5,
             "kernel_batch_s": 0.1, "kernel_batches": 7,
             "capture_packets": 20_000, "capture_batches": 5,
             "e2e_packets": 1_000_000, "start_runs": 3},
    "quick": {"interp_batch_s": 0.02, "interp_batches": 3,
              "compiled_batch_s": 0.02, "compiled_batches": 3,
              "py_batch_s": 0.0, "py_batches": 1,
              "kernel_batch_s": 0.01, "kernel_batches": 3,
              "capture_packets": 2_000, "capture_batches": 2,
              "e2e_packets": 20_000, "start_runs": 1},
}


# --------------------------------------------------------------------------
# packets
# --------------------------------------------------------------------------


def inet_checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of ``data``: one's complement of the one's complement sum."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def tcp_frame(frame_len: int = FRAME_LEN, *, src: str = "10.0.0.1", dst: str = "10.0.0.2",
              sport: int = 40000, dport: int = 443, flags: int = 0x18, ttl: int = 64,
              seq: int = 0x01020304) -> bytes:
    """An Ethernet/IPv4/TCP frame of ``frame_len`` bytes with correct IPv4 and TCP checksums.

    The IPv4 header has no options (IHL 5, DF set), the TCP header none either
    (data offset 5); the payload is a deterministic byte pattern. ``flags`` is
    the TCP flags byte (default PSH|ACK).
    """
    if frame_len < 14 + 20 + 20:
        raise ValueError("frame too short for Ethernet + IPv4 + TCP headers")
    saddr = bytes(int(x) for x in src.split("."))
    daddr = bytes(int(x) for x in dst.split("."))
    tot_len = frame_len - 14
    payload = bytes((i * 7 + 3) & 0xFF for i in range(tot_len - 40))
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0x0A0B0C0D, 5 << 4, flags, 65535, 0, 0)
    tcp += payload
    pseudo = saddr + daddr + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", inet_checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot_len, 0x1234, 0x4000, ttl, 6, 0, saddr, daddr)
    ip = ip[:10] + struct.pack("!H", inet_checksum(ip)) + ip[12:]
    eth = bytes.fromhex("020000000002" "020000000001") + b"\x08\x00"
    return eth + ip + tcp


def bench_packet() -> bytes:
    """The packet every benchmark runs on."""
    return tcp_frame(FRAME_LEN)


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------


def _time_batches(fn, batch_s: float, batches: int, max_calls: int | None = None) -> list[float]:
    """ns per call of ``fn()`` for each of ``batches`` batches of about ``batch_s`` seconds."""
    t0 = time.perf_counter_ns()
    fn()
    one = max(time.perf_counter_ns() - t0, 1)
    n = max(1, int(batch_s * 1e9 / one))
    if max_calls is not None:
        n = min(n, max_calls)
    out = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(batches):
            t0 = time.perf_counter_ns()
            for _ in range(n):
                fn()
            out.append((time.perf_counter_ns() - t0) / n)
    finally:
        if gc_was:
            gc.enable()
    return out


def _summary(samples: list[float], executed: int) -> dict:
    ns = statistics.median(samples)
    return {"ns": ns, "minsn_per_s": executed / ns * 1e3 if ns else None,
            "samples": len(samples), "min_ns": min(samples), "max_ns": max(samples)}


def _bare_runner(prog):
    """``Machine.run`` of ``prog`` on the packet its last ``Program.run`` set up."""
    from pybpf.vm import abi

    machine = prog.machine
    ctx_va = abi.region_va(abi.REGION_CTX)  # where xdp_md lives (XdpContext.ctx_va)
    entry = getattr(prog, "entry", None)    # programs sharing an object's code have one
    if entry is None:
        return lambda: machine.run(ctx_va)
    return lambda: machine.run(ctx_va, entry=entry)


_REPEAT = None


def _loop_runner(prog):
    """``fn(n)``: ``n`` executions of the compiled program inside one Numba loop (each with
    the per-run reset of ``Machine.run``); returns the last status."""
    global _REPEAT
    import numpy as np
    from numba import njit

    from pybpf.vm import abi
    from pybpf.vm.fastpath import begin

    from pybpf.vm.nativecall import execute

    if _REPEAT is None:
        @njit(nogil=True)
        def repeat(n, h, dsts, srcs, offs, offu, immu, regs, st, frames, arena, rbase, rlo,
                   rhi, rflag, ctxmap, hot, maps, r1, entry, budget, ncode, stack):
            status = 0
            for _ in range(n):
                begin(regs, st, arena, rbase, rhi, r1, np.uint64(0), entry, budget, ncode, stack)
                # the machine code at st[NATIVE_FN], called as pybpf.batch calls it
                status = execute(h, dsts, srcs, offs, offu, immu, regs, st, frames, arena, rbase,
                                 rlo, rhi, rflag, ctxmap, hot, maps)
            return status
        _REPEAT = repeat
    m, mem, code = prog.machine, prog.machine.memory, prog.machine.code
    assert m._run is execute, "the compiled tier's run function"
    from pybpf.vm.native import link_step
    link_step(m.st)   # a handover in the loop must not stop it to load the step
    entry = getattr(prog, "entry", None) or 0
    args = (code.h, code.dsts, code.srcs, code.offs, code.offu, code.immu, m.regs, m.st,
            m.frames, mem.arena, mem.rbase, mem.rlo, mem.rhi, mem.rflag, mem.ctxmap, m.hot,
            m.maps, np.uint64(abi.region_va(abi.REGION_CTX)), entry, m.budget, code.nslots,
            code.stack_in_use)
    return lambda n: _REPEAT(n, *args)


def measure_pybpf(mode: str, tier: str) -> dict:
    """Time every program on one tier of this process (``tier`` names it)."""
    from pybpf.loader import load
    from pybpf.vm import abi

    cfg = SETTINGS[mode]
    batch_s = cfg[f"{tier}_batch_s"]
    batches = cfg[f"{tier}_batches"]
    packet = bench_packet()
    results = {}
    for name, obj, prog_name in PROGRAMS:
        t0 = time.perf_counter()
        prog = load(BENCH_DIR / obj, tier=None if tier == "py" else tier).program(prog_name)
        prog.run(packet)  # compiles (or loads from the cache)
        first_s = time.perf_counter() - t0
        # the reference run: maps hold what the first run left (parse_map's flow entry),
        # as in every run after it; it also sets the packet up for the bare re-runs
        first = prog.run(packet)
        if first.data != packet:
            raise SystemExit(f"{name}: the program modified the packet; "
                             f"re-running Machine.run on it would be wrong")
        executed = first.executed
        bare = _bare_runner(prog)
        if (bare() & 0xFFFFFFFF) != first.retval or prog.machine.executed != executed:
            raise SystemExit(f"{name}: Machine.run on the same packet gave a different result")

        def end_to_end():
            prog.run(packet)

        # py: a batch of 0 s means a single call per batch (quick mode).
        bare_samples = _time_batches(bare, batch_s, batches)
        run_samples = _time_batches(end_to_end, batch_s, batches)
        loop = None
        if tier == "compiled":
            repeat = _loop_runner(prog)
            if repeat(1) != abi.EXIT or int(prog.machine.st[abi.COUNT]) != executed:
                raise SystemExit(f"{name}: the compiled loop gave a different result")
            n = max(1, int(batch_s * 1e9 / max(bare_samples[0], 1)) * 4)
            loop_samples = []
            for _ in range(batches):
                t0 = time.perf_counter_ns()
                repeat(n)
                loop_samples.append((time.perf_counter_ns() - t0) / n)
            loop = _summary(loop_samples, executed)
        last = prog.run(packet)
        if last.retval != first.retval or last.executed != executed:
            raise SystemExit(f"{name}: results changed between runs")
        results[name] = {
            "loop": loop,
            "retval": first.retval,
            "verdict": first.verdict,
            "executed": executed,
            "first_run_s": first_s,
            "machine_run": _summary(bare_samples, executed),
            "program_run": _summary(run_samples, executed),
        }
    return results


def measure_py_subprocess(mode: str) -> dict:
    """Run :func:`measure_pybpf` for the ``py`` tier in a ``NUMBA_DISABLE_JIT=1`` subprocess."""
    from pybpf.vm.machine import py_tier_env

    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", "py"]
    if mode == "quick":
        argv.append("--quick")
    proc = subprocess.run(argv, env=py_tier_env(), capture_output=True, text=True,
                          cwd=str(REPO), timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"py tier subprocess failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout)


def measure_kernel(mode: str) -> tuple[dict | None, str | None]:
    """``BPF_PROG_TEST_RUN`` timings, or (None, reason) when the kernel cannot be used."""
    try:
        from pybpf import kernel
    except ImportError as exc:
        return None, f"pybpf.kernel not importable: {exc}"
    try:
        if not kernel.available():
            return None, kernel.unavailable_reason() or "unknown reason"
    except Exception as exc:  # noqa: BLE001 - report whatever went wrong
        return None, f"{type(exc).__name__}: {exc}"

    cfg = SETTINGS[mode]
    packet = bench_packet()
    results = {}
    for name, obj, prog_name in PROGRAMS:
        try:
            kobj = kernel.KernelObject(BENCH_DIR / obj)
        except Exception as exc:  # noqa: BLE001
            return None, f"{name}: {type(exc).__name__}: {exc}"
        with kobj:
            fd = kobj.prog_fd(prog_name)
            first = kernel.test_run(fd, packet, repeat=1)
            # Calibrate repeat so one test_run call lasts about kernel_batch_s.
            probe = kernel.test_run(fd, packet, repeat=1000)
            per = max(probe.duration_ns, 1)
            repeat = int(min(max(cfg["kernel_batch_s"] * 1e9 / per, 100), 1_000_000))
            samples = []
            for _ in range(cfg["kernel_batches"]):
                r = kernel.test_run(fd, packet, repeat=repeat)
                if r.retval != first.retval:
                    raise SystemExit(f"{name}: kernel retval changed between runs")
                samples.append(float(r.duration_ns))
            results[name] = {"retval": first.retval, "repeat": repeat,
                             "data_out_matches": first.data_out == packet,
                             "samples_ns": samples}
    return results, None


# --------------------------------------------------------------------------
# captures, end to end, start-up and compile times
# --------------------------------------------------------------------------


def _l4lb():
    """The load balancer's configuration and a packet to its first VIP (tests/test_l4lb.py)."""
    sys.path.insert(0, str(REPO / "tests"))
    try:
        import test_l4lb as lb
    finally:
        sys.path.pop(0)
    addr, port, proto = lb.VIPS[0]
    l4 = struct.pack("!HH", 40000, port) + bytes(16)
    return lb, lb.frame(lb.ipv4("100.64.1.7", addr, proto, l4))


def _batch_packet(name: str) -> bytes:
    return _l4lb()[1] if name == "l4lb" else bench_packet()


def _configure(name: str, obj) -> None:
    if name == "l4lb":
        _l4lb()[0].configure(obj)
    if name == "tc_snat":   # the bench packet's source, 10.0.0.1, becomes 192.0.2.7
        obj.maps["snat"][bytes([10, 0, 0, 1])] = bytes([192, 0, 2, 7])


def _run_batch(prog, packets):
    """The batch of ``prog``'s kind (pybpf.batch.run_xdp or run_tc)."""
    from pybpf.batch import run_tc, run_xdp
    return (run_xdp if prog.type == "xdp" else run_tc)(prog, packets)


def measure_captures(mode: str) -> dict:
    """ns per packet of ``pybpf.batch.run_xdp`` (``run_tc``) over a capture of one repeated
    packet, on the interp and compiled tiers; the two must give the same results."""
    import numpy as np

    from pybpf.loader import load

    import tempfile

    from pybpf.capture import scan
    from pybpf.pcap import Packet, write_pcap

    cfg = SETTINGS[mode]
    n = cfg["capture_packets"]
    out = {}
    for name, obj, prog_name in BATCH_PROGRAMS:
        packet = _batch_packet(name)
        with tempfile.TemporaryDirectory() as tmp:   # records as arrays, as pybpf run has them
            path = Path(tmp) / "c.pcap"
            write_pcap(path, [Packet(i, i, packet) for i in range(n)], resolution="ns")
            packets = scan(path)
        entry = {}
        results = {}
        for tier in ("interp", "compiled"):
            o = load(BENCH_DIR / obj, tier=tier, pin_root=False)
            _configure(name, o)
            prog = o.program(prog_name)
            _run_batch(prog, [packet] * 10)       # compile or load from the cache
            samples = []
            for _ in range(cfg["capture_batches"]):
                t0 = time.perf_counter_ns()
                res = _run_batch(prog, packets)
                samples.append((time.perf_counter_ns() - t0) / n)
            results[tier] = (res.retval.copy(), res.executed.copy(), res.data(n - 1))
            entry[tier] = {"ns_per_packet": statistics.median(samples),
                           "min_ns": min(samples), "tier": o.machine.tier}
        a, b = results["interp"], results["compiled"]
        entry["agree"] = bool(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
                              and a[2] == b[2])
        entry["executed"] = int(a[1][-1])
        entry["retval"] = int(a[0][-1])
        entry["data_out"] = a[2].hex()
        out[name] = entry
    return out


def measure_kernel_captures(mode: str) -> dict:
    """The kernel's test run of each BATCH_PROGRAMS packet with ``repeat`` (maps configured
    like pybpf's for l4lb and tc_snat)."""
    from pybpf import kernel
    from pybpf.loader import load

    cfg = SETTINGS[mode]
    out = {}
    for name, obj, prog_name in BATCH_PROGRAMS:
        packet = _batch_packet(name)
        with kernel.KernelObject(BENCH_DIR / obj) as ko:
            if name in CONFIGURED_MAPS:
                mine = load(BENCH_DIR / obj, ncpu=kernel.possible_cpus(), pin_root=False)
                _configure(name, mine)
                for m in CONFIGURED_MAPS[name]:
                    for k, v in mine.maps[m].items():
                        kernel.map_update(ko.map_fd(m), k, mine.maps[m].syscall_value(v))
            fd = ko.prog_fd(prog_name)
            first = kernel.test_run(fd, packet, repeat=1)
            if first.data_out != packet:
                # repetitions of one test run share the packet: after the first, a program
                # that rewrites it (l4lb encapsulates) would run on its own output, so each
                # packet is a test run of its own (the kernel's duration excludes the syscall)
                runs = cfg["capture_packets"] // 4
                samples = [float(kernel.test_run(fd, packet, repeat=1).duration_ns)
                           for _ in range(runs)]
                repeat = 1
            else:
                probe = kernel.test_run(fd, packet, repeat=1000)
                repeat = int(min(max(cfg["kernel_batch_s"] * 1e9 / max(probe.duration_ns, 1),
                                     100), 1_000_000))
                samples = [float(kernel.test_run(fd, packet, repeat=repeat).duration_ns)
                           for _ in range(cfg["kernel_batches"])]
        out[name] = {"ns_per_packet": statistics.median(samples), "retval": first.retval,
                     "data_out": first.data_out.hex(), "repeat": repeat}
    return out


def _pybpf_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "pybpf", *args]


_LAST_OUTPUT = [""]


def _timed(cmd: list[str], env: dict | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=str(REPO), env=env, capture_output=True, text=True,
                          timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    _LAST_OUTPUT[0] = proc.stdout + proc.stderr
    return time.perf_counter() - t0


def _reported_rate(text: str) -> float:
    """The packets/s ``pybpf run`` reports for its own run (pcap read to outputs written)."""
    import re
    m = re.search(r"packets in [0-9.]+ ms \(([0-9,]+) packets/s\)", text)
    if m is None:
        raise RuntimeError(f"pybpf run printed no rate:\n{text[-1000:]}")
    return float(m.group(1).replace(",", ""))


def measure_end_to_end(mode: str) -> dict:
    """``pybpf run`` (default tier, auto) on the parse program: a generated capture of
    64-byte frames, reading it and writing the output pcap. Throughput as the command
    reports it (its own clock runs from reading the pcap to the outputs written, start-up
    excluded), and as wall time minus the same command on a 10-packet capture."""
    import tempfile

    from pybpf.pcap import Packet, write_pcap

    cfg = SETTINGS[mode]
    n = cfg["e2e_packets"]
    frame = tcp_frame(64)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("NUMBA_DISABLE_JIT", None)
    # A filled cache includes Python's own (the .pyc files pip writes on install): without
    # it, every start compiles pybpf's modules and the generated interpreter from source.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.pcap", Path(tmp) / "small.pcap"
        write_pcap(big, (Packet(i, 1_000 * i, frame) for i in range(n)), resolution="ns")
        write_pcap(small, [Packet(i, 1_000 * i, frame) for i in range(10)], resolution="ns")
        prog = str(BENCH_DIR / "parse.o")
        run = lambda pcap: _pybpf_cmd("run", prog, "--pcap", str(pcap), "--out",  # noqa: E731
                                      str(Path(tmp) / "out.pcap"))
        _timed(run(small), env)                       # fills the caches
        warm = min(_timed(run(small), env) for _ in range(cfg["start_runs"]))
        total, rate = float("inf"), 0.0
        for _ in range(max(1, cfg["start_runs"] - 1)):
            total = min(total, _timed(run(big), env))
            rate = max(rate, _reported_rate(_LAST_OUTPUT[0]))
        interp = min(_timed(run(small) + ["--tier", "interp"], env)
                     for _ in range(cfg["start_runs"]))
    return {"packets": n, "frame_len": len(frame), "wall_s": total, "warm_start_s": warm,
            "warm_start_interp_s": interp, "packets_per_s": rate,
            "packets_per_s_wall_minus_start": n / max(total - warm, 1e-9)}


def measure_compile() -> dict:
    """Cold compile (IR to machine code, no cache) of each COMPILE_OBJECTS program."""
    from pybpf.loader import load
    from pybpf.vm import native

    native.semantics_library()
    out = {}
    for rel in COMPILE_OBJECTS:
        code = load(BENCH_DIR / rel, pin_root=False).machine.code
        t0 = time.perf_counter()
        native.object_code(native.program_ir(code))
        out[Path(rel).name] = {"slots": code.nslots, "seconds": time.perf_counter() - t0}
    return out


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------


def _jit_enabled() -> str | None:
    try:
        return Path("/proc/sys/net/core/bpf_jit_enable").read_text().strip()
    except OSError:
        return None


def collect(mode: str, with_py: bool = True, with_kernel: bool = True,
            with_e2e: bool = True) -> dict:
    from pybpf.vm import current_tier

    record = {
        "mode": mode,
        "frame_len": FRAME_LEN,
        "host": {"python": platform.python_version(), "machine": platform.machine(),
                 "kernel_release": platform.release(), "cpus": os.cpu_count(),
                 "bpf_jit_enable": _jit_enabled()},
        "tiers": {},
        "programs": {},
    }
    interp = measure_pybpf(mode, "interp")
    record["tiers"]["interp"] = {"available": True, "tier": current_tier()}
    compiled = measure_pybpf(mode, "compiled")
    record["tiers"]["compiled"] = {"available": True}

    py = None
    if with_py:
        py = measure_py_subprocess(mode)
        record["tiers"]["py"] = {"available": True}
    else:
        record["tiers"]["py"] = {"available": False, "reason": "skipped with --no-py"}

    kern, reason = (None, "skipped with --no-kernel")
    if with_kernel:
        kern, reason = measure_kernel(mode)
    record["tiers"]["kernel"] = ({"available": True} if kern is not None
                                 else {"available": False, "reason": reason})

    for name, _, prog_name in PROGRAMS:
        i = interp[name]
        executed = i["executed"]
        entry = {
            "program": prog_name,
            "executed": executed,
            "retval": i["retval"],
            "verdict": i["verdict"],
            "interp": {"ns_per_exec": i["machine_run"]["ns"],
                       "minsn_per_s": i["machine_run"]["minsn_per_s"],
                       "ns_per_run": i["program_run"]["ns"],
                       "run_minsn_per_s": i["program_run"]["minsn_per_s"],
                       "overhead_ns": i["program_run"]["ns"] - i["machine_run"]["ns"],
                       "first_run_s": i["first_run_s"]},
            "compiled": {"ns_per_exec": compiled[name]["machine_run"]["ns"],
                         "minsn_per_s": compiled[name]["machine_run"]["minsn_per_s"],
                         "ns_per_run": compiled[name]["program_run"]["ns"],
                         "ns_per_exec_in_loop": compiled[name]["loop"]["ns"],
                         "loop_minsn_per_s": compiled[name]["loop"]["minsn_per_s"],
                         "first_run_s": compiled[name]["first_run_s"]},
            "py": None,
            "kernel": None,
            "ratios": {"interp_over_kernel": None, "py_over_interp": None,
                       "interp_over_compiled": i["machine_run"]["ns"]
                       / compiled[name]["machine_run"]["ns"],
                       "compiled_loop_over_kernel": None},
            "agree": (compiled[name]["retval"] == i["retval"]
                      and compiled[name]["executed"] == executed),
        }
        if py is not None:
            p = py[name]
            entry["py"] = {"ns_per_exec": p["machine_run"]["ns"],
                           "minsn_per_s": p["machine_run"]["minsn_per_s"],
                           "ns_per_run": p["program_run"]["ns"],
                           "samples": p["machine_run"]["samples"]}
            entry["ratios"]["py_over_interp"] = p["machine_run"]["ns"] / i["machine_run"]["ns"]
            entry["agree"] &= p["retval"] == i["retval"] and p["executed"] == executed
        if kern is not None:
            k = kern[name]
            ns = statistics.median(k["samples_ns"])
            entry["kernel"] = {"ns_per_exec": ns,
                               "minsn_per_s": executed / ns * 1e3 if ns else None,
                               "repeat": k["repeat"], "samples": len(k["samples_ns"])}
            entry["ratios"]["interp_over_kernel"] = i["machine_run"]["ns"] / ns if ns else None
            entry["ratios"]["compiled_loop_over_kernel"] = (
                compiled[name]["loop"]["ns"] / ns if ns else None)
            entry["agree"] &= k["retval"] == i["retval"] and k["data_out_matches"]
        record["programs"][name] = entry

    captures = measure_captures(mode)
    if kern is not None:
        for name, k in measure_kernel_captures(mode).items():
            c = captures[name]
            c["kernel"] = k
            c["compiled_over_kernel"] = c["compiled"]["ns_per_packet"] / k["ns_per_packet"]
            c["agree"] &= k["retval"] == c["retval"] and k["data_out"] == c["data_out"]
    record["captures"] = captures
    record["compile"] = measure_compile()
    record["end_to_end"] = measure_end_to_end(mode) if with_e2e else None
    return record


def _fmt_ns(ns: float | None) -> str:
    if ns is None:
        return "-"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e4:
        return f"{ns / 1e3:.1f} us"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.0f} ns"


def _fmt_rate(v: float | None) -> str:
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 1:
        return f"{v:.1f}"
    return f"{v:.3f}"


def _fmt_ratio(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}x" if v >= 100 else f"{v:.1f}x"


def format_table(record: dict) -> str:
    head = ["program", "insns", "interp run", "interp exec", "interp M/s",
            "compiled exec", "compiled loop", "loop M/s", "py exec", "py M/s", "kernel exec",
            "kernel M/s", "interp/kernel", "loop/kernel", "interp/compiled", "py/interp"]
    rows = [head]
    order = [n for n, _, _ in PROGRAMS if n in record["programs"]]
    for name in order:
        e = record["programs"][name]
        i, p, k, r = e["interp"], e["py"] or {}, e["kernel"] or {}, e["ratios"]
        c = e["compiled"]
        rows.append([
            name, f"{e['executed']:,}",
            _fmt_ns(i["ns_per_run"]), _fmt_ns(i["ns_per_exec"]), _fmt_rate(i["minsn_per_s"]),
            _fmt_ns(c["ns_per_exec"]), _fmt_ns(c["ns_per_exec_in_loop"]),
            _fmt_rate(c["loop_minsn_per_s"]),
            _fmt_ns(p.get("ns_per_exec")), _fmt_rate(p.get("minsn_per_s")),
            _fmt_ns(k.get("ns_per_exec")), _fmt_rate(k.get("minsn_per_s")),
            _fmt_ratio(r["interp_over_kernel"]), _fmt_ratio(r["compiled_loop_over_kernel"]),
            _fmt_ratio(r["interp_over_compiled"]), _fmt_ratio(r["py_over_interp"]),
        ])
    widths = [max(len(row[c]) for row in rows) for c in range(len(head))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    host = record["host"]
    lines.append("")
    lines.append(f"frame: {record['frame_len']} bytes Ethernet/IPv4/TCP; mode: {record['mode']}; "
                 f"{host['cpus']} CPUs; Linux {host['kernel_release']}; "
                 f"Python {host['python']}; bpf_jit_enable={host['bpf_jit_enable']}")
    for tier in ("py", "kernel"):
        t = record["tiers"][tier]
        if not t["available"]:
            lines.append(f"{tier}: unavailable ({t['reason']})")
    bad = [n for n, e in record["programs"].items() if not e["agree"]]
    if bad:
        lines.append(f"WARNING: tiers disagree on retval/instruction count for: {', '.join(bad)}")
    overhead = ", ".join(f"{n} {_fmt_ns(e['interp']['overhead_ns'])}"
                         for n, e in record["programs"].items())
    lines.append(f"interp per-call overhead of Program.run over Machine.run: {overhead}")
    first = ", ".join(f"{n} {e['compiled']['first_run_s']:.1f} s"
                      for n, e in record["programs"].items())
    lines.append(f"compiled: load + first run (compile, or load from the cache): {first}")

    caps = record.get("captures") or {}
    if caps:
        lines += ["", "Whole captures (pybpf.batch.run_xdp/run_tc; per packet: placement, run, "
                  "output copy) against the kernel's test run with repeat:", ""]
        head = ["program", "insns", "interp", "compiled", "kernel", "compiled/kernel",
                "interp/compiled"]
        rows = [head]
        for name, c in caps.items():
            k = c.get("kernel") or {}
            rows.append([name, f"{c['executed']:,}", _fmt_ns(c["interp"]["ns_per_packet"]),
                         _fmt_ns(c["compiled"]["ns_per_packet"]),
                         _fmt_ns(k.get("ns_per_packet")),
                         _fmt_ratio(c.get("compiled_over_kernel")),
                         _fmt_ratio(c["interp"]["ns_per_packet"]
                                    / c["compiled"]["ns_per_packet"])])
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        for n, row in enumerate(rows):
            lines.append("  ".join([row[0].ljust(widths[0])]
                                   + [x.rjust(w) for x, w in zip(row[1:], widths[1:])]))
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        bad = [n for n, c in caps.items() if not c["agree"]]
        if bad:
            lines.append(f"WARNING: captures disagree between tiers/kernel: {', '.join(bad)}")
    comp = record.get("compile") or {}
    if comp:
        lines.append("")
        lines.append("cold compile to machine code (no cache): " + ", ".join(
            f"{n} ({c['slots']} slots) {c['seconds']:.2f} s" for n, c in comp.items()))
    e2e = record.get("end_to_end")
    if e2e:
        lines.append(f"pybpf run, parse.o, {e2e['packets']:,} x {e2e['frame_len']}-byte frames "
                     f"to an output pcap: {e2e['wall_s']:.2f} s wall; "
                     f"{e2e['packets_per_s'] / 1e6:.2f} M packets/s as it reports them (pcap "
                     f"read to outputs written), "
                     f"{e2e['packets_per_s_wall_minus_start'] / 1e6:.2f} M/s as wall time "
                     f"minus a 10-packet run")
        lines.append(f"warm start (pybpf run on 10 packets, caches filled): "
                     f"{e2e['warm_start_s']:.2f} s (--tier interp: "
                     f"{e2e['warm_start_interp_s']:.2f} s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON record instead of a table")
    ap.add_argument("--quick", action="store_true",
                    help="short batches, one py-tier execution per program (smoke test)")
    ap.add_argument("--no-py", action="store_true", help="skip the py tier")
    ap.add_argument("--no-kernel", action="store_true", help="skip the kernel tier")
    ap.add_argument("--no-e2e", action="store_true",
                    help="skip the end-to-end pybpf run and start-up measurements")
    ap.add_argument("--worker", choices=("py",), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    mode = "quick" if args.quick else "full"

    if args.worker:
        from pybpf.vm import current_tier
        if current_tier() != args.worker:
            raise SystemExit(f"worker for tier {args.worker!r} runs tier {current_tier()!r}")
        # numpy scalars warn about (intended) wrap-around in plain-Python mode.
        warnings.simplefilter("ignore", RuntimeWarning)
        json.dump(measure_pybpf(mode, "py"), sys.stdout)
        return 0

    record = collect(mode, with_py=not args.no_py, with_kernel=not args.no_kernel,
                     with_e2e=not args.no_e2e)
    if args.json:
        json.dump(record, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_table(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
