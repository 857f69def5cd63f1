"""XDP test-run cases run the same way on pybpf and on the kernel.

Each case names a fixture program, the values written into its ``cfg`` array
map, the packet and ``ctx_in``; its outcome is the retval, data_out, ctx_out and
the ``out`` map (or the errno when the test run is refused). The kernel's outcomes
are recorded into ``tests/kernel_expected/xdp_cases.json`` by
``python tests/record_kernel.py`` so machines without ``bpf()`` still compare
against the kernel; where ``bpf()`` works the tests compare live.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPECTED = REPO / "tests" / "kernel_expected" / "xdp_cases.json"

PROBE = "programs/tests/xdp_probe.o"
REDIRECT = "programs/tests/xdp_redirect.o"
FIB = "programs/tests/xdp_fib.o"
TUNNEL = "programs/tests/xdp_tunnel.o"

# xdp_probe.c's operations
(ADJUST_HEAD, ADJUST_META, ADJUST_TAIL, LOAD_BYTES, STORE_BYTES, GET_BUFF_LEN, CHECK_MTU,
 CSUM_DIFF, META_THEN_HEAD) = range(9)

PKT60 = bytes(range(60))
PKT100 = bytes((i * 37 + 11) & 0xFF for i in range(100))
ONES = bytes([0xFF]) * 100


def xdp_md(data=0, data_end=60, data_meta=0, ingress_ifindex=0, rx_queue_index=0,
           egress_ifindex=0) -> bytes:
    return struct.pack("<6I", data, data_end, data_meta, ingress_ifindex, rx_queue_index,
                       egress_ifindex)


def eth(proto: int) -> bytes:
    return bytes.fromhex("020000000002" "020000000001") + proto.to_bytes(2, "big")


def ipv4(src: str, dst: str, payload: bytes, ttl: int = 64, proto: int = 17) -> bytes:
    """An IPv4 header (checksum left 0) and payload."""
    import ipaddress
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, ttl, proto, 0,
                       ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed) + payload


def ipv6(src: str, dst: str, payload: bytes, hop_limit: int = 64) -> bytes:
    import ipaddress
    return (struct.pack("!IHBB", 6 << 28, len(payload), 17, hop_limit)
            + ipaddress.ip_address(src).packed + ipaddress.ip_address(dst).packed + payload)


V4_PACKET = eth(0x0800) + ipv4("10.0.0.1", "10.1.2.3", bytes(30))
V6_PACKET = eth(0x86DD) + ipv6("fd00::1", "fd01::5", bytes(30))


def _cases() -> dict:
    """Case id -> (object, program, cfg values, packet, ctx_in or None)."""
    cases = {}

    def probe(name, op, a=0, b=0, c=0, data=PKT60, ctx_in=None):
        cases[f"probe/{name}"] = (PROBE, "xdp_probe", [op, a, b, c], data, ctx_in)

    for off in (-300, -217, -216, -215, -16, 0, 14, 46, 47):
        probe(f"adjust_head({off})", ADJUST_HEAD, off)
    for off in (-256, -220, -216, -212, -253, -252, -248, -32, -4, -2, 0, 4):
        probe(f"adjust_meta({off})", ADJUST_META, off, 0x11223344)
    for off in (-60, -47, -46, -45, -1, 1, 100, 3460, 3461, 3716):
        probe(f"adjust_tail({off})", ADJUST_TAIL, off)
    for off in (0, 52, 53, 0xFFFF, 0x10000):
        probe(f"load_bytes({off})", LOAD_BYTES, off)
        probe(f"store_bytes({off})", STORE_BYTES, off, 0x0102030405060708)
    probe("get_buff_len", GET_BUFF_LEN)
    for a, b, c in ((0, 0, 0), (1, 0, 0), (99, 0, 0), (0, 1500, 0), (0, 65536, 0),
                    (0, 65537, 0), (0, 0, 65536 - 46), (0, 0, 65536 - 45), (0, 0, -100)):
        probe(f"check_mtu({a},{b},{c})", CHECK_MTU, a, b, c)
    for i, (a, b, c, data) in enumerate((
            (0, 20, 0, PKT100), (20, 0, 0, PKT100), (20, 20, 0, PKT100),
            (4, 8, 0x12345678, PKT100), (3, 4, 0, PKT100), (28, 28, 0, PKT100), (0, 0, 5, PKT100),
            (20, 0, 0xFFFFFFFF, PKT100), (0, 0, 0xFFFFFFFF, PKT100), (5, 7, 3, PKT100),
            (31, 31, 0xDEADBEEF, PKT100), (16, 16, 0, ONES), (0, 8, 0xFFFFFFFF, ONES),
            (12, 0, 0, ONES), (0, 0, 0, ONES))):
        probe(f"csum_diff#{i}({a},{b},{c:#x})", CSUM_DIFF, a, b, c, data)
    for a, b in ((-8, -20), (-8, 10), (-8, -208), (-8, -209), (-252, -4), (-4, 46), (-4, 47)):
        probe(f"meta_then_head({a},{b})", META_THEN_HEAD, a, b)
    # ctx_in: metadata from the front of the input, and the kernel's refusals
    for name, md in (("zero", xdp_md()), ("meta4", xdp_md(4)), ("meta32", xdp_md(32)),
                     ("meta44", xdp_md(44)), ("meta48", xdp_md(48)), ("meta252", xdp_md(252)),
                     ("meta256", xdp_md(256)), ("meta3", xdp_md(3)), ("meta60", xdp_md(60)),
                     ("data_past_end", xdp_md(61)), ("end_past_size", xdp_md(0, 61)),
                     ("data_meta_set", xdp_md(data_meta=4)), ("egress_set", xdp_md(egress_ifindex=1)),
                     ("ingress_lo", xdp_md(ingress_ifindex=1)),
                     ("ingress_missing", xdp_md(ingress_ifindex=999)),
                     ("queue_without_ingress", xdp_md(rx_queue_index=1)),
                     ("queue_beyond_lo", xdp_md(ingress_ifindex=1, rx_queue_index=1)),
                     ("short8", xdp_md()[:8]), ("long_zero_tail", xdp_md() + bytes(8)),
                     ("long_nonzero_tail", xdp_md() + b"\1" + bytes(7))):
        probe(f"ctx_in:{name}", GET_BUFF_LEN, ctx_in=md)
    for name, md in (("meta8", xdp_md(8)), ("meta4", xdp_md(4))):
        probe(f"ctx_in:{name}:meta_then_head", META_THEN_HEAD, -4, -10, ctx_in=md)
        probe(f"ctx_in:{name}:adjust_meta(4)", ADJUST_META, 4, ctx_in=md)
        probe(f"ctx_in:{name}:adjust_tail(3460)", ADJUST_TAIL, 3460, ctx_in=md)
        probe(f"ctx_in:{name}:adjust_tail(3461)", ADJUST_TAIL, 3461, ctx_in=md)
        probe(f"ctx_in:{name}:adjust_head(-216)", ADJUST_HEAD, -216, ctx_in=md)
    probe("input:13_bytes", GET_BUFF_LEN, data=bytes(13))
    probe("input:14_bytes", GET_BUFF_LEN, data=bytes(14))
    probe("input:3520_bytes", ADJUST_TAIL, 0, data=bytes(3520))
    probe("input:3520_bytes_grow", ADJUST_TAIL, 1, data=bytes(3520))

    # redirect and redirect_map: the retval (the kernel's test run shows no target)
    for op, keys in ((0, (0, 7)), (1, (0, 3, 5, 8)), (2, (0, 1)), (3, (0,)), (4, (5, 6))):
        for key in keys:
            for flags in (0, 1, 2, 3, 4, 8, 9, 16, 24, 26, 1 << 40):
                cases[f"redirect/op{op}/key{key}/flags{flags:#x}"] = (
                    REDIRECT, "xdp_redirect", [op, key, flags], PKT60, None)

    # fib_lookup as far as the kernel's own tables go here: the loopback does not
    # forward, unknown devices, bad flags and families
    for pname, pkt in (("v4", V4_PACKET), ("v6", V6_PACKET)):
        for name, cfg in (("ingress", [0]), ("direct", [1]), ("skip_neigh", [4]),
                          ("bad_flag", [1 << 6]), ("no_dev", [0, 999]),
                          ("bad_family", [0, 0, 0, 0, 3]), ("tbid", [1 | 8, 0, 0, 77])):
            cases[f"fib/{pname}/{name}"] = (FIB, "xdp_fib", cfg, pkt, None)

    # IPIP encapsulation and decapsulation with metadata
    inner = eth(0x0800) + ipv4("10.0.0.1", "10.0.0.2", b"hello world, udp-ish payload")
    cases["tunnel/encap"] = (TUNNEL, "xdp_ipip_encap", [], inner, None)
    cases["tunnel/encap_not_ip"] = (TUNNEL, "xdp_ipip_encap", [], eth(0x86DD) + bytes(50), None)
    outer = eth(0x0800) + ipv4("192.0.2.1", "192.0.2.2", inner[14:], proto=4)
    cases["tunnel/decap"] = (TUNNEL, "xdp_ipip_decap", [], outer, None)
    meta = struct.pack("<I", 0xCAFE)
    cases["tunnel/decap_meta"] = (TUNNEL, "xdp_ipip_decap", [], meta + outer,
                                  xdp_md(4, len(meta + outer)))
    return cases


CASES = _cases()

#: Devmap / cpumap contents both sides get before the redirect cases (lo is ifindex 1).
REDIRECT_MAPS = {"tx_ports": {0: (1).to_bytes(4, "little"), 3: (1).to_bytes(4, "little")},
                 "tx_hash": {5: (1).to_bytes(4, "little")},
                 "cpus": {1: (64).to_bytes(4, "little") + bytes(4)}}


def _u32(v: int) -> bytes:
    return struct.pack("<I", v)


def _cfg_bytes(value: int) -> bytes:
    return struct.pack("<Q", value & 0xFFFFFFFFFFFFFFFF)


def _outcome(retval, data, ctx, maps) -> dict:
    return {"retval": retval, "data_out": data.hex(), "ctx_out": ctx.hex() if ctx else None,
            "maps": maps}


def run_pybpf(objects: dict, case_id: str) -> dict:
    """The outcome of a case in pybpf; ``objects`` caches loaded objects by path."""
    from pybpf import load
    from pybpf.errors import TestRunRefused
    path, prog_name, cfg, data, ctx_in = CASES[case_id]
    obj = objects.get(path)
    if obj is None:
        obj = objects[path] = load(REPO / path, pin_root=False)
        if path == REDIRECT:
            for name, entries in REDIRECT_MAPS.items():
                for key, value in entries.items():
                    obj.maps[name][key] = value
    for name in ("out", "params", "seen"):  # each case starts from zeroed results
        if name in obj.maps.maps:
            m = obj.maps[name]
            for key in range(m.spec.max_entries):
                m[key] = bytes(m.spec.value_size)
    if "cfg" in obj.maps.maps:
        for i in range(obj.maps["cfg"].spec.max_entries):
            obj.maps["cfg"][i] = _cfg_bytes(cfg[i] if i < len(cfg) else 0)
    try:
        r = obj.program(prog_name).test_run(data, ctx_in=ctx_in)
    except TestRunRefused as exc:
        return {"error": exc.errno_name}
    maps = {name: [obj.maps[name][k].hex() for k in range(obj.maps[name].spec.max_entries)]
            for name in ("out", "params", "seen") if name in obj.maps.maps}
    return _outcome(r.retval, r.data, r.ctx_raw if ctx_in is not None else None, maps)


def run_kernel(objects: dict, case_id: str) -> dict:
    """The outcome of a case in the kernel (BPF_PROG_TEST_RUN through libbpf)."""
    from pybpf import kernel
    path, prog_name, cfg, data, ctx_in = CASES[case_id]
    ko = objects.get(path)
    if ko is None:
        ko = objects[path] = kernel.KernelObject(REPO / path)
        if path == REDIRECT:
            for name, entries in REDIRECT_MAPS.items():
                for key, value in entries.items():
                    kernel.map_update(ko.map_fd(name), _u32(key), value)
    sizes = {}
    for name in ko.map_names:
        if name in ("out", "params", "seen", "cfg"):
            info = kernel.map_info(ko.map_fd(name))
            sizes[name] = (info.max_entries, info.value_size)
    for name in ("out", "params", "seen"):
        if name in sizes:
            n, size = sizes[name]
            for key in range(n):
                kernel.map_update(ko.map_fd(name), _u32(key), bytes(size))
    if "cfg" in sizes:
        for i in range(sizes["cfg"][0]):
            kernel.map_update(ko.map_fd("cfg"), _u32(i), _cfg_bytes(cfg[i] if i < len(cfg) else 0))
    try:
        r = ko.run(prog_name, data, ctx_in=ctx_in,
                   ctx_size_out=24 if ctx_in is not None else None)
    except kernel.KernelRunError as exc:
        return {"error": exc.errno_name}
    maps = {name: [kernel.map_lookup(ko.map_fd(name), _u32(k)).hex() for k in range(sizes[name][0])]
            for name in ("out", "params", "seen") if name in sizes}
    return _outcome(r.retval, r.data_out, r.ctx_out, maps)


def record() -> dict:
    """Every case's kernel outcome, for tests/kernel_expected/xdp_cases.json."""
    from pybpf import kernel
    import hashlib
    objects: dict = {}
    try:
        outcomes = {cid: run_kernel(objects, cid) for cid in CASES}
    finally:
        for ko in objects.values():
            ko.close()
    return {
        "command": "python tests/record_kernel.py",
        "kernel": kernel.kernel_release(),
        "objects": {p: hashlib.sha256((REPO / p).read_bytes()).hexdigest()
                    for p in (PROBE, REDIRECT, FIB, TUNNEL)},
        "cases": outcomes,
    }


def recorded() -> dict:
    return json.loads(EXPECTED.read_text()) if EXPECTED.is_file() else {}
