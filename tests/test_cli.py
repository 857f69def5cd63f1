"""The ``pybpf`` command end to end, in subprocesses as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pybpf.pcap import read_packets

REPO = Path(__file__).resolve().parents[1]
FILTER = REPO / "programs" / "examples" / "xdp_filter.o"
PCAP = REPO / "programs" / "pcaps" / "default.pcap"
#: What the kernel's BPF_PROG_TEST_RUN returned for each packet (recorded by tests/record_kernel.py).
KERNEL = json.loads((REPO / "tests" / "kernel_expected" / "xdp_filter.json").read_text())
EXPECTED = KERNEL["programs"]["xdp_filter"]["results"]


def pybpf(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "pybpf", *map(str, args)], input=stdin,
                          capture_output=True, text=True, cwd=REPO, timeout=300)


def test_run_without_arguments_runs_the_bundled_default():
    proc = pybpf("run")
    assert proc.returncode == 0, proc.stderr
    retvals = [r.get("retval") for r in EXPECTED]
    assert "xdp_filter.o:xdp_filter (xdp) on default.pcap: 21 packets" in proc.stdout
    assert f"XDP_DROP           {retvals.count(1)}\n" in proc.stdout
    assert f"XDP_PASS           {retvals.count(2)}\n" in proc.stdout
    assert f"refused (EINVAL)   {sum('error' in r for r in EXPECTED)}\n" in proc.stdout


def test_run_json_lines_match_the_kernel(tmp_path):
    proc = pybpf("run", FILTER, "--pcap", PCAP, "--json", "--out-dir", tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    packets = read_packets(PCAP)
    assert lines[-1] == {"maps": {}}
    records = lines[:-1]
    assert [r["index"] for r in records] == list(range(len(packets)))
    for rec, want in zip(records, EXPECTED):
        if "error" in want:  # the kernel refused the input: so does pybpf, with the reason
            assert set(rec) == {"index", "error"} and want["error"] in rec["error"]
            continue
        assert rec["retval"] == want["retval"]
        assert rec["verdict"] == {1: "XDP_DROP", 2: "XDP_PASS"}[want["retval"]]
        assert rec["data"] == want["data_out"]
    dropped = read_packets(tmp_path / "XDP_DROP.pcap")
    want_dropped = [p for p, r in zip(packets, EXPECTED) if r.get("retval") == 1]
    assert [(p.ts_ns, p.data) for p in dropped] == [(p.ts_ns, p.data) for p in want_dropped]
    assert len(read_packets(tmp_path / "XDP_PASS.pcap")) == sum(r.get("retval") == 2 for r in EXPECTED)


@pytest.mark.parametrize("args, message", [
    (["run", "/etc/passwd", "--pcap", PCAP], "not an ELF file"),
    (["run", FILTER, "--pcap", "/etc/passwd"], "/etc/passwd"),
    (["run", FILTER, "--pcap", PCAP, "--program", "nope"], "no program named 'nope'"),
    (["run", FILTER], "--pcap is required"),
    (["conformance", REPO / "no-such-dir"], "is not a directory"),
])
def test_bad_input_is_one_clear_error_line(args, message):
    proc = pybpf(*args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("pybpf: error: ")
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_disasm_interleaves_c_source_lines():
    proc = pybpf("disasm", FILTER)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("xdp_filter (section xdp, type xdp):")
    assert "r2 = *(u32 *)(r1 +4)" in out                      # ctx->data_end
    assert "; .end = (void *)(long)ctx->data_end, @ programs/examples/xdp_filter.c:" in out
    assert "call pc" in out                                    # the bpf-to-bpf call to parse_l4
    assert any(line.endswith(") exit") for line in out.splitlines())
    slots = [int(line.split(":")[0]) for line in out.splitlines() if line[:1].isdigit()]
    assert slots == sorted(slots) and slots[0] == 0


@pytest.mark.parametrize("program, mem, expected", [
    ("b7 00 00 00 05 00 00 00 95 00 00 00 00 00 00 00", None, "5"),
    ("b700000005000000" "9500000000000000", None, "5"),                 # contiguous hex
    ("bf 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00", "aa  bb  11  ", "3"),  # r0 = r2 (mem length)
    ("61 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00", "11 22 33 44", "44332211"),
])
def test_conformance_plugin_protocol(program, mem, expected):
    args = ["conformance-plugin"] + ([mem] if mem is not None else [])
    proc = pybpf(*args, stdin=program)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == expected


def test_conformance_plugin_reports_errors_on_stderr_with_nonzero_exit():
    proc = pybpf("conformance-plugin", stdin="07 00 01 00 01 00 00 00 95 00 00 00 00 00 00 00")
    assert proc.returncode == 1
    assert "uses reserved field off" in proc.stderr
    assert proc.stdout == ""
    proc = pybpf("conformance-plugin", stdin="zz")
    assert proc.returncode == 1 and "not hex" in proc.stderr


def test_conformance_command_counts(corpus_dir):
    proc = pybpf("conformance", corpus_dir / "tests")
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.splitlines()[-1] == "313 passed, 0 failed"
    proc = pybpf("conformance", corpus_dir / "negative")
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.splitlines()[-1] == "60 passed, 0 failed"
    # Run positive cases as if they were negative: they must now all count as failures.
    proc = pybpf("conformance", "--negative", corpus_dir / "tests")
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1] == "0 passed, 313 failed"


def test_trace_shows_every_executed_instruction_with_registers_and_c_lines():
    from pybpf.loader import load
    packet = read_packets(PCAP)[3]
    executed = load(FILTER).program().run(packet.data).executed
    proc = pybpf("run", "--trace", 3)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"trace of packet 3 (xdp_filter), {executed} instructions:"
    steps = [ln for ln in lines if ln.startswith("  ") and ln.strip()[:1].isdigit()]
    assert len(steps) == executed
    assert steps[0].strip().startswith("0: w0 = 1  ; r0=0x1")
    assert steps[-1].strip().endswith(": exit")
    assert "  ; int xdp_filter(struct xdp_md *ctx) @ programs/examples/xdp_filter.c:" in proc.stdout
    proc = pybpf("run", FILTER, "--pcap", PCAP, "--json", "--trace", 3)
    traces = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith('{"trace"')]
    assert len(traces) == 1 and traces[0]["trace"] == 3 and len(traces[0]["steps"]) == executed
    assert traces[0]["steps"][0] == {"pc": 0, "insn": "w0 = 1", "changed": {"r0": "0x1"},
                                     "line": traces[0]["steps"][0]["line"]}


def test_the_virtual_clock_follows_the_capture(tmp_path):
    src = tmp_path / "clock.c"
    src.write_text('#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n'
                   'struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1);'
                   ' __type(key, __u32); __type(value, __u64); } last SEC(".maps");\n'
                   'SEC("xdp") int clock(struct xdp_md *ctx) { __u32 k = 0;'
                   ' __u64 *v = bpf_map_lookup_elem(&last, &k); if (v) *v = bpf_ktime_get_ns();'
                   ' return XDP_PASS; }\nchar LICENSE[] SEC("license") = "GPL";\n')
    from pybpf.toolchain import compile as compile_c
    obj = compile_c(src, out=tmp_path / "clock.o")
    proc = pybpf("run", obj, "--pcap", PCAP, "--json")
    assert proc.returncode == 0, proc.stderr
    maps = json.loads(proc.stdout.splitlines()[-1])["maps"]
    last_ts = read_packets(PCAP)[-2].ts_ns   # the last packet is refused (runt), before it runs
    assert maps["last"] == [["00000000", last_ts.to_bytes(8, "little").hex()]]


def test_conformance_plugin_runs_a_whole_elf_with_function_main(tmp_path):
    from pybpf.toolchain import compile as compile_c, zig_available
    if not zig_available():
        pytest.skip("the pinned ziglang compiler is not installed")
    src = tmp_path / "m.c"
    src.write_text("unsigned long long main(unsigned char *mem, unsigned long long len)\n"
                   "{ return len > 2 ? mem[1] + len : 7; }\n")
    elf_hex = compile_c(src, out=tmp_path / "m.o").read_bytes().hex()
    proc = pybpf("conformance-plugin", "05 06 07 08", "--elf", stdin=elf_hex)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "a"          # mem[1] + len = 6 + 4
    proc = pybpf("conformance-plugin", "--elf", stdin=elf_hex)
    assert proc.stdout.strip() == "7"          # no memory: len is 0
