"""Tests of programs/examples/xdp_firewall.c from Python, with pybpf's ``bpf`` fixture.

Copy this file next to your own program and run ``python -m pytest``: no root,
no VM. ``bpf.load`` compiles the C (cached) and loads it; each test gets a
fresh object, so maps start empty.
"""

import struct

import pytest

from pybpf.testing import assert_packet

FIREWALL = "../examples/xdp_firewall.c"


def tcp_packet(dport: int, saddr: str = "10.0.0.1", ihl: int = 5) -> bytes:
    eth = bytes.fromhex("02000000000202000000000108 00".replace(" ", ""))
    options = bytes(4 * (ihl - 5))
    ip = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(options) + 20, 1, 0, 64, 6, 0,
                     bytes(map(int, saddr.split("."))), bytes([10, 0, 0, 2])) + options
    tcp = struct.pack("!HHIIBBHHH", 40000, dport, 0, 0, 0x50, 0x02, 8192, 0, 0)
    return eth + ip + tcp


def packets(obj, stat: int) -> int:
    """Packets counted under ``stat`` (0 pass, 1 drop), summed over CPUs (values by BTF name)."""
    return sum(cpu["packets"] for cpu in obj.maps["stats"].lookup(stat, decode=True))


@pytest.mark.parametrize("dport, verdict", [(22, "XDP_PASS"), (23, "XDP_DROP"), (80, "XDP_PASS")])
def test_default_blocks_telnet(bpf, dport, verdict):
    obj = bpf.load(FIREWALL)
    assert obj.programs["xdp_firewall"].run(tcp_packet(dport)).verdict == verdict


def test_blocked_port_is_a_load_time_setting(bpf):
    obj = bpf.load(FIREWALL, rodata={"blocked_port": 22})
    fw = obj.programs["xdp_firewall"]
    assert fw.run(tcp_packet(22)).verdict == "XDP_DROP"
    assert fw.run(tcp_packet(23)).verdict == "XDP_PASS"


def test_extra_ports_map(bpf):
    obj = bpf.load(FIREWALL)
    obj.maps["extra_ports"][8080] = b"\x01"
    assert obj.programs["xdp_firewall"].run(tcp_packet(8080)).verdict == "XDP_DROP"
    assert packets(obj, 1) == 1 and packets(obj, 0) == 0


def test_passed_packet_is_unchanged(bpf):
    obj = bpf.load(FIREWALL)
    packet = tcp_packet(443)
    assert_packet(obj.programs["xdp_firewall"].run(packet).data, packet)


def test_sources_are_counted(bpf):
    obj = bpf.load(FIREWALL)
    fw = obj.programs["xdp_firewall"]
    for _ in range(3):
        fw.run(tcp_packet(80, saddr="192.0.2.7"))
    key = bytes([192, 0, 2, 7])
    assert struct.unpack("<Q", obj.maps["sources"][key])[0] == 3


def test_ip_options_are_not_inspected(bpf):
    obj = bpf.load(FIREWALL)
    assert obj.programs["xdp_firewall"].run(tcp_packet(23, ihl=6)).verdict == "XDP_PASS"
