"""The Katran-style load balancer (programs/bench/l4lb.c) end to end.

Maps are configured by field name (BTF), a seeded mix of flows runs through it,
and every output is checked against a model written here from the program's
description: which real each flow goes to (its hash onto the VIP's ring slice,
then sticky through the LRU connection table), the IP-in-IP packet (outer
header fields, a checksum computed independently, the original IPv4 packet
untouched inside), the connection table and the per-CPU counters. Where
``bpf()`` works, the kernel runs the same packets and must agree.
"""

from __future__ import annotations

import random
import socket
import struct
from pathlib import Path

import pytest

from pybpf import kernel
from pybpf.loader import load

REPO = Path(__file__).resolve().parents[1]
OBJ = REPO / "programs" / "bench" / "l4lb.o"
RING_SIZE = 64
GW_MAC = bytes.fromhex("020000aa00fe")
ENCAP_SRC = "172.16.0.1"
VIPS = [("10.0.0.1", 80, 6), ("10.0.0.1", 443, 6), ("10.0.0.2", 53, 17)]
REALS = {i: f"192.168.1.{i}" for i in range(1, 8)}
STATS = ["forwarded", "passed", "new_flow", "dropped"]
M32 = 0xFFFFFFFF


def ip_be(addr: str) -> int:
    """An IPv4 address as the u32 a little-endian program holds for its network-order bytes."""
    return int.from_bytes(socket.inet_aton(addr), "little")


def port_be(port: int) -> int:
    return int.from_bytes(port.to_bytes(2, "big"), "little")


def checksum(header: bytes) -> int:
    s = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def flow_hash(src, dst, sport, dport, proto) -> int:
    """The program's flow mix, on the values as the program loads them (little-endian words)."""
    h = 0x9E3779B9
    h ^= src
    h = (h * 0x85EBCA6B) & M32
    h ^= (dst + (h >> 13)) & M32
    h = (h * 0xC2B2AE35) & M32
    h ^= (((sport << 16) | dport) + (h >> 16)) & M32
    h = (h * 0x27D4EB2D) & M32
    h ^= (proto + (h >> 15)) & M32
    return h ^ (h >> 16)


def ring_slots():
    """Ring contents: VIP n's slice holds its reals round robin (VIP 2 has an unknown real)."""
    reals_of = {0: [1, 2, 3, 4], 1: [5, 6], 2: [7, 99]}
    return {n * RING_SIZE + i: reals_of[n][i % len(reals_of[n])]
            for n in reals_of for i in range(RING_SIZE)}


def ipv4(src, dst, proto, payload, tos=0, ihl=5, frag=0):
    opts = bytes(4 * (ihl - 5))
    tot = 20 + len(opts) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, tot, 0x1234, frag, 61, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst)) + opts
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def frame(ip: bytes, ethertype=0x0800, dst_mac=bytes.fromhex("00000000aa01")):
    return dst_mac + bytes.fromhex("0000000000bb") + struct.pack("!H", ethertype) + ip


def traffic(seed=11, n=160):
    """Flows to the VIPs (repeated, so that the connection table matters) and other traffic."""
    rng = random.Random(seed)
    flows = []
    for _ in range(24):
        vip, port, proto = rng.choice(VIPS)
        flows.append((f"100.64.{rng.randrange(4)}.{rng.randrange(1, 255)}", vip,
                      rng.randrange(1024, 65535), port, proto))
    packets = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.75:
            src, dst, sport, dport, proto = rng.choice(flows)
            l4 = struct.pack("!HH", sport, dport) + bytes(rng.randrange(256) for _ in range(16))
            packets.append(frame(ipv4(src, dst, proto, l4, tos=rng.choice([0, 0x10]))))
        elif kind < 0.85:  # not a VIP
            packets.append(frame(ipv4("100.64.9.9", "10.0.0.9", 6, struct.pack("!HH", 5, 80) + bytes(16))))
        elif kind < 0.9:  # IP options: passed untouched
            packets.append(frame(ipv4("100.64.9.9", "10.0.0.1", 6, struct.pack("!HH", 5, 80) + bytes(16), ihl=6)))
        elif kind < 0.95:  # a fragment
            packets.append(frame(ipv4("100.64.9.9", "10.0.0.1", 6, struct.pack("!HH", 5, 80) + bytes(16), frag=0x2000)))
        else:  # not IPv4
            packets.append(frame(bytes(40), ethertype=0x86DD))
    return packets


def configure(obj):
    for n, (addr, port, proto) in enumerate(VIPS):
        obj.maps["vips"][{"addr": ip_be(addr), "port": port_be(port), "proto": proto}] = \
            {"vip_num": n}
    for slot, real in ring_slots().items():
        obj.maps["ring"][slot] = real
    for i, addr in REALS.items():
        obj.maps["reals"][i] = {"addr": ip_be(addr)}


class Model:
    """What the program should do, from its description."""

    def __init__(self):
        self.conns = {}
        self.stats = {s: [0, 0] for s in STATS}
        self.vips = {(ip_be(a), port_be(p), pr): n for n, (a, p, pr) in enumerate(VIPS)}
        self.ring = ring_slots()

    def count(self, what, length):
        self.stats[what][0] += 1
        self.stats[what][1] += length

    def run(self, pkt, now):
        """(verdict, expected output bytes or None when the input comes back unchanged)."""
        if pkt[12:14] != b"\x08\x00":
            self.count("passed", len(pkt))
            return "XDP_PASS", pkt
        ip = pkt[14:]
        if ip[0] & 0x0F != 5 or struct.unpack("!H", ip[6:8])[0] & 0x3FFF:
            self.count("passed", len(pkt))
            return "XDP_PASS", pkt
        src, dst = (int.from_bytes(ip[12:16], "little"), int.from_bytes(ip[16:20], "little"))
        sport, dport = (int.from_bytes(ip[20:22], "little"), int.from_bytes(ip[22:24], "little"))
        proto = ip[9]
        vip = self.vips.get((dst, dport, proto))
        if vip is None:
            self.count("passed", len(pkt))
            return "XDP_PASS", pkt
        key = (src, dst, sport, dport, proto)
        if key not in self.conns:
            slot = vip * RING_SIZE + flow_hash(*key) % RING_SIZE
            self.conns[key] = (self.ring[slot], now)
            self.count("new_flow", len(pkt))
        real = self.conns[key][0]
        if real not in REALS:
            self.count("dropped", len(pkt))
            return "XDP_DROP", pkt
        self.count("forwarded", len(pkt))
        return "XDP_TX", self.encap(pkt, real)

    @staticmethod
    def encap(pkt, real):
        inner = pkt[14:]
        tot = struct.unpack("!H", inner[2:4])[0] + 20
        outer = struct.pack("!BBHHHBBH4s4s", 0x45, inner[1], tot, 0, 0, 64, 4, 0,
                            socket.inet_aton(ENCAP_SRC), socket.inet_aton(REALS[real]))
        outer = outer[:10] + struct.pack("!H", checksum(outer)) + outer[12:]
        return GW_MAC + pkt[0:6] + b"\x08\x00" + outer + inner


def test_load_balancer_against_its_model():
    obj = load(OBJ, ncpu=2, rodata={"gw_mac": GW_MAC, "encap_src": socket.inet_aton(ENCAP_SRC)})
    configure(obj)
    prog = obj.program("l4lb")
    model = Model()
    verdicts = set()
    for i, pkt in enumerate(traffic()):
        now = 1_000_000 * (i + 1)
        obj.machine.clock_ns = now
        res = prog.run(pkt)
        want_verdict, want = model.run(pkt, now)
        assert res.verdict == want_verdict, i
        assert res.data == want, i
        verdicts.add(res.verdict)
        if res.verdict == "XDP_TX":  # the outer header is valid on the wire
            assert checksum(res.data[14:34]) == 0
            assert res.data[34:] == pkt[14:]
    assert verdicts == {"XDP_TX", "XDP_PASS", "XDP_DROP"}
    conns = {(k["src"], k["dst"], k["sport"], k["dport"], k["proto"]): (v["real"], v["first_seen_ns"])
             for k, v in obj.maps["conns"].items(decode=True)}
    assert conns == model.conns
    stats = obj.maps["stats"]
    for n, name in enumerate(STATS):
        cpu0, cpu1 = stats.lookup(n, decode=True)
        assert (cpu0["packets"], cpu0["bytes"]) == tuple(model.stats[name]), name
        assert cpu1 == {"packets": 0, "bytes": 0}


@pytest.mark.skipif(not kernel.available(), reason=f"kernel oracle unavailable: "
                                                   f"{kernel.unavailable_reason()}")
def test_load_balancer_matches_the_kernel():
    """Default rodata on both sides (the kernel object is loaded by libbpf as compiled)."""
    ko = kernel.KernelObject(OBJ)
    obj = load(OBJ, ncpu=kernel.possible_cpus())
    configure(obj)
    for name in ("vips", "ring", "reals"):
        for k, v in obj.maps[name].items():
            kernel.map_update(ko.map_fd(name), k, obj.maps[name].syscall_value(v))
    try:
        for i, pkt in enumerate(traffic(seed=5, n=120)):
            got = obj.program("l4lb").run(pkt)
            ref = ko.run("l4lb", pkt)
            assert (got.retval, got.data) == (ref.retval, ref.data_out), i
        # the connection table holds the same flows on the same reals (times differ)
        mine = {k: v[:4] for k, v in obj.maps["conns"].items()}
        theirs = {k: v[:4] for k, v in ko.dump_map("conns")}
        assert mine == theirs
        assert sorted(obj.maps["stats"].items()) == [
            (k, obj.maps["stats"].from_syscall_value(v)) for k, v in sorted(ko.dump_map("stats"))]
    finally:
        ko.close()
