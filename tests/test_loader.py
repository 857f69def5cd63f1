"""Loading compiled C: linking, global data, run-time faults reported at the C line."""

import pytest

from pybpf.errors import LinkError, MemoryFault, PyBPFError
from pybpf.loader import load
from pybpf.toolchain import compile as compile_c, zig_available
from pathlib import Path

SRC = Path(__file__).resolve().parent / "loader_src"
pytestmark = pytest.mark.skipif(not zig_available(), reason="the pinned ziglang compiler is not installed")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    out = tmp_path_factory.mktemp("loader")
    return lambda name: compile_c(SRC / f"{name}.c", out=out / f"{name}.o")


def test_unchecked_packet_read_faults_at_the_c_line(build):
    prog = load(build("unchecked")).program()
    with pytest.raises(MemoryFault) as err:
        prog.run(bytes(20))
    msg = str(err.value)
    assert msg.startswith("unchecked.o:unchecked: insn 1 (tests/loader_src/unchecked.c:10): ")
    assert "r1 = *(u8 *)(r1 +40)" in msg
    assert "invalid read of 1 byte at packet+296 (valid offsets 256..275)" in msg
    assert err.value.pc == 1
    # A packet long enough makes the same program run normally.
    packet = bytearray(60)
    packet[40] = 6
    assert prog.run(bytes(packet)).verdict == "XDP_DROP"


def test_global_data_persists_across_runs_and_rodata_is_read(build):
    obj = load(build("globals"))
    prog = obj.program("globals")
    assert sorted(obj.data) == [".bss", ".data", ".rodata"]
    assert prog.run(bytes(30)).verdict == "XDP_PASS"     # 30 <= threshold 60
    assert prog.run(bytes(100)).verdict == "XDP_DROP"    # 100 > 60
    assert int.from_bytes(obj.memory.read(obj.data[".data"]), "little") == 7 + 2
    assert int.from_bytes(obj.memory.read(obj.data[".bss"]), "little") == 130
    assert int.from_bytes(obj.memory.read(obj.data[".rodata"]), "little") == 60


def test_disassembly_names_global_data_and_the_call(build):
    text = load(build("globals")).program().disassemble()
    assert "r3 = .data+0" in text
    assert "r2 = .bss+0" in text
    assert "r2 = .rodata+0" in text
    assert "call pc+1" in text
    assert "; seen += 1; @ tests/loader_src/globals.c:19" in text


def test_rodata_is_read_only_at_run_time(build):
    obj = load(build("globals"))
    region = obj.data[".rodata"]
    from pybpf.isa.insn import Insn
    from pybpf.vm import Machine, build_code
    # *(u32 *)(r1 + 0) = 1 with r1 = the .rodata address
    code = build_code([Insn(0x62, 1, 0, 0, 1), Insn(0xb7, 0, 0, 0, 0), Insn(0x95)], name="w")
    with pytest.raises(MemoryFault, match=r"invalid write of 4 bytes at \.rodata\+0"):
        Machine(code, obj.memory).run(region.va)


def test_array_map_counter_written_through_the_lookup_pointer(tmp_path):
    src = tmp_path / "withmap.c"
    src.write_text(
        '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n'
        'struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4);'
        ' __type(key, __u32); __type(value, __u64); } counters SEC(".maps");\n'
        'SEC("xdp") int prog(struct xdp_md *ctx) { __u32 k = (ctx->data_end - ctx->data) & 3;'
        ' __u64 *v = bpf_map_lookup_elem(&counters, &k); if (v) *v += 1; return XDP_PASS; }\n'
        'char LICENSE[] SEC("license") = "GPL";\n')
    obj = load(compile_c(src, out=tmp_path / "withmap.o"))
    prog = obj.program("prog")
    for n in (20, 21, 24, 25, 29, 30):
        assert prog.run(bytes(n)).verdict == "XDP_PASS"
    counters = obj.maps["counters"]
    assert [int.from_bytes(counters[i], "little") for i in range(4)] == [2, 3, 1, 0]  # sizes mod 4
    assert counters.keys() == [i.to_bytes(4, "little") for i in range(4)]
    counters[3] = (41).to_bytes(8, "little")
    prog.run(bytes(23))
    assert int.from_bytes(counters[3], "little") == 42
    assert "map[counters]" in prog.disassemble()


def test_program_selection_errors(build):
    obj = load(build("globals"))
    with pytest.raises(PyBPFError, match="no program named 'nope' \\(programs: globals\\)"):
        obj.program("nope")


def test_bpf_for_runs_on_the_iterator_kfuncs(build):
    obj = load(build("iter"))
    prog = obj.program("sum_bytes")
    assert "call kernel-function#" in prog.disassemble()
    prog.run(bytes(range(100)))
    assert int.from_bytes(obj.maps["result"][0], "little") == sum(range(64))   # stops at 64
    prog.run(bytes(range(30)))
    assert int.from_bytes(obj.maps["result"][0], "little") == sum(range(30))   # stops at data_end


def test_bpf_for_agrees_with_the_kernel(build):
    from pybpf import kernel
    if not kernel.available():
        pytest.skip(f"kernel oracle unavailable: {kernel.unavailable_reason()}")
    path = build("iter")
    with kernel.KernelObject(path) as ko:
        for n in (30, 100):
            run = ko.run("sum_bytes", bytes(range(n)))
            obj = load(path)
            assert obj.program("sum_bytes").run(bytes(range(n))).retval == run.retval
            assert obj.maps.to_json()["result"] == [[k.hex(), v.hex()] for k, v in ko.dump_map("result")]


def test_unknown_kfunc_is_refused_at_load_with_its_name(tmp_path):
    src = tmp_path / "kf.c"
    src.write_text('#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n'
                   'extern int bpf_no_such_kfunc(int x) __ksym;\n'
                   'SEC("xdp") int prog(struct xdp_md *ctx) { return bpf_no_such_kfunc(1) ? 1 : 2; }\n'
                   'char LICENSE[] SEC("license") = "GPL";\n')
    with pytest.raises(LinkError, match=r"kf\.o:prog: insn \d+: calls extern function "
                                        r"'bpf_no_such_kfunc', which is not a kfunc pybpf provides"):
        load(compile_c(src, out=tmp_path / "kf.o"))


@pytest.mark.parametrize("size", [20, 60])
def test_bpf_loop_calls_back_and_stops_when_asked(build, size):
    obj = load(build("loop"))
    obj.program("looper").run(bytes(size))
    got = [int.from_bytes(obj.maps["result"][i], "little") for i in (0, 1)]
    if size < 40:   # the callback returns 1 at i == size: size + 1 iterations ran
        assert got == [sum(i * i for i in range(size)), size + 1]
    else:
        assert got == [sum(i * i for i in range(40)), 40]
    from pybpf import kernel
    if kernel.available():
        with kernel.KernelObject(build("loop")) as ko:
            ko.run("looper", bytes(size))
            assert obj.maps.to_json()["result"] == [[k.hex(), v.hex()] for k, v in ko.dump_map("result")]


def test_array_of_maps_lookup_returns_the_inner_map(tmp_path):
    src = Path(__file__).resolve().parent / "maps_src" / "map_in_map.c"
    path = compile_c(src, out=tmp_path / "mim.o")
    obj = load(path)
    prog = obj.program("pick")
    verdicts = [prog.run(bytes(n)).verdict for n in (20, 21, 22, 24, 26, 23)]
    assert verdicts == ["XDP_PASS", "XDP_DROP", "XDP_PASS", "XDP_PASS", "XDP_PASS", "XDP_DROP"]
    assert int.from_bytes(obj.maps["inner_a"][0], "little") == 2   # sizes 20, 24
    assert int.from_bytes(obj.maps["inner_b"][0], "little") == 2   # sizes 22, 26
    obj.maps["outer"][1] = obj.maps["inner_b"]                    # fill slot 1 from Python
    assert prog.run(bytes(21)).verdict == "XDP_PASS"
    assert int.from_bytes(obj.maps["inner_b"][0], "little") == 3
    from pybpf import kernel
    if kernel.available():
        with kernel.KernelObject(path) as ko:
            assert [ko.run("pick", bytes(n)).retval for n in (20, 21, 22, 24, 26, 23)] == [2, 1, 2, 2, 2, 1]
            assert ko.dump_map("inner_a")[0][1] == (2).to_bytes(8, "little")


def test_const_volatile_rodata_is_set_before_load(build):
    obj = load(build("globals"), rodata={"threshold": 20})
    assert obj.program().run(bytes(30)).verdict == "XDP_DROP"   # 30 > 20 now
    assert int.from_bytes(obj.memory.read(obj.data[".rodata"]), "little") == 20
    with pytest.raises(PyBPFError, match=r"rodata: no read-only global named 'seen' \(have: threshold\)"):
        load(build("globals"), rodata={"seen": 1})
    with pytest.raises(PyBPFError, match="does not fit 'threshold'"):
        load(build("globals"), rodata={"threshold": 1 << 40})


def test_for_each_map_elem_walks_arrays_and_hashes(tmp_path):
    path = compile_c(Path(__file__).resolve().parent / "maps_src" / "foreach.c", out=tmp_path / "fe.o")
    obj = load(path)
    prog = obj.program("walk")
    sizes = (21, 22, 23, 30, 24)
    for n in sizes:
        prog.run(bytes(n))

    def out(i):
        return int.from_bytes(obj.maps["out"][i], "little")
    # array: every run visits keys 0..5 and stops there (6 calls); the values it read in the
    # last run are 4 increments each
    assert out(0) == (6 << 32) | 15 and out(1) == 6 * 4
    assert [int.from_bytes(obj.maps["arr"][k], "little") for k in range(8)] == [5] * 6 + [0, 0]
    # hash: each run inserts key=len (value 10*len) and visits every element; an element
    # inserted in run r was visited (5 - r) times before the last run
    assert out(2) == (5 << 32) | sum(sizes)
    assert out(3) == sum(10 * n + (len(sizes) - 1 - r) for r, n in enumerate(sizes))
    from pybpf import kernel
    if kernel.available():
        with kernel.KernelObject(path) as ko:
            for n in sizes:
                ko.run("walk", bytes(n))
            assert obj.maps.to_json()["out"] == [[k.hex(), v.hex()] for k, v in ko.dump_map("out")]
            assert obj.maps.to_json()["tbl"] == [[k.hex(), v.hex()] for k, v in ko.dump_map("tbl")]


def test_untyped_sections_and_empty_maps_are_refused_clearly(tmp_path):
    src = tmp_path / "odd.c"
    src.write_text('#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n'
                   'SEC("xdp_vlan01") int odd(struct xdp_md *ctx) { return XDP_PASS; }\n'
                   'char LICENSE[] SEC("license") = "GPL";\n')
    path = compile_c(src, out=tmp_path / "odd.o")
    prog = load(path).program("odd")
    assert prog.type is None
    with pytest.raises(PyBPFError, match=r"odd\.o:odd: section 'xdp_vlan01' does not name a "
                                         r"program type .*program_types=\{'odd': 'xdp'\}"):
        prog.run(bytes(20))
    typed = load(path, program_types={"odd": "xdp"}).program("odd")
    assert typed.run(bytes(20)).verdict == "XDP_PASS"
    src.write_text('#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n'
                   'struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 0);'
                   ' __type(key, __u32); __type(value, __u32); } none SEC(".maps");\n'
                   'SEC("xdp") int x(struct xdp_md *ctx) { __u32 k = 0;'
                   ' return bpf_map_lookup_elem(&none, &k) ? 1 : 2; }\n'
                   'char LICENSE[] SEC("license") = "GPL";\n')
    from pybpf.errors import MapError
    with pytest.raises(MapError, match="map 'none': max_entries must be at least 1"):
        load(compile_c(src, out=tmp_path / "none.o"))


def test_relative_include_paths_are_the_callers(tmp_path, monkeypatch):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "verdict.h").write_text("#define VERDICT XDP_DROP\n")
    (tmp_path / "src").mkdir()
    src = tmp_path / "src" / "v.c"
    src.write_text('#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n#include "verdict.h"\n'
                   'SEC("xdp") int v(struct xdp_md *ctx) { return VERDICT; }\n'
                   'char LICENSE[] SEC("license") = "GPL";\n')
    monkeypatch.chdir(tmp_path)
    path = compile_c(src, out=tmp_path / "v.o", cflags=["-Iinc"])
    assert load(path).program("v").run(bytes(20)).verdict == "XDP_DROP"


def test_xdp_helpers_are_declared_with_the_uapi_context_type(tmp_path):
    src = tmp_path / "adj.c"     # compiles only if bpf_xdp_adjust_head takes struct xdp_md *
    src.write_text('#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n'
                   'SEC("xdp") int adj(struct xdp_md *x) { return bpf_xdp_adjust_head(x, 0) ? 1 : 2; }\n'
                   'char LICENSE[] SEC("license") = "GPL";\n')
    compile_c(src, out=tmp_path / "adj.o")



def test_libc_headers_bpf_code_reaches_compile_and_memcpy_is_inline(tmp_path):
    """<linux/if.h> needs <sys/socket.h>; <string.h>'s memcpy must not become a call."""
    src = tmp_path / "swap.c"
    src.write_text(
        '#include <linux/bpf.h>\n#include <linux/if.h>\n#include <linux/icmp.h>\n'
        '#include <linux/if_ether.h>\n#include <string.h>\n#include <bpf/bpf_helpers.h>\n'
        'SEC("xdp") int swap_macs(struct xdp_md *ctx) {\n'
        ' void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;\n'
        ' struct ethhdr *eth = data; unsigned char tmp[ETH_ALEN];\n'
        ' if ((void *)(eth + 1) > data_end) return XDP_DROP;\n'
        ' memcpy(tmp, eth->h_source, ETH_ALEN); memcpy(eth->h_source, eth->h_dest, ETH_ALEN);\n'
        ' memcpy(eth->h_dest, tmp, ETH_ALEN); return XDP_TX; }\n'
        'char LICENSE[] SEC("license") = "GPL";\n')
    path = compile_c(src, out=tmp_path / "swap.o")
    packet = bytes(range(1, 7)) + bytes(range(11, 17)) + b"\x08\x00" + bytes(20)
    result = load(path).program().run(packet)
    assert result.verdict == "XDP_TX"
    assert result.data == packet[6:12] + packet[0:6] + packet[12:]
    from pybpf import kernel
    if kernel.available():
        with kernel.KernelObject(path) as ko:
            run = ko.run("swap_macs", packet)
            assert (run.retval, run.data_out) == (result.retval, result.data)
