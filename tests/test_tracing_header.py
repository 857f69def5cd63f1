"""<bpf/bpf_tracing.h>: BPF_KPROBE, BPF_KRETPROBE and BPF_PROG give typed arguments.

The programs are run in the VM on a context laid out by hand (pybpf has no kprobe
context of its own), and the kernel's verifier loads the kprobe programs where
bpf() works.
"""

import struct
from pathlib import Path

import pytest

from pybpf import kernel
from pybpf.loader import load
from pybpf.toolchain import compile as compile_c, zig_available
from pybpf.vm import abi

SRC = Path(__file__).resolve().parent / "tracing_src" / "tracing.c"
pytestmark = pytest.mark.skipif(not zig_available(), reason="the pinned ziglang compiler is not installed")
REGS = ["r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx",
        "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss"]


@pytest.fixture(scope="module")
def obj_path(tmp_path_factory):
    return compile_c(SRC, out=tmp_path_factory.mktemp("tracing") / "tracing.o")


def run_with_ctx(obj, program, raw: bytes):
    ctx = obj.memory.regions[abi.REGION_CTX]
    obj.memory.write(ctx, 0, raw.ljust(ctx.size, b"\0"))
    return obj.machine.run(ctx.va, entry=obj.programs[program].entry)


def seen(obj):
    return [struct.unpack("<q", v)[0] for _, v in obj.maps["seen"].items()]


def test_kprobe_arguments_come_from_the_registers(obj_path):
    obj = load(obj_path, pin_root=False)
    regs = dict.fromkeys(REGS, 0)
    regs.update(di=-3 & (2**64 - 1), si=0x7000, dx=0x1_0000_0005, cx=40, r8=0xFFFF, ip=0xFFFF0001,
                ax=(-2) & (2**64 - 1))
    raw = struct.pack("<21Q", *(regs[r] for r in REGS))
    assert run_with_ctx(obj, "on_unlink", raw) == 0
    assert run_with_ctx(obj, "on_unlink_ret", raw) == 0
    values = seen(obj)
    # int dfd = -3; the unsigned flags keep 32 bits; short a5 = 0xffff is -1
    assert values[:6] == [-3, 0x7000, 5, 40 - 1, 0xFFFF0001, -2]


def test_bpf_prog_arguments_come_from_the_u64_array(obj_path):
    obj = load(obj_path, pin_root=False)
    assert run_with_ctx(obj, "on_entry", struct.pack("<2Q", 9, 0x100)) == 0
    assert seen(obj)[6:] == [9, 0x200]


@pytest.mark.skipif(not kernel.available(), reason=f"kernel oracle unavailable: "
                                                   f"{kernel.unavailable_reason()}")
def test_the_kernel_loads_the_kprobes(tmp_path):
    path = compile_c(SRC, out=tmp_path / "kprobes.o", cflags=["-DNO_FENTRY"])
    with kernel.KernelObject(path) as ko:   # its verifier checked every context access
        assert sorted(ko.program_names) == ["on_unlink", "on_unlink_ret"]
