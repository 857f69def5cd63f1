"""Map keys and values by field name, through the object's BTF (``decode=True``, dict keys)."""

import struct
from pathlib import Path

import pytest

from pybpf.errors import MapError
from pybpf.loader import load
from pybpf.toolchain import compile as compile_c, zig_available

SRC = Path(__file__).resolve().parent / "maps_src"
pytestmark = pytest.mark.skipif(not zig_available(), reason="the pinned ziglang compiler is not installed")
PACKET = bytes(64)


@pytest.fixture(scope="module")
def obj_path(tmp_path_factory):
    return compile_c(SRC / "btf_values.c", out=tmp_path_factory.mktemp("btf") / "btf_values.o")


def raw_key(addr, port, proto):
    return struct.pack("<IHBB", addr, port, proto, 0)


def raw_rule(hits, verdict, label, flags, weight, mark, ports):
    # u64 hits; u32 verdict; char label[12]; u32 flags:3,weight:29; u32 mark; u16 ports[3]; pad
    return struct.pack("<QI12sII3H", hits, verdict, label, flags | (weight << 3), mark,
                       *ports).ljust(40, b"\0")


def test_dict_key_and_value_match_the_c_layout(obj_path):
    obj = load(obj_path)
    rules = obj.maps["rules"]
    assert rules.value_size == 40
    rules[{"addr": 0x0100000A, "port": 80, "proto": 6}] = {
        "hits": 5, "verdict": "V_DENY", "label": "web", "flags": 5, "weight": 1000,
        "mark": 0xABCD, "ports": [80, 443]}
    key = raw_key(0x0100000A, 80, 6)
    assert rules[key] == raw_rule(5, 2, b"web", 5, 1000, 0xABCD, (80, 443, 0))
    # the program finds the entry by its own key and updates the fields
    assert obj.program("count_rule").run(PACKET).verdict == "XDP_DROP"
    [(k, v)] = rules.items(decode=True)
    assert k == {"addr": 0x0100000A, "port": 80, "proto": 6, "pad": 0}
    assert v == {"hits": 6, "verdict": 2, "label": "web", "flags": 5, "weight": 1002,
                 "mark": 0xABCD, "tos": 0xCD, "ports": [80, 443, 0]}
    assert rules.lookup({"addr": 0x0100000A, "port": 80, "proto": 6}, decode=True)["hits"] == 6


def test_per_cpu_values_decode_per_cpu(obj_path):
    obj = load(obj_path, ncpu=2)
    m = obj.maps["per_cpu"]
    m[1] = [{"hits": 1, "label": "cpu0"}, {"hits": 2, "label": "cpu1", "verdict": 7}]
    assert m[1][1] == raw_rule(2, 7, b"cpu1", 0, 0, 0, (0, 0, 0))
    got = m.lookup(1, decode=True)
    assert [c["hits"] for c in got] == [1, 2] and [c["label"] for c in got] == ["cpu0", "cpu1"]


def test_json_view_by_field_name(obj_path):
    obj = load(obj_path)
    obj.maps["rules"][{"addr": 1, "port": 2, "proto": 17}] = {"hits": 3, "label": "dns"}
    doc = obj.maps.to_json_decoded()
    assert doc["rules"] == [{"key": {"addr": 1, "port": 2, "proto": 17, "pad": 0},
                             "value": {"hits": 3, "verdict": 0, "label": "dns", "flags": 0,
                                       "weight": 0, "mark": 0, "tos": 0, "ports": [0, 0, 0]}}]


@pytest.mark.parametrize("key, value, message", [
    ({"addr": 1, "prt": 2}, {}, "has no field 'prt'"),
    ({"addr": 1 << 32}, {}, "key.addr: 4294967296 does not fit in 32 bits"),
    ({"addr": 1}, {"weight": 1 << 29}, "value.weight: 536870912 does not fit in 29 bits"),
    ({"addr": 1}, {"label": "x" * 13}, "13 characters do not fit in char[12]"),
    ({"addr": 1}, {"verdict": "V_MAYBE"}, "'V_MAYBE' is not a value of enum verdict"),
    ({"addr": 1}, {"ports": [1, 2, 3, 4]}, "4 elements given for 3"),
    ({"addr": 1}, {"mark": 1, "tos": 2}, "give one member of union"),
    ({"addr": "x"}, {}, "expected an integer"),
])
def test_bad_fields_are_named(obj_path, key, value, message):
    obj = load(obj_path)
    with pytest.raises(MapError, match=message.replace("[", r"\[").replace("]", r"\]")):
        obj.maps["rules"][key] = value
    assert len(obj.maps["rules"]) == 0  # nothing written
