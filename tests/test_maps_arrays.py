"""Deleting from arrays, as the kernel does per array kind."""

import errno
from pathlib import Path

import pytest

from pybpf.errors import MapError
from pybpf.loader import load

REPO = Path(__file__).resolve().parents[1]
TAILCALL = REPO / "programs" / "examples" / "xdp_tailcall.o"
IPV4 = bytes(12) + b"\x08\x00" + bytes.fromhex("4500001c000000004011") + bytes(10) + bytes(8)


def test_prog_array_slot_can_be_emptied_and_the_tail_call_then_falls_through():
    obj = load(TAILCALL)
    stages = obj.maps["stages"]
    assert obj.program("xdp_entry").run(IPV4).verdict == "XDP_PASS"
    del stages[1]                                   # stage_l3's tail call now fails
    assert obj.program("xdp_entry").run(IPV4).verdict == "XDP_ABORTED"
    with pytest.raises(MapError) as info:           # already empty: ENOENT
        del stages[1]
    assert info.value.errno == errno.ENOENT
    with pytest.raises(MapError) as info:           # past the end: E2BIG
        del stages[4]
    assert info.value.errno == errno.E2BIG


def test_plain_array_elements_cannot_be_deleted():
    obj = load(TAILCALL)
    with pytest.raises(MapError) as info:
        del obj.maps["proto_count"][1]
    assert info.value.errno == errno.EINVAL


def test_empty_device_and_socket_slots_read_as_null(tmp_path):
    from pybpf import kernel
    from pybpf.toolchain import compile as compile_c
    path = compile_c(REPO / "tests" / "maps_src" / "devmap_lookup.c", out=tmp_path / "d.o")
    obj = load(path, pin_root=False)
    packet = bytes(60)
    assert obj.program("to_socket").run(packet).verdict == "XDP_PASS"
    assert obj.program("to_device").run(packet).verdict == "XDP_DROP"
    assert obj.maps["devs"].items() == []
    if kernel.available():
        with kernel.KernelObject(path) as ko:
            assert ko.run("to_socket", packet).retval == 2
            assert ko.run("to_device", packet).retval == 1
    obj.maps["devs"][1] = 1                          # the loopback device
    assert obj.program("to_device").run(packet).verdict == "XDP_TX"
    assert obj.maps["devs"].items() == [(b"\x01\0\0\0", b"\x01\0\0\0")]
    obj.maps["xsks"][0] = 5                          # a socket for queue 0
    res = obj.program("to_socket").run(packet)
    assert res.verdict == "XDP_REDIRECT" and (res.redirect.map, res.redirect.key) == ("xsks", 0)
