"""Tests for pybpf.toolchain: compiling BPF C and the committed fixtures."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from pybpf import toolchain
from pybpf.errors import PyBPFError, ToolchainError

REPO = toolchain.REPO_ROOT
PROGRAMS = REPO / "programs"

needs_zig = pytest.mark.skipif(
    not toolchain.zig_available(), reason="ziglang (the pinned compiler) is not installed"
)


def _manifest() -> dict:
    return json.loads((PROGRAMS / toolchain.MANIFEST_NAME).read_text())


def _copy_checkout(dest: Path) -> Path:
    """A minimal checkout (toolchain module, headers, programs) at ``dest``."""
    (dest / "pybpf").mkdir(parents=True)
    (dest / "pybpf" / "__init__.py").write_text("")
    for name in ("errors.py", "toolchain.py"):
        shutil.copy2(REPO / "pybpf" / name, dest / "pybpf" / name)
    shutil.copytree(REPO / "runtime", dest / "runtime")
    shutil.copytree(PROGRAMS, dest / "programs",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest


# --------------------------------------------------------------------------
# committed fixtures (no compiler needed)
# --------------------------------------------------------------------------


def test_committed_fixtures_are_not_stale():
    stale = toolchain.stale_fixtures(REPO)
    assert stale == [], "run `python -m pybpf.toolchain build`: " + "; ".join(
        f"{p}: {why}" for p, why in stale
    )


def test_manifest_covers_every_source_with_full_records():
    manifest = _manifest()
    sources = {p.relative_to(PROGRAMS).as_posix() for p in toolchain.fixture_sources(REPO)}
    assert {"examples/xdp_filter.c", "examples/xdp_pass.c"} <= sources
    assert set(manifest["fixtures"]) == sources
    for key, entry in manifest["fixtures"].items():
        for field in ("source_sha256", "headers_sha256", "flags_sha256",
                      "compiler", "object_sha256", "object"):
            assert entry[field], f"{key}: empty {field}"
        assert re.fullmatch(r"ziglang 0\.17\.1 / clang \d+(\.\d+)*", entry["compiler"])
        assert (PROGRAMS / entry["object"]).is_file()


def test_stale_detection_reasons(tmp_path):
    root = _copy_checkout(tmp_path / "checkout")
    assert toolchain.stale_fixtures(root) == []

    programs = root / "programs"
    src = programs / "examples" / "xdp_pass.c"
    src.write_text(src.read_text() + "\n/* edited */\n")
    obj = programs / "examples" / "xdp_filter.o"
    obj.write_bytes(obj.read_bytes() + b"\0")
    (programs / "examples" / "new_prog.c").write_text("int x;\n")

    reasons = {p.name: why for p, why in toolchain.stale_fixtures(root)}
    assert reasons == {
        "xdp_pass.c": "source changed",
        "xdp_filter.c": "object xdp_filter.o does not match the manifest",
        "new_prog.c": "not in the manifest",
    }


def test_header_change_makes_every_fixture_stale(tmp_path):
    root = _copy_checkout(tmp_path / "checkout")
    hdr = root / "runtime" / "include" / "bpf" / "bpf_endian.h"
    hdr.write_text(hdr.read_text() + "\n")
    stale = toolchain.stale_fixtures(root)
    assert {p.name for p, _ in stale} == {p.name for p in toolchain.fixture_sources(root)}
    assert {"xdp_filter.c", "xdp_pass.c"} <= {p.name for p, _ in stale}
    assert {why for _, why in stale} == {"runtime/include headers changed"}


def test_check_command_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "pybpf.toolchain", "check"],
                        cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    root = _copy_checkout(tmp_path / "checkout")
    (root / "programs" / "examples" / "xdp_pass.o").unlink()
    bad = subprocess.run(
        [sys.executable, "-m", "pybpf.toolchain", "check", "--root", str(root)],
        cwd=REPO, capture_output=True, text=True,
    )
    assert bad.returncode == 1
    assert "xdp_pass.c" in bad.stdout and "missing" in bad.stdout


def test_fixture_objects_are_clean_bpf():
    """The committed objects are BPF ELF, path-free, and have the expected layout."""
    zig = toolchain._zig_dir()
    for entry in _manifest()["fixtures"].values():
        raw = (PROGRAMS / entry["object"]).read_bytes()
        assert str(REPO).encode() not in raw
        if zig is not None:
            assert str(zig).encode() not in raw
        with open(PROGRAMS / entry["object"], "rb") as f:
            elf = ELFFile(f)
            assert elf["e_machine"] == "EM_BPF"
            assert elf.little_endian
            names = {s.name for s in elf.iter_sections()}
            assert ".eh_frame" not in names
            assert {"license", ".BTF", ".BTF.ext"} <= names
            assert names & {"xdp", "tc", "action"}  # at least one program section


def test_xdp_filter_has_a_bpf_to_bpf_call():
    with open(PROGRAMS / "examples" / "xdp_filter.o", "rb") as f:
        elf = ELFFile(f)
        symbols = {s.name: s for s in elf.get_section_by_name(".symtab").iter_symbols()}
        assert symbols["xdp_filter"]["st_info"]["type"] == "STT_FUNC"
        assert symbols["parse_l4"]["st_info"]["type"] == "STT_FUNC"
        text_index = elf.get_section_index(".text")
        assert symbols["parse_l4"]["st_shndx"] == text_index
        code = elf.get_section_by_name("xdp").data()
        # BPF_JMP|BPF_CALL with src_reg=BPF_PSEUDO_CALL (1): a subprogram call.
        calls = [code[i:i + 8] for i in range(0, len(code), 8)
                 if code[i] == 0x85 and code[i + 1] >> 4 == 1]
        assert len(calls) == 1
        rel = elf.get_section_by_name(".relxdp")
        assert rel is not None and rel.num_relocations() == 1


# --------------------------------------------------------------------------
# compiling (needs the pinned ziglang)
# --------------------------------------------------------------------------


def test_missing_source_is_a_toolchain_error(tmp_path):
    with pytest.raises(ToolchainError, match="no such source file"):
        toolchain.compile(tmp_path / "nope.c")


def test_missing_compiler_is_a_toolchain_error(tmp_path):
    src = tmp_path / "p.c"
    src.write_text("int x;\n")
    with pytest.raises(ToolchainError, match="not found"):
        toolchain.compile(src, cc="pybpf-no-such-clang-xyz")


@needs_zig
def test_compiler_id():
    cid = toolchain.compiler_id()
    assert re.fullmatch(r"ziglang 0\.17\.1 / clang \d+\.\d+(\.\d+)*", cid)
    assert cid == _manifest()["fixtures"]["examples/xdp_filter.c"]["compiler"]


@needs_zig
@pytest.mark.parametrize("name", ["xdp_filter", "xdp_pass"])
def test_rebuild_is_byte_identical(tmp_path, name):
    src = PROGRAMS / "examples" / f"{name}.c"
    out = toolchain.compile(src, tmp_path / f"{name}.o", toolchain.FIXTURE_CFLAGS)
    assert out == tmp_path / f"{name}.o"
    assert out.read_bytes() == src.with_suffix(".o").read_bytes()


@needs_zig
def test_objects_do_not_depend_on_checkout_path(tmp_path):
    """Compiling from a checkout elsewhere gives the same bytes."""
    root = _copy_checkout(tmp_path / "some" / "other place" / "pybpf")
    out = tmp_path / "copy.o"
    script = (
        "import sys; from pybpf import toolchain as t; "
        "print(t.REPO_ROOT); "
        "t.compile(sys.argv[1], sys.argv[2])"
    )
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.run(
        [sys.executable, "-c", script, "programs/examples/xdp_filter.c", str(out)],
        cwd=root, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()) == root.resolve()
    assert out.read_bytes() == (PROGRAMS / "examples" / "xdp_filter.o").read_bytes()


@needs_zig
def test_compile_error_carries_compiler_message(tmp_path):
    src = tmp_path / "broken.c"
    src.write_text(
        "#include <bpf/bpf_helpers.h>\n"
        'SEC("xdp") int prog(struct xdp_md *ctx) { return undeclared_thing; }\n'
    )
    with pytest.raises(ToolchainError) as info:
        toolchain.compile(src, tmp_path / "broken.o")
    message = str(info.value)
    assert "broken.c" in message
    assert "undeclared_thing" in message and "error" in message
    assert isinstance(info.value, PyBPFError)
    assert not (tmp_path / "broken.o").exists()


@needs_zig
def test_headers_compile_and_fold_constants(tmp_path):
    """bpf_helpers.h / bpf_endian.h: helpers, map macros, constant byte swaps."""
    src = tmp_path / "uses_headers.c"
    src.write_text(
        "#include <linux/bpf.h>\n"
        "#include <bpf/bpf_helpers.h>\n"
        "#include <bpf/bpf_endian.h>\n"
        "struct {\n"
        "  __uint(type, BPF_MAP_TYPE_ARRAY);\n"
        "  __uint(max_entries, 4);\n"
        "  __type(key, __u32);\n"
        "  __type(value, __u64);\n"
        "} counters SEC(\".maps\");\n"
        "_Static_assert(bpf_htons(0x0800) == 0x0008, \"htons folds\");\n"
        "_Static_assert(bpf_ntohl(0x01020304) == 0x04030201, \"ntohl folds\");\n"
        "SEC(\"xdp\") int prog(struct xdp_md *ctx) {\n"
        "  __u32 key = bpf_get_smp_processor_id() & 3;\n"
        "  __u64 *v = bpf_map_lookup_elem(&counters, &key);\n"
        "  switch (ctx->ingress_ifindex) { case bpf_htons(1): return XDP_DROP; }\n"
        "  if (v) *v += bpf_ktime_get_ns();\n"
        "  bpf_printk(\"cpu %u\", key);\n"
        "  return bpf_redirect(7, 0) == XDP_REDIRECT ? XDP_PASS : XDP_ABORTED;\n"
        "}\n"
        "char LICENSE[] SEC(\"license\") = \"GPL\";\n"
    )
    obj = toolchain.compile(src, tmp_path / "uses_headers.o")
    with open(obj, "rb") as f:
        elf = ELFFile(f)
        names = {s.name for s in elf.iter_sections()}
        assert {".maps", "xdp", ".rodata"} <= names
        # four BTF-described pointer members: type, max_entries, key, value
        assert elf.get_section_by_name(".maps").data_size == 32
        assert elf.get_section_by_name(".rodata").data() == b"cpu %u\0"
        code = elf.get_section_by_name("xdp").data()
        helper_ids = {int.from_bytes(code[i + 4:i + 8], "little")
                      for i in range(0, len(code), 8)
                      if code[i] == 0x85 and code[i + 1] >> 4 == 0}
        # smp_processor_id, map_lookup_elem, ktime_get_ns, trace_printk, redirect
        assert {8, 1, 5, 6, 23} <= helper_ids
