"""Correctness of the benchmark programs (programs/bench) and of benchmarks/bench.py.

No timing assertions here: only verdicts, instruction counts within the
intended range (so a benchmark keeps measuring what it says it measures), and
that the benchmark script runs end to end.
"""

from __future__ import annotations

import importlib.util
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from pybpf.errors import PyBPFError
from pybpf.loader import load

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "programs" / "bench"
BENCH_SCRIPT = REPO / "benchmarks" / "bench.py"


def _load_bench_module():
    spec = importlib.util.spec_from_file_location("pybpf_bench_script", BENCH_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load_bench_module()
tcp_frame = bench.tcp_frame
inet_checksum = bench.inet_checksum

ETH, IP = 14, 20  # header lengths (no VLAN, no IP options)
MASK64 = (1 << 64) - 1


def _program(name: str):
    return load(BENCH_DIR / f"{name}.o").program(f"bench_{name}")


@pytest.fixture(scope="module")
def parse():
    return _program("parse")


@pytest.fixture(scope="module")
def alu_loop():
    return _program("alu_loop")


@pytest.fixture(scope="module")
def checksum():
    return _program("checksum")


def _patch(frame: bytes, offset: int, value: bytes) -> bytes:
    return frame[:offset] + value + frame[offset + len(value):]


def _fix_ip_checksum(frame: bytes) -> bytes:
    ip = _patch(frame[ETH:ETH + IP], 10, b"\0\0")
    return _patch(frame, ETH + 10, struct.pack("!H", inet_checksum(ip)))


# --------------------------------------------------------------------------
# the packet builder itself
# --------------------------------------------------------------------------


def test_tcp_frame_is_valid():
    frame = tcp_frame()
    assert len(frame) == 1514
    ip = frame[ETH:ETH + IP]
    assert inet_checksum(ip) == 0
    tot_len = struct.unpack("!H", ip[2:4])[0]
    assert tot_len == 1500
    seg = frame[ETH + IP:]
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 6, len(seg))
    assert inet_checksum(pseudo + seg) == 0


# --------------------------------------------------------------------------
# parse
# --------------------------------------------------------------------------


def test_parse_passes_good_tcp(parse):
    r = parse.run(tcp_frame())
    assert r.verdict == "XDP_PASS"
    assert 40 <= r.executed <= 100
    r = parse.run(tcp_frame(64, flags=0x02))  # a minimum-size SYN
    assert r.verdict == "XDP_PASS"


@pytest.mark.parametrize("frame, why", [
    (tcp_frame()[:30], "truncated IPv4 header"),
    (_fix_ip_checksum(_patch(tcp_frame()[:50], ETH + 2, struct.pack("!H", 36))),
     "truncated TCP header"),
    (tcp_frame()[:-1], "IPv4 total length beyond the frame"),
    (tcp_frame(flags=0x03), "SYN+FIN"),
    (tcp_frame(flags=0x00), "null scan"),
    (tcp_frame(dport=0), "destination port 0"),
    (tcp_frame(src="224.0.0.5"), "multicast source"),
    (_fix_ip_checksum(_patch(tcp_frame(), ETH, b"\x65")), "IP version 6 in an IPv4 frame"),
    (_fix_ip_checksum(_patch(tcp_frame(), ETH, b"\x44")), "IHL below 5"),
    (_fix_ip_checksum(_patch(tcp_frame(), ETH + 6, b"\x20\x00")), "a fragment (MF)"),
    (_patch(tcp_frame(), ETH + IP + 12, b"\x40"), "TCP data offset 4"),
])
def test_parse_drops_bad(parse, frame, why):
    r = parse.run(frame)
    assert r.verdict == "XDP_DROP", why
    assert r.executed <= 100


def test_parse_passes_non_ip(parse):
    arp = _patch(tcp_frame(64), 12, b"\x08\x06")
    assert parse.run(arp).verdict == "XDP_PASS"


def test_runt_frames_refused_like_the_kernel(parse, alu_loop):
    # BPF_PROG_TEST_RUN refuses XDP input shorter than an Ethernet header, and so
    # does Program.run; the programs' own short-packet guards are for real traffic.
    for prog in (parse, alu_loop):
        with pytest.raises(PyBPFError):
            prog.run(tcp_frame()[:13])


# --------------------------------------------------------------------------
# alu_loop
# --------------------------------------------------------------------------


def _alu_reference(frame: bytes) -> str:
    """A Python model of alu_loop.c."""
    if len(frame) < 8:
        return "XDP_DROP"
    a = struct.unpack("<Q", frame[:8])[0]
    b = a ^ 0x9E3779B97F4A7C15
    c = 0x243F6A8885A308D3
    d = 0x13198A2E03707344
    for _ in range(760):
        a = (a + b) & MASK64
        b ^= a
        b = ((b << 13) | (b >> 51)) & MASK64
        c = (c + b) & MASK64
        d ^= c
        d = ((d << 32) | (d >> 32)) & MASK64
        a = (a * 0x100000001B3) & MASK64
        c ^= d >> 17
    return "XDP_DROP" if (a ^ b ^ c ^ d) & 1 else "XDP_PASS"


def test_alu_loop_matches_reference(alu_loop):
    seen = set()
    for seed in range(12):
        frame = bytes([seed, 0x11, 0x22, 0x33, 0x44, 0x55, seed * 3 & 0xFF, 0x77]) + tcp_frame(64)[8:]
        r = alu_loop.run(frame)
        assert r.verdict == _alu_reference(frame), seed
        assert 15_000 <= r.executed <= 25_000
        seen.add(r.verdict)
    assert seen == {"XDP_PASS", "XDP_DROP"}  # the result really depends on the loop
    r = alu_loop.run(tcp_frame())
    assert r.verdict == _alu_reference(tcp_frame())
    assert 15_000 <= r.executed <= 25_000


# --------------------------------------------------------------------------
# checksum
# --------------------------------------------------------------------------


def test_checksum_passes_good(checksum):
    r = checksum.run(tcp_frame())
    assert r.verdict == "XDP_PASS"
    assert 8_000 <= r.executed <= 13_000


def test_checksum_passes_odd_length_segment(checksum):
    frame = tcp_frame(14 + 20 + 20 + 101)
    assert checksum.run(frame).verdict == "XDP_PASS"
    assert checksum.run(_patch(frame, len(frame) - 1, bytes([frame[-1] ^ 0x10]))).verdict \
        == "XDP_DROP"


@pytest.mark.parametrize("offset, why", [
    (ETH + IP + 700, "a payload byte"),
    (1513, "the last payload byte"),
    (ETH + IP + 16, "the TCP checksum field"),
    (ETH + 12, "the source address (covered by both checksums)"),
    (ETH + 10, "the IPv4 checksum field"),
    (ETH + 8, "the TTL (IPv4 header checksum only)"),
])
def test_checksum_drops_corruption(checksum, offset, why):
    frame = tcp_frame()
    bad = _patch(frame, offset, bytes([frame[offset] ^ 0x01]))
    r = checksum.run(bad)
    assert r.verdict == "XDP_DROP", why
    assert r.executed <= 13_000


def test_checksum_drops_truncated(checksum):
    # tot_len says 1500 bytes but the frame stops short: the bounds checks end the sum.
    assert checksum.run(tcp_frame()[:1000]).verdict == "XDP_DROP"
    assert checksum.run(tcp_frame()[:20]).verdict == "XDP_DROP"


def test_checksum_passes_non_tcp(checksum):
    udp = _fix_ip_checksum(_patch(tcp_frame(), ETH + 9, b"\x11"))
    assert checksum.run(udp).verdict == "XDP_PASS"


# --------------------------------------------------------------------------
# the kernel agrees (when it can be asked)
# --------------------------------------------------------------------------


def test_kernel_agrees():
    kernel = pytest.importorskip("pybpf.kernel")
    if not kernel.available():
        pytest.skip(f"kernel: unavailable ({kernel.unavailable_reason()})")
    frames = [tcp_frame(), tcp_frame(64, flags=0x03), tcp_frame()[:1000],
              _patch(tcp_frame(), ETH + IP + 700, b"\xff"), tcp_frame(14 + 20 + 20 + 101)]
    for name in ("parse", "alu_loop", "checksum"):
        prog = _program(name)
        with kernel.KernelObject(BENCH_DIR / f"{name}.o") as kobj:
            for frame in frames:
                ours = prog.run(frame)
                theirs = kobj.run(f"bench_{name}", frame)
                assert theirs.retval == ours.retval, (name, len(frame))


# --------------------------------------------------------------------------
# the benchmark script
# --------------------------------------------------------------------------


def test_bench_script_quick_json():
    proc = subprocess.run([sys.executable, str(BENCH_SCRIPT), "--quick", "--json"],
                          capture_output=True, text=True, timeout=900, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert {"mode", "frame_len", "host", "tiers", "programs", "captures", "compile",
            "end_to_end"} <= set(record)
    assert record["mode"] == "quick"
    assert set(record["tiers"]) == {"interp", "compiled", "py", "kernel"}
    assert set(record["programs"]) == {"parse", "parse_map", "alu_loop", "checksum"}
    assert set(record["captures"]) == {"parse", "parse_map", "checksum", "l4lb", "tc_snat"}
    for name, entry in record["captures"].items():
        assert entry["agree"] is True, name     # interp and compiled batches (and the kernel)
        assert entry["compiled"]["tier"] == "compiled"
        assert entry["interp"]["ns_per_packet"] > 0 and entry["compiled"]["ns_per_packet"] > 0
    assert record["compile"]["unrolled.o"]["slots"] > 1000
    assert all(c["seconds"] > 0 for c in record["compile"].values())
    e2e = record["end_to_end"]
    assert e2e["packets"] > 0 and e2e["packets_per_s"] > 0 and e2e["warm_start_s"] > 0
    for name, entry in record["programs"].items():
        assert {"executed", "retval", "verdict", "interp", "compiled", "py", "kernel", "ratios",
                "agree"} <= set(entry), name
        assert entry["agree"] is True, name
        assert entry["interp"]["ns_per_exec"] > 0
        assert entry["interp"]["minsn_per_s"] > 0
        assert entry["interp"]["ns_per_run"] > 0
        assert {"interp_over_kernel", "py_over_interp", "interp_over_compiled",
                "compiled_loop_over_kernel"} <= set(entry["ratios"])
        if record["tiers"]["py"]["available"]:
            assert entry["py"]["ns_per_exec"] > 0
            assert entry["ratios"]["py_over_interp"] > 0
        if record["tiers"]["kernel"]["available"]:
            assert entry["kernel"]["ns_per_exec"] > 0
            assert entry["ratios"]["interp_over_kernel"] > 0
        else:
            assert entry["kernel"] is None
            assert record["tiers"]["kernel"]["reason"]
