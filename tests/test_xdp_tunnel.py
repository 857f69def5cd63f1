"""IPIP encapsulation/decapsulation (adjust_head, adjust_meta, csum_diff), checked in Python.

The kernel's outputs for the same cases are compared in test_xdp_helpers.py
(tests/xdp_cases.py, "tunnel/..."); here the output packets are checked against
packets and checksums built independently.
"""

import struct

import pytest

import xdp_cases as X
from pybpf import load


def internet_checksum(header: bytes) -> int:
    """RFC 1071: the one's complement of the one's complement sum of 16-bit words."""
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


@pytest.fixture(scope="module")
def tunnel():
    return load(X.REPO / X.TUNNEL, pin_root=False)


INNER = X.eth(0x0800) + X.ipv4("10.0.0.1", "10.0.0.2", b"hello world, udp-ish payload")


def expected_encap(inner: bytes) -> bytes:
    inner_ip = inner[14:]
    outer = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(inner_ip), 0, 0x4000, 64, 4, 0,
                                  bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])))
    outer[10:12] = struct.pack("!H", internet_checksum(bytes(outer)))
    meta = struct.pack("<I", len(inner_ip))
    return meta + inner[:14] + bytes(outer) + inner_ip


def test_encap(tunnel):
    result = tunnel.program("xdp_ipip_encap").test_run(INNER)
    assert result.verdict == "XDP_TX"
    assert result.data == expected_encap(INNER)
    assert internet_checksum(result.data[4 + 14:4 + 34]) == 0   # valid on the wire
    assert result.ctx["data"] == 4 and result.ctx["data_end"] == len(result.data)


def test_decap_with_metadata_round_trip(tunnel):
    encapped = tunnel.program("xdp_ipip_encap").test_run(INNER)
    md = {"data": 4, "data_end": len(encapped.data)}
    result = tunnel.program("xdp_ipip_decap").test_run(encapped.data, ctx_in=md)
    assert result.verdict == "XDP_PASS"
    assert result.data == encapped.data[:4] + INNER     # metadata carried in front
    assert tunnel.maps["seen"][0] == encapped.data[:4]  # the program read it


def test_decap_drops_non_ipip(tunnel):
    result = tunnel.program("xdp_ipip_decap").test_run(INNER)
    assert result.verdict == "XDP_DROP" and result.data == INNER


@pytest.mark.parametrize("size", [0, 1, 200, 1400])
def test_encap_sizes(tunnel, size):
    inner = X.eth(0x0800) + X.ipv4("10.0.0.1", "10.0.0.2", bytes(range(256)) * (size // 256)
                                    + bytes(size % 256))
    result = tunnel.program("xdp_ipip_encap").test_run(inner)
    assert result.data == expected_encap(inner)
