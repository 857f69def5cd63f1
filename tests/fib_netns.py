"""One routing setup, twice: as a pybpf environment and as a real Linux network namespace.

``python tests/fib_netns.py`` must run inside a fresh network namespace
(``unshare -n``, as root): it configures the namespace with :data:`COMMANDS`,
runs programs/tests/xdp_fib.o through ``BPF_PROG_TEST_RUN`` on every case of
:func:`cases`, and programs/tests/xdp_probe.o (bpf_check_mtu, ctx_in naming the
namespace's devices) on every case of :func:`probe_cases`, and prints the outcomes as JSON. tests/test_xdp_fib.py runs the same
cases in pybpf with :data:`ENV` and compares. The namespace disappears with the process.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import xdp_cases as X  # noqa: E402

#: The namespace: three veth devices (the peers only carry the links), addresses,
#: forwarding on except on eth2 and lo, routes of every kind, permanent neighbours.
COMMANDS = """
ip link set lo up
ip link add eth0 index 2 type veth peer name peer0 index 12
ip link add eth1 index 3 type veth peer name peer1 index 13
ip link add eth2 index 4 type veth peer name peer2 index 14
ip link set dev eth0 address 02:00:00:00:00:02 mtu 1500 up
ip link set dev eth1 address 02:00:00:00:00:03 mtu 9000 up
ip link set dev eth2 address 02:00:00:00:00:04 mtu 1500 up
ip link set dev peer1 mtu 9000
ip link set dev peer0 up
ip link set dev peer1 up
ip link set dev peer2 up
sysctl -qw net.ipv4.conf.all.forwarding=1
sysctl -qw net.ipv6.conf.all.forwarding=1
sysctl -qw net.ipv4.conf.eth2.forwarding=0
sysctl -qw net.ipv6.conf.eth2.forwarding=0
sysctl -qw net.ipv4.conf.lo.forwarding=0
sysctl -qw net.ipv6.conf.lo.forwarding=0
ip addr add 10.0.0.1/24 dev eth0
ip addr add 10.1.0.1/16 dev eth1
ip addr add 10.1.0.9/16 dev eth1
ip -6 addr add fd00::1/64 dev eth0 nodad
ip -6 addr add fd01::1/64 dev eth1 nodad
ip route add 10.1.2.0/24 via 10.1.0.254 dev eth1 metric 7
ip route add 10.9.0.0/16 via 10.1.0.254 dev eth1 mtu lock 1280 src 10.1.0.9
ip route add 10.8.0.0/16 via 10.1.0.254 dev eth1 mtu 1280
ip route add blackhole 10.66.0.0/16
ip route add unreachable 10.67.0.0/16
ip route add prohibit 10.68.0.0/16
ip route add 10.5.0.0/16 via 10.1.0.253 dev eth1 table 100
ip route add default via 10.0.0.254 dev eth0 metric 100
ip -6 route add fd05::/64 via fd01::fe dev eth1
ip neigh add 10.1.0.254 lladdr 02:00:00:00:01:fe dev eth1 nud permanent
ip neigh add 10.1.0.253 lladdr 02:00:00:00:01:fd dev eth1 nud permanent
ip neigh add 10.1.9.9 lladdr 02:00:00:00:09:09 dev eth1 nud permanent
ip neigh add fd01::fe lladdr 02:00:00:00:06:fe dev eth1 nud permanent
"""

#: The same, as pybpf's environment (connected routes spelled out; IPv6 metrics as the
#: kernel gives them: 256 for a connected prefix, 1024 for an added route).
ENV = {
    "interfaces": [
        {"ifindex": 2, "name": "eth0", "mac": "02:00:00:00:00:02", "mtu": 1500,
         "addresses": ["10.0.0.1/24", "fd00::1/64"]},
        {"ifindex": 3, "name": "eth1", "mac": "02:00:00:00:00:03", "mtu": 9000,
         "addresses": ["10.1.0.1/16", "10.1.0.9/16", "fd01::1/64"]},
        {"ifindex": 4, "name": "eth2", "mac": "02:00:00:00:00:04", "mtu": 1500,
         "forwarding": False},
    ],
    "routes": [
        {"dst": "10.0.0.0/24", "dev": "eth0"},
        {"dst": "10.1.0.0/16", "dev": "eth1"},
        {"dst": "10.1.2.0/24", "dev": "eth1", "gateway": "10.1.0.254", "metric": 7},
        {"dst": "10.9.0.0/16", "dev": "eth1", "gateway": "10.1.0.254", "mtu": 1280,
         "mtu_lock": True, "src": "10.1.0.9"},
        {"dst": "10.8.0.0/16", "dev": "eth1", "gateway": "10.1.0.254", "mtu": 1280},
        {"dst": "10.66.0.0/16", "type": "blackhole"},
        {"dst": "10.67.0.0/16", "type": "unreachable"},
        {"dst": "10.68.0.0/16", "type": "prohibit"},
        {"dst": "10.5.0.0/16", "dev": "eth1", "table": 100, "gateway": "10.1.0.253"},
        {"dst": "default", "dev": "eth0", "gateway": "10.0.0.254", "metric": 100},
        {"dst": "fd00::/64", "dev": "eth0", "metric": 256},
        {"dst": "fd01::/64", "dev": "eth1", "metric": 256},
        {"dst": "fd05::/64", "dev": "eth1", "gateway": "fd01::fe", "metric": 1024},
    ],
    "neighbours": [
        {"ip": "10.1.0.254", "mac": "02:00:00:00:01:fe", "dev": "eth1"},
        {"ip": "10.1.0.253", "mac": "02:00:00:00:01:fd", "dev": "eth1"},
        {"ip": "10.1.9.9", "mac": "02:00:00:00:09:09", "dev": "eth1"},
        {"ip": "fd01::fe", "mac": "02:00:00:00:06:fe", "dev": "eth1"},
    ],
}

DIRECT, OUTPUT, SKIP_NEIGH, TBID, SRC = 1, 2, 4, 8, 16


def _v4(dst: str, size: int = 30) -> bytes:
    return X.eth(0x0800) + X.ipv4("10.0.0.7", dst, bytes(size))


def _v6(dst: str, size: int = 30) -> bytes:
    return X.eth(0x86DD) + X.ipv6("fd00::7", dst, bytes(size))


def cases() -> dict:
    """Case id -> (cfg values of xdp_fib.c, packet)."""
    out = {}
    packets = {f"v4:{d}": _v4(d) for d in (
        "10.1.2.3", "10.1.9.9", "10.1.7.7", "192.0.2.1", "10.66.1.1", "10.67.1.1",
        "10.68.1.1", "10.0.0.1", "10.1.0.9", "10.9.1.1", "10.8.1.1", "10.5.1.1", "10.0.0.9",
        "10.0.0.255", "127.0.0.1")}
    packets["v4:10.9.1.1:big"] = _v4("10.9.1.1", 1300)
    packets["v4:10.8.1.1:big"] = _v4("10.8.1.1", 1300)
    packets["v4:192.0.2.1:big"] = _v4("192.0.2.1", 1490)
    packets.update({f"v6:{d}": _v6(d) for d in ("fd05::5", "fd01::5", "fd01::fe", "fd01::1",
                                                "fd02::5", "fd00::9")})
    packets["v6:fd05::5:big"] = _v6("fd05::5", 3000)
    packets["v6:fd00::9:big"] = _v6("fd00::9", 1490)
    for pname, packet in packets.items():
        for ingress in (2, 3, 4, 1):
            for flags in (0, SKIP_NEIGH, SRC, DIRECT, DIRECT | SKIP_NEIGH | SRC, OUTPUT,
                          OUTPUT | DIRECT | SKIP_NEIGH):
                out[f"{pname}/in{ingress}/flags{flags}"] = ([flags, ingress], packet)
        for tbid in (100, 101, 254):
            out[f"{pname}/tbid{tbid}"] = ([DIRECT | TBID | SKIP_NEIGH, 2, 0, tbid], packet)
        for tot_len in (1281, 1500, 1501, 9000, 9001):
            out[f"{pname}/tot_len{tot_len}"] = ([SKIP_NEIGH, 2, tot_len], packet)
    return out


def probe_cases() -> dict:
    """Case id -> (xdp_probe.c cfg, packet, ctx_in): check_mtu and ctx_in on this machine's
    devices (the namespace's veths have one rx queue each)."""
    out = {}
    for ingress in (0, 2, 3, 4):
        for queue in (0, 1):
            md = X.xdp_md(0, 60, 0, ingress, queue)
            for ifindex in (0, 1, 2, 3, 4, 9):
                for mtu_len, diff in ((0, 0), (1500, 0), (1501, 0), (9000, 0), (9001, 0),
                                      (0, 1454), (0, 1455), (0, 8954), (0, 8955)):
                    out[f"in{ingress}q{queue}/check_mtu({ifindex},{mtu_len},{diff})"] = (
                        [X.CHECK_MTU, ifindex, mtu_len, diff], X.PKT60, md)
    return out


def _cfg(values: list) -> list:
    return [struct.pack("<Q", values[i] if i < len(values) else 0) for i in range(5)]


def run_pybpf(obj, packet: bytes, cfg: list) -> dict:
    for i, raw in enumerate(_cfg(cfg)):
        obj.maps["cfg"][i] = raw
    obj.maps["out"][0] = bytes(8)
    obj.maps["params"][0] = bytes(64)
    r = obj.program().test_run(packet)
    return {"retval": r.retval, "data": r.data.hex(), "rc": obj.maps["out"][0].hex(),
            "params": obj.maps["params"][0].hex()}


def run_probe_pybpf(obj, cfg: list, packet: bytes, ctx_in) -> dict:
    from pybpf.errors import TestRunRefused
    for i in range(4):
        obj.maps["cfg"][i] = struct.pack("<q", cfg[i])
        obj.maps["out"][i] = bytes(8)
    try:
        r = obj.program().test_run(packet, ctx_in=ctx_in)
    except TestRunRefused as exc:
        return {"error": exc.errno_name}
    return {"retval": r.retval, "ctx_out": r.ctx_raw.hex(),
            "out": [obj.maps["out"][i].hex() for i in range(4)]}


def _run_probe_kernel() -> dict:
    from pybpf import kernel
    results = {}
    with kernel.KernelObject(REPO / X.PROBE) as ko:
        cfg_fd, out_fd = ko.map_fd("cfg"), ko.map_fd("out")
        for cid, (cfg, packet, ctx_in) in probe_cases().items():
            for i in range(4):
                kernel.map_update(cfg_fd, struct.pack("<I", i), struct.pack("<q", cfg[i]))
                kernel.map_update(out_fd, struct.pack("<I", i), bytes(8))
            try:
                r = ko.run(None, packet, ctx_in=ctx_in, ctx_size_out=24)
            except kernel.KernelRunError as exc:
                results[cid] = {"error": exc.errno_name}
                continue
            results[cid] = {"retval": r.retval, "ctx_out": r.ctx_out.hex(),
                            "out": [kernel.map_lookup(out_fd, struct.pack("<I", i)).hex()
                                    for i in range(4)]}
    return results


def _run_kernel_cases() -> dict:
    from pybpf import kernel
    results = {}
    with kernel.KernelObject(REPO / X.FIB) as ko:
        fds = {name: ko.map_fd(name) for name in ("cfg", "out", "params")}
        for cid, (cfg, packet) in cases().items():
            for i, raw in enumerate(_cfg(cfg)):
                kernel.map_update(fds["cfg"], struct.pack("<I", i), raw)
            kernel.map_update(fds["out"], bytes(4), bytes(8))
            kernel.map_update(fds["params"], bytes(4), bytes(64))
            r = ko.run(None, packet)
            results[cid] = {"retval": r.retval, "data": r.data_out.hex(),
                            "rc": kernel.map_lookup(fds["out"], bytes(4)).hex(),
                            "params": kernel.map_lookup(fds["params"], bytes(4)).hex()}
    return results


def main() -> int:
    for line in COMMANDS.strip().splitlines():
        proc = subprocess.run(line.split(), capture_output=True, text=True)
        if proc.returncode:
            print(f"fib_netns: `{line}` failed: {proc.stderr.strip()}", file=sys.stderr)
            return 2
    json.dump({**_run_kernel_cases(), **_run_probe_kernel()}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
