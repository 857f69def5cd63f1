"""The Cilium-style tc datapath (programs/datapath/datapath.c) end to end.

A seeded mix of traffic goes through ``from_netdev`` (which tail-calls
``tail_ipv4``) and replies through ``to_netdev``. A model written here from the
program's description predicts every verdict, output packet, redirect, skb
mark/cb, connection-tracking entry, drop notification and global counter;
checksums of output packets are verified by an independent computation. Where
``bpf()`` works, the kernel runs the same packets and must agree on retval,
data_out and ctx_out.
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
OBJ = REPO / "programs" / "datapath" / "datapath.o"
M32 = 0xFFFFFFFF
TC_ACT_OK, TC_ACT_SHOT, TC_ACT_REDIRECT = 0, 2, 7
DROP_POLICY, DROP_NO_TAIL_CALL, DROP_BAD_PACKET, DROP_NAT = 1, 2, 3, 4
HOST_IDENTITY, WORLD_IDENTITY = 1, 2

SERVICES = {("10.96.0.10", 80, 6): (1, [("10.0.1.1", 8080), ("10.0.1.2", 8080), ("10.0.1.3", 8080)]),
            ("10.96.0.20", 53, 17): (2, [("10.0.2.1", 5353), ("10.0.2.2", 5353)])}
IPCACHE = [("10.0.0.0", 16, 100), ("100.64.0.0", 10, 200), ("10.1.0.0", 16, 300),
           ("192.168.0.1", 32, HOST_IDENTITY)]
POLICY = {(200, 8080, 6): 1, (200, 0, 17): 1, (100, 0, 6): 1}
ENDPOINTS = {"10.0.1.1": (5, "0a0000000101", "0e0000000001"),
             "10.0.1.2": (6, "0a0000000102", "0e0000000001"),
             "10.0.2.1": (7, "0a0000000201", "0e0000000001")}


def le32(addr: str) -> int:
    return int.from_bytes(socket.inet_aton(addr), "little")


def le16(port: int) -> int:
    return int.from_bytes(port.to_bytes(2, "big"), "little")


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def l4_checksum_ok(ip: bytes) -> bool:
    """IPv4 header checksum and the TCP/UDP checksum over the pseudo-header."""
    if csum(ip[:20]) != 0:
        return False
    proto, l4 = ip[9], ip[20:struct.unpack("!H", ip[2:4])[0]]
    if proto == 17 and l4[6:8] == b"\0\0":
        return True  # UDP without a checksum
    pseudo = ip[12:20] + struct.pack("!BBH", 0, proto, len(l4))
    return csum(pseudo + l4) == 0


def ipv4(src, dst, proto, sport, dport, payload=b"", ihl=5, udp_csum=True):
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x18, 512, 0, 0) + payload
        coff = 16
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        coff = 6
    opts = bytes(4 * (ihl - 5))
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(opts) + len(l4), 7, 0, 64,
                      proto, 0, socket.inet_aton(src), socket.inet_aton(dst)) + opts
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    if proto == 6 or udp_csum:
        pseudo = hdr[12:20] + struct.pack("!BBH", 0, proto, len(l4))
        c = csum(pseudo + l4) or (0xFFFF if proto == 17 else 0)
        l4 = l4[:coff] + struct.pack("!H", c) + l4[coff + 2:]
    return hdr + l4


def frame(ip, ethertype=0x0800):
    return bytes.fromhex("00000000aa01 0000000000bb".replace(" ", "")) + struct.pack("!H", ethertype) + ip


def flow_hash(saddr, daddr, sport, dport, proto) -> int:
    """The program's flow hash over its little-endian view of network-order fields."""
    h = (saddr * 2654435761) & M32
    h ^= (daddr + ((h << 6) & M32) + (h >> 2)) & M32
    h ^= (((sport << 16) | dport) + ((h << 6) & M32) + (h >> 2)) & M32
    return h ^ proto


def configure(obj):
    for (vip, port, proto), (sid, bes) in SERVICES.items():
        obj.maps["services"][{"vip": le32(vip), "port": le16(port), "proto": proto}] = \
            {"id": sid, "count": len(bes)}
        for slot, (addr, bport) in enumerate(bes):
            obj.maps["backends"][{"svc_id": sid, "slot": slot}] = {"addr": le32(addr),
                                                                  "port": le16(bport)}
    for addr, plen, ident in IPCACHE:
        obj.maps["ipcache"][{"prefixlen": plen, "addr": le32(addr)}] = ident
    for (ident, port, proto), allow in POLICY.items():
        obj.maps["policy"][{"identity": ident, "port": le16(port), "proto": proto}] = allow
    for addr, (ifindex, mac, node_mac) in ENDPOINTS.items():
        obj.maps["endpoints"][le32(addr)] = {"ifindex": ifindex, "mac": list(bytes.fromhex(mac)),
                                             "node_mac": list(bytes.fromhex(node_mac))}


def identity_of(addr: str) -> int:
    a = int.from_bytes(socket.inet_aton(addr), "big")
    best = None
    for net, plen, ident in IPCACHE:
        n = int.from_bytes(socket.inet_aton(net), "big")
        mask = (M32 << (32 - plen)) & M32
        if a & mask == n & mask and (best is None or plen > best[0]):
            best = (plen, ident)
    return best[1] if best else WORLD_IDENTITY


class Model:
    def __init__(self):
        self.ct = {}       # (saddr, daddr, sport, dport, proto, reply) -> [packets, bytes, orig]
        self.drops = 0
        self.forwards = 0
        self.events = []

    def from_netdev(self, pkt):
        """(retval, data_out, mark, cb0, redirect ifindex or None)."""
        if pkt[12:14] != b"\x08\x00":
            return TC_ACT_OK, pkt, 0, 0, None
        ip = pkt[14:]
        if ip[0] & 0xF != 5:
            return self.drop(pkt, DROP_BAD_PACKET, 0, "0.0.0.0", "0.0.0.0", 0, 0)
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        proto = ip[9]
        sport, dport = struct.unpack("!HH", ip[20:24])
        cb0 = 0
        svc = SERVICES.get((dst, dport, proto))
        if svc:
            sid, bes = svc
            h = flow_hash(le32(src), le32(dst), le16(sport), le16(dport), proto)
            baddr, bport = bes[h % min(len(bes), 16)]
            rkey = (baddr, src, bport, sport, proto, 1)
            self.ct.setdefault(rkey, [0, 0, (dst, dport, sid)])
            cb0 = sid
            dst, dport = baddr, bport
            ip = ipv4_rewrite(ip, dst=dst, dport=dport)
            pkt = pkt[:14] + ip
        key = (src, dst, sport, dport, proto, 0)
        entry = self.ct.setdefault(key, [0, 0, None])
        entry[0] += 1
        entry[1] += len(pkt)
        ident = identity_of(src)
        allowed = (ident == HOST_IDENTITY or POLICY.get((ident, dport, proto))
                   or POLICY.get((ident, 0, proto)))
        if not allowed:
            return self.drop(pkt, DROP_POLICY, ident, src, dst, ident, cb0)
        ep = ENDPOINTS.get(dst)
        if ep is None:
            return TC_ACT_OK, pkt, ident, cb0, None
        self.forwards += 1
        out = bytes.fromhex(ep[1]) + bytes.fromhex(ep[2]) + pkt[12:]
        return TC_ACT_REDIRECT, out, ident, cb0, ep[0]

    def to_netdev(self, pkt):
        if pkt[12:14] != b"\x08\x00":
            return TC_ACT_OK, pkt, 0, 0, None
        ip = pkt[14:]
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        proto = ip[9]
        sport, dport = struct.unpack("!HH", ip[20:24])
        rev = self.ct.get((src, dst, sport, dport, proto, 1))
        if rev is None:
            return TC_ACT_OK, pkt, 0, 0, None
        rev[0] += 1
        rev[1] += len(pkt)
        vip, vport, sid = rev[2]
        return TC_ACT_OK, pkt[:14] + ipv4_rewrite(ip, src=vip, sport=vport), 0, sid, None

    def drop(self, pkt, reason, ident, src, dst, mark, cb0):
        self.drops += 1
        note = struct.pack("<II4s4s", reason, ident, socket.inet_aton(src), socket.inet_aton(dst))
        self.events.append(note + pkt[:64])
        return TC_ACT_SHOT, pkt, mark, cb0, None


def ipv4_rewrite(ip, src=None, dst=None, sport=None, dport=None):
    """The same packet with new addresses/ports and checksums recomputed from scratch."""
    ip = bytearray(ip)
    if src:
        ip[12:16] = socket.inet_aton(src)
    if dst:
        ip[16:20] = socket.inet_aton(dst)
    if sport is not None:
        ip[20:22] = struct.pack("!H", sport)
    if dport is not None:
        ip[22:24] = struct.pack("!H", dport)
    ip[10:12] = b"\0\0"
    ip[10:12] = struct.pack("!H", csum(bytes(ip[:20])))
    proto = ip[9]
    coff = 20 + (16 if proto == 6 else 6)
    if proto == 17 and ip[coff:coff + 2] == b"\0\0":
        return bytes(ip)
    ip[coff:coff + 2] = b"\0\0"
    l4 = bytes(ip[20:])
    c = csum(bytes(ip[12:20]) + struct.pack("!BBH", 0, proto, len(l4)) + l4)
    ip[coff:coff + 2] = struct.pack("!H", c or (0xFFFF if proto == 17 else 0))
    return bytes(ip)


def traffic(seed, n=150):
    rng = random.Random(seed)
    clients = ["100.64.1.7", "100.64.2.9", "10.1.3.3", "8.8.4.4", "192.168.0.1", "10.0.5.5"]
    out = []
    for _ in range(n):
        r = rng.random()
        src = rng.choice(clients)
        sport = rng.randrange(1024, 65535)
        if r < 0.4:
            out.append(frame(ipv4(src, "10.96.0.10", 6, sport, 80, bytes(rng.randrange(30)))))
        elif r < 0.6:
            out.append(frame(ipv4(src, "10.96.0.20", 17, sport, 53, bytes(rng.randrange(30)),
                                  udp_csum=rng.random() < 0.7)))
        elif r < 0.8:
            dst = rng.choice(list(ENDPOINTS) + ["10.0.9.9"])
            out.append(frame(ipv4(src, dst, rng.choice([6, 17]), sport, rng.choice([22, 8080, 53]))))
        elif r < 0.88:
            out.append(frame(ipv4(src, "10.96.0.10", 6, sport, 80, ihl=6)))
        else:
            out.append(frame(bytes(40), ethertype=rng.choice([0x86DD, 0x0806])))
    return out


@pytest.fixture
def datapath(tmp_path):
    obj = load(OBJ, pin_root=tmp_path / "bpffs")
    configure(obj)
    return obj


def test_datapath_against_its_model(datapath):
    obj, model = datapath, Model()
    seen = set()
    replies = []
    for i, pkt in enumerate(traffic(3)):
        res = obj.program("from_netdev").run(pkt)
        retval, data, mark, cb0, ifindex = model.from_netdev(pkt)
        assert (res.retval, res.data) == (retval, data), i
        assert (res.ctx["mark"], res.ctx["cb"][0]) == (mark, cb0), i
        assert (res.redirect.ifindex if res.redirect else None) == ifindex, i
        if retval != TC_ACT_SHOT and data[12:14] == b"\x08\x00":
            assert l4_checksum_ok(data[14:]), i
            if cb0:  # a translated request: the backend answers
                ip = data[14:]
                proto = ip[9]
                sport, dport = struct.unpack("!HH", ip[20:24])
                replies.append(frame(ipv4(socket.inet_ntoa(ip[16:20]), socket.inet_ntoa(ip[12:16]),
                                          proto, dport, sport, b"reply")))
        seen.add(res.verdict)
    assert seen == {"TC_ACT_OK", "TC_ACT_SHOT", "TC_ACT_REDIRECT"}
    assert replies
    for i, pkt in enumerate(replies):
        res = obj.program("to_netdev").run(pkt)
        retval, data, _mark, cb0, _ = model.to_netdev(pkt)
        assert (res.retval, res.data, res.ctx["cb"][0]) == (retval, data, cb0), i
        assert l4_checksum_ok(res.data[14:]), i
    # connection tracking, counters in .bss, drop notifications
    ct = {}
    for k, v in obj.maps["ct4"].items(decode=True):
        key = (socket.inet_ntoa(k["saddr"].to_bytes(4, "little")),
               socket.inet_ntoa(k["daddr"].to_bytes(4, "little")),
               int.from_bytes(k["sport"].to_bytes(2, "little"), "big"),
               int.from_bytes(k["dport"].to_bytes(2, "little"), "big"), k["proto"], k["reply"])
        ct[key] = [v["packets"], v["bytes"]]
    assert ct == {k: v[:2] for k, v in model.ct.items()}
    bss, syms = obj.data[".bss"], obj.spec.data_sections[".bss"].symbols
    drops, forwards = (int.from_bytes(obj.memory.read(bss, syms[n].offset, syms[n].offset + 8),
                                      "little") for n in ("drops", "forwards"))
    assert (drops, forwards) == (model.drops, model.forwards)
    assert [e.data for e in obj.events] == model.events


def test_missing_tail_call_target_drops_with_a_notification(datapath):
    del datapath.maps["calls"][1]
    pkt = frame(ipv4("100.64.1.7", "10.96.0.10", 6, 1234, 80))
    res = datapath.program("from_netdev").run(pkt)
    assert res.verdict == "TC_ACT_SHOT"
    (event,) = datapath.events
    assert struct.unpack("<I", event.data[:4])[0] == DROP_NO_TAIL_CALL


@pytest.mark.skipif(not kernel.available(), reason=f"kernel oracle unavailable: "
                                                   f"{kernel.unavailable_reason()}")
def test_datapath_matches_the_kernel(datapath):
    ko = kernel.KernelObject(OBJ)
    try:
        for name in ("services", "backends", "ipcache", "policy", "endpoints"):
            m = datapath.maps[name]
            for k, v in m.items():
                kernel.map_update(ko.map_fd(name), k, m.syscall_value(v))
        ctx_in = bytes(192)
        for i, pkt in enumerate(traffic(9, n=100)):
            for prog in ("from_netdev", "to_netdev"):
                got = datapath.program(prog).test_run(pkt, ctx_in=ctx_in)
                ref = ko.run(prog, pkt, ctx_in=ctx_in)
                assert (got.retval, got.data, got.ctx_raw) == (ref.retval, ref.data_out,
                                                               ref.ctx_out), (i, prog)
        mine = {k: v[:16] for k, v in datapath.maps["ct4"].items()}   # packets, bytes
        theirs = {k: v[:16] for k, v in ko.dump_map("ct4")}
        assert mine == theirs
    finally:
        ko.close()
