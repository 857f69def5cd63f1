"""tc test-run cases run the same way on pybpf and on the kernel.

Every program of ``programs/tests/tc_skb.o`` runs on every packet of
:data:`PACKETS` with a zeroed 192-byte ``__sk_buff`` as ``ctx_in`` (and a few
non-zero ``ctx_in`` cases); an outcome is the retval, data_out and ctx_out, or
the errno when the test run is refused. The kernel's outcomes are recorded into
``tests/kernel_expected/tc_cases.json`` by ``python tests/record_kernel.py`` so
machines without ``bpf()`` still compare against the kernel; where ``bpf()``
works the tests compare live.
"""

from __future__ import annotations

import ipaddress
import json
import struct
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPECTED = REPO / "tests" / "kernel_expected" / "tc_cases.json"
OBJECT = "programs/tests/tc_skb.o"
PROGRAMS = ("tc_fields", "tc_nat", "tc_vlan", "tc_vlan_pop", "tc_encap", "tc_decap", "tc_room",
            "tc_tail", "tc_misc", "tc_tunnel", "tc_tunnel6", "tc_meta", "tc_act", "tc_mtu", "tc_sk")
SKB_SIZE = 192


def inet_csum(data: bytes) -> int:
    """RFC 1071 Internet checksum, written independently of pybpf's helpers."""
    data = data + b"\0" * (len(data) % 2)
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(proto: int, payload: bytes, src="10.0.0.1", dst="10.0.0.2", tos=0) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), 1, 0, 64, proto, 0,
                         ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed)
    return header[:10] + struct.pack("!H", inet_csum(header)) + header[12:] + payload


def l4(proto: int, src: str, dst: str, sport: int, dport: int, data: bytes,
       zero_csum: bool = False) -> bytes:
    """A TCP or UDP segment with a correct checksum (UDP: optionally 0, "none")."""
    if proto == 6:
        seg = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x18, 512, 0, 0) + data
        at = 16
    else:
        seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
        at = 6
    if zero_csum:
        return seg
    pseudo = (ipaddress.ip_address(src).packed + ipaddress.ip_address(dst).packed
              + struct.pack("!BBH", 0, proto, len(seg)))
    csum = inet_csum(pseudo + seg) or (0xFFFF if proto == 17 else 0)
    return seg[:at] + struct.pack("!H", csum) + seg[at + 2:]


def eth(payload: bytes, ethertype=0x0800, dst=bytes.fromhex("020000000002")) -> bytes:
    return dst + bytes.fromhex("020000000001") + struct.pack("!H", ethertype) + payload


def ipv6(nexthdr: int, payload: bytes, src="fd00::1", dst="fd00::2", tclass=0) -> bytes:
    return (struct.pack("!IHBB", (6 << 28) | (tclass << 20), len(payload), nexthdr, 64)
            + ipaddress.ip_address(src).packed + ipaddress.ip_address(dst).packed + payload)


def l4_v6(proto: int, sport: int, dport: int, data: bytes) -> bytes:
    """A TCP/UDP segment between fd00::1 and fd00::2 with its checksum."""
    seg = bytearray(l4(proto, "10.0.0.1", "10.0.0.2", sport, dport, data))
    at = 16 if proto == 6 else 6
    seg[at:at + 2] = b"\0\0"
    pseudo = (ipaddress.ip_address("fd00::1").packed + ipaddress.ip_address("fd00::2").packed
              + struct.pack("!IxxxB", len(seg), proto))
    seg[at:at + 2] = struct.pack("!H", inet_csum(pseudo + bytes(seg)) or 0xFFFF)
    return bytes(seg)


def _udp(data, **kw):
    return ipv4(17, l4(17, "10.0.0.1", "10.0.0.2", 53, 5353, data, **kw.pop("l4", {})), **kw)


PACKETS = {
    "tcp": eth(ipv4(6, l4(6, "10.0.0.1", "10.0.0.2", 1234, 80, b"hello"))),
    "udp_bcast_ect1": eth(_udp(b"q" * 11, tos=2), dst=b"\xff" * 6),
    "udp_nocsum_ect0": eth(_udp(b"zz", tos=1, l4={"zero_csum": True})),
    "icmp_to_host": eth(ipv4(1, b"\x08\x00\x00\x00" + b"p" * 20), dst=bytes(6)),
    "ipip_ce": eth(ipv4(4, ipv4(6, l4(6, "1.1.1.1", "2.2.2.2", 1, 2, b"x" * 9),
                                src="1.1.1.1", dst="2.2.2.2"), tos=3)),
    "vlan_multicast": eth(struct.pack("!HH", 100, 0x0800)
                          + ipv4(6, l4(6, "10.0.0.1", "10.0.0.2", 1, 2, b"")),
                          ethertype=0x8100, dst=bytes.fromhex("010203040506")),
    "qinq": eth(struct.pack("!HH", 5, 0x8100) + struct.pack("!HH", 6, 0x0800)
                + ipv4(17, l4(17, "10.0.0.1", "10.0.0.2", 1, 2, b"")), ethertype=0x88A8),
    "llc_raw_802_3": eth(b"\xff\xff" + bytes(30), ethertype=40),
    "tcp6": eth(ipv6(6, l4_v6(6, 4321, 443, b"six")), ethertype=0x86DD),
    "udp6_ect": eth(ipv6(17, l4_v6(17, 53, 53, b"d" * 7), tclass=2), ethertype=0x86DD),
    "eth_only": eth(b"", ethertype=0x0800),
}

#: (program, packet, ctx_in fields) beyond the zeroed-ctx_in grid.
EXTRA = {
    "fields_ctx_in": ("tc_fields", "tcp", {"mark": 7, "priority": 9, "cb": [1, 2, 3, 4, 5],
                                           "tstamp": 1 << 40, "wire_len": 1500, "gso_segs": 3,
                                           "gso_size": 1400, "hwtstamp": 99,
                                           "ingress_ifindex": 5}),
    "gso_encap": ("tc_encap", "tcp", {"gso_size": 1000}),
    "gso_tail": ("tc_tail", "tcp", {"gso_size": 1000, "gso_segs": 2}),
    "gso_mtu": ("tc_mtu", "tcp", {"gso_size": 1000}),
    "refused_tc_index": ("tc_fields", "tcp", {"tc_index": 1}),
    "refused_wire_len": ("tc_fields", "tcp", {"wire_len": 10}),
    "refused_ifindex": ("tc_fields", "tcp", {"ifindex": 999}),
    "short_packet": ("tc_fields", None, {}),
    "largest_packet": ("tc_tail", "largest", {}),
    # change_head past the 64-byte headroom reallocates: the unset transport header offset
    # wraps into a set one, which change_tail's minimum length then uses (kernel quirk)
    "head65_tail65": ("tc_fuzz", "tcp", {"cb": [2 | 2 << 8, 65, 0, 0, 0]}),
    "head66_tail66": ("tc_fuzz", "tcp", {"cb": [2 | 2 << 8, 66, 0, 0, 0]}),
    "room80_tail60": ("tc_fuzz", "tcp", {"cb": [0 | 2 << 8, 80, 1, 0, 0]}),
    "too_long_packet": ("tc_fields", "too_long", {}),
}


FUZZ_OPS = 23
IFINDEX_OPS = (15, 16, 17, 21, 22)   # tc_fuzz operations that take an ifindex
FUZZ_CASES = 240


def _fuzz_args(rng, op: int) -> list:
    """Arguments near the interesting edges of helper ``op`` of tc_fuzz."""
    small = [0, 1, 2, 4, 8, 12, 13, 14, 20, 24, 34, 40, 54, 60, 0xFFF, 0x1000, 3712, 16064,
             16065, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]

    def any32():
        return rng.choice([rng.choice(small), (-rng.choice(small)) & 0xFFFFFFFF,
                           rng.getrandbits(32)])
    flag_bits = [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 0x10, 0x14, 0x22, 0x34, 0x82,
                 0x102, 0x1E, 0x40 | 2, 0x50 | 4]
    vlan = [0x0081, 0xA888, 0x0008, 0x1234]
    args = [any32(), any32(), rng.choice(flag_bits), rng.choice([0, 0, 0, 1, 0x0E000000])]
    if op == 0:
        args[0] = rng.choice([8, 4, 20, 24, 40, 62, -4, -8, -20, -40, 0, 0x1000, -0x1000,
                              rng.randrange(-60, 80)]) & 0xFFFFFFFF
        args[1] = rng.choice([0, 1, 0, 1, 2])
    elif op in (3, 4):
        args[0] = rng.choice([24, 40, 50, 52, 56, 13, 60, 0x10000, rng.randrange(0, 70)])
        args[3] = rng.choice([0, 2, 4, 3, 0x12, 0x14, 0x32, 0x34, 0x72, 0x94, 0x100, 0x24])
    elif op in (5, 6, 12):
        args[0] = rng.choice([0, 10, 40, 50, 51, 52, 56, 60, 0x7FFFFFFF, rng.randrange(0, 90)])
        args[3] = rng.choice([0, 1, 2, 3, 4])
    elif op == 7:
        args[0] = rng.choice([0xDD86, 0x0008, 0x0608, 0x1234])
    elif op == 8:
        args[0], args[1] = rng.choice(vlan), rng.randrange(0, 0x10000)
    elif op == 10:
        args[0], args[1] = rng.choice([0, 2, 12, 40, 0xFFFF, 0x10000]), rng.choice([0, 1, 2])
    elif op == 11:
        args[2] = rng.choice([0, 1, 2, 3, 4])
    elif op == 13:
        args[0] = rng.choice([0, 1, 2, 3, 4, 7])
    elif op == 15:
        args[0] = rng.choice([0, 1, 99])   # devices pybpf's default env and any kernel share
        args[1] = rng.choice([0, 0, 1500, 65536, 70000])
        args[2] = rng.choice([0, 100, 65536, (-100) & 0xFFFFFFFF, 65523])
        args[3] = rng.choice([0, 0, 1, 2])
    elif op in (16, 17, 21, 22):
        args[0] = rng.choice([1, 77, 0])
        args[2] = rng.choice([0, 1, 2, 4])
    elif op in (19, 20):
        args[2] = rng.randrange(8) | rng.choice([0, 0x1000, 0x2000])
        args[3] = rng.choice([0, 1, 2, 4, 8, 16, 17, 3, 32, 0x1E])
    return args


def fuzz_cases(seed: int = 20261128, n: int = FUZZ_CASES) -> dict:
    """Seeded random cases of tc_fuzz, one or two helper calls each (same on every machine)."""
    import random
    from pybpf.contexts.skb import SK_BUFF
    rng = random.Random(seed)
    names = sorted(PACKETS)
    out = {}
    for i in range(n):
        op = i % FUZZ_OPS
        then = rng.randrange(FUZZ_OPS + 1) if i % 2 else 0   # a second call, 1-based
        pkt = PACKETS[rng.choice(names)]
        args = _fuzz_args(rng, op)
        if then - 1 in IFINDEX_OPS and args[0] not in (0, 1, 77, 99):
            args[0] = 1  # only devices every machine (and pybpf's default env) agrees on
        out[f"fuzz/{i:03d}"] = ("tc_fuzz", pkt, SK_BUFF.pack({"cb": [op | then << 8] + args}))
    return out


def cases() -> dict:
    """case id -> (program, packet bytes, ctx_in bytes)."""
    from pybpf.contexts.skb import SK_BUFF
    out = {}
    for prog in PROGRAMS:
        for name, pkt in PACKETS.items():
            out[f"{prog}/{name}"] = (prog, pkt, bytes(SKB_SIZE))
    for cid, (prog, pkt, fields) in EXTRA.items():
        data = PACKETS.get(pkt, bytes(13))
        if pkt in ("largest", "too_long"):
            data = eth(ipv4(17, bytes(3712 - 34 + (pkt == "too_long"))))
        out[cid] = (prog, data, SK_BUFF.pack(fields))
    out.update(fuzz_cases())
    return out


def outcome_pybpf(obj, case) -> dict:
    from pybpf.errors import TestRunRefused
    prog, data, ctx_in = case
    try:
        r = obj.program(prog).test_run(data, ctx_in)
    except TestRunRefused as exc:
        return {"errno": exc.errno_name}
    return {"retval": r.retval, "data_out": r.data.hex(), "ctx_out": r.ctx_raw.hex()}


def outcome_kernel(ko, case) -> dict:
    from pybpf import kernel
    prog, data, ctx_in = case
    try:
        r = ko.run(prog, data, ctx_in, ctx_size_out=SKB_SIZE, data_size_out=1 << 15)
    except kernel.KernelRunError as exc:
        return {"errno": exc.errno_name}
    return {"retval": r.retval, "data_out": r.data_out.hex(), "ctx_out": r.ctx_out.hex()}


def record() -> dict:
    """Every case's kernel outcome, for tests/kernel_expected/tc_cases.json."""
    import hashlib

    from pybpf import kernel
    ko = kernel.KernelObject(REPO / OBJECT)
    try:
        outcomes = {cid: outcome_kernel(ko, case) for cid, case in cases().items()}
    finally:
        ko.close()
    return {"command": "python tests/record_kernel.py", "kernel": kernel.kernel_release(),
            "objects": {OBJECT: hashlib.sha256((REPO / OBJECT).read_bytes()).hexdigest()},
            "cases": outcomes}


def recorded() -> dict:
    return json.loads(EXPECTED.read_text()) if EXPECTED.is_file() else {}
