"""Tests of programs/tests/tc_snat.c (a tc source NAT) with pybpf's ``bpf`` fixture.

The expected packets are built here with checksums computed from scratch, so
the program's incremental checksum updates are checked against an independent
computation; where the kernel's ``bpf()`` works, the same object also runs in
the kernel and must give the same bytes.
"""

import socket
import struct

import pytest

from pybpf.testing import assert_packet

SNAT = "tc_snat.c"
INSIDE, OUTSIDE = "10.0.0.5", "198.51.100.1"


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def packet(src: str, proto: int = 6, payload: bytes = b"hello", udp_csum: bool = True) -> bytes:
    """Ethernet/IPv4/TCP-or-UDP with correct checksums (UDP: 0, "none", if not udp_csum)."""
    saddr, daddr = socket.inet_aton(src), socket.inet_aton("203.0.113.9")
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", 40000, 443, 1, 0, 0x50, 0x18, 512, 0, 0) + payload
        at = 16
    else:
        l4 = struct.pack("!HHHH", 40000, 53, 8 + len(payload), 0) + payload
        at = 6
    pseudo = saddr + daddr + struct.pack("!BBH", 0, proto, len(l4))
    if proto == 6 or udp_csum:
        l4 = l4[:at] + struct.pack("!H", checksum(pseudo + l4) or 0xFFFF) + l4[at + 2:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 7, 0x4000, 64, proto, 0,
                     saddr, daddr)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return bytes.fromhex("0200000000020200000000010800") + ip + l4


def stats(obj) -> list[int]:
    return [int.from_bytes(obj.maps["nat_stats"][k], "little") for k in range(2)]


@pytest.fixture
def nat(bpf):
    obj = bpf.load(SNAT)
    obj.maps["snat"][socket.inet_aton(INSIDE)] = socket.inet_aton(OUTSIDE)
    return obj


@pytest.mark.parametrize("proto", [6, 17], ids=["tcp", "udp"])
def test_source_is_rewritten_with_valid_checksums(nat, proto):
    res = nat.programs["tc_snat"].run(packet(INSIDE, proto))
    assert res.verdict == "TC_ACT_OK"
    assert_packet(res.data, packet(OUTSIDE, proto))
    assert stats(nat) == [1, 0]


def test_udp_without_checksum_keeps_none(nat):
    res = nat.programs["tc_snat"].run(packet(INSIDE, 17, udp_csum=False))
    assert_packet(res.data, packet(OUTSIDE, 17, udp_csum=False))


def test_other_sources_pass_unchanged(nat):
    res = nat.programs["tc_snat"].run(packet("10.0.0.6"))
    assert res.verdict == "TC_ACT_OK" and res.data == packet("10.0.0.6")
    assert stats(nat) == [0, 1]


@pytest.mark.kernel
@pytest.mark.parametrize("proto, udp_csum", [(6, True), (17, True), (17, False)],
                         ids=["tcp", "udp", "udp-no-csum"])
def test_same_bytes_as_the_kernel(nat, bpf, proto, udp_csum):
    from pybpf import kernel
    with kernel.KernelObject(bpf.compile(SNAT)) as ko:
        kernel.map_update(ko.map_fd("snat"), socket.inet_aton(INSIDE), socket.inet_aton(OUTSIDE))
        theirs = ko.run("tc_snat", packet(INSIDE, proto, udp_csum=udp_csum), bytes(192))
        counters = dict(ko.dump_map("nat_stats"))
    ours = nat.programs["tc_snat"].run(packet(INSIDE, proto, udp_csum=udp_csum))
    assert ours.retval == theirs.retval
    assert_packet(ours.data, theirs.data_out)
    assert [int.from_bytes(counters[k.to_bytes(4, "little")], "little") for k in range(2)] == \
        stats(nat)
