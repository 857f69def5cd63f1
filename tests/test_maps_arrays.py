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
