"""The pytest plugin end to end: pytester runs test files that use it and we check the outcome.

Each case writes a small test project (C source and Python or C tests) into a
temporary directory and runs pytest on it in this process, with the plugin
loaded as a user would have it.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import re
import sys
import tomllib
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
FIREWALL_C = REPO / "programs" / "examples" / "xdp_firewall.c"

#: ``-p pybpf.pytest_plugin`` unless the installed package registers it (pytest11 entry point):
#: registering the module twice under two names is an error.
PLUGIN = ([] if any(ep.name == "pybpf" for ep in importlib.metadata.entry_points(group="pytest11"))
          else ["-p", "pybpf.pytest_plugin"])

PACKET_HELPERS = '''
import struct

def tcp_packet(dport, ttl=64):
    eth = bytes.fromhex("020000000002020000000001") + b"\\x08\\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, ttl, 6, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    tcp = struct.pack("!HHIIBBHHH", 40000, dport, 0, 0, 0x50, 2, 8192, 0, 0)
    return eth + ip + tcp
'''


@pytest.fixture(autouse=True, scope="module")
def _numba_loaded_outside():
    """Run one program here first: pytester's in-process runs drop modules imported during
    them, and Numba registers some lazily imported modules only once per process."""
    import pybpf
    obj = pybpf.load(str(REPO / "programs" / "examples" / "xdp_firewall.o"), pin_root=False)
    obj.program().run(bytes(64))


def run(pytester, *args):
    return pytester.runpytest_inprocess(*PLUGIN, "-p", "no:cacheprovider", *args)


def _line_of(path: Path, text: str, nth: int = 1) -> int:
    """The line number of the ``nth`` line of ``path`` containing ``text``."""
    hits = [i + 1 for i, line in enumerate(path.read_text().splitlines()) if text in line]
    return hits[nth - 1]


@pytest.fixture
def firewall(pytester):
    """A project holding xdp_firewall.c and a helper module building TCP packets."""
    pytester.makefile(".c", xdp_firewall=FIREWALL_C.read_text())
    pytester.makepyfile(packets=PACKET_HELPERS)
    return pytester


# --------------------------------------------------------------------------------------------
# registration
# --------------------------------------------------------------------------------------------

def test_registered_as_pytest11_entry_point():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"pybpf": "pybpf.pytest_plugin"}
    assert "scapy" in " ".join(project["optional-dependencies"]["scapy"])


def test_importing_the_plugin_compiles_nothing():
    """The plugin module itself imports no compiler, loader or interpreter."""
    code = ("import sys; import pybpf.pytest_plugin; "
            "bad = [m for m in ('pybpf.loader', 'pybpf.vm.machine', 'pybpf.toolchain', "
            "'pybpf.testing.fixture', 'scapy') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_options_in_help(pytester):
    result = run(pytester, "--help")
    for option in ("--pybpf-cc", "--pybpf-cflags", "--pybpf-cov", "--pybpf-cov-lcov"):
        result.stdout.fnmatch_lines([f"*{option}*"])


# --------------------------------------------------------------------------------------------
# the bpf fixture
# --------------------------------------------------------------------------------------------

def test_fixture_loads_c_and_runs(firewall):
    firewall.makepyfile(test_fw='''
from packets import tcp_packet

def test_telnet_dropped(bpf):
    obj = bpf.load("xdp_firewall.c")
    res = obj.programs["xdp_firewall"].run(tcp_packet(23))
    assert (res.retval, res.verdict) == (1, "XDP_DROP")
    stats = obj.maps["stats"].lookup(1, decode=True)
    assert stats[0]["packets"] == 1

def test_rodata_and_maps(bpf):
    obj = bpf.load("xdp_firewall.c", rodata={"blocked_port": 80})
    obj.maps["extra_ports"][8080] = b"\\x01"
    fw = obj.programs["xdp_firewall"]
    assert [fw.run(tcp_packet(p)).verdict for p in (80, 8080, 23)] == \\
        ["XDP_DROP", "XDP_DROP", "XDP_PASS"]

def test_each_test_gets_fresh_maps(bpf):
    obj = bpf.load("xdp_firewall.c")
    assert obj.maps["stats"].lookup(1, decode=True)[0]["packets"] == 0
''')
    run(firewall).assert_outcomes(passed=3)


def test_failed_packet_comparison_shows_fields(firewall):
    firewall.makepyfile(test_diff='''
from packets import tcp_packet
from pybpf.testing import assert_packet

def test_eq(bpf):
    obj = bpf.load("xdp_firewall.c")
    assert obj.programs["xdp_firewall"].run(tcp_packet(80)).data == tcp_packet(81, ttl=63)

def test_helper(bpf):
    obj = bpf.load("xdp_firewall.c")
    assert_packet(obj.programs["xdp_firewall"].run(tcp_packet(80)), tcp_packet(80, ttl=1),
                  use_scapy=False)
''')
    result = run(firewall)
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    # test_eq: through pytest_assertrepr_compare (scapy's field names when it is installed)
    assert re.search(r"IP(v4)?\.ttl: 64 != 63", out)
    assert re.search(r"TCP\.dport: (80|http) != 81", out)
    # test_helper: pybpf's own decoder; only the field that differs is listed
    assert "packets differ (got 54 bytes, expected 54 bytes), field: got != expected" in out
    assert "IPv4.ttl: 64 != 1" in out
    # test_helper's own report (test_eq's lists dport, rightly, also in the summary)
    helper_out = out[out.index("_ test_helper _"):out.index("short test summary info")]
    assert "IPv4.src" not in helper_out and "TCP.dport" not in helper_out


def test_scapy_packets_in_and_compared(firewall):
    pytest.importorskip("scapy")
    firewall.makepyfile(test_scapy='''
from scapy.layers.l2 import Ether
from scapy.layers.inet import IP, TCP

def test_scapy(bpf):
    pkt = Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(dport=23)
    obj = bpf.load("xdp_firewall.c")
    res = obj.programs["xdp_firewall"].run(pkt)
    assert res.verdict == "XDP_DROP"
    assert res.data == Ether() / IP(src="10.0.0.1", dst="10.0.0.3") / TCP(dport=23)
''')
    result = run(firewall)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*IP.chksum: *", "*IP.dst: 10.0.0.2 != 10.0.0.3*"])


FAULT_C = r'''
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int unchecked(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;

	return data[40] == 1 ? XDP_DROP : XDP_PASS;   /* no data_end check */
}

SEC("xdp")
int spin(struct xdp_md *ctx)
{
	volatile int i = 0;

	while (ctx->data != 0 || i >= 0)
		i++;
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
'''


def test_bpf_errors_fail_with_the_pybpf_report(pytester):
    src = pytester.makefile(".bpf.c", fault=FAULT_C)
    read_line = _line_of(src, "return data[40]")
    pytester.makepyfile(test_fault='''
def test_fault(bpf):
    obj = bpf.load("fault.bpf.c")
    obj.programs["unchecked"].run(bytes(20))

def test_budget(bpf):
    obj = bpf.load("fault.bpf.c", budget=1000)
    obj.programs["spin"].run(bytes(20))

def test_compile_error(bpf):
    bpf.load("broken.bpf.c")

def test_missing_helper(bpf):
    bpf.load("needs_helper.bpf.c")
''')
    pytester.makefile(".bpf.c", broken="int f(void) { return undeclared; }\n",
                      needs_helper='''
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp")
int p(struct xdp_md *ctx) { return bpf_get_current_pid_tgid() ? XDP_PASS : XDP_DROP; }
''')
    result = run(pytester)
    result.assert_outcomes(failed=4)
    out = result.stdout.str()
    result.stdout.fnmatch_lines([
        f"pybpf.errors.MemoryFault: fault.bpf.o:unchecked: insn 1 (fault.bpf.c:{read_line}): "
        "r1 = *(u8 *)(r1 +40): invalid read of 1 byte at packet+296 (valid offsets 256..275)",
        "*test_fault.py:3: in test_fault",
        '    obj.programs["unchecked"].run(bytes(20))',
    ])
    result.stdout.fnmatch_lines(["pybpf.errors.InstructionLimit: fault.bpf.o:spin: insn *"
                                 "(fault.bpf.c:1*): *instruction budget of 1000 exhausted*"])
    result.stdout.fnmatch_lines(["pybpf.errors.ToolchainError: *broken.bpf.c*",
                                 "*use of undeclared identifier 'undeclared'*"])
    assert re.search(r"needs_helper.bpf.o:p: .*get_current_pid_tgid", out)
    # no frames of pybpf's internals
    assert "pybpf/vm/machine.py" not in out and "pybpf/loader.py" not in out
    assert "Traceback" not in out


def test_helpers_mock_clock_seed_cpu(pytester):
    pytester.makefile(".bpf.c", env='''
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} out SEC(".maps");

SEC("xdp")
int probe(struct xdp_md *ctx)
{
	__u32 k0 = 0, k1 = 1, k2 = 2, k3 = 3;
	__u64 t = bpf_ktime_get_ns(), r = bpf_get_prandom_u32(), c = bpf_get_smp_processor_id();
	__u64 f = bpf_get_numa_node_id();

	bpf_map_update_elem(&out, &k0, &t, 0);
	bpf_map_update_elem(&out, &k1, &r, 0);
	bpf_map_update_elem(&out, &k2, &c, 0);
	bpf_map_update_elem(&out, &k3, &f, 0);
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
''')
    pytester.makepyfile(test_plugin_env_case='''
def values(obj):
    obj.programs["probe"].run(bytes(64))
    return [int.from_bytes(obj.maps["out"][k], "little") for k in range(4)]

def test_clock_seed_cpu(bpf):
    obj = bpf.load("env.bpf.c", clock_ns=5_000, seed=7, cpu=1, ncpu=2)
    t, r, c, _ = values(obj)
    assert (t, c) == (5_000, 1)
    again = bpf.load("env.bpf.c", clock_ns=5_000, seed=7, cpu=1, ncpu=2)
    assert values(again)[1] == r              # same seed, same number
    obj.machine.clock_ns += 1_000              # advance the virtual clock
    assert values(obj)[0] == 6_000

def test_mock_helper(bpf):
    calls = []
    def numa(machine, *args):
        calls.append(machine.cpu)
        return 42
    obj = bpf.load("env.bpf.c", helpers={"get_numa_node_id": numa})
    assert values(obj)[3] == 42 and calls == [0]
''')
    run(pytester).assert_outcomes(passed=2)


def test_program_type_and_env(pytester):
    pytester.makefile(".bpf.c", redir='''
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("2/7")          /* a section naming no program type, as Cilium's loader uses */
int redir(struct xdp_md *ctx)
{
	return bpf_redirect(ctx->ingress_ifindex == 2 ? 3 : 2, 0);
}
char LICENSE[] SEC("license") = "GPL";
''')
    pytester.makepyfile(test_plugin_env_case='''
import pytest
from pybpf.errors import PyBPFError

ENV = {"interfaces": [{"ifindex": 2, "name": "eth0"}, {"ifindex": 3, "name": "eth1"}]}

def test_type_given_at_load(bpf):
    obj = bpf.load("redir.bpf.c", program_type="xdp", env=ENV)
    res = obj.programs["redir"].run(bytes(64), ingress_ifindex=2)
    assert res.verdict == "XDP_REDIRECT" and res.redirect.ifindex == 3
    assert obj.programs["redir"].run(bytes(64)).redirect.ifindex == 2

def test_without_a_type_it_cannot_run(bpf):
    obj = bpf.load("redir.bpf.c")
    with pytest.raises(PyBPFError, match="does not name a program type"):
        obj.programs["redir"].run(bytes(64))
''')
    run(pytester).assert_outcomes(passed=2)


def test_kernel_marker_skips_without_bpf(pytester, monkeypatch):
    from pybpf import kernel
    monkeypatch.setattr(kernel, "available", lambda *a, **k: False)
    pytester.makepyfile(test_k='''
import pytest

@pytest.mark.kernel
def test_needs_kernel():
    raise AssertionError("must not run")

def test_plain():
    pass
''')
    result = run(pytester, "-rs", "--strict-markers")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*needs the bpf() syscall*"])


def test_compile_cache_follows_headers(pytester, monkeypatch, tmp_path):
    monkeypatch.setenv("PYBPF_CACHE_DIR", str(tmp_path / "cache"))
    pytester.makefile(".h", verdict="#define VERDICT XDP_DROP\n")
    pytester.makefile(".bpf.c", prog='''
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "verdict.h"
SEC("xdp")
int prog(struct xdp_md *ctx) { return VERDICT; }
''')
    from pybpf.testing.fixture import BPF
    bpf = BPF(base_dir=pytester.path)
    first = bpf.compile("prog.bpf.c")
    assert bpf.compile("prog.bpf.c") == first
    assert first.stat().st_mtime_ns == bpf.compile("prog.bpf.c").stat().st_mtime_ns
    assert bpf.load("prog.bpf.c").program().run(bytes(64)).verdict == "XDP_DROP"
    (pytester.path / "verdict.h").write_text("#define VERDICT XDP_PASS\n")
    assert bpf.load("prog.bpf.c").program().run(bytes(64)).verdict == "XDP_PASS"
    assert bpf.compile("prog.bpf.c", cflags=["-DUNUSED=1"]) != first   # flags are in the key


def test_cflags_option(pytester):
    pytester.makefile(".bpf.c", prog='''
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp")
int prog(struct xdp_md *ctx) { return VERDICT; }
''')
    pytester.makepyfile(test_flags='''
def test_verdict(bpf):
    assert bpf.load("prog.bpf.c").program().run(bytes(64)).verdict == "XDP_TX"
''')
    run(pytester, "--pybpf-cflags=-DVERDICT=XDP_TX").assert_outcomes(passed=1)


# --------------------------------------------------------------------------------------------
# tests written in C
# --------------------------------------------------------------------------------------------

C_TESTS = r'''
#include <pybpf/test.h>

PKTGEN("xdp", "a_pass")
int a_pktgen(struct xdp_md *ctx)
{
	/* 3520 zero bytes in; keep 60 */
	return bpf_xdp_adjust_tail(ctx, 60 - 3520) ? TEST_ERROR : TEST_PASS;
}

SETUP("xdp", "a_pass")
int a_setup(struct xdp_md *ctx)
{
	return 7;
}

CHECK("xdp", "a_pass")
int a_check(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	__u32 *status = data;

	test_init();
	if (data + 4 > data_end)
		test_fatal("no status");
	test_log("setup said %u, %ld bytes follow", *status, (long)(data_end - data) - 4);
	TEST("status", { assert(*status == 7); });
	TEST("length", { assert(data_end - data == 64); });
	test_finish();
}

CHECK("xdp", "b_fail")
int b_check(struct xdp_md *ctx)
{
	test_init();
	TEST("fine", { assert(1 + 1 == 2); });
	TEST("broken", {
		test_log("value %d", -5);
		assert(ctx->data_end - ctx->data == 1);
		test_log("not reached");
	});
	test_finish();
}

CHECK("xdp", "c_skip")
int c_check(struct xdp_md *ctx)
{
	test_init();
	test_log("nothing to do here");
	test_skip();
	test_finish();
}

CHECK("xdp", "d_fail_suite")
int d_check(struct xdp_md *ctx)
{
	test_init();
	test_error("%x is not %llu", 255, 18446744073709551615ULL);
	test_finish();
}
'''


def test_c_tests_pass_fail_skip(pytester):
    src = pytester.makefile(".bpf.c", test_demo=C_TESTS)
    assert_line = _line_of(src, "assert(ctx->data_end - ctx->data == 1)")
    skip_line = _line_of(src, "int c_check")
    result = run(pytester, "-v", "-rA")
    result.assert_outcomes(passed=1, failed=2, skipped=1)
    result.stdout.fnmatch_lines([
        "test_demo.bpf.c::a_pass PASSED*",
        "test_demo.bpf.c::b_fail FAILED*",
        "test_demo.bpf.c::c_skip SKIPPED*",
        "test_demo.bpf.c::d_fail_suite FAILED*",
    ])
    # each check's log, in the report: the pass (with -rA), the failures, the skip reason
    result.stdout.fnmatch_lines(["setup said 7, 60 bytes follow", "TEST status: PASS",
                                 "TEST length: PASS"])
    result.stdout.fnmatch_lines([
        f"TEST broken: FAIL (assert failed at test_demo.bpf.c:{assert_line})",
        "TEST fine: PASS", "TEST broken: FAIL", "    value -5",
        f"    assert failed at test_demo.bpf.c:{assert_line}"])
    result.stdout.fnmatch_lines(["check returned FAIL (ff is not 18446744073709551615)"])
    result.stdout.fnmatch_lines(
        [f"SKIPPED [[]1[]] test_demo.bpf.c:{skip_line}: nothing to do here*"])
    assert "not reached" not in result.stdout.str()


def test_c_test_compile_error_is_a_collection_error(pytester):
    pytester.makefile(".bpf.c", test_bad="#include <pybpf/test.h>\nint x = y;\n")
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*test_bad.bpf.c*compilation failed*",
                                 "*undeclared identifier 'y'*"])


def test_c_test_bpf_fault_is_reported(pytester):
    src = pytester.makefile(".bpf.c", test_oops=r'''
#include <pybpf/test.h>
CHECK("xdp", "oops")
int check(struct xdp_md *ctx)
{
	unsigned char *p = (void *)(long)ctx->data;

	test_init();
	assert(p[5000] == 0);
	test_finish();
}
''')
    result = run(pytester)
    result.assert_outcomes(failed=1)
    line = _line_of(src, "p[5000]")
    result.stdout.fnmatch_lines([f"test_oops.bpf.c::oops (check): test_oops.bpf.o:check: insn * "
                                 f"(test_oops.bpf.c:{line}): *invalid read of 1 byte*"])


CILIUM_STYLE = r'''
#include "common.h"

static __u32 *want;
static int same_prefix(__u32 **map, __u32 addr, int plen)
{
	__u32 mask = plen ? ~0U << (32 - plen) : 0;

	return (addr & mask) == (**map & mask);
}
#define PREFIXES 32, 24,
LPM_LOOKUP_FN(lookup24, __u32, PREFIXES, want, same_prefix)

CHECK("xdp", "cilium_api")
int check(struct xdp_md *ctx)
{
	__maybe_unused int unused = 0;

	test_init();
	TEST("fatal leaves the test", {
		test_fatal("bad %d", 3);
		test_log("not reached");
	});
	TEST("skip", { test_skip_now(); });
	TEST("lpm", {
		__u32 net = 0x0a000100;

		want = &net;
		assert(__lookup24(0x0a0001ff));
		assert(!__lookup24(0x0a0002ff));
	});
	test_finish();
}
'''


def test_cilium_common_h_api(pytester):
    pytester.makefile(".bpf.c", test_cilium=CILIUM_STYLE)
    result = run(pytester, "-rA")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["TEST fatal leaves the test: FAIL (bad 3)", "*",
                                 "TEST skip: SKIP", "TEST lpm: PASS"])
    assert "not reached" not in result.stdout.str()


# --------------------------------------------------------------------------------------------
# coverage
# --------------------------------------------------------------------------------------------

COVERED = r'''#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Lines marked hit/miss carry a helper call of their own, which the compiler cannot
 * merge with another line's code; lines marked branch hold a conditional jump. */
SEC("xdp")
int cov(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	unsigned char *p = data;

	if (data + 2 > data_end) {                              /* branch */
		bpf_printk("short");                             /* miss */
		return XDP_ABORTED;
	}
	if (p[0] == 1) {                                        /* branch */
		bpf_printk("one");                               /* hit */
		return XDP_DROP;
	}
	if (p[1] == 7) {                                        /* branch */
		bpf_printk("seven");                             /* miss */
		return XDP_TX;
	}
	bpf_printk("pass");                                      /* hit */
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
'''


def test_coverage_line_by_line(pytester):
    src = pytester.makefile(".bpf.c", cov=COVERED)
    pytester.makepyfile(test_cov='''
def test_runs(bpf):
    prog = bpf.load("cov.bpf.c").programs["cov"]
    assert prog.run(bytes([1, 0]) + bytes(62)).verdict == "XDP_DROP"
    assert prog.run(bytes(64)).verdict == "XDP_PASS"
''')
    result = run(pytester, "--pybpf-cov-lcov", "cov.info")
    result.assert_outcomes(passed=1)
    source = src.read_text().splitlines()
    marks = {i + 1: line.rsplit("/*", 1)[1].split()[0] for i, line in enumerate(source)
             if re.search(r"/\* (hit|miss|branch) \*/$", line)}
    assert list(marks.values()).count("branch") == 3

    record = next(r for r in (pytester.path / "cov.info").read_text().split("end_of_record")
                  if re.search(r"^SF:.*/cov\.bpf\.c$", r, re.M))
    da = {int(m[0]): int(m[1]) for m in re.findall(r"^DA:(\d+),(\d+)$", record, re.M)}
    for line, mark in marks.items():
        assert line in da, f"line {line} ({source[line - 1].strip()}) has no DA record"
        if mark != "branch":
            assert (da[line] > 0) == (mark == "hit"), f"line {line}: {source[line - 1].strip()}"
    brda = re.findall(r"^BRDA:(\d+),(\d+),(\d+),(\S+)$", record, re.M)
    assert {int(b[0]) for b in brda} == {n for n, m in marks.items() if m == "branch"}
    ways = {}
    for line, _block, _branch, taken in brda:
        ways[int(line)] = ways.get(int(line), 0) + (taken not in ("-", "0"))
    first, second, third = sorted(ways)
    # data + 2 > data_end: never true; p[0] == 1: both ways; p[1] == 7: never true
    assert (ways[first], ways[second], ways[third]) == (1, 2, 1)
    assert f"BRF:{len(brda)}" in record and "BRH:4" in record
    assert f"LF:{len(da)}" in record and f"LH:{sum(1 for n in da.values() if n)}" in record
    assert f"FN:{min(da)},cov" in record and "FNDA:2,cov" in record
    missing = sorted(n for n, hits in da.items() if not hits)
    assert {n for n, m in marks.items() if m == "miss"} <= set(missing)
    result.stdout.fnmatch_lines(["*pybpf coverage of BPF C*",
                                 f"cov.bpf.c * {len(da)} * {len(da) - len(missing)} *",
                                 "TOTAL *", "lcov tracefile written to cov.info"])
    row = next(line for line in result.stdout.lines if line.startswith("cov.bpf.c "))
    listed = [int(x) for part in row.split()[-1].split(",")
              for x in (range(int(part.split("-")[0]), int(part.split("-")[-1]) + 1))]
    assert listed == missing


def test_coverage_of_c_tests_and_nothing_without_the_option(pytester):
    pytester.makefile(".bpf.c", test_demo=C_TESTS)
    result = run(pytester, "--pybpf-cov")
    result.stdout.fnmatch_lines(["*pybpf coverage of BPF C*", "test_demo.bpf.c *"])
    assert "not reached" not in result.stdout.str()
    plain = run(pytester)
    assert "pybpf coverage" not in plain.stdout.str()


def test_lcov_file_is_read_by_genhtml(pytester):
    genhtml = shutil.which("genhtml")
    if genhtml is None:
        pytest.skip("genhtml (lcov) is not installed")
    pytester.makefile(".bpf.c", cov=COVERED)
    pytester.makepyfile(test_cov='''
def test_runs(bpf):
    prog = bpf.load("cov.bpf.c").programs["cov"]
    prog.run(bytes([1, 0]) + bytes(62))
    prog.run(bytes(64))
''')
    run(pytester, "--pybpf-cov-lcov", "cov.info").assert_outcomes(passed=1)
    info = (pytester.path / "cov.info").read_text()
    lf, lh = (int(re.search(rf"^{k}:(\d+)$", info, re.M)[1]) for k in ("LF", "LH"))
    out = subprocess.run([genhtml, "--branch-coverage", "cov.info", "-o", "html"],
                         cwd=pytester.path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"({lh} of {lf} lines)" in out.stdout
    assert "(4 of 6 branches)" in out.stdout
    assert (pytester.path / "html" / "index.html").is_file()


# --------------------------------------------------------------------------------------------
# the examples under programs/tests run as a user would run them
# --------------------------------------------------------------------------------------------

EXAMPLES = REPO / "programs" / "tests"


def test_example_xdp_firewall_python_tests(pytester):
    result = run(pytester, str(EXAMPLES / "test_xdp_firewall.py"))
    result.assert_outcomes(passed=8)


def test_example_xdp_firewall_c_tests_with_coverage(pytester):
    result = run(pytester, "-v", "--pybpf-cov", str(EXAMPLES / "test_xdp_firewall.bpf.c"))
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_xdp_firewall.bpf.c::telnet_is_dropped PASSED*",
                                 "*test_xdp_firewall.bpf.c::web_passes PASSED*"])
    result.stdout.fnmatch_lines(["*pybpf coverage of BPF C*",
                                 "programs/examples/xdp_firewall.c *",
                                 "programs/tests/test_xdp_firewall.bpf.c *"])


def test_readme_pytest_example(firewall):
    """The README's ten-line test runs as written (``packet``/``other`` defined around it)."""
    text = (REPO / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S)
                 if "def test_firewall(bpf)" in b)
    prelude = "from packets import tcp_packet\npacket, other = tcp_packet(22), tcp_packet(80)\n\n"
    firewall.makepyfile(test_readme_example=prelude + block)
    run(firewall).assert_outcomes(passed=1)


def test_example_tc_nat_and_tail_call_pipeline(pytester):
    """tc (sched_cls) through the fixture and as C tests; the tail-call pipeline. Their
    @pytest.mark.kernel cases compare with the kernel where bpf() works, else skip."""
    result = run(pytester, "-rs", str(EXAMPLES / "test_tc_snat.py"),
                 str(EXAMPLES / "test_tc_snat.bpf.c"), str(EXAMPLES / "test_xdp_tailcall.py"))
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 0
    assert outcomes["passed"] + outcomes.get("skipped", 0) == 13
    assert outcomes["passed"] >= 8                 # everything but the 5 kernel comparisons
