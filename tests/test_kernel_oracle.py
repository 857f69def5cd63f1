"""pybpf against the Linux kernel, the reference.

Two layers:

* Always (no privileges needed): pybpf's runs of the fixtures on every packet of
  the default capture must equal what the kernel did, as recorded in
  ``tests/kernel_expected/*.json`` by ``python tests/record_kernel.py``.
* When the kernel oracle is available (root, libbpf): the same comparison against
  the live kernel, plus tests of :mod:`pybpf.kernel` itself (raw loads, the
  verifier log, test runs, maps). Skipped with the reason otherwise.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

from pybpf import kernel, loader
from pybpf.errors import TestRunRefused, PyBPFError
from pybpf.isa import opcodes as o
from pybpf.isa.insn import Insn
from pybpf.pcap import read_packets

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))
import record_kernel  # noqa: E402

REPO = record_kernel.REPO

needs_kernel = pytest.mark.skipif(not kernel.available(),
                                  reason=f"kernel oracle unavailable: {kernel.unavailable_reason()}")
needs_bpf = pytest.mark.skipif(not kernel.available(libbpf=False),
                               reason=f"bpf() unavailable: {kernel.unavailable_reason(libbpf=False)}")


# --------------------------------------------------------------------------
# recorded expectations
# --------------------------------------------------------------------------


def _recorded() -> list[tuple[str, str, dict]]:
    """(object, capture, recording or None) for every recorded object."""
    out = []
    for obj, pcap in record_kernel.OBJECTS:
        path = record_kernel.expected_path(obj)
        out.append((obj, pcap, json.loads(path.read_text()) if path.is_file() else None))
    return out


def _cases():
    for obj, _pcap, rec in _recorded():
        if rec is None:
            continue
        for prog, entry in rec["programs"].items():
            for res in entry["results"]:
                yield pytest.param(obj, prog, res,
                                   id=f"{Path(obj).stem}-{prog}-pkt{res['index']}")


_packets_cache: dict = {}
_objects_cache: dict = {}


def _packets(pcap: str):
    if pcap not in _packets_cache:
        _packets_cache[pcap] = read_packets(REPO / pcap)
    return _packets_cache[pcap]


def _pybpf_object(obj: str):
    if obj not in _objects_cache:
        _objects_cache[obj] = loader.load(REPO / obj)
    return _objects_cache[obj]


@pytest.mark.parametrize("obj, pcap, rec", _recorded(), ids=lambda v: v if isinstance(v, str) else "")
def test_recording_is_current(obj, pcap, rec):
    path = record_kernel.expected_path(obj)
    assert rec is not None, f"{path} is missing: run `{record_kernel.COMMAND}` as root"
    assert rec["command"] == record_kernel.COMMAND
    assert rec["kernel"], "the recording does not name the kernel it came from"
    assert rec["object"] == obj and rec["pcap"] == pcap
    stale = f"{path.name} is stale: re-run `{record_kernel.COMMAND}` as root"
    assert rec["object_sha256"] == record_kernel.sha256(REPO / obj), f"{obj} changed; {stale}"
    assert rec["pcap_sha256"] == record_kernel.sha256(REPO / pcap), f"{pcap} changed; {stale}"
    packets = _packets(pcap)
    for entry in rec["programs"].values():
        assert [r["index"] for r in entry["results"]] == [p.index for p in packets]


@pytest.mark.parametrize("obj, prog, res", list(_cases()))
def test_pybpf_matches_recorded_kernel(obj, prog, res):
    pcap = dict(record_kernel.OBJECTS)[obj]
    pkt = _packets(pcap)[res["index"]]
    program = _pybpf_object(obj).program(prog)
    if "error" in res:
        with pytest.raises(PyBPFError):
            program.run(pkt.data)
        return
    got = program.run(pkt.data)
    assert (got.retval, got.data.hex()) == (res["retval"], res["data_out"]), \
        f"{obj}:{prog} packet {res['index']}: kernel retval {res['retval']}, pybpf {got.retval}"


# --------------------------------------------------------------------------
# live kernel
# --------------------------------------------------------------------------


@needs_kernel
@pytest.mark.parametrize("obj, pcap", record_kernel.OBJECTS, ids=lambda v: Path(v).stem)
def test_pybpf_matches_live_kernel(obj, pcap):
    live = record_kernel.run_kernel(obj, pcap)
    pyobj = _pybpf_object(obj)
    mismatches = []
    for prog, entry in live["programs"].items():
        for res in entry["results"]:
            if "error" in res:
                continue  # covered (as a known divergence) by the recorded test
            got = pyobj.program(prog).run(_packets(pcap)[res["index"]].data)
            if (got.retval, got.data.hex()) != (res["retval"], res["data_out"]):
                mismatches.append(f"{prog} packet {res['index']}: kernel {res['retval']} "
                                  f"{res['data_out']}, pybpf {got.retval} {got.data.hex()}")
    assert not mismatches, "\n".join(mismatches)


@needs_kernel
@pytest.mark.parametrize("obj, pcap", record_kernel.OBJECTS, ids=lambda v: Path(v).stem)
def test_live_kernel_matches_recording(obj, pcap):
    rec = json.loads(record_kernel.expected_path(obj).read_text())
    live = record_kernel.run_kernel(obj, pcap)
    assert live["programs"] == rec["programs"], (
        f"kernel {live['kernel']} differs from the recording made on {rec['kernel']}")


# --------------------------------------------------------------------------
# pybpf.kernel itself
# --------------------------------------------------------------------------


def test_unavailable_reason_is_consistent():
    reason = kernel.unavailable_reason()
    assert isinstance(reason, str)
    assert kernel.available() == (reason == "")
    if kernel.available():
        assert kernel.available(libbpf=False)
    assert kernel.prog_type_number("xdp") == 6 == kernel.prog_type_number(6)
    assert kernel.prog_type_number("BPF_PROG_TYPE_SCHED_CLS") == 3 == kernel.prog_type_number("tc")
    with pytest.raises(ValueError):
        kernel.prog_type_number("nope")


def _code(*insns) -> bytes:
    return b"".join(i.encode() for i in insns)


EXIT = Insn(o.BPF_JMP | o.BPF_EXIT)


def _mov(dst, imm):
    return Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_K, dst=dst, imm=imm)


#: r2 = data; r3 = data_end; if data + 14 > data_end: return XDP_DROP; return data[12]
ETHERTYPE_HI = _code(
    Insn(o.BPF_LDX | o.BPF_MEM | o.BPF_W, dst=2, src=1, off=0),
    Insn(o.BPF_LDX | o.BPF_MEM | o.BPF_W, dst=3, src=1, off=4),
    Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_X, dst=4, src=2),
    Insn(o.BPF_ALU64 | o.BPF_ADD | o.BPF_K, dst=4, imm=14),
    Insn(o.BPF_JMP | o.BPF_JGT | o.BPF_X, dst=4, src=3, off=2),
    Insn(o.BPF_LDX | o.BPF_MEM | o.BPF_B, dst=0, src=2, off=12),
    EXIT,
    _mov(0, 1),
    EXIT,
)


@needs_bpf
def test_load_raw_and_test_run():
    fd = kernel.load_raw(_code(_mov(0, 2), EXIT), "xdp")
    try:
        run = kernel.test_run(fd, bytes(range(64)), via="syscall")
        assert run.retval == 2 and run.data_out == bytes(range(64)) and run.ctx_out is None
        if kernel.available():
            assert kernel.test_run(fd, bytes(range(64)), via="libbpf")[:3] == run[:3]
    finally:
        os.close(fd)


@needs_bpf
def test_load_raw_reads_the_packet():
    loaded = kernel.load_raw_logged(ETHERTYPE_HI, kernel.PROG_TYPES["xdp"], log_level=2)
    try:
        assert "processed" in loaded.log  # the verifier's statistics line
        pkt = bytes(12) + b"\x86\xdd" + bytes(40)
        retval, data_out, ctx_out, duration = kernel.test_run(loaded.fd, pkt, repeat=3)
        assert (retval, data_out, ctx_out) == (0x86, pkt, None)
        assert duration >= 0
        assert kernel.test_run(loaded.fd, bytes(14)).retval == 0
    finally:
        os.close(loaded.fd)


@needs_bpf
def test_test_run_errno():
    fd = kernel.load_raw(_code(_mov(0, 2), EXIT), kernel.PROG_TYPES["xdp"])
    try:
        with pytest.raises(kernel.KernelRunError) as info:
            kernel.test_run(fd, bytes(13))  # shorter than an Ethernet header
        assert info.value.errno == errno.EINVAL and info.value.errno_name == "EINVAL"
        assert "EINVAL" in str(info.value)
        with pytest.raises(kernel.KernelRunError) as info:
            kernel.test_run(fd, bytes(64), data_size_out=10)
        assert info.value.errno_name == "ENOSPC"
    finally:
        os.close(fd)


@needs_bpf
@pytest.mark.parametrize("insns, message, code", [
    (_code(Insn(o.BPF_LDX | o.BPF_MEM | o.BPF_DW, dst=0, src=1, off=0), EXIT),
     "invalid bpf_context access off=0 size=8", errno.EACCES),
    (_code(Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_X, dst=0, src=5), EXIT),
     "R5 !read_ok", errno.EACCES),
    (_code(_mov(0, 2)), "last insn is not an exit or jmp", errno.EINVAL),
], ids=["ctx-size-8", "uninit-reg", "no-exit"])
def test_verifier_refusal_carries_the_log(insns, message, code):
    with pytest.raises(kernel.KernelRefused) as info:
        kernel.load_raw(insns, "xdp", log_level=1)
    assert message in info.value.log
    assert info.value.errno == code
    assert message in str(info.value)


@needs_kernel
def test_kernel_object_api():
    path = REPO / "programs/examples/xdp_filter.o"
    with kernel.KernelObject(path) as ko:
        assert ko.program_names == ["xdp_filter"]
        assert ko.prog_type("xdp_filter") == kernel.PROG_TYPES["xdp"]
        assert ko.section() == "xdp"
        assert ko.prog_fd() == ko.prog_fd("xdp_filter") >= 0
        assert ko.map_names == []
        with pytest.raises(kernel.KernelError):
            ko.prog_fd("nope")
        with pytest.raises(kernel.KernelError):
            ko.map_fd("nope")
        # the packet index 3 of the default capture is telnet: dropped
        assert ko.run(None, _packets("programs/pcaps/default.pcap")[3].data).retval == 1
    with pytest.raises(kernel.KernelError):
        ko.prog_fd()


@needs_kernel
def test_kernel_object_missing_file(tmp_path):
    with pytest.raises(kernel.KernelRefused) as info:
        kernel.KernelObject(tmp_path / "missing.o")
    assert info.value.errno == errno.ENOENT


def _compile(tmp_path, source: str, cflags=()):
    from pybpf import toolchain
    if not toolchain.zig_available():
        pytest.skip("ziglang (the pinned compiler) is not installed")
    src = tmp_path / "prog.c"
    src.write_text(source)
    return toolchain.compile(src, tmp_path / "prog.o", cflags=cflags)


@needs_kernel
def test_libbpf_skips_eh_frame(tmp_path):
    src = (REPO / "programs/examples/xdp_filter.c").read_text()
    obj = _compile(tmp_path, src, ["-fasynchronous-unwind-tables", "-funwind-tables"])
    from elftools.elf.elffile import ELFFile
    with open(obj, "rb") as f:
        assert ELFFile(f).get_section_by_name(".eh_frame") is not None
    with kernel.KernelObject(obj) as ko:
        assert ".eh_frame" in ko.log  # "skipping unrecognized data section"
        assert ko.run(None, bytes(60)).retval == 2


@needs_kernel
def test_kernel_object_refused_by_verifier(tmp_path):
    obj = _compile(tmp_path, """
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp")
int xdp_unchecked(struct xdp_md *ctx)
{
	unsigned char *p = (void *)(long)ctx->data;
	return p[20];
}
char LICENSE[] SEC("license") = "GPL";
""")
    with pytest.raises(kernel.KernelRefused) as info:
        kernel.KernelObject(obj)
    exc = info.value
    assert exc.errno == errno.EACCES
    assert "R1 offset is outside of the packet" in exc.log
    assert "BEGIN PROG LOAD LOG" not in exc.log and "BEGIN PROG LOAD LOG" in exc.libbpf_log


@needs_kernel
def test_map_access_and_dump(tmp_path):
    obj = _compile(tmp_path, """
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} pcpu SEC(".maps");
SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data, zero = 0;
	__u64 one = 1, *v = bpf_map_lookup_elem(&counts, &len);
	__u32 *p = bpf_map_lookup_elem(&pcpu, &zero);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&counts, &len, &one, BPF_ANY);
	if (p)
		*p += 1;
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
""")
    le32 = lambda n: n.to_bytes(4, "little")  # noqa: E731
    le64 = lambda n: n.to_bytes(8, "little")  # noqa: E731
    with kernel.KernelObject(obj) as ko:
        assert sorted(ko.map_names) == ["counts", "pcpu"]
        for size in (60, 20, 60, 60):
            assert ko.run("xdp_count", bytes(size)).retval == 2
        fd = ko.map_fd("counts")
        info = kernel.map_info(fd)
        assert (info.key_size, info.value_size, info.max_entries, info.name) == (4, 8, 16, "counts")
        assert ko.dump_map("counts") == [(le32(20), le64(1)), (le32(60), le64(3))]
        assert kernel.dump_map(fd, 4, 8) == ko.dump_map("counts")
        kernel.map_update(fd, le32(7), le64(42))
        assert kernel.map_lookup(fd, le32(7)) == le64(42)
        kernel.map_delete(fd, le32(7))
        assert kernel.map_lookup(fd, le32(7)) is None
        with pytest.raises(kernel.KernelRunError) as err:
            kernel.map_delete(fd, le32(7))
        assert err.value.errno_name == "ENOENT"
        # per-CPU: one 8-byte slot per possible CPU; test runs are pinned to CPU 0
        pcpu = ko.dump_map("pcpu")
        ncpu = len(pcpu[0][1]) // 8
        assert ncpu >= 1 and [k for k, _ in pcpu] == [le32(0), le32(1)]
        assert pcpu[0][1][:8] == le64(4) and pcpu[0][1][8:] == bytes(8 * (ncpu - 1))


def test_pinned_cpu_restores_affinity():
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no sched_setaffinity on this platform")
    before = os.sched_getaffinity(0)
    with kernel.pinned_cpu(0) as cpu:
        assert os.sched_getaffinity(0) == {cpu}
        assert cpu == (0 if 0 in before else min(before))
    assert os.sched_getaffinity(0) == before


# --------------------------------------------------------------------------
# the bpf_conformance corpus, as the kernel ran it
# --------------------------------------------------------------------------

needs_corpus = pytest.mark.skipif(not record_kernel.CONFORMANCE_DIR.is_dir(),
                                  reason=f"no conformance corpus at {record_kernel.CONFORMANCE_DIR}")


def _conformance_cases():
    if not record_kernel.CONFORMANCE_DIR.is_dir():
        return []
    from pybpf.conformance_data import load_corpus
    return [c for c in load_corpus(record_kernel.CONFORMANCE_DIR)
            if c.has_program and c.result is not None]


def _conformance_recording() -> dict:
    path = record_kernel.CONFORMANCE_EXPECTED
    assert path.is_file(), f"{path} is missing: run `{record_kernel.COMMAND}` as root"
    return json.loads(path.read_text())


@needs_corpus
@pytest.mark.parametrize("case", _conformance_cases(), ids=lambda c: c.name)
def test_pybpf_matches_recorded_kernel_on_conformance(case):
    from pybpf.conformance import execute
    entry = _conformance_recording()["cases"].get(case.name)
    assert entry is not None and entry["key"] == record_kernel.conformance_case_key(case), \
        f"conformance.json is stale for {case.name}: re-run `{record_kernel.COMMAND}` as root"
    if "skipped" in entry:
        pytest.skip(entry["skipped"])
    if "refused" in entry:
        pytest.skip(f"the kernel refuses this program ({entry['refused']}: {entry['message']})")
    got = execute(case.program_bytes(), case.mem, case.name)
    if "r0" in entry:
        assert got == entry["r0"], f"kernel r0 {entry['r0']:#x}, pybpf {got:#x}"
    else:
        assert got & 0xFFFFFFFF == entry["r0_low32"], \
            f"kernel r0 (low 32 bits) {entry['r0_low32']:#x}, pybpf {got:#x}"


@needs_kernel
@needs_corpus
def test_live_kernel_matches_conformance_recording():
    rec = _conformance_recording()
    live = record_kernel.run_conformance()
    assert live["cases"] == rec["cases"], (
        f"kernel {live['kernel']} differs from the recording made on {rec['kernel']}")


def _map_cases():
    for obj, pcap, rec in _recorded():
        for prog, entry in (rec or {}).get("programs", {}).items():
            if "maps" in entry:
                yield pytest.param(obj, pcap, prog, entry["maps"], rec.get("possible_cpus", 1),
                                   id=f"{Path(obj).stem}-{prog}")


@pytest.mark.parametrize("obj, pcap, prog, want, ncpu", list(_map_cases()))
def test_pybpf_maps_match_recorded_kernel(obj, pcap, prog, want, ncpu):
    """After a pass over the capture, every map holds what the kernel's held (sorted by key)."""
    fresh = loader.load(REPO / obj, ncpu=ncpu)
    program = fresh.program(prog)
    for pkt in _packets(pcap):
        try:
            program.run(pkt.data)
        except TestRunRefused:
            pass  # the kernel refused these inputs too; checked per packet above
    assert fresh.maps.to_json() == want
