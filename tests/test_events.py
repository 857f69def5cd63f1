"""Perf event arrays and BPF ring buffers: captured events, exact bytes, kernel return codes."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from pybpf import kernel
from pybpf.errors import HelperError, MapError
from pybpf.helpers import events as E
from pybpf.loader import load
from pybpf.toolchain import compile as compile_c, zig_available

SRC = Path(__file__).resolve().parent / "maps_src"
pytestmark = pytest.mark.skipif(not zig_available(), reason="the pinned ziglang compiler is not installed")

PKT = bytes(range(1, 13)) + b"\x08\x00" + bytes(46)   # 60 bytes, ethertype 0x0800


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    out = tmp_path_factory.mktemp("events")
    return lambda name: compile_c(SRC / f"{name}.c", out=out / f"{name}.o")


def run(obj, prog, data=PKT):
    """One packet, then what user space does after it (a no-op once Program.run does it)."""
    result = obj.program(prog).run(data)
    E.after_run(obj.machine)
    return result


def rc_pybpf(obj) -> dict[int, int]:
    return {int.from_bytes(k, "little"): int.from_bytes(v, "little", signed=True)
            for k, v in obj.maps["rc"].items()}


def rc_kernel(ko) -> dict[int, int]:
    return {int.from_bytes(k, "little"): int.from_bytes(v, "little", signed=True)
            for k, v in ko.dump_map("rc")}


needs_kernel = pytest.mark.skipif(not kernel.available(), reason="no BPF-capable kernel/libbpf")


# -- perf event arrays ------------------------------------------------------------------------
def test_perf_event_output_samples_and_error_codes(build):
    obj = load(build("events_perf"))
    obj.machine.clock_ns = 5_000_000_123
    assert run(obj, "perf").verdict == "XDP_PASS"
    assert rc_pybpf(obj) == {0: 0, 1: 0, 2: 0, 3: -7, 4: -14, 5: -22, 6: -14, 7: 0}
    ev = obj.machine.events
    assert [(e.map, e.cpu, e.ts_ns) for e in ev] == [("events", 0, 5_000_000_123)] * 2 + [
        ("events", 2, 5_000_000_123)]
    # struct event: len, proto, kind:4 flags:4, tag[5], delta, ts
    assert ev[0].data == struct.pack("<IHB5siQ", 60, 0x0008, 0xA3, b"evt!\0", -42, 5_000_000_123)
    # the marker, then BPF_F_CTXLEN_MASK's 14 packet bytes from data
    assert ev[1].data == struct.pack("<I", 0xA1B2C3D4) + PKT[:14]
    assert ev[2].data == bytes.fromhex("d4c3b2")
    assert ev[2].perf_raw == bytes.fromhex("d4c3b2") + bytes(1)    # 4 + 4 is 8-aligned
    assert ev[1].to_json() == {"map": "events", "cpu": 0, "ts_ns": 5_000_000_123,
                               "data": ev[1].data.hex()}


def test_perf_current_cpu_follows_the_machine_cpu(build):
    obj = load(build("events_perf"))
    obj.machine.cpu = 3
    run(obj, "perf")
    assert [e.cpu for e in obj.machine.events] == [3, 3, 2]
    obj.machine.cpu = 4           # BPF_F_CURRENT_CPU is index 4 >= max_entries 4
    obj.machine.events.clear()
    run(obj, "perf")
    assert rc_pybpf(obj)[0] == -7 and rc_pybpf(obj)[1] == -7
    assert [e.cpu for e in obj.machine.events] == [2]


def test_decode_perf_event_with_a_named_btf_struct(build):
    obj = load(build("events_perf"))
    obj.machine.clock_ns = 77
    run(obj, "perf")
    first, second = obj.machine.events[:2]
    want = {"len": 60, "proto": 8, "kind": 3, "flags": 10, "tag": "evt!", "delta": -42, "ts": 77}
    assert E.decode_event(obj, first, "struct event") == want
    assert E.decode_event(obj, first, "event") == want
    assert E.decode_event(obj, first, types={"events": "struct event"}) == want
    # a short sample decodes the fields it holds; bytes past the type come back as _tail
    assert E.decode_event(obj, E.Event("events", 0, first.data[:8], 0), "struct event") == {
        "len": 60, "proto": 8, "kind": 3, "flags": 10}
    tail = E.decode_event(obj, E.Event("events", 0, first.data + b"\x01\x02", 0), "struct event")
    assert tail["_tail"] == "0102" and tail["ts"] == 77
    with pytest.raises(Exception, match="name a BTF type"):
        E.decode_event(obj, second)
    with pytest.raises(Exception, match="no BTF type named 'struct nope'"):
        E.decode_event(obj, second, "struct nope")


@needs_kernel
def test_perf_event_output_error_codes_agree_with_the_kernel(build):
    path = build("events_perf")
    obj = load(path)
    run(obj, "perf")
    with kernel.KernelObject(path) as ko:
        assert ko.run("perf", PKT).retval == 2
        theirs = rc_kernel(ko)
    mine = rc_pybpf(obj)
    # Nobody opened perf events in the kernel's slots: -ENOENT there, where pybpf counts
    # every slot as open. Every check made before that one agrees.
    assert [theirs[i] for i in (0, 1, 2)] == [-2, -2, -2]
    assert {i: mine[i] for i in range(3, 8)} == {i: theirs[i] for i in range(3, 8)}


# -- ring buffers ----------------------------------------------------------------------------
RING_RC_FIRST = {0: 0, 1: 1, 2: 1, 3: -22, 4: 0, 5: 4096, 6: 48, 7: 48, 8: 0, 9: 0, 10: 4,
                 11: 0, 12: -11, 13: 4088, 14: 0, 15: 0}


def test_ringbuf_output_reserve_submit_discard_and_full(build):
    obj = load(build("events_ringbuf"))
    obj.machine.clock_ns = 1000
    run(obj, "ring")
    assert rc_pybpf(obj) == RING_RC_FIRST
    ev = obj.machine.events
    sample = struct.pack("<IHBB", 1, 0x0008, PKT[0], PKT[13])
    assert [e.data for e in ev[:2]] == [sample, struct.pack("<IHBB", 2, 0x0008, 0xEE, 0xFF)]
    # the discarded record (seq 3) is skipped; four 1000-byte records, then the 0-byte one
    assert [len(e.data) for e in ev[2:]] == [1000] * 4 + [0]
    assert [int.from_bytes(e.data[:8], "little") for e in ev[2:6]] == [0x1000, 0x1001, 0x1002, 0x1003]
    assert all(e.map == "rb" and e.cpu == 0 and e.ts_ns == 1000 for e in ev)
    assert E.decode_event(obj, ev[1], "struct sample") == {"seq": 2, "proto": 8, "first": 0xEE,
                                                           "last": 0xFF}
    # Drained after the run: the next run finds an empty ring again, at later positions.
    run(obj, "ring")
    second = rc_pybpf(obj)
    assert {k: v for k, v in second.items() if k not in (7, 8)} == {
        k: v for k, v in RING_RC_FIRST.items() if k not in (7, 8)}
    assert (second[7], second[8]) == (4088 + 48, 4088)
    assert len(obj.machine.events) == 2 * 7


def test_ringbuf_without_a_consumer_fills_across_runs(build):
    obj = load(build("events_ringbuf"))
    obj.machine.ringbuf_autodrain = False
    run(obj, "ring")
    assert rc_pybpf(obj) == RING_RC_FIRST
    run(obj, "ring")
    assert rc_pybpf(obj) == {0: -11, 1: 0, 2: 0, 3: -22, 4: 0, 5: 4096, 6: 4088, 7: 4088, 8: 0,
                             9: 0, 10: 0, 11: -11, 12: -11, 13: 4088, 14: 0, 15: 0}
    assert getattr(obj.machine, "events", []) == []
    drained = E.drain(obj.machine)
    assert len(drained) == 7 and obj.machine.events == drained
    run(obj, "ring")                  # room again, at the new positions
    assert rc_pybpf(obj)[10] == 4 and rc_pybpf(obj)[8] == 4088


@needs_kernel
def test_ringbuf_return_codes_agree_with_the_kernel_over_runs(build):
    """The kernel under BPF_PROG_TEST_RUN has no consumer: compare with autodrain off."""
    path = build("events_ringbuf")
    obj = load(path)
    obj.machine.ringbuf_autodrain = False
    with kernel.KernelObject(path) as ko:
        for _ in range(3):
            run(obj, "ring")
            assert ko.run("ring", PKT).retval == 2
            assert rc_pybpf(obj) == rc_kernel(ko)


def test_ringbuf_records_wrapping_around_the_end(build):
    obj = load(build("events_wrap"))
    rb = obj.maps["ring"]
    region = obj.memory.regions[int(obj.maps.table[rb.index, 7])]   # M_DATA
    assert region.size == 2 * 4096                                  # 3000 rounded up, twice
    seeds = [k * 37 % 256 for k in range(9)]
    for n, s in enumerate(seeds):
        assert run(obj, "wrap", bytes([s]) + PKT[1:]).verdict == "XDP_PASS"
        if n == 3:
            # 1040 bytes per run: the 4th run's sample starts at ring offset 3120 + 8 and
            # wraps; the ring (the region's first half, the kernel's data area) holds its end.
            tail = bytes((s + i) & 0xFF for i in range(1000))[4096 - 3128:]
            assert obj.memory.read(region, 0, len(tail)) == tail
    got = obj.machine.events
    assert len(got) == 2 * len(seeds)
    for k, s in enumerate(seeds):
        assert got[2 * k].data == bytes((s + i) & 0xFF for i in range(1000))
        assert got[2 * k + 1].data == bytes(s ^ i for i in range(24))


def test_ringbuf_misuse_is_reported(build):
    obj = load(build("events_misuse"))
    with pytest.raises(HelperError, match="unreleased reference"):
        run(obj, "leak")
    # the leaked sample was discarded: nothing is delivered for it and the ring is empty
    assert getattr(obj.machine, "events", []) == []
    assert obj.maps.table[obj.maps["rb"].index, 11] == obj.maps.table[obj.maps["rb"].index, 12]
    with pytest.raises(HelperError, match=r"r1 \(stack\+\d+.*not a sample reserved"):
        run(obj, "bad_submit")
    with pytest.raises(HelperError, match="bpf_ringbuf_discard.*not a sample reserved"):
        run(obj, "twice")


RINGBUF_SRC = """
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct {{ __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, {size}); }} rb SEC(".maps");
struct {{ __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32);
         __type(value, __s64); }} rc SEC(".maps");
SEC("xdp") int q(struct xdp_md *ctx) {{
    __u32 k = 0; __s64 v = bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE);
    bpf_map_update_elem(&rc, &k, &v, 0); return XDP_PASS; }}
char LICENSE[] SEC("license") = "GPL";
"""


def test_ringbuf_sizes_as_libbpf_and_the_kernel_take_them(tmp_path):
    def build_size(size):
        src = tmp_path / f"rb{size}.c"
        src.write_text(RINGBUF_SRC.format(size=size))
        return compile_c(src, out=tmp_path / f"rb{size}.o")

    for size, ring in ((4096, 4096), (1000, 4096), (8192, 8192), (12288, 16384)):
        path = build_size(size)
        obj = load(path)
        run(obj, "q")
        assert rc_pybpf(obj) == {0: ring}
        if kernel.available():
            with kernel.KernelObject(path) as ko:
                ko.run("q", PKT)
                assert rc_kernel(ko) == {0: ring}
    with pytest.raises(MapError, match="max_entries must be at least 1"):
        load(build_size(0))
    rb = load(build_size(4096)).maps["rb"]
    assert rb.lookup(b"") is None and rb.keys() == []
    with pytest.raises(MapError, match="EINVAL"):
        rb.update(b"", b"")


# -- the compiled bpf_perf_event_output ------------------------------------------------------
def test_compiled_perf_event_output_equals_the_python_version(build):
    """The compiled helper (samples kept in the object's sample buffer, taken in as events
    when anything reads them) gives the Python version's events, in order, and return
    codes: over a batch of more samples than the buffer holds (the rest go through the
    Python version, which takes the buffer in first) and packet by packet."""
    from pybpf.batch import run_xdp
    from pybpf.helpers import PYTHON
    from pybpf.helpers.hotset import HOT
    from pybpf.helpers.kernel_ids import HELPERS
    hid = next(h for h, name, _ in HELPERS if name == "perf_event_output")
    assert hid in HOT
    path = build("events_perf")
    mine, ref = load(path, tier="compiled"), load(path, tier="compiled",
                                                  helpers={hid: PYTHON[hid]})
    calls = []
    real = mine.machine._call_helper
    mine.machine._call_helper = lambda: calls.append(int(mine.machine.st[5])) or real()
    packets = [PKT[:14 + i % 40] + bytes(46) for i in range(3000)]
    clock = list(range(1000, 4000))
    for obj in (mine, ref):
        res = run_xdp(obj.program("perf"), packets, clock=clock)
        assert not res.errors
    assert len(ref.events) == 3 * 3000 and mine.events == ref.events   # (dataclass equality)
    assert 0 < len(calls) < 3000   # the buffer filled up a few times in the batch
    assert rc_pybpf(mine) == rc_pybpf(ref)
    calls.clear()
    mine.machine.events.clear()
    ref.machine.events.clear()
    for data in packets[:50]:
        assert run(mine, "perf", data) == run(ref, "perf", data)
    assert mine.events == ref.events and calls == []
