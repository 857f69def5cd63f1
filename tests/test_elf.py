"""ELF reader, BTF parser and linker, on objects compiled from tests/elf_src/*.c."""

from __future__ import annotations

import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from pybpf.errors import ELFError, LinkError
from pybpf.elf import btf as btfmod
from pybpf.elf import link_program, read_object
from pybpf.isa.insn import slot_index
from pybpf.isa.opcodes import (
    BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD,
    BPF_PSEUDO_MAP_VALUE, LDDW,
)
from pybpf.spec import (
    LIBBPF_PIN_BY_NAME, PIN_GLOBAL_NS, RELO_DATA, RELO_KFUNC, RELO_MAP,
    program_type_for_section,
)

SRC = Path(__file__).parent / "elf_src"
CALL = 0x85
EXIT = 0x95

try:
    import ziglang  # noqa: F401
    _ZIG = os.path.dirname(ziglang.__file__)
except ImportError:  # pragma: no cover
    _ZIG = None


def _compile(src: Path, out: Path) -> Path:
    if _ZIG is None:
        pytest.skip("ziglang is not installed, so the BPF test objects cannot be compiled")
    cmd = [sys.executable, "-m", "ziglang", "cc", "-target", "bpfel-freestanding", "-mcpu=v3",
           "-O2", "-g", f"-I{_ZIG}/lib/libc/include/any-linux-any",
           f"-I{_ZIG}/lib/libc/include/x86-linux-any", "-c", str(src), "-o", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        pytest.fail(f"compiling {src.name} failed:\n{res.stderr}")
    return out


@pytest.fixture(scope="session")
def objdir(tmp_path_factory):
    return tmp_path_factory.mktemp("elf_objs")


@pytest.fixture(scope="session")
def progs_o(objdir):
    return _compile(SRC / "progs.c", objdir / "progs.o")


@pytest.fixture(scope="session")
def legacy_o(objdir):
    return _compile(SRC / "legacy.c", objdir / "legacy.o")


@pytest.fixture(scope="session")
def mapdef_o(objdir):
    return _compile(SRC / "mapdef.c", objdir / "mapdef.o")


@pytest.fixture(scope="session")
def progs(progs_o):
    return read_object(progs_o)


@pytest.fixture(scope="session")
def legacy(legacy_o):
    return read_object(legacy_o)


def _slots(lp):
    return list(zip(slot_index(lp.instructions), lp.instructions))


def _at(lp, slot):
    for s, insn in _slots(lp):
        if s == slot:
            return insn
    raise AssertionError(f"no instruction starts at slot {slot}")


def _source_line(src: str, text: str) -> int:
    lines = (SRC / src).read_text().splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if line.strip() == text]
    assert len(hits) == 1, hits
    return hits[0]


# --------------------------------------------------------------------------
# programs and sections


def test_programs_by_section(progs, legacy):
    assert progs.name == "progs"
    assert progs.license == "GPL"
    assert set(progs.programs) == {"xdp_prog", "tail_a", "xdp_small", "tc_prog"}
    assert progs.programs["xdp_prog"].section == "xdp"
    assert progs.programs["xdp_prog"].type == "xdp"
    assert progs.programs["xdp_prog"].type_id == 6
    assert progs.programs["tail_a"].type == "xdp"          # two programs in one section
    assert progs.programs["xdp_small"].section == "xdp.frags"
    assert progs.programs["xdp_small"].type == "xdp"
    assert progs.programs["tc_prog"].type == "sched_cls"
    # .text functions are subprograms, not programs
    assert "shared_helper" not in progs.programs
    assert {f.name for f in progs.functions if f.section == ".text"} == {
        "shared_helper", "global_fn", "drop_packet"}

    # Cilium style: static function in section "2/1", unknown section names
    tail = legacy.programs["tail_handle"]
    assert tail.section == "2/1" and tail.binding == "local" and tail.type is None
    assert legacy.programs["handle_xgress"].section == "from-container"
    assert legacy.programs["handle_xgress"].type is None
    assert legacy.license == "Dual BSD/GPL"
    assert tail.instructions[-1].opcode == EXIT


@pytest.mark.parametrize("section, expected", [
    ("xdp", ("xdp", "xdp", None)),
    ("xdp.frags", ("xdp", "xdp", None)),
    ("xdp/devmap", ("xdp", "xdp_devmap", None)),
    ("tc", ("sched_cls", None, None)),
    ("tcx/ingress", ("sched_cls", "tcx_ingress", None)),
    ("tcx/egress", ("sched_cls", "tcx_egress", None)),
    ("classifier", ("sched_cls", None, None)),
    ("classifier/foo", ("sched_cls", None, "foo")),
    ("action", ("sched_act", None, None)),
    ("socket", ("socket_filter", None, None)),
    ("cgroup_skb/ingress", ("cgroup_skb", "cgroup_inet_ingress", None)),
    ("cgroup_skb/egress", ("cgroup_skb", "cgroup_inet_egress", None)),
    ("kprobe/do_unlinkat", ("kprobe", None, "do_unlinkat")),
    ("tracepoint/syscalls/sys_enter_openat", ("tracepoint", None, "syscalls/sys_enter_openat")),
    ("raw_tracepoint/sched_switch", ("raw_tracepoint", None, "sched_switch")),
    ("fentry/tcp_connect", ("tracing", "trace_fentry", "tcp_connect")),
    ("perf_event", ("perf_event", None, None)),
    ("sk_msg", ("sk_msg", "sk_msg_verdict", None)),
    ("2/7", (None, None, None)),
    ("xdpfoo", (None, None, None)),
])
def test_section_table(section, expected):
    assert program_type_for_section(section) == expected


# --------------------------------------------------------------------------
# linking


def test_subprogram_copied_into_each_program(progs):
    helper = progs.function("shared_helper")
    for name in ("xdp_prog", "tc_prog"):
        lp = link_program(progs, name)
        assert lp.functions[0].name == name and lp.functions[0].slot == 0
        sub = [f for f in lp.functions if f.name == "shared_helper"]
        assert len(sub) == 1
        start = sub[0].slot
        # every pseudo call lands on the start of a linked function
        starts = {f.slot for f in lp.functions}
        calls = [(s, i) for s, i in _slots(lp) if i.opcode == CALL and i.src == BPF_PSEUDO_CALL]
        assert calls
        assert all(s + i.imm + 1 in starts for s, i in calls)
        assert any(s + i.imm + 1 == start for s, i in calls)
        # the copy has the helper's own code (its global-data lddw is pre-marked)
        copy = [i for s, i in _slots(lp) if start <= s < sub[0].end]
        assert [i.opcode for i in copy] == [i.opcode for i in helper.instructions]
        assert lp.size == sum(f.size for f in lp.functions)
        # the helper's .data reference moved with it
        data = [r for r in lp.relocations if r.kind == RELO_DATA and r.section == ".data"]
        assert any(start <= r.slot < sub[0].end for r in data)


def test_noinline_global_function(progs):
    gf = progs.function("global_fn")
    assert gf.section == ".text" and gf.binding == "global"
    lp = link_program(progs, "tc_prog")
    assert [f.name for f in lp.functions] == ["tc_prog", "shared_helper", "global_fn"]
    target = lp.functions[2].slot
    calls = [(s, i) for s, i in _slots(lp) if i.opcode == CALL and i.src == BPF_PSEUDO_CALL]
    assert any(s + i.imm + 1 == target for s, i in calls)
    # global_fn reads `limit` from .rodata
    ro = [r for r in lp.relocations if r.kind == RELO_DATA and r.target == ".rodata"]
    assert len(ro) == 1 and target <= ro[0].slot < lp.functions[2].end
    # programs that do not call it do not get it
    assert [f.name for f in link_program(progs, "tail_a").functions] == ["tail_a"]


def test_function_pointer_and_kfunc(legacy):
    lp = link_program(legacy, "handle_xgress")
    assert [f.name for f in lp.functions] == ["handle_xgress", "count_cb"]
    refs = [(s, i) for s, i in _slots(lp) if i.opcode == LDDW and i.src == BPF_PSEUDO_FUNC]
    assert len(refs) == 1
    s, i = refs[0]
    assert s + i.imm + 1 == lp.functions[1].slot
    kf = lp.relocations_of(RELO_KFUNC)
    assert len(kf) == 1 and kf[0].target == "bpf_rcu_read_lock"
    insn = _at(lp, kf[0].slot)
    assert insn.opcode == CALL and insn.src == BPF_PSEUDO_KFUNC_CALL
    assert legacy.externs["bpf_rcu_read_lock"].kind == "func"


def test_link_errors(progs):
    with pytest.raises(LinkError, match="no_such_prog"):
        link_program(progs, "no_such_prog")
    # Remove the callee from a copy of the object: the call cannot be resolved.
    import copy
    broken = copy.copy(progs)
    broken.functions = [f for f in progs.functions if f.name != "shared_helper"]
    with pytest.raises(LinkError) as exc:
        link_program(broken, "xdp_prog")
    msg = str(exc.value)
    assert "xdp_prog" in msg and ".text" in msg


# --------------------------------------------------------------------------
# maps


def test_btf_maps(progs):
    m = progs.maps["counters"]
    assert (m.type, m.type_name) == (1, "hash")
    assert (m.key_size, m.value_size, m.max_entries) == (4, 8, 1024)
    assert m.pinning == LIBBPF_PIN_BY_NAME
    assert progs.btf.type_name(m.key_type_id) == "__u32"
    assert progs.btf.size_of(m.value_type_id) == 8

    a = progs.maps["arr"]
    assert (a.type_name, a.key_size, a.value_size, a.max_entries, a.flags) == (
        "array", 4, 16, 8, 1024)
    assert a.pinning == 0 and a.key_type_id is None

    j = progs.maps["jmp_table"]
    assert j.type_name == "prog_array"
    assert (j.key_size, j.value_size, j.max_entries) == (4, 4, 4)
    assert j.initial_values == {2: "tail_a"}


def test_map_relocations(progs):
    lp = link_program(progs, "tc_prog")
    maps = lp.relocations_of(RELO_MAP)
    assert [r.target for r in maps] == ["arr", "jmp_table"]
    for r in maps:
        insn = _at(lp, r.slot)
        assert insn.opcode == LDDW and insn.src == BPF_PSEUDO_MAP_FD


def test_legacy_bpf_elf_map(legacy):
    calls = legacy.maps["cilium_calls"]
    assert (calls.type_name, calls.key_size, calls.value_size, calls.max_entries) == (
        "prog_array", 4, 4, 16)
    assert calls.pinning == PIN_GLOBAL_NS
    assert calls.legacy["id"] == 7
    met = legacy.maps["cilium_metrics"]
    assert (met.type_name, met.key_size, met.value_size, met.max_entries) == (
        "percpu_array", 8, 16, 1024)
    assert met.offset == 36
    lp = link_program(legacy, "tail_handle")
    assert [r.target for r in lp.relocations_of(RELO_MAP)] == ["cilium_metrics"]


def test_legacy_bpf_map_def(mapdef_o):
    obj = read_object(mapdef_o)
    h, a = obj.maps["old_hash"], obj.maps["old_array"]
    assert (h.type, h.key_size, h.value_size, h.max_entries, h.flags) == (1, 4, 8, 64, 1)
    assert (a.type, a.key_size, a.value_size, a.max_entries, a.offset) == (2, 4, 4, 2, 20)
    assert obj.programs["sock_prog"].type == "socket_filter"
    lp = link_program(obj, "sock_prog")
    assert sorted(r.target for r in lp.relocations_of(RELO_MAP)) == ["old_array", "old_hash"]


# --------------------------------------------------------------------------
# global data


def test_data_sections(progs):
    ds = progs.data_sections
    assert set(ds) >= {".data", ".rodata", ".bss", ".data.foo"}
    data = ds[".data"]
    assert data.symbols["global_counter"].offset == 0
    assert data.symbols["second_counter"].offset == 4
    off = data.symbols["hidden_static"].offset
    assert struct.unpack_from("<iii", data.data) == (7, 9, 5)
    assert not data.readonly
    assert ds[".rodata"].readonly and struct.unpack("<I", ds[".rodata"].data) == (100,)
    assert ds[".bss"].data == bytes(8) and ds[".bss"].symbols["zeroed"].size == 8
    assert struct.unpack("<I", ds[".data.foo"].data) == (42,)
    m = ds[".rodata"].as_map_spec()
    assert m.type_name == "array" and m.value_size == 4 and m.max_entries == 1

    lp = link_program(progs, "xdp_small")
    rel = {(r.symbol, r.target): r for r in lp.relocations_of(RELO_DATA)}
    # static variable: relocation against the section symbol, offset from imm
    hidden = rel[(".data", ".data")]
    assert hidden.offset == off
    second = rel[("second_counter", ".data")]
    assert second.offset == 4
    for r in (hidden, second):
        insn = _at(lp, r.slot)
        assert insn.opcode == LDDW and insn.src == BPF_PSEUDO_MAP_VALUE
        assert insn.imm >> 32 == r.offset

    targets = {r.target for r in link_program(progs, "xdp_prog").relocations_of(RELO_DATA)}
    assert targets == {".bss", ".data.foo", ".data"}


# --------------------------------------------------------------------------
# BTF and line info


def test_btf_helpers(progs):
    btf = progs.btf
    u32 = btf.find("__u32", btfmod.KIND_TYPEDEF)
    assert u32 is not None and btf.resolve(u32.id).kind == btfmod.KIND_INT
    assert btf.size_of(u32.id) == 4
    xdp_md = btf.find("xdp_md", btfmod.KIND_STRUCT)
    mems = btf.members(xdp_md.id)
    assert [m.name for m in mems][:2] == ["data", "data_end"]
    assert [m.bit_offset for m in mems] == [0, 32, 64, 96, 128]
    assert btf.type_name(xdp_md.id) == "struct xdp_md"
    maps = btf.datasec(".maps")
    assert {m.name for m in maps.members} == {"counters", "arr", "jmp_table"}
    assert maps.size == 128
    f = btf.find("xdp_prog", btfmod.KIND_FUNC)
    proto = btf.func_proto(f.id)
    assert btf.type_name(proto.members[0].type) == "struct xdp_md *"
    # func_info for each linked function
    lp = link_program(progs, "tc_prog")
    assert [(fi.slot, fi.name) for fi in lp.func_info] == [
        (f.slot, f.name) for f in lp.functions]


def test_line_info(progs):
    lp = link_program(progs, "xdp_small")
    target = "return XDP_DROP; /* line-info target */"
    line_no = _source_line("progs.c", target)
    hits = [s for s, _ in _slots(lp) if (lp.line_of(s) or (0, 0, ""))[2].strip() == target]
    assert hits
    drop = next(f for f in lp.functions if f.name == "drop_packet")
    for s in hits:
        file, line, text = lp.line_of(s)
        assert file.endswith("progs.c") and line == line_no
        assert drop.slot <= s < drop.end
    # every instruction has a line
    assert all(lp.line_of(s) is not None for s, _ in _slots(lp))
    # a line inside the entry function
    first = _source_line("progs.c", "second_counter += hidden_static;")
    assert lp.line_of(0)[1] == first


# --------------------------------------------------------------------------
# corrupt inputs


def _expect_elf_error(path_or_bytes, *words):
    with pytest.raises(ELFError) as exc:
        read_object(path_or_bytes)
    msg = str(exc.value)
    for w in words:
        assert w in msg, msg
    return msg


def test_empty_file(tmp_path):
    p = tmp_path / "empty.o"
    p.write_bytes(b"")
    _expect_elf_error(p, str(p), "empty")


def test_truncated(tmp_path, progs_o):
    raw = progs_o.read_bytes()
    for cut in (10, 100, len(raw) // 2, len(raw) - 1):
        p = tmp_path / f"trunc{cut}.o"
        p.write_bytes(raw[:cut])
        _expect_elf_error(p, str(p))


def test_random_bytes(tmp_path):
    rng = random.Random(1234)
    p = tmp_path / "random.o"
    p.write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    _expect_elf_error(p, str(p), "not an ELF")
    # random bytes after a valid-looking ELF header: still a clean ELFError
    hdr = bytearray(read_ident_header())
    for seed in range(20):
        rng = random.Random(seed)
        body = hdr + bytes(rng.randrange(256) for _ in range(2048))
        _expect_elf_error(bytes(body))


def read_ident_header() -> bytes:
    """A 64-byte ELF64 LE EM_BPF ET_REL header with section headers at offset 64."""
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    return ident + struct.pack("<HHIQQQIHHHHHH", 1, 247, 1, 0, 0, 64, 0, 64, 0, 0, 64, 8, 1)


def test_wrong_machine(tmp_path, progs_o):
    if os.path.exists("/bin/true"):
        _expect_elf_error("/bin/true", "/bin/true", "machine")
    raw = bytearray(progs_o.read_bytes())
    raw[18:20] = struct.pack("<H", 62)   # EM_X86_64
    _expect_elf_error(bytes(raw), "machine")
    be = bytearray(progs_o.read_bytes())
    be[5] = 2
    _expect_elf_error(bytes(be), "big-endian")
    el32 = bytearray(progs_o.read_bytes())
    el32[4] = 1
    _expect_elf_error(bytes(el32), "64-bit")


def test_x86_object(tmp_path):
    cc = None
    for cand in ("gcc", "cc"):
        for d in os.environ.get("PATH", "").split(os.pathsep):
            if os.path.exists(os.path.join(d, cand)):
                cc = os.path.join(d, cand)
                break
        if cc:
            break
    if cc is None:
        pytest.skip("no host C compiler to build an x86 object")
    src = tmp_path / "x.c"
    src.write_text("int f(int x) { return x + 1; }\n")
    out = tmp_path / "x.o"
    subprocess.run([cc, "-c", str(src), "-o", str(out)], check=True)
    _expect_elf_error(out, str(out), "machine")


def _patch_reloc_type(raw: bytes, section: str, new_type: int) -> bytes:
    import io
    from elftools.elf.elffile import ELFFile
    elf = ELFFile(io.BytesIO(raw))
    sec = elf.get_section_by_name(section)
    off = sec["sh_offset"]
    out = bytearray(raw)
    out[off + 8] = new_type   # low byte of r_info of the first entry = type
    return bytes(out)


def test_unknown_relocation_type(tmp_path, progs_o):
    p = tmp_path / "badrel.o"
    p.write_bytes(_patch_reloc_type(progs_o.read_bytes(), ".relxdp", 0x55))
    msg = _expect_elf_error(p, str(p), "unknown relocation type 85", "'xdp'")
    assert "counters" in msg or "offset" in msg


def test_bytes_input(progs_o):
    obj = read_object(progs_o.read_bytes(), name="mine")
    assert obj.name == "mine" and "xdp_prog" in obj.programs
    with pytest.raises(ELFError, match="mine"):
        read_object(b"\x7fELF", name="mine")


def test_mutated_objects_only_raise_elf_error(progs_o):
    """Random byte flips give either a readable object or ELFError, never a traceback."""
    from pybpf.errors import PyBPFError
    raw = progs_o.read_bytes()
    for seed in range(300):
        rng = random.Random(seed)
        buf = bytearray(raw)
        for _ in range(rng.choice((1, 3, 10))):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        try:
            obj = read_object(bytes(buf))
        except ELFError:
            continue
        for name in obj.programs:
            try:
                link_program(obj, name)
            except PyBPFError:
                pass
