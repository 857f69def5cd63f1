"""bpf_fib_lookup and the XDP router of programs/tests/xdp_fib.c against a configured table.

Two kinds of proof: expectations computed in the test from the environment it
configures, and (test_fib_lookup_matches_a_real_routing_table) the kernel itself,
running the same program in a network namespace configured like a pybpf
environment (tests/fib_netns.py; recorded in tests/kernel_expected/xdp_fib_netns.json
for machines where that cannot run).
"""

import hashlib
import ipaddress
import json
import os
import shutil
import struct
import subprocess
import sys

import pytest

import fib_netns

import xdp_cases as X
from pybpf import load

ENV = {
    "interfaces": [
        {"ifindex": 2, "name": "eth0", "mac": "02:00:00:00:00:02", "mtu": 1500,
         "addresses": ["10.0.0.1", "fd00::1"], "pcapng_id": 0},
        {"ifindex": 3, "name": "eth1", "mac": "02:00:00:00:00:03", "mtu": 9000,
         "addresses": ["10.1.0.1", "fd01::1"]},
        {"ifindex": 4, "name": "eth2", "mac": "02:00:00:00:00:04", "mtu": 1500,
         "forwarding": False},
    ],
    "routes": [
        {"dst": "10.1.0.0/16", "dev": "eth1"},
        {"dst": "10.1.2.0/24", "dev": "eth1", "gateway": "10.1.0.254", "metric": 7},
        {"dst": "10.9.0.0/16", "dev": "eth1", "gateway": "10.1.0.254", "mtu": 1280,
         "mtu_lock": True, "src": "10.1.0.9"},
        {"dst": "10.8.0.0/16", "dev": "eth1", "gateway": "10.1.0.254", "mtu": 1280},
        {"dst": "10.66.0.0/16", "type": "blackhole"},
        {"dst": "10.67.0.0/16", "type": "unreachable"},
        {"dst": "10.68.0.0/16", "type": "prohibit"},
        {"dst": "10.5.0.0/16", "dev": "eth1", "table": 100, "gateway": "10.1.0.253"},
        {"dst": "fd01::/64", "dev": "eth1", "gateway": "fd01::fe"},
        {"dst": "default", "dev": "eth0", "gateway": "10.0.0.254", "metric": 100},
    ],
    "neighbours": [
        {"ip": "10.1.0.254", "mac": "02:00:00:00:01:fe", "dev": "eth1"},
        {"ip": "10.1.0.253", "mac": "02:00:00:00:01:fd", "dev": "eth1"},
        {"ip": "10.1.9.9", "mac": "02:00:00:00:09:09", "dev": "eth1"},
        {"ip": "fd01::fe", "mac": "02:00:00:00:06:fe", "dev": "eth1"},
    ],
}

SUCCESS, BLACKHOLE, UNREACHABLE, PROHIBIT, NOT_FWDED, FWD_DISABLED = 0, 1, 2, 3, 4, 5
NO_NEIGH, FRAG_NEEDED, NO_SRC_ADDR = 7, 8, 9
DIRECT, OUTPUT, SKIP_NEIGH, TBID, SRC = 1, 2, 4, 8, 16


@pytest.fixture(scope="module")
def router():
    return load(X.REPO / X.FIB, pin_root=False, env=ENV)


def route(router, packet, flags=0, ifindex=2, tot_len=0, tbid=0):
    """(result, rc, params) of one run: ingress on ``ifindex``."""
    for i, v in enumerate((flags, ifindex, tot_len, tbid, 0)):
        router.maps["cfg"][i] = struct.pack("<Q", v)
    result = router.program().test_run(packet)
    rc = struct.unpack("<q", router.maps["out"][0])[0]
    raw = router.maps["params"][0]
    params = {"ifindex": struct.unpack_from("<I", raw, 8)[0],
              "mtu_result": struct.unpack_from("<H", raw, 6)[0],
              "rt_metric": struct.unpack_from("<I", raw, 12)[0],
              "src4": ipaddress.ip_address(raw[16:20]), "dst4": ipaddress.ip_address(raw[32:36]),
              "dst6": ipaddress.ip_address(raw[32:48]), "smac": raw[52:58], "dmac": raw[58:64]}
    return result, rc, params


def v4(dst, ttl=64, size=30):
    return X.eth(0x0800) + X.ipv4("10.0.0.7", dst, bytes(size), ttl=ttl)


def ip_checksum_ok(header: bytes) -> bool:
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF


def with_checksum(packet: bytes) -> bytes:
    hdr = bytearray(packet[14:34])
    total = sum(struct.unpack("!10H", bytes(hdr)))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    hdr[10:12] = struct.pack("!H", ~total & 0xFFFF)
    return packet[:14] + bytes(hdr) + packet[34:]


def test_forward_via_gateway(router):
    packet = with_checksum(v4("10.1.2.3"))
    result, rc, p = route(router, packet)
    assert rc == SUCCESS and result.verdict == "XDP_REDIRECT"
    assert result.redirect.ifindex == 3 and result.redirect.kind == "ifindex"
    assert p["ifindex"] == 3 and p["rt_metric"] == 7 and p["dst4"] == ipaddress.ip_address("10.1.0.254")
    assert p["dmac"] == bytes.fromhex("0200000001fe") and p["smac"] == bytes.fromhex("020000000003")
    assert p["mtu_result"] == 9000
    out = result.data
    assert out[:6] == p["dmac"] and out[6:12] == p["smac"]
    assert out[14 + 8] == 63 and ip_checksum_ok(out[14:34])   # TTL decremented, checksum fixed
    assert out[34:] == packet[34:]


def test_forward_direct_neighbour(router):
    _, rc, p = route(router, with_checksum(v4("10.1.9.9")))
    assert rc == SUCCESS and p["dst4"] == ipaddress.ip_address("10.1.9.9")
    assert p["dmac"] == bytes.fromhex("020000000909")


def test_no_neighbour_and_skip_neigh(router):
    result, rc, p = route(router, v4("10.1.7.7"))
    assert rc == NO_NEIGH and result.verdict == "XDP_PASS" and result.redirect is None
    _, rc, p = route(router, v4("10.1.7.7"), flags=SKIP_NEIGH)
    assert rc == SUCCESS and p["ifindex"] == 3 and p["dmac"] == bytes(6)


def test_default_route_and_longest_prefix(router):
    _, rc, p = route(router, v4("192.0.2.1"))
    assert rc == NO_NEIGH and p["ifindex"] == 2 and p["rt_metric"] == 100
    assert p["dst4"] == ipaddress.ip_address("10.0.0.254")


@pytest.mark.parametrize("dst,rc", [("10.66.1.1", BLACKHOLE), ("10.67.1.1", UNREACHABLE),
                                    ("10.68.1.1", PROHIBIT), ("10.0.0.1", NOT_FWDED)])
def test_reject_routes_and_local_addresses(router, dst, rc):
    assert route(router, v4(dst))[1] == rc


def test_local_addresses_with_direct(router):
    """DIRECT reads the main table only: IPv4's still holds the local routes (Linux merges
    them while there are no custom rules), IPv6's does not (as the kernel answers in
    test_fib_lookup_matches_a_real_routing_table)."""
    assert route(router, v4("10.0.0.1"), flags=DIRECT | SKIP_NEIGH)[1] == NOT_FWDED
    packet = X.eth(0x86DD) + X.ipv6("fd00::7", "fd00::1", bytes(30))
    assert route(router, packet)[1] == NOT_FWDED
    assert route(router, packet, flags=DIRECT | SKIP_NEIGH)[1] == NOT_FWDED  # no fd00::/64 route
    packet = X.eth(0x86DD) + X.ipv6("fd00::7", "fd01::1", bytes(30))
    assert route(router, packet, flags=DIRECT | SKIP_NEIGH)[1] == SUCCESS   # via fd01::/64


def test_forwarding_disabled_and_unknown_device(router):
    assert route(router, v4("10.1.2.3"), ifindex=4)[1] == FWD_DISABLED
    assert route(router, v4("10.1.2.3"), ifindex=77)[1] == -19  # -ENODEV


def test_frag_needed_sets_mtu_result(router):
    _, rc, p = route(router, v4("10.9.1.1", size=1300))   # route MTU 1280 < 1320
    assert rc == FRAG_NEEDED and p["mtu_result"] == 1280
    _, rc, p = route(router, v4("10.9.1.1", size=1200), flags=SKIP_NEIGH)
    assert rc == SUCCESS and p["mtu_result"] == 1280
    _, rc, _ = route(router, v4("10.9.1.1"), tot_len=1281)
    assert rc == FRAG_NEEDED
    _, rc, p = route(router, v4("10.8.1.1", size=1300), flags=SKIP_NEIGH)
    assert rc == SUCCESS and p["mtu_result"] == 9000   # an unlocked route MTU is not used


def test_src_flag(router):
    _, rc, p = route(router, v4("10.9.1.1"), flags=SRC)
    assert rc == SUCCESS and p["src4"] == ipaddress.ip_address("10.1.0.9")   # route's src
    _, rc, p = route(router, v4("10.1.2.3"), flags=SRC)
    assert rc == SUCCESS and p["src4"] == ipaddress.ip_address("10.1.0.1")   # device address
    _, rc, _ = route(router, v4("192.0.2.1"), flags=SRC | SKIP_NEIGH, ifindex=2)
    assert rc == SUCCESS


def test_table_id(router):
    _, rc, p = route(router, v4("10.5.1.1"), flags=DIRECT | TBID, tbid=100)
    assert rc == SUCCESS and p["dst4"] == ipaddress.ip_address("10.1.0.253")
    assert route(router, v4("10.5.1.1"), flags=DIRECT | TBID, tbid=101)[1] == NOT_FWDED
    assert route(router, v4("10.5.1.1"))[1] == NO_NEIGH  # main table: default route


def test_ipv6(router):
    packet = X.eth(0x86DD) + X.ipv6("fd00::7", "fd01::5", bytes(30))
    result, rc, p = route(router, packet)
    assert rc == SUCCESS and p["ifindex"] == 3
    assert p["dst6"] == ipaddress.ip_address("fd01::fe")
    assert result.data[14 + 7] == 63 and result.data[:6] == bytes.fromhex("0200000006fe")
    packet = X.eth(0x86DD) + X.ipv6("fd00::7", "fd02::5", bytes(30))
    assert route(router, packet)[1] == NOT_FWDED   # no IPv6 default route


def test_pcapng_interface_gives_ingress(tmp_path):
    """pybpf run maps a pcapng interface id to ingress_ifindex through the environment."""
    import json
    import subprocess
    import sys
    env_file = tmp_path / "env.json"
    env_file.write_text(json.dumps(ENV))
    packet = with_checksum(v4("10.1.2.3"))
    pcapng = _pcapng([packet])
    (tmp_path / "in.pcapng").write_bytes(pcapng)
    proc = subprocess.run([sys.executable, "-m", "pybpf", "run", str(X.REPO / X.FIB),
                           "--pcap", str(tmp_path / "in.pcapng"), "--env", str(env_file),
                           "--json", "--pin-root", str(tmp_path / "pins")],
                          capture_output=True, text=True, cwd=X.REPO)
    assert proc.returncode == 0, proc.stderr
    first = json.loads(proc.stdout.splitlines()[0])
    assert first["verdict"] == "XDP_REDIRECT"
    assert first["redirect"] == {"kind": "ifindex", "ifindex": 3, "flags": 0, "ingress": False}


def _pcapng(packets) -> bytes:
    """A minimal pcapng: section header, one Ethernet interface (id 0), enhanced packets."""
    def block(kind, body):
        body += bytes(-len(body) % 4)
        return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 0))
    for i, p in enumerate(packets):
        out += block(6, struct.pack("<IIIII", 0, 0, i, len(p), len(p)) + p)
    return out


# -- the kernel with the same routing table ---------------------------------------------------
NETNS_EXPECTED = X.REPO / "tests" / "kernel_expected" / "xdp_fib_netns.json"


def kernel_in_netns() -> dict | None:
    """fib_netns.py's outcomes from a fresh network namespace, or None where it cannot run."""
    from pybpf import kernel
    if not kernel.available() or os.geteuid() != 0 or shutil.which("unshare") is None:
        return None
    proc = subprocess.run(["unshare", "-n", sys.executable, str(X.REPO / "tests/fib_netns.py")],
                          capture_output=True, text=True)
    if proc.returncode:
        return None
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def netns_kernel():
    want = kernel_in_netns()
    if want is None:
        if not NETNS_EXPECTED.is_file():
            pytest.skip("no network namespace with bpf() here and no recording")
        record = json.loads(NETNS_EXPECTED.read_text())
        for path, digest in record["objects_sha256"].items():
            assert hashlib.sha256((X.REPO / path).read_bytes()).hexdigest() == digest, (
                f"{path} changed since the recording: python tests/record_kernel.py")
        want = record["cases"]
    assert set(want) == set(fib_netns.cases()) | set(fib_netns.probe_cases()), (
        "cases changed: python tests/record_kernel.py")
    return want


def test_fib_lookup_matches_a_real_routing_table(netns_kernel):
    cases = fib_netns.cases()
    obj = load(X.REPO / X.FIB, pin_root=False, env=fib_netns.ENV)
    diffs = [cid for cid, (cfg, packet) in cases.items()
             if fib_netns.run_pybpf(obj, packet, cfg) != netns_kernel[cid]]
    assert not diffs, f"{len(diffs)} of {len(cases)} differ from the kernel: {diffs[:10]}"


def test_check_mtu_and_ctx_in_match_real_devices(netns_kernel):
    cases = fib_netns.probe_cases()
    obj = load(X.REPO / X.PROBE, pin_root=False, env=fib_netns.ENV)
    diffs = [cid for cid, (cfg, packet, md) in cases.items()
             if fib_netns.run_probe_pybpf(obj, cfg, packet, md) != netns_kernel[cid]]
    assert not diffs, f"{len(diffs)} of {len(cases)} differ from the kernel: {diffs[:10]}"
