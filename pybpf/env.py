"""The environment a program sees: what the kernel around it would know.

One schema, given as a dict (Python API, pytest fixture), a JSON file or a TOML
file (``pybpf run --env FILE``)::

    ncpu = 2                     # virtual CPUs (per-CPU maps, cpumap targets); default 1
    clock_ns = 1_000_000_000     # virtual clock at load (bpf_ktime_get_ns); default 0
    seed = 42                    # seed of bpf_get_prandom_u32; default 0

    [[interfaces]]               # default: only "lo", ifindex 1 (test_run's ingress device)
    ifindex = 2
    name = "eth0"
    mac = "02:00:00:00:00:02"
    mtu = 1500                   # default 1500 (65536 for ifindex 1 / lo)
    rx_queues = 1                # ctx_in.rx_queue_index must be below this (default 1)
    pcapng_id = 0                # packets of pcapng interface 0 arrive on ifindex 2
    addresses = ["10.0.0.1/24", "fd00::1"]  # own addresses: local to fib_lookup, its SRC
                                 # answer; an IPv4 prefix makes its broadcast address local
                                 # too (connected routes are not implied: list them)
    forwarding = true            # fib_lookup from here: else FWD_DISABLED (default true,
                                 # false for ifindex 1, as a stock kernel's lo)

    [[routes]]                   # looked up by fib_lookup: longest prefix, then lowest metric
    dst = "10.1.0.0/16"          # IPv4 or IPv6 prefix ("default" = 0.0.0.0/0)
    dev = "eth0"                 # or ifindex = 2
    gateway = "10.0.0.254"       # optional: next hop (else the destination itself)
    src = "10.0.0.1"             # optional: preferred source address
    table = 254                  # optional: routing table (254 = main, the default)
    metric = 0                   # optional
    mtu = 1400                   # optional: route MTU; fib_lookup honours it only when
    mtu_lock = true              #   locked (`ip route ... mtu lock N`), as Linux does
    type = "unicast"             # or "blackhole", "unreachable", "prohibit"

    [[neighbours]]               # the neighbour table: fib_lookup fills dmac from it
    ip = "10.0.0.254"
    mac = "02:00:00:00:00:fe"
    dev = "eth0"                 # or ifindex

    [[sockets]]                  # for sk_lookup_* and friends
    protocol = "tcp"             # or "udp"
    local = "10.0.0.1:80"        # "[fd00::1]:80" for IPv6
    remote = "10.0.0.9:4000"     # optional: an established socket; else listening
    cookie = 1                   # optional: bpf_get_socket_cookie's answer (default: position + 1)

    [tunnel]                     # optional: what bpf_skb_get_tunnel_key returns
    id = 42
    remote = "192.0.2.1"
    local = "192.0.2.2"
    tos = 0
    ttl = 64
    label = 0

Defaults describe the machine ``BPF_PROG_TEST_RUN`` runs programs on: one
loopback device, ifindex 1, all-zero MAC, MTU 65536, no routes, no neighbours,
no sockets. A wrong key or value is an :class:`EnvError` naming it.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PyBPFError

#: The routing table bpf_fib_lookup uses without BPF_FIB_LOOKUP_TBID (RT_TABLE_MAIN).
RT_TABLE_MAIN = 254
LOOPBACK_IFINDEX = 1
ROUTE_TYPES = ("unicast", "blackhole", "unreachable", "prohibit")


class EnvError(PyBPFError, ValueError):
    """The environment description is wrong; the message names the key (``routes[1].dst``)."""


@dataclass(frozen=True)
class Interface:
    ifindex: int
    name: str
    mac: bytes = bytes(6)
    mtu: int = 1500
    rx_queues: int = 1
    pcapng_id: int | None = None
    addresses: tuple = ()
    forwarding: bool = True
    broadcasts: tuple = ()   # IPv4 subnet broadcast addresses of addresses given with a prefix


@dataclass(frozen=True)
class Route:
    dst: ipaddress.IPv4Network | ipaddress.IPv6Network
    ifindex: int
    gateway: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    src: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    table: int = RT_TABLE_MAIN
    metric: int = 0
    mtu: int | None = None
    mtu_lock: bool = False
    type: str = "unicast"


@dataclass(frozen=True)
class Neighbour:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    mac: bytes
    ifindex: int


@dataclass(frozen=True)
class Socket:
    protocol: str
    local_ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    local_port: int
    remote_ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    remote_port: int = 0
    cookie: int = 0


@dataclass(frozen=True)
class Tunnel:
    id: int = 0
    remote: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    local: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    tos: int = 0
    ttl: int = 0
    label: int = 0


LOOPBACK = Interface(LOOPBACK_IFINDEX, "lo", bytes(6), 65536, forwarding=False)


@dataclass(frozen=True)
class Env:
    """A validated environment (build one with :func:`make_env`)."""

    interfaces: tuple = (LOOPBACK,)
    routes: tuple = ()
    neighbours: tuple = ()
    sockets: tuple = ()
    tunnel: Tunnel | None = None
    ncpu: int = 1
    clock_ns: int = 0
    seed: int = 0
    source: str = field(default="<defaults>", compare=False)

    def interface(self, ifindex: int) -> Interface | None:
        for dev in self.interfaces:
            if dev.ifindex == ifindex:
                return dev
        return None

    def ifindex_of_pcapng(self, interface_id: int | None) -> int:
        """The ``ingress_ifindex`` of a packet captured on pcapng interface ``interface_id``:
        the interface declaring ``pcapng_id`` = that id, else the loopback (1)."""
        if interface_id is not None:
            for dev in self.interfaces:
                if dev.pcapng_id == interface_id:
                    return dev.ifindex
        return LOOPBACK_IFINDEX

    def neighbour(self, ip, ifindex: int) -> Neighbour | None:
        for n in self.neighbours:
            if n.ip == ip and n.ifindex == ifindex:
                return n
        return None

    def routes_in(self, table: int, version: int) -> list[Route]:
        """Routes of ``table`` for IP ``version``, most specific first, then lowest metric."""
        found = [r for r in self.routes if r.table == table and r.dst.version == version]
        return sorted(found, key=lambda r: (-r.dst.prefixlen, r.metric))


DEFAULT_ENV = Env()


def load_env(source=None) -> Env:
    """An :class:`Env` from None (defaults), an ``Env``, a dict, or a ``.json``/``.toml`` path."""
    if source is None:
        return DEFAULT_ENV
    if isinstance(source, Env):
        return source
    if isinstance(source, dict):
        return make_env(source)
    if not isinstance(source, (str, os.PathLike)):
        raise EnvError(f"env: expected a dict, an Env or a .json/.toml path, got "
                       f"{type(source).__name__}")
    path = Path(source)
    try:
        text = path.read_text()
    except OSError as exc:
        raise EnvError(f"env {path}: cannot read: {exc.strerror or exc}") from None
    try:
        if path.suffix == ".toml":
            import tomllib
            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ValueError as exc:
        raise EnvError(f"env {path}: not valid {'TOML' if path.suffix == '.toml' else 'JSON'}: "
                       f"{exc}") from None
    return make_env(data, source=str(path))


_TOP = {"interfaces", "routes", "neighbours", "neighbors", "sockets", "tunnel", "ncpu",
        "clock_ns", "seed"}


def make_env(data: dict, source: str = "env") -> Env:
    """Validate ``data`` (the schema in this module's docstring) into an :class:`Env`."""
    r = _Reader(source)
    if not isinstance(data, dict):
        raise r.fail("", f"expected a table/object, got {type(data).__name__}")
    r.keys("", data, _TOP)
    interfaces = [r.interface(f"interfaces[{i}]", d) for i, d in
                  enumerate(r.list("interfaces", data.get("interfaces", [])))]
    seen: dict = {}
    if not any(dev.ifindex == LOOPBACK_IFINDEX for dev in interfaces):
        seen[("name", LOOPBACK.name)] = "the loopback (ifindex 1)"
    for i, dev in enumerate(interfaces):
        for what, key in (("ifindex", dev.ifindex), ("name", dev.name)):
            if (what, key) in seen:
                other = seen[(what, key)]
                raise r.fail(f"interfaces[{i}].{what}", f"{key!r} is used twice (also "
                             f"{other if isinstance(other, str) else f'interfaces[{other}]'})")
            seen[(what, key)] = i
    if not any(dev.ifindex == LOOPBACK_IFINDEX for dev in interfaces):
        interfaces.insert(0, LOOPBACK)
    r.devices = {dev.name: dev.ifindex for dev in interfaces}
    r.ifindexes = {dev.ifindex for dev in interfaces}
    neigh = data.get("neighbours", data.get("neighbors", []))
    return Env(
        interfaces=tuple(interfaces),
        routes=tuple(r.route(f"routes[{i}]", d)
                     for i, d in enumerate(r.list("routes", data.get("routes", [])))),
        neighbours=tuple(r.neighbour(f"neighbours[{i}]", d)
                         for i, d in enumerate(r.list("neighbours", neigh))),
        sockets=tuple(r.socket(f"sockets[{i}]", d, i)
                      for i, d in enumerate(r.list("sockets", data.get("sockets", [])))),
        tunnel=r.tunnel("tunnel", data["tunnel"]) if "tunnel" in data else None,
        ncpu=r.int("ncpu", data.get("ncpu", 1), 1, 4096),
        clock_ns=r.int("clock_ns", data.get("clock_ns", 0), 0, 2**64 - 1),
        seed=r.int("seed", data.get("seed", 0), 0, 2**64 - 1),
        source=source,
    )


class _Reader:
    """Field readers that name the key in every error."""

    def __init__(self, source: str):
        self.source = source
        self.devices: dict = {}
        self.ifindexes: set = set()

    def fail(self, key: str, message: str) -> EnvError:
        return EnvError(f"{self.source}: {key + ': ' if key else ''}{message}")

    def keys(self, key: str, d, allowed: set) -> None:
        if not isinstance(d, dict):
            raise self.fail(key, f"expected a table/object, got {type(d).__name__}")
        extra = sorted(set(d) - allowed)
        if extra:
            where = f"{key}.{extra[0]}" if key else extra[0]
            raise self.fail(where, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def need(self, key: str, d: dict, name: str):
        if name not in d:
            raise self.fail(f"{key}.{name}", "missing")
        return d[name]

    def list(self, key: str, value) -> list:
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list, got {type(value).__name__}")
        return value

    def int(self, key: str, value, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected an integer, got {value!r}")
        if not lo <= value <= hi:
            raise self.fail(key, f"{value} is out of range {lo}..{hi}")
        return value

    def bool(self, key: str, value) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def str(self, key: str, value) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(key, f"expected a non-empty string, got {value!r}")
        return value

    def mac(self, key: str, value) -> bytes:
        text = self.str(key, value)
        parts = text.split(":")
        try:
            raw = bytes(int(p, 16) for p in parts)
        except ValueError:
            raw = b""
        if len(parts) != 6 or len(raw) != 6 or any(len(p) != 2 for p in parts):
            raise self.fail(key, f"{text!r} is not a MAC address (aa:bb:cc:dd:ee:ff)")
        return raw

    def ip(self, key: str, value):
        try:
            return ipaddress.ip_address(self.str(key, value))
        except ValueError:
            raise self.fail(key, f"{value!r} is not an IPv4 or IPv6 address") from None

    def address(self, key: str, value):
        """An interface address, optionally with its prefix ("10.0.0.1/24")."""
        try:
            return ipaddress.ip_interface(self.str(key, value))
        except ValueError:
            raise self.fail(key, f"{value!r} is not an IPv4 or IPv6 address "
                                 f"(optionally with /prefix)") from None

    def endpoint(self, key: str, value) -> tuple:
        text = self.str(key, value)
        host, sep, port = text.rpartition(":")
        if not sep or not port.isdigit():
            raise self.fail(key, f"{text!r} is not ADDRESS:PORT ([v6]:port for IPv6)")
        ip = self.ip(key, host[1:-1] if host.startswith("[") and host.endswith("]") else host)
        return ip, self.int(key, int(port), 0, 65535)

    def dev(self, key: str, d: dict) -> int:
        if "dev" in d and "ifindex" in d:
            raise self.fail(key, "give dev or ifindex, not both")
        if "dev" in d:
            name = self.str(f"{key}.dev", d["dev"])
            if name not in self.devices:
                raise self.fail(f"{key}.dev", f"no interface named {name!r} "
                                              f"(interfaces: {', '.join(self.devices)})")
            return self.devices[name]
        ifindex = self.int(f"{key}.ifindex", self.need(key, d, "ifindex"), 1, 2**31 - 1)
        if ifindex not in self.ifindexes:
            raise self.fail(f"{key}.ifindex", f"no interface has ifindex {ifindex}")
        return ifindex

    def interface(self, key: str, d) -> Interface:
        self.keys(key, d, {"ifindex", "name", "mac", "mtu", "rx_queues", "pcapng_id",
                           "addresses", "forwarding"})
        ifindex = self.int(f"{key}.ifindex", self.need(key, d, "ifindex"), 1, 2**31 - 1)
        default_mtu = 65536 if ifindex == LOOPBACK_IFINDEX else 1500
        nets = [self.address(f"{key}.addresses[{i}]", a) for i, a in
                enumerate(self.list(f"{key}.addresses", d.get("addresses", [])))]
        return Interface(
            ifindex=ifindex,
            name=self.str(f"{key}.name", d.get("name", "lo" if ifindex == 1 else f"if{ifindex}")),
            mac=self.mac(f"{key}.mac", d["mac"]) if "mac" in d else bytes(6),
            mtu=self.int(f"{key}.mtu", d.get("mtu", default_mtu), 68, 2**31 - 1),
            rx_queues=self.int(f"{key}.rx_queues", d.get("rx_queues", 1), 1, 4096),
            pcapng_id=(self.int(f"{key}.pcapng_id", d["pcapng_id"], 0, 2**32 - 1)
                       if "pcapng_id" in d else None),
            addresses=tuple(n.ip for n in nets),
            broadcasts=tuple(n.network.broadcast_address for n in nets
                             if n.version == 4 and n.network.prefixlen < 31),
            forwarding=self.bool(f"{key}.forwarding", d.get("forwarding",
                                                            ifindex != LOOPBACK_IFINDEX)),
        )

    def route(self, key: str, d) -> Route:
        self.keys(key, d, {"dst", "dev", "ifindex", "gateway", "src", "table", "metric", "mtu",
                           "mtu_lock", "type"})
        text = self.str(f"{key}.dst", self.need(key, d, "dst"))
        try:
            dst = ipaddress.ip_network("0.0.0.0/0" if text == "default" else text)
        except ValueError as exc:
            raise self.fail(f"{key}.dst", f"{text!r} is not a prefix ({exc})") from None
        kind = d.get("type", "unicast")
        if kind not in ROUTE_TYPES:
            raise self.fail(f"{key}.type", f"{kind!r} is not one of {', '.join(ROUTE_TYPES)}")
        gw = self.ip(f"{key}.gateway", d["gateway"]) if "gateway" in d else None
        src = self.ip(f"{key}.src", d["src"]) if "src" in d else None
        for name, addr in (("gateway", gw), ("src", src)):
            if addr is not None and addr.version != dst.version:
                raise self.fail(f"{key}.{name}", f"{addr} is not IPv{dst.version} like dst")
        return Route(
            dst=dst, ifindex=self.dev(key, d) if kind == "unicast" or "dev" in d or
            "ifindex" in d else 0,
            gateway=gw, src=src,
            table=self.int(f"{key}.table", d.get("table", RT_TABLE_MAIN), 1, 2**32 - 1),
            metric=self.int(f"{key}.metric", d.get("metric", 0), 0, 2**32 - 1),
            mtu=self.int(f"{key}.mtu", d["mtu"], 68, 2**31 - 1) if "mtu" in d else None,
            mtu_lock=self.bool(f"{key}.mtu_lock", d.get("mtu_lock", False)),
            type=kind,
        )

    def neighbour(self, key: str, d) -> Neighbour:
        self.keys(key, d, {"ip", "mac", "dev", "ifindex"})
        return Neighbour(self.ip(f"{key}.ip", self.need(key, d, "ip")),
                         self.mac(f"{key}.mac", self.need(key, d, "mac")), self.dev(key, d))

    def socket(self, key: str, d, position: int) -> Socket:
        self.keys(key, d, {"protocol", "local", "remote", "cookie"})
        proto = d.get("protocol", "tcp")
        if proto not in ("tcp", "udp"):
            raise self.fail(f"{key}.protocol", f"{proto!r} is not tcp or udp")
        lip, lport = self.endpoint(f"{key}.local", self.need(key, d, "local"))
        rip, rport = (self.endpoint(f"{key}.remote", d["remote"]) if "remote" in d
                      else (None, 0))
        if rip is not None and rip.version != lip.version:
            raise self.fail(f"{key}.remote", "local and remote are not the same IP version")
        return Socket(proto, lip, lport, rip, rport,
                      self.int(f"{key}.cookie", d.get("cookie", position + 1), 1, 2**64 - 1))

    def tunnel(self, key: str, d) -> Tunnel:
        self.keys(key, d, {"id", "remote", "local", "tos", "ttl", "label"})
        return Tunnel(
            id=self.int(f"{key}.id", d.get("id", 0), 0, 2**32 - 1),
            remote=self.ip(f"{key}.remote", d["remote"]) if "remote" in d else None,
            local=self.ip(f"{key}.local", d["local"]) if "local" in d else None,
            tos=self.int(f"{key}.tos", d.get("tos", 0), 0, 255),
            ttl=self.int(f"{key}.ttl", d.get("ttl", 0), 0, 255),
            label=self.int(f"{key}.label", d.get("label", 0), 0, 2**20 - 1),
        )
