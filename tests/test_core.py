"""CO-RE relocations, applied against the kernel types pybpf models (the context structs).

tests/loader_src/core.c reads and writes __sk_buff through a local struct with its
fields in another order, one field the kernel lacks, an array element and
field-size/field-exists queries. pybpf must give what the kernel gives after
libbpf relocated the same object against the running kernel's BTF.
"""

from pathlib import Path

import pytest

from pybpf import kernel
from pybpf.contexts.skb import SK_BUFF
from pybpf.elf import core
from pybpf.errors import HelperError
from pybpf.loader import load
from pybpf.toolchain import compile as compile_c, zig_available

SRC = Path(__file__).resolve().parent / "loader_src" / "core.c"
pytestmark = pytest.mark.skipif(not zig_available(), reason="the pinned ziglang compiler is not installed")
CTX = {"cb": [0, 0, 7, 0, 0], "priority": 5}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    out = tmp_path_factory.mktemp("core")
    return lambda *flags: compile_c(SRC, out=out / ("core" + "".join(flags) + ".o"),
                                    cflags=list(flags))


def test_fields_get_the_kernels_offsets(build):
    obj = load(build(), pin_root=False)
    res = obj.program("core_read").test_run(bytes(60), ctx_in=CTX)
    # len 60 + cb[2] 7 * 1000; made_up_field does not exist; sizeof cb 20 + cb[4] exists
    assert (res.ctx["mark"], res.ctx["priority"]) == (7060, 21)


def test_types_pybpf_does_not_model_keep_their_own_layout(build):
    obj = load(build("-DLOCAL_TYPES"), pin_root=False)
    assert obj.program("core_read").test_run(bytes(60), ctx_in=CTX).ctx["mark"] == 307060


def test_a_poisoned_instruction_fails_only_when_it_runs(build):
    obj = load(build("-DPOISONED"), pin_root=False)
    assert obj.program("core_poisoned").run(bytes(60)).verdict == "TC_ACT_OK"
    with pytest.raises(HelperError, match=r"CO-RE relocation failed: field "
                                          r"__sk_buff.made_up_field does not exist"):
        obj.program("core_poisoned").run(bytes(200))


def test_flavour_suffix_is_ignored():
    assert core.essential_name("__sk_buff___local") == "__sk_buff"
    assert core.essential_name("xdp_md") == "xdp_md"


@pytest.mark.skipif(not kernel.available(), reason=f"kernel oracle unavailable: "
                                                   f"{kernel.unavailable_reason()}")
def test_same_as_the_kernel(build):
    path = build()
    obj = load(path, pin_root=False)
    with kernel.KernelObject(path) as ko:
        for size in (14, 60, 300):
            ours = obj.program("core_read").test_run(bytes(size), ctx_in=CTX)
            theirs = ko.run("core_read", bytes(size), ctx_in=SK_BUFF.pack(CTX))
            assert (ours.retval, ours.ctx_raw) == (theirs.retval, theirs.ctx_out)
