"""LPM tries, queues and stacks: Python side, program side, and against the kernel.

Kernel comparisons run where :func:`pybpf.kernel.available` (root, libbpf): the
same objects, map contents and packets must give the same verdicts, helper
results and map contents in the kernel and in pybpf.
"""

from __future__ import annotations

import ipaddress
import random
import struct
from pathlib import Path

import pytest

from pybpf import kernel
from pybpf.errors import HelperError, MapError, PyBPFError
from pybpf.maps import MapSet, lpm, ops, queue
from pybpf.spec import MapSpec
from pybpf.toolchain import compile as compile_c, zig_available
from pybpf.vm.memory import Memory

SRC = Path(__file__).resolve().parent / "maps_src"
ENOENT, E2BIG, EEXIST, EINVAL, ENOSPC = 2, 7, 17, 22, 28
XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX = 0, 1, 2, 3
ETH_IP, ETH_IP6 = 0x0800, 0x86DD

needs_zig = pytest.mark.skipif(not zig_available(), reason="the pinned ziglang compiler is not installed")
needs_kernel = pytest.mark.skipif(not kernel.available(),
                                  reason=f"no kernel oracle: {kernel.unavailable_reason()}"
                                  if not kernel.available() else "")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    out = tmp_path_factory.mktemp("maps_lpm_queue")
    cache = {}

    def _build(name):
        if name not in cache:
            cache[name] = compile_c(SRC / f"{name}.c", out=out / f"{name}.o")
        return cache[name]
    return _build


def mapset(*specs):
    return MapSet(Memory(), list(specs))


def lpm_map(data_bytes=4, value_size=8, max_entries=16, name="t"):
    return mapset(MapSpec(name, 11, 4 + data_bytes, value_size, max_entries, flags=1))[name]


def k4(cidr_or_plen, addr=None) -> bytes:
    """An IPv4 LPM key from "10.1.0.0/16" or (prefixlen, "10.1.2.3")."""
    if addr is None:
        net, plen = cidr_or_plen.split("/")
        addr, cidr_or_plen = net, int(plen)
    return struct.pack("<I", cidr_or_plen) + ipaddress.IPv4Address(addr).packed


def k6(cidr: str) -> bytes:
    net, plen = cidr.split("/")
    return struct.pack("<I", int(plen)) + ipaddress.IPv6Address(net).packed


def u64(v: int) -> bytes:
    return struct.pack("<Q", v)


def errno_of(fn, *args):
    try:
        fn(*args)
    except (MapError, kernel.KernelRunError) as exc:
        return -exc.errno
    return 0


# --------------------------------------------------------------------------------------
# LPM, Python side
# --------------------------------------------------------------------------------------


def test_lpm_longest_prefix_wins():
    m = lpm_map()
    for i, cidr in enumerate(["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "0.0.0.0/0"]):
        m.update(k4(cidr), u64(i + 1))
    assert m.lookup(k4(32, "10.1.2.3")) == u64(4)
    assert m.lookup(k4(32, "10.1.2.4")) == u64(3)
    assert m.lookup(k4(32, "10.1.3.4")) == u64(2)
    assert m.lookup(k4(32, "10.2.3.4")) == u64(1)
    assert m.lookup(k4(32, "11.2.3.4")) == u64(5)
    # The key's prefixlen bounds the prefixes considered.
    assert m.lookup(k4(24, "10.1.2.3")) == u64(3)
    assert m.lookup(k4(20, "10.1.2.3")) == u64(2)
    assert m.lookup(k4(0, "10.1.2.3")) == u64(5)
    # A prefixlen above the maximum finds nothing (as the kernel).
    assert m.lookup(k4(33, "10.1.2.3")) is None


def test_lpm_update_delete_errors_and_flags():
    m = lpm_map(max_entries=3)
    assert errno_of(m.update, k4(33, "10.0.0.0"), u64(1)) == -EINVAL
    assert errno_of(m.update, k4("10.0.0.0/8"), u64(1), 3) == -EINVAL        # flags > BPF_EXIST
    assert errno_of(m.update, k4("10.0.0.0/8"), u64(1), 2) == -ENOENT        # BPF_EXIST, absent
    m.update(k4("10.0.0.0/8"), u64(1), 1)
    assert errno_of(m.update, k4("10.0.0.0/8"), u64(2), 1) == -EEXIST        # BPF_NOEXIST
    m.update(k4("10.0.0.0/8"), u64(3), 2)
    assert m.lookup(k4(32, "10.9.9.9")) == u64(3)
    m.update(k4("10.1.0.0/16"), u64(4))
    m.update(k4("10.2.0.0/16"), u64(5))
    assert errno_of(m.update, k4("10.3.0.0/16"), u64(6)) == -ENOSPC          # full
    m.update(k4("10.2.0.0/16"), u64(7))                                       # replacing is fine
    assert m.lookup(k4(32, "10.2.0.1")) == u64(7)
    # Delete is exact: prefix and length; bits past the prefix do not matter.
    assert errno_of(m.delete, k4("10.0.0.0/9")) == -ENOENT
    assert errno_of(m.delete, k4(33, "10.0.0.0")) == -EINVAL
    m.delete(k4(8, "10.77.77.77"))
    assert m.lookup(k4(32, "10.9.9.9")) is None
    assert m.lookup(k4(32, "10.1.9.9")) == u64(4)
    m.update(k4("10.3.0.0/16"), u64(6))                                       # room again


def test_lpm_iteration_is_post_order_and_keeps_the_written_bits():
    m = lpm_map()
    for cidr in ["192.168.0.0/16", "192.168.0.0/24", "192.168.1.0/24", "192.168.128.0/24",
                 "10.0.0.0/8", "0.0.0.0/0"]:
        m.update(k4(cidr), u64(1))
    m.update(k4(32, "172.16.5.77")[:4] + bytes([172, 16, 5, 77]), u64(2))
    m.update(k4(12, "172.16.5.77"), u64(3))           # stored as written: 172.16.5.77/12
    order = [(int.from_bytes(k[:4], "little"), str(ipaddress.IPv4Address(k[4:]))) for k in m.keys()]
    # The kernel's order: more specific first; where prefixes fork, the 0 bit first.
    assert order == [(8, "10.0.0.0"), (32, "172.16.5.77"), (12, "172.16.5.77"),
                     (24, "192.168.0.0"), (24, "192.168.1.0"), (24, "192.168.128.0"),
                     (16, "192.168.0.0"), (0, "0.0.0.0")]
    assert len(m) == 8


def test_lpm_ipv6_python():
    m = lpm_map(data_bytes=16)
    m.update(k6("2001:db8::/32"), u64(1))
    m.update(k6("2001:db8:1::/48"), u64(2))
    m.update(k6("2001:db8:1:2::/64"), u64(3))
    m.update(k6("::1/128"), u64(4))
    assert m.lookup(k6("2001:db8:1:2::5/128")) == u64(3)
    assert m.lookup(k6("2001:db8:1:3::5/128")) == u64(2)
    assert m.lookup(k6("2001:db8:2::/128")) == u64(1)
    assert m.lookup(k6("::1/128")) == u64(4)
    assert m.lookup(k6("::2/128")) is None
    assert m.lookup(k6("2001:db8:1:2::5/129")) is None


def test_lpm_layout_refuses_what_the_kernel_refuses():
    with pytest.raises(MapError, match="BPF_F_NO_PREALLOC") as err:
        lpm.layout(11, 8, 8, 16, 1, flags=0, name="deny")
    assert err.value.errno == EINVAL and isinstance(err.value, PyBPFError)
    for key_size, value_size, max_entries in ((4, 8, 16), (261, 8, 16), (8, 0, 16), (8, 8, 0)):
        with pytest.raises(MapError):
            lpm.layout(11, key_size, value_size, max_entries, 1, flags=1)
    assert lpm.layout(11, 8, 8, 16, 1, flags=1)["data"] == 16 * 8


class _Model:
    """The kernel's LPM semantics in plain Python (what the trie must agree with)."""

    def __init__(self, nbytes, max_entries):
        self.bits, self.max, self.d = 8 * nbytes, max_entries, {}

    def _norm(self, key):
        plen = int.from_bytes(key[:4], "little")
        v = int.from_bytes(key[4:], "big")
        return plen, v >> (self.bits - plen) if 0 < plen <= self.bits else 0

    def update(self, key, value, flags):
        plen, _ = self._norm(key)
        if flags > 2 or plen > self.bits:
            return -EINVAL
        k = self._norm(key)
        if k in self.d:
            if flags == 1:
                return -EEXIST
        else:
            if flags == 2:
                return -ENOENT
            if len(self.d) >= self.max:
                return -ENOSPC
        self.d[k] = (key, value)
        return 0

    def delete(self, key):
        plen, _ = self._norm(key)
        if plen > self.bits:
            return -EINVAL
        return 0 if self.d.pop(self._norm(key), None) else -ENOENT

    def lookup(self, key):
        plen, v = self._norm(key)
        if plen > self.bits:
            return None
        full = int.from_bytes(key[4:], "big")
        for n in range(plen, -1, -1):
            k = (n, full >> (self.bits - n) if n else 0)
            if k in self.d:
                return self.d[k][1]
        return None

    def keys(self):
        # post-order: a prefix after all its extensions, a 0 bit before a 1 bit
        def order(k):
            plen, v = k
            return [(v >> (plen - 1 - i)) & 1 for i in range(plen)] + [2]
        return [self.d[k][0] for k in sorted(self.d, key=order)]


def _random_lpm_ops(rng, steps, nbytes=4):
    lens = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 8 * nbytes, 8 * nbytes + 1]
    for step in range(steps):
        plen = rng.choice(lens)
        data = bytes(rng.choice([0, 1, 0x80, 0xFF, 0x0A]) for _ in range(nbytes))
        key = struct.pack("<I", plen) + data
        r = rng.random()
        if r < 0.45:
            yield "update", key, u64(step), rng.choice([0, 0, 0, 1, 2, 3])
        elif r < 0.7:
            yield "delete", key
        elif r < 0.9:
            yield "lookup", key
        else:
            yield "keys", key


def test_lpm_random_operations_match_the_model():
    rng = random.Random(7)
    m, model = lpm_map(max_entries=12), _Model(4, 12)
    for op in _random_lpm_ops(rng, 4000):
        if op[0] == "update":
            assert errno_of(m.update, op[1], op[2], op[3]) == model.update(op[1], op[2], op[3]), op
        elif op[0] == "delete":
            assert errno_of(m.delete, op[1]) == model.delete(op[1]), op
        elif op[0] == "lookup":
            assert m.lookup(op[1]) == model.lookup(op[1]), op
        else:
            assert m.keys() == model.keys()


def _next_key(m, key):
    table, arena, rbase = m._arrays()
    p = m._put_key(key)
    ret = int(ops.next_key(table, m.index, arena, rbase, p, p + m.key_size))
    return None if ret < 0 else arena[p + m.key_size:p + 2 * m.key_size].tobytes()


@needs_zig
@needs_kernel
def test_lpm_random_operations_match_the_kernel(build):
    """Syscall-side operations on both sides, including get_next_key from any key."""
    path = build("lpm_ops")
    from pybpf.loader import load
    m = load(path).maps["cmd4"]
    rng = random.Random(11)
    with kernel.KernelObject(path) as ko:
        fd = ko.map_fd("cmd4")
        for op in _random_lpm_ops(rng, 2500):
            if op[0] == "update":
                got = errno_of(m.update, op[1], op[2], op[3])
                want = errno_of(kernel.map_update, fd, op[1], op[2], op[3])
            elif op[0] == "delete":
                got = errno_of(m.delete, op[1])
                want = errno_of(kernel.map_delete, fd, op[1])
            elif op[0] == "lookup":
                got, want = m.lookup(op[1]), kernel.map_lookup(fd, op[1], 8)
            else:
                got = (m.keys(), _next_key(m, op[1]))
                keys, k = [], None
                while (k := kernel.map_next_key(fd, k, 8)) is not None:
                    keys.append(k)
                want = (keys, kernel.map_next_key(fd, op[1], 8))
            assert got == want, op


# --------------------------------------------------------------------------------------
# LPM, program side
# --------------------------------------------------------------------------------------

RULES4 = [("10.0.0.0/8", XDP_DROP), ("10.1.0.0/16", XDP_PASS), ("10.1.2.0/24", XDP_DROP),
          ("10.1.2.3/32", XDP_TX), ("192.168.0.0/16", XDP_DROP), ("172.16.0.0/12", XDP_DROP)]
RULES6 = [("2001:db8::/32", XDP_DROP), ("2001:db8:1::/48", XDP_PASS),
          ("2001:db8:1:2::/64", XDP_DROP), ("::1/128", XDP_TX)]
PACKETS4 = [("10.1.2.3", XDP_TX), ("10.1.2.4", XDP_DROP), ("10.1.3.4", XDP_PASS),
            ("10.200.0.1", XDP_DROP), ("11.0.0.1", XDP_PASS), ("192.168.7.7", XDP_DROP),
            ("172.31.255.255", XDP_DROP), ("172.32.0.0", XDP_PASS), ("8.8.8.8", XDP_PASS),
            ("10.1.2.3", XDP_TX)]
PACKETS6 = [("2001:db8:1:2::77", XDP_DROP), ("2001:db8:1:3::1", XDP_PASS),
            ("2001:db8:ffff::1", XDP_DROP), ("::1", XDP_TX), ("2001:db9::1", XDP_PASS),
            ("fe80::1", XDP_PASS)]


def ipv4_packet(src: str) -> bytes:
    eth = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + struct.pack(">H", ETH_IP)
    ip = (bytes([0x45, 0]) + struct.pack(">H", 20) + bytes(4) + bytes([64, 17, 0, 0])
          + ipaddress.IPv4Address(src).packed + ipaddress.IPv4Address("10.9.9.9").packed)
    return eth + ip + bytes(8)


def ipv6_packet(src: str) -> bytes:
    eth = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + struct.pack(">H", ETH_IP6)
    ip = (bytes([0x60, 0, 0, 0]) + struct.pack(">H", 0) + bytes([59, 64])
          + ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address("2001:db8::9").packed)
    return eth + ip + bytes(8)


def rule(action: int, hits: int = 0) -> bytes:
    return struct.pack("<II", action, hits)


def _deny_traffic():
    return ([(ipv4_packet(a), v) for a, v in PACKETS4] + [(ipv6_packet(a), v) for a, v in PACKETS6]
            + [(bytes(14), XDP_PASS), (bytes(6) + bytes(6) + b"\x08\x00" + bytes(5), XDP_PASS)])


@needs_zig
def test_lpm_cidr_deny_list_from_packets(build):
    from pybpf.loader import load
    obj = load(build("lpm_deny"))
    prog = obj.program("lpm_deny")
    for cidr, action in RULES4:
        obj.maps["deny4"][k4(cidr)] = rule(action)
    for cidr, action in RULES6:
        obj.maps["deny6"][k6(cidr)] = rule(action)
    for packet, verdict in _deny_traffic():
        assert prog.run(packet).retval == verdict, packet.hex()
    # Hits counted through the value pointers the lookups returned.
    assert obj.maps["deny4"][k4("10.1.2.3/32")] == rule(XDP_TX, 2)
    assert obj.maps["deny4"][k4("10.0.0.0/8")] == rule(XDP_DROP, 1)
    assert obj.maps["deny4"][k4("10.1.0.0/16")] == rule(XDP_PASS, 1)
    assert obj.maps["deny6"][k6("2001:db8:1:2::/64")] == rule(XDP_DROP, 1)
    # Deleting the /32 exposes the /24 behind it.
    del obj.maps["deny4"][k4("10.1.2.3/32")]
    assert prog.run(ipv4_packet("10.1.2.3")).retval == XDP_DROP


@needs_zig
@needs_kernel
def test_lpm_cidr_deny_list_matches_the_kernel(build):
    from pybpf.loader import load
    path = build("lpm_deny")
    obj = load(path)
    prog = obj.program("lpm_deny")
    with kernel.KernelObject(path) as ko:
        for name, rules, key in (("deny4", RULES4, k4), ("deny6", RULES6, k6)):
            for cidr, action in rules:
                obj.maps[name][key(cidr)] = rule(action)
                kernel.map_update(ko.map_fd(name), key(cidr), rule(action))
        for packet, verdict in _deny_traffic():
            want = ko.run("lpm_deny", packet)
            got = prog.run(packet)
            assert (got.retval, got.data) == (want.retval, want.data_out), packet.hex()
            assert got.retval == verdict
        for name in ("deny4", "deny6"):
            assert sorted(obj.maps[name].items()) == ko.dump_map(name)
            assert obj.maps[name].keys() == _kernel_keys(ko.map_fd(name), obj.maps[name].key_size)


def _kernel_keys(fd, key_size):
    keys, k = [], None
    while (k := kernel.map_next_key(fd, k, key_size)) is not None:
        keys.append(k)
    return keys


def lpm_cmd(op: int, key: bytes, value: int = 0, flags: int = 0) -> bytes:
    return bytes(14) + struct.pack("<II", op, flags) + key + struct.pack("<QqQ", value, 0, 0)


def lpm_cmd_result(data: bytes) -> tuple[int, int]:
    return struct.unpack_from("<qQ", data, 14 + 8 + 8 + 8)


LPM_PROGRAM_CMDS = [
    (1, k4("10.0.0.0/8"), 1, 0), (1, k4("10.1.0.0/16"), 2, 0), (0, k4(32, "10.1.7.7"), 0, 0),
    (0, k4(32, "10.2.7.7"), 0, 0), (0, k4(32, "11.2.7.7"), 0, 0), (0, k4(12, "10.1.7.7"), 0, 0),
    (0, k4(33, "10.1.7.7"), 0, 0), (1, k4(33, "10.0.0.0"), 3, 0), (1, k4("10.0.0.0/8"), 4, 1),
    (1, k4("10.0.0.0/8"), 5, 2), (1, k4("12.0.0.0/8"), 6, 2), (1, k4("10.0.0.0/8"), 7, 3),
    (1, k4("10.1.2.0/24"), 8, 0), (1, k4("10.1.2.3/32"), 9, 0), (1, k4("10.1.2.4/32"), 10, 0),
    (1, k4("10.1.2.3/32"), 11, 0), (0, k4(32, "10.1.2.3"), 0, 0), (2, k4("10.1.0.0/17"), 0, 0),
    (2, k4(33, "10.1.0.0"), 0, 0), (2, k4(16, "10.1.99.99"), 0, 0), (0, k4(32, "10.1.99.99"), 0, 0),
    (1, k4("10.1.2.4/32"), 12, 0), (0, k4(32, "10.1.2.4"), 0, 0), (2, k4("10.1.2.0/24"), 0, 0),
    (0, k4(32, "10.1.2.5"), 0, 0),
]


@needs_zig
def test_lpm_operations_from_a_program(build):
    from pybpf.loader import load
    obj = load(build("lpm_ops"))
    prog = obj.program("lpm_ops")
    got = [lpm_cmd_result(prog.run(lpm_cmd(*c)).data) for c in LPM_PROGRAM_CMDS]
    assert got == [
        (0, 0), (0, 0), (0, 2), (0, 1), (-ENOENT, 0), (0, 1), (-ENOENT, 0), (-EINVAL, 0),
        (-EEXIST, 0), (0, 0), (-ENOENT, 0), (-EINVAL, 0), (0, 0), (0, 0), (-ENOSPC, 0), (0, 0),
        (0, 11), (-ENOENT, 0), (-EINVAL, 0), (0, 0), (0, 5), (0, 0), (0, 12), (0, 0), (0, 5)]


@needs_zig
@needs_kernel
def test_lpm_operations_from_a_program_match_the_kernel(build):
    from pybpf.loader import load
    path = build("lpm_ops")
    obj = load(path)
    prog = obj.program("lpm_ops")
    with kernel.KernelObject(path) as ko:
        for c in LPM_PROGRAM_CMDS:
            packet = lpm_cmd(*c)
            want = ko.run("lpm_ops", packet)
            got = prog.run(packet)
            assert (got.retval, got.data) == (want.retval, want.data_out), c
        assert sorted(obj.maps["cmd4"].items()) == ko.dump_map("cmd4")


@needs_zig
@needs_kernel
def test_lpm_without_no_prealloc_is_refused_by_the_kernel(build):
    with pytest.raises(kernel.KernelRefused) as err:
        kernel.KernelObject(build("lpm_prealloc"))
    assert err.value.errno_name == "EINVAL"


@needs_zig
def test_lpm_without_no_prealloc_is_refused_at_load(build):
    from pybpf.loader import load
    with pytest.raises(MapError, match="BPF_F_NO_PREALLOC"):
        load(build("lpm_prealloc"))


# --------------------------------------------------------------------------------------
# Queues and stacks, Python side
# --------------------------------------------------------------------------------------


def queue_maps(max_entries=3, value_size=4):
    ms = mapset(MapSpec("q", 22, 0, value_size, max_entries), MapSpec("s", 23, 0, value_size, max_entries))
    return ms["q"], ms["s"]


def u32(v: int) -> bytes:
    return struct.pack("<I", v)


def test_queue_and_stack_order_from_python():
    q, s = queue_maps()
    for v in (1, 2, 3):
        queue.push(q, v)
        queue.push(s, u32(v))
    assert queue.count(q) == queue.count(s) == 3
    assert queue.peek(q) == u32(1) and queue.peek(s) == u32(3)
    assert [queue.pop(q) for _ in range(4)] == [u32(1), u32(2), u32(3), None]
    assert [queue.pop(s) for _ in range(4)] == [u32(3), u32(2), u32(1), None]
    assert queue.peek(q) is None and queue.peek(s) is None
    # Wrapping around the ring many times keeps the order.
    for i in range(20):
        queue.push(q, i)
        queue.push(q, 100 + i)
        assert queue.pop(q) == u32(i)
        assert queue.pop(q) == u32(100 + i)


def test_queue_full_and_flags():
    q, s = queue_maps()
    for m in (q, s):
        for v in (1, 2, 3):
            queue.push(m, v)
        with pytest.raises(MapError) as err:
            queue.push(m, 4)
        assert err.value.errno == E2BIG
        for flags in (1, 3, 4):
            with pytest.raises(MapError) as err:
                queue.push(m, 4, flags)
            assert err.value.errno == EINVAL
        queue.push(m, 4, 2)              # BPF_EXIST: the oldest value makes room
        assert queue.count(m) == 3
    assert [queue.pop(q) for _ in range(3)] == [u32(2), u32(3), u32(4)]
    assert [queue.pop(s) for _ in range(3)] == [u32(4), u32(3), u32(2)]


def test_queue_generic_operations_are_refused_as_in_the_kernel():
    q, _ = queue_maps()
    queue.push(q, 5)
    table, arena, rbase = q._arrays()
    p = q._scratch()
    assert ops.lookup(table, q.index, arena, rbase, p, 0) == -1
    assert queue.lookup(table, q.index, arena, rbase, p, 0) == -1
    assert queue.update(table, q.index, arena, rbase, p, p, 0, 0, False) == -EINVAL
    assert queue.delete(table, q.index, arena, rbase, p) == -EINVAL
    assert queue.next_key(table, q.index, arena, rbase, -1, p) == -EINVAL
    with pytest.raises(MapError):
        queue.push(lpm_map(), 1)


def test_queue_layout_refuses_what_the_kernel_refuses():
    for key_size, value_size, max_entries, flags in ((4, 4, 3, 0), (0, 0, 3, 0), (0, 4, 0, 0),
                                                     (0, 4, 3, 1)):
        with pytest.raises(MapError) as err:
            queue.layout(22, key_size, value_size, max_entries, 1, flags=flags)
        assert err.value.errno == EINVAL
    assert queue.layout(23, 0, 4, 3, 1) == {"data": 16, "aux": 0, "cap": 4, "elem": 4}


# --------------------------------------------------------------------------------------
# Queues and stacks, program side
# --------------------------------------------------------------------------------------

PUSH, POP, PEEK = 0, 1, 2
QUEUE_CMDS = [
    (0, POP, 0, 0), (0, PEEK, 0, 0), (0, PUSH, 0, 10), (0, PUSH, 0, 11), (0, PEEK, 0, 0),
    (0, PUSH, 0, 12), (0, PUSH, 0, 13), (0, PUSH, 1, 13), (0, PUSH, 3, 13), (0, PUSH, 2, 13),
    (0, POP, 0, 0), (0, POP, 0, 0), (0, PUSH, 0, 14), (0, POP, 0, 0), (0, POP, 0, 0),
    (0, POP, 0, 0), (1, POP, 0, 0), (1, PUSH, 0, 20), (1, PUSH, 0, 21), (1, PUSH, 0, 22),
    (1, PEEK, 0, 0), (1, PUSH, 0, 23), (1, PUSH, 2, 23), (1, POP, 0, 0), (1, POP, 0, 0),
    (1, PUSH, 0, 24), (1, POP, 0, 0), (1, POP, 0, 0), (1, POP, 0, 0), (1, PEEK, 0, 0),
    (0, PUSH, 0, 30),
]


def queue_cmd(which: int, op: int, flags: int = 0, value: int = 0) -> bytes:
    return bytes(14) + struct.pack("<IIIIiI", which, op, flags, value, 0, 0)


def queue_result(data: bytes) -> tuple[int, int]:
    return struct.unpack_from("<iI", data, 14 + 16)


@needs_zig
def test_queue_and_stack_helpers_from_a_program(build):
    from pybpf.loader import load
    obj = load(build("queue_ops"))
    prog = obj.program("queue_ops")
    got = [queue_result(prog.run(queue_cmd(*c)).data) for c in QUEUE_CMDS]
    B = 0xdeadbeef
    assert got == [
        (-ENOENT, 0), (-ENOENT, 0), (0, B), (0, B), (0, 10), (0, B), (-E2BIG, B), (-EINVAL, B),
        (-EINVAL, B), (0, B), (0, 11), (0, 12), (0, B), (0, 13), (0, 14), (-ENOENT, 0),
        (-ENOENT, 0), (0, B), (0, B), (0, B), (0, 22), (-E2BIG, B), (0, B), (0, 23), (0, 22),
        (0, B), (0, 24), (0, 21), (-ENOENT, 0), (-ENOENT, 0), (0, B)]
    # Python and the program share the queue.
    q = obj.maps["q"]
    assert queue.peek(q) == u32(30)
    queue.push(q, 31)
    assert queue_result(prog.run(queue_cmd(0, POP)).data) == (0, 30)
    assert queue_result(prog.run(queue_cmd(0, POP)).data) == (0, 31)
    assert queue.pop(q) is None


def _kpush(fd, value: bytes, flags=0) -> int:
    ffi, _ = kernel._ffi()
    ret = kernel._libbpf().bpf_map_update_elem(fd, ffi.NULL, ffi.new("char[]", value), flags)
    return 0 if ret >= 0 else -(ffi.errno or -ret)


def _kpop(fd, size: int) -> bytes | None:
    ffi, _ = kernel._ffi()
    out = ffi.new("char[]", size)
    attr = ffi.new("struct pybpf_map_elem_attr *")
    attr.map_fd, attr.key, attr.value = fd, 0, int(ffi.cast("uintptr_t", out))
    try:
        kernel._sys_bpf(21, attr)      # BPF_MAP_LOOKUP_AND_DELETE_ELEM
    except OSError as exc:
        assert exc.errno == ENOENT
        return None
    return ffi.buffer(out, size)[:]


@needs_zig
@needs_kernel
def test_queue_and_stack_helpers_match_the_kernel(build):
    from pybpf.loader import load
    path = build("queue_ops")
    obj = load(path)
    prog = obj.program("queue_ops")
    with kernel.KernelObject(path) as ko:
        for c in QUEUE_CMDS:
            packet = queue_cmd(*c)
            want = ko.run("queue_ops", packet)
            got = prog.run(packet)
            assert (got.retval, got.data) == (want.retval, want.data_out), c
        # Syscall-side pushes with flags, then pops from both sides, on queue and stack.
        for which, name in ((0, "q"), (1, "s")):
            fd = ko.map_fd(name)
            m = obj.maps[name]
            for v, flags in ((40, 0), (41, 0), (42, 0), (43, 0), (44, 2), (45, 1), (46, 4)):
                assert errno_of(queue.push, m, u32(v), flags) == _kpush(fd, u32(v), flags), (name, v)
            want = ko.run("queue_ops", queue_cmd(which, POP))
            assert prog.run(queue_cmd(which, POP)).data == want.data_out
            while True:
                k = _kpop(fd, 4)
                assert queue.pop(m) == k
                if k is None:
                    break


@needs_zig
def test_push_onto_a_map_that_is_not_a_queue_stops_the_program(build):
    from pybpf.loader import load
    prog = load(build("queue_wrongmap")).program()
    with pytest.raises(HelperError) as err:
        prog.run(bytes(14))
    assert err.value.pc is not None


@needs_zig
@needs_kernel
def test_push_onto_a_map_that_is_not_a_queue_is_refused_by_the_kernel(build):
    with pytest.raises(kernel.KernelRefused):
        kernel.KernelObject(build("queue_wrongmap"))
