"""The tc context (``struct __sk_buff``, 192 bytes) over a socket buffer, as
``BPF_PROG_TEST_RUN`` builds one for ``sched_cls``/``sched_act`` (cls_bpf direct-action).

``net/bpf/test_run.c`` (``bpf_prog_test_run_skb``): the input (at least an
Ethernet header, at most a page minus ``NET_SKB_PAD`` headroom and the
``skb_shared_info`` tailroom: 3712 bytes, else EINVAL) is placed after 64 bytes
of headroom; ``eth_type_trans`` on the device (``ctx_in.ifindex`` if above 1,
else the loopback) gives ``protocol`` (the EtherType, or 802.3/802.2 for length
fields) and ``pkt_type`` (host, broadcast, multicast or other host, against the
device's MAC); an IPv4 or IPv6 packet too short for its L3 header is refused
(EINVAL, observed on 6.18); the MAC header is pushed back, so ``data`` is the
Ethernet header. ``convert___skb_to_skb``: only mark, priority, ingress_ifindex,
ifindex, cb, tstamp, wire_len, gso_segs, gso_size and hwtstamp may be non-zero
in ``ctx_in`` (else EINVAL); ``wire_len`` 0 means the packet length, else it may
not be below it nor above 65536; ``gso_segs`` at most 65535.
``convert_skb_to___skb`` copies back mark, priority, ingress_ifindex, ifindex,
tstamp, cb, wire_len, gso_segs and hwtstamp; every other ctx_out byte is what
ctx_in had (so a write to ``tc_index`` is not seen there). pybpf always
reports ctx_out; without ``ctx_in`` it behaves as the kernel given a zeroed one.

``skb->sk`` is the socket test_run attaches (family and addresses from the
packet's IP header, TCP_CLOSE, unbound): a ``struct bpf_sock`` in the sockets
region, after those the environment declares for ``bpf_sk_lookup_*``.

Memory: the packet lives in one of two regions; every helper that changes the
packet (the kernel's ``bpf_helper_changes_pkt_data`` list) moves it to the
other region and retires the old one, so a packet pointer taken before the
call faults, as the verifier would refuse it. Fields that follow the packet
(len, protocol, vlan_*, hash, pkt_type ...) are rewritten into the context by
:meth:`SkbContext.publish` after each change; writable fields (mark,
priority, cb, tc_index, tc_classid, queue_mapping, tstamp) live in the
context memory the program writes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from ..errors import PyBPFError, TestRunRefused
from ..vm import abi
from ..vm import ctxaccess as ca
from ..vm.memory import Memory
from . import Field, Layout
from .access import Access, codes, describe
from .skbframe import (DATA_AT, PAGE_SIZE, REGION_SIZE, SHINFO_SIZE, SKB_MAX_LEN,  # noqa: F401
                        TAIL_CLEAR)

SKB_SIZE = 192
ETH_HLEN = 14
VLAN_HLEN = 4
NET_SKB_PAD = 64          # max(32, L1_CACHE_BYTES) on x86-64; NET_IP_ALIGN is 0 there
MAX_INPUT = PAGE_SIZE - NET_SKB_PAD - SHINFO_SIZE
GSO_LEGACY_MAX_SIZE = 65536
GSO_MAX_SEGS = 65535

UNSET = 0xFFFF            # the kernel's "header not set" 16-bit offset
PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST = 0, 1, 2, 3
ETH_P_802_3, ETH_P_802_2 = 0x0001, 0x0004
ETH_P_8021Q, ETH_P_8021AD = 0x8100, 0x88A8
CHECKSUM_NONE, CHECKSUM_UNNECESSARY = 0, 1

TC_VERDICTS = {0xFFFFFFFF: "TC_ACT_UNSPEC", 0: "TC_ACT_OK", 1: "TC_ACT_RECLASSIFY",
               2: "TC_ACT_SHOT", 3: "TC_ACT_PIPE", 4: "TC_ACT_STOLEN", 5: "TC_ACT_QUEUED",
               6: "TC_ACT_REPEAT", 7: "TC_ACT_REDIRECT", 8: "TC_ACT_TRAP"}

_F = [("len", 0), ("pkt_type", 4), ("mark", 8), ("queue_mapping", 12), ("protocol", 16),
      ("vlan_present", 20), ("vlan_tci", 24), ("vlan_proto", 28), ("priority", 32),
      ("ingress_ifindex", 36), ("ifindex", 40), ("tc_index", 44)]
SK_BUFF = Layout("__sk_buff", SKB_SIZE, [Field(n, o, 4) for n, o in _F] + [
    Field("cb", 48, 4, 5), Field("hash", 68, 4), Field("tc_classid", 72, 4),
    Field("data", 76, 4), Field("data_end", 80, 4), Field("napi_id", 84, 4),
    Field("family", 88, 4), Field("remote_ip4", 92, 4), Field("local_ip4", 96, 4),
    Field("remote_ip6", 100, 4, 4), Field("local_ip6", 116, 4, 4),
    Field("remote_port", 132, 4), Field("local_port", 136, 4), Field("data_meta", 140, 4),
    Field("flow_keys", 144, 8), Field("tstamp", 152, 8), Field("wire_len", 160, 4),
    Field("gso_segs", 164, 4), Field("sk", 168, 8), Field("gso_size", 176, 4),
    Field("tstamp_type", 180, 1), Field("hwtstamp", 184, 8)])

#: What a tc program may do with each field (tc_cls_act_is_valid_access and
#: bpf_skb_is_valid_access in net/core/filter.c).
_U16, _QMAP = ca.STORE_U16, ca.STORE_QMAP
_SOCK = "a sk_skb/socket field, refused for tc programs"
TC_ACCESS = [Access(n, o, 4) for n, o in _F if n not in
             ("mark", "queue_mapping", "priority", "tc_index")] + [
    Access("mark", 8, 4, write="exact"),
    Access("queue_mapping", 12, 4, write="exact", store=_QMAP),
    Access("priority", 32, 4, write="exact"),
    Access("tc_index", 44, 4, write="exact", store=_U16),
    Access("cb", 48, 20, read="any", write="any"),
    Access("hash", 68, 4),
    Access("tc_classid", 72, 4, write="exact", store=_U16),
    Access("data", 76, 4, read="exact", ptr=abi.CTX_DATA),
    Access("data_end", 80, 4, read="exact", ptr=abi.CTX_DATA_END),
    Access("napi_id", 84, 4),
    Access("family", 88, 4, read=None, note=_SOCK),
    Access("remote_ip4", 92, 4, read=None, note=_SOCK),
    Access("local_ip4", 96, 4, read=None, note=_SOCK),
    Access("remote_ip6", 100, 16, read=None, note=_SOCK),
    Access("local_ip6", 116, 16, read=None, note=_SOCK),
    Access("remote_port", 132, 4, read=None, note=_SOCK),
    Access("local_port", 136, 4, read=None, note=_SOCK),
    Access("data_meta", 140, 4, read="exact", ptr=abi.CTX_DATA_META),
    Access("flow_keys", 144, 8, read=None, note="flow dissector programs only"),
    Access("tstamp", 152, 8, read="exact", write="exact"),
    Access("wire_len", 160, 4),
    Access("gso_segs", 164, 4),
    Access("sk", 168, 8, read="exact"),     # the test run's socket (a struct bpf_sock)
    Access("gso_size", 176, 4),
    Access("tstamp_type", 180, 1, read="exact"),
    Access("hwtstamp", 184, 8, read="exact"),
]
TC_CODES = codes(SKB_SIZE, TC_ACCESS)

#: ctx_in fields BPF_PROG_TEST_RUN accepts non-zero (convert___skb_to_skb).
CTX_IN_ALLOWED = ("mark", "priority", "ingress_ifindex", "ifindex", "cb", "tstamp", "wire_len",
                  "gso_segs", "gso_size", "hwtstamp")
#: ctx_out fields the kernel writes back (convert_skb_to___skb).
CTX_OUT_FIELDS = ("mark", "priority", "ingress_ifindex", "ifindex", "tstamp", "cb", "wire_len",
                  "gso_segs", "hwtstamp")
_FIELD_BYTES = SK_BUFF.byte_mask()                  # ctx_out keeps no padding byte of ctx_in
_CTX_IN_FORBIDDEN = ~SK_BUFF.byte_mask(CTX_IN_ALLOWED)  # bytes ctx_in must leave zero
#: How :meth:`SkbContext.publish` writes each field: (little-endian packer, offset, mask).
_DERIVED_PACK = {name: (struct.Struct("<" + {1: "B", 2: "H", 4: "I", 8: "Q"}[f.size]), f.offset,
                        (1 << 8 * f.size) - 1) for name, f in SK_BUFF.fields.items()}
_CTX_OUT_BYTES = SK_BUFF.byte_mask(CTX_OUT_FIELDS)


def verdict_name(retval: int) -> str:
    return TC_VERDICTS.get(retval & 0xFFFFFFFF, f"unknown ({retval & 0xFFFFFFFF})")


def be16(raw, at: int) -> int:
    """The ``__be16`` at ``raw[at:at+2]`` as the CPU sees it (little-endian load)."""
    return int.from_bytes(bytes(raw[at:at + 2]).ljust(2, b"\0"), "little")


def htons(value: int) -> int:
    return ((value & 0xFF) << 8) | ((value >> 8) & 0xFF)


def eth_protocol(frame: bytes) -> int:
    """``eth_type_trans``'s protocol (as a ``__be16`` value): the EtherType from 0x600 up,
    else 802.3 (raw IPX, payload starting 0xFFFF) or 802.2."""
    proto = int.from_bytes(frame[12:14], "big")
    if proto >= 0x600:
        return htons(proto)
    sap = bytes(frame[ETH_HLEN:ETH_HLEN + 2]).ljust(2, b"\0")
    return htons(ETH_P_802_3 if sap == b"\xff\xff" else ETH_P_802_2)


def pkt_type_of(dest: bytes, dev_mac: bytes, broadcast: bytes) -> int:
    if dest == dev_mac:
        return PACKET_HOST
    if dest[0] & 1:
        return PACKET_BROADCAST if dest == broadcast else PACKET_MULTICAST
    return PACKET_OTHERHOST


@dataclass
class Skb:
    """The kernel's view of the buffer: positions (``data``, headers) are offsets from
    ``skb->head``, so ``data`` is the headroom. ``trans`` is the kernel's 16-bit transport
    header offset, :data:`UNSET` when not set (as test_run leaves it): a reallocation adds
    the new headroom to it even then, which wraps it into a "set" value the kernel's
    length checks then use (:meth:`grow_head`)."""

    data: int
    len: int
    mac: int
    net: int
    trans: int                   # u16, UNSET = 0xFFFF
    protocol: int                # __be16 as loaded
    pkt_type: int
    vlan_proto: int = 0          # __be16, 0 when no tag is held out of band
    vlan_tci: int = 0
    hash: int = 0
    sw_hash: bool = False
    l4_hash: bool = False
    ip_summed: int = CHECKSUM_NONE
    csum_level: int = 0
    encapsulation: bool = False
    gso_size: int = 0
    gso_segs: int = 0
    meta_len: int = 0
    mac_len: int = 0             # skb->mac_len: test_run never sets it

    def grow_head(self, needed: int) -> None:
        """``skb_cow``/``skb_cow_head``: with less than ``needed`` bytes of headroom,
        ``pskb_expand_head`` adds the shortfall rounded up to NET_SKB_PAD, moving every
        header offset (the transport one even when unset, wrapping at 16 bits)."""
        if needed > self.data:
            nhead = -(-(needed - self.data) // NET_SKB_PAD) * NET_SKB_PAD
            self.data += nhead
            self.mac += nhead
            self.net += nhead
            self.trans = (self.trans + nhead) & 0xFFFF

    def transport_offset(self) -> int | None:
        """``skb_transport_offset`` when the header counts as set, else None."""
        return None if self.trans == UNSET else self.trans - self.data


class SkbContext:
    """``__sk_buff`` and the packet regions of a :class:`Memory` (see :mod:`pybpf.contexts`)."""

    kind = "skb"
    ctx_size = SKB_SIZE
    layout = SK_BUFF

    def __init__(self, memory: Memory):
        self.memory = memory
        self.frames = (memory.add_region("packet", REGION_SIZE),
                       memory.add_region("packet", REGION_SIZE))
        assert self.frames[1].index == self.frames[0].index + 1   # st[SKB_FRAME0] names both
        self._st = None      # the state vector of the last run published
        if memory.regions[abi.REGION_CTX].size < SKB_SIZE:
            raise ValueError("memory was created without room for __sk_buff (ctx_size=192)")
        self.region = self.frames[0]
        #: struct bpf_sock of each environment socket (what sk_lookup_* return), then of
        #: the test run's own socket (skb->sk); read-only.
        self.sockets = memory.add_region("sockets", BPF_SOCK_SIZE * MAX_SOCKETS,
                                         flags=abi.F_RO)
        self._skb: Skb | None = None
        self.redirect = None
        self.ctx_in = bytes(SKB_SIZE)
        self.tunnel = None           # set by bpf_skb_set_tunnel_key: (key dict, options)
        self.metadata = b""          # data_meta bytes to carry in (from an XDP run)
        self._fields: dict = {}
        # the last ctx_in: (its bytes, its fields, __sk_buff as a run starts by skb->sk,
        # the refusal of a field test_run does not take or None)
        self._last_in: tuple = (None, None, None, None)
        self._sockets_raw = None     # what the sockets region holds
        self._out_base: tuple = (None, None)     # ctx_in, its bytes ctx_out keeps

    # -- a run's input -------------------------------------------------------------------
    def load(self, data: bytes, ctx_in=None, env=None, st: np.ndarray | None = None) -> None:
        """Check ``data`` and ``ctx_in`` as BPF_PROG_TEST_RUN does, build the skb, publish."""
        from ..env import DEFAULT_ENV
        env = env or DEFAULT_ENV
        data = bytes(data)
        if self._st is not None:   # what compiled helpers changed in an earlier run is past
            self._st[abi.SKB_CHANGED] = 0
        md, dev = self._start(data, ctx_in, env)
        self.prepare(env)
        ctx = self.memory.view(self.memory.regions[abi.REGION_CTX])
        ctx[:] = 0
        sk = self._test_socket(data)
        packed = self._last_in[2]   # __sk_buff as the run starts, by skb->sk
        if sk not in packed:
            init = {k: md[k] for k in ("mark", "priority", "cb", "tstamp")}
            init["sk"] = sk
            packed[sk] = np.frombuffer(SK_BUFF.pack(init), dtype=np.uint8)
        ctx[:SKB_SIZE] = packed[sk]
        self.memory.retire(self.frames[1])
        self.region = self.frames[1]  # _place flips to frames[0]
        self._place(self.metadata + data, self.skb.data - self.skb.meta_len, st)

    def _start(self, data: bytes, ctx_in, env):
        """The checks of BPF_PROG_TEST_RUN (TestRunRefused), then the Python side of a run
        on ``data``: the skb and what the run reports from; returns (ctx_in's fields, the
        device). Memory is left to the caller."""
        if not ETH_HLEN <= len(data) <= MAX_INPUT:
            raise TestRunRefused(f"tc input of {len(data)} bytes: BPF_PROG_TEST_RUN takes "
                                 f"{ETH_HLEN}..{MAX_INPUT} bytes (an Ethernet header, at most "
                                 f"a page less headroom and skb_shared_info)")
        raw = SK_BUFF.ctx_in_bytes(ctx_in)
        if raw != self._last_in[0]:   # (a capture's runs mostly share one ctx_in)
            self._last_in = (raw, SK_BUFF.unpack(raw), {}, self._ctx_fields_refused(raw))
        md = self._last_in[1]
        dev = env.interface(md["ifindex"] if md["ifindex"] > 1 else 1)
        if dev is None:
            raise TestRunRefused(f"ctx_in: ifindex {md['ifindex']} names no interface of the "
                                 f"environment (have: "
                                 f"{', '.join(str(d.ifindex) for d in env.interfaces)})", "ENODEV")
        l3 = {0x0800: ("IPv4", 20), 0x86DD: ("IPv6", 40)}.get(int.from_bytes(data[12:14], "big"))
        if l3 is not None and len(data) - ETH_HLEN < l3[1]:
            raise TestRunRefused(f"tc input of {len(data)} bytes: an {l3[0]} packet needs its "
                                 f"{l3[1]}-byte header after the Ethernet header (Linux 6.18 "
                                 f"refuses shorter ones)")
        refused = self._last_in[3]
        if refused is not None:
            raise TestRunRefused(*refused.args)
        self._check_ctx_sizes(md, len(data))
        broadcast = bytes(6) if dev.ifindex == 1 else b"\xff" * 6
        self.skb = Skb(data=NET_SKB_PAD, len=len(data), mac=NET_SKB_PAD,
                       net=NET_SKB_PAD + ETH_HLEN, trans=UNSET, protocol=eth_protocol(data),
                       pkt_type=pkt_type_of(data[:6], dev.mac, broadcast),
                       gso_size=md["gso_size"], gso_segs=md["gso_segs"],
                       meta_len=len(self.metadata))
        self.ctx_in = raw
        self.redirect = None
        self.tunnel = None
        self.wire_len = md["wire_len"] or len(data)
        self.dev_ifindex = dev.ifindex
        self._fields = {"ingress_ifindex": md["ingress_ifindex"], "hwtstamp": md["hwtstamp"]}
        return md, dev

    # -- batched runs (pybpf.batch.run_tc) -----------------------------------------------
    def batch_template(self, ctx_in, env) -> tuple:
        """What a compiled batch needs to lay out runs with ``ctx_in`` as :meth:`load`
        does: (``__sk_buff`` as such a run starts, 192 bytes, with the fields that depend
        on the packet to be written: len, pkt_type, protocol, wire_len; the device's MAC and
        broadcast address as 48-bit big-endian integers; ctx_in's wire_len; the refusal
        of every packet, TestRunRefused, or None). Leaves the context as a run on a
        14-byte packet leaves it, the sockets region filled."""
        try:   # (a 14-byte frame without an IP header: only ctx_in can be refused)
            self.load(bytes(ETH_HLEN), ctx_in, env, None)
        except TestRunRefused as exc:
            return None, 0, 0, 0, exc
        dev = env.interface(self.dev_ifindex)
        self._write_derived()
        template = self.memory.read(self.memory.regions[abi.REGION_CTX], 0, SKB_SIZE)
        broadcast = 0 if dev.ifindex == 1 else (1 << 48) - 1
        return (template, int.from_bytes(dev.mac, "big"), broadcast,
                self._last_in[1]["wire_len"], None)

    def socket_at(self) -> int:
        """The arena offset of the test run's own socket (written per packet)."""
        return int(self.memory.rbase[self.sockets.index]) + BPF_SOCK_SIZE * len(self.env_sockets)

    def adopt(self, data: bytes, ctx_in, env, st: np.ndarray) -> None:
        """The Python side of a run a compiled batch laid out (``data`` in the first frame,
        as :meth:`load` lays it out, unless a compiled helper moved it since: ``st``): for
        the Python helpers it calls. Memory is not touched."""
        self._start(bytes(data), ctx_in, env)
        self.region = self.frames[0]
        self._st = st
        self.env_sockets = env.sockets

    def prepare(self, env) -> None:
        """The context region's access codes, and the environment's sockets."""
        mem = self.memory
        mem.rflag[abi.REGION_CTX] = abi.F_CTX
        mem.ctxmap[:SKB_SIZE] = TC_CODES
        mem.ctxmap[SKB_SIZE:] = ca.RULES
        self._fill_sockets(env)

    def _fill_sockets(self, env) -> None:
        """``struct bpf_sock`` of each socket of ``env``, in order, in the sockets region."""
        if len(env.sockets) >= MAX_SOCKETS:
            raise PyBPFError(f"the environment declares {len(env.sockets)} sockets; pybpf "
                             f"models at most {MAX_SOCKETS - 1}")
        raw = b"".join(bpf_sock(sk) for sk in env.sockets)
        if raw != self._sockets_raw:   # (the region is read-only to programs)
            self.memory.write(self.sockets, 0, raw.ljust(self.sockets.size, b"\0"))
            self._sockets_raw = raw
        self.memory.set_window(self.sockets, 0, len(raw) + BPF_SOCK_SIZE)
        self.env_sockets = env.sockets

    def _test_socket(self, data: bytes) -> int:
        """The socket test_run attaches to its skb (``skb->sk``): unbound, TCP_CLOSE, with
        the family and addresses of the packet's IPv4/IPv6 header. Written after the
        environment's sockets; returns its address."""
        raw = bytearray(BPF_SOCK_SIZE)
        proto = int.from_bytes(data[12:14], "big")
        family, (src, dst, alen) = 0, (0, 0, 0)
        if proto == 0x0800:
            family, (src, dst, alen) = 2, (ETH_HLEN + 12, ETH_HLEN + 16, 4)
        elif proto == 0x86DD:
            family, (src, dst, alen) = 10, (ETH_HLEN + 8, ETH_HLEN + 24, 16)
        raw[4:8] = family.to_bytes(4, "little")
        if alen:  # the kernel refuses packets too short for these headers
            raw[24 if alen == 4 else 28:(28 if alen == 4 else 44)] = data[src:src + alen]
            raw[52 if alen == 4 else 56:(56 if alen == 4 else 72)] = data[dst:dst + alen]
        raw[72:76] = TCP_CLOSE.to_bytes(4, "little")
        raw[76:80] = (-1 & 0xFFFFFFFF).to_bytes(4, "little")
        at = BPF_SOCK_SIZE * len(self.env_sockets)
        self.memory.write(self.sockets, at, bytes(raw))
        return self.sockets.va + at

    def socket_va(self, index: int) -> int:
        return self.sockets.va + BPF_SOCK_SIZE * index

    def socket_index(self, va: int) -> int | None:
        """Which socket a pointer is (environment sockets by position, then the test run's
        own), or None."""
        off = va - self.sockets.va
        if 0 <= off <= BPF_SOCK_SIZE * len(self.env_sockets) and off % BPF_SOCK_SIZE == 0:
            return off // BPF_SOCK_SIZE
        return None

    @staticmethod
    def _ctx_fields_refused(raw: bytes) -> TestRunRefused | None:
        """The refusal if ``ctx_in`` sets a field BPF_PROG_TEST_RUN does not take."""
        bad = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8, count=SKB_SIZE)
                             & _CTX_IN_FORBIDDEN)
        if not len(bad):
            return None
        f = next(f for f in SK_BUFF.fields.values()
                 if f.offset <= bad[0] < f.offset + f.size * f.count)
        return TestRunRefused(f"ctx_in: __sk_buff.{f.name} must be 0 (BPF_PROG_TEST_RUN "
                              f"takes only {', '.join(CTX_IN_ALLOWED)})")

    @staticmethod
    def _check_ctx_sizes(md: dict, size: int) -> None:
        """TestRunRefused if ``ctx_in``'s wire_len or gso_segs do not fit a packet of
        ``size`` bytes."""
        wire = md["wire_len"]
        if wire and not size <= wire <= GSO_LEGACY_MAX_SIZE:
            raise TestRunRefused(f"ctx_in: wire_len {wire} must be 0 or between the packet "
                                 f"length {size} and {GSO_LEGACY_MAX_SIZE}")
        if md["gso_segs"] > GSO_MAX_SEGS:
            raise TestRunRefused(f"ctx_in: gso_segs {md['gso_segs']} is above {GSO_MAX_SEGS}")

    # -- the packet ----------------------------------------------------------------------
    def packet(self) -> bytes:
        """The packet bytes, ``data`` to ``data + len``."""
        start = DATA_AT
        return self.memory.read(self.region, start, start + self.skb.len)

    def _place(self, raw: bytes, origin: int, st) -> None:
        """Lay ``raw`` (metadata + packet, starting at kernel position ``origin``) into the
        other region, retire the current one, publish."""
        mem = self.memory
        new = self.frames[1] if self.region is self.frames[0] else self.frames[0]
        start = DATA_AT - (self.skb.data - origin)
        view = mem.view(new)
        view[:start] = 0
        view[start:start + len(raw)] = np.frombuffer(raw, dtype=np.uint8)
        view[start + len(raw):start + len(raw) + TAIL_CLEAR] = 0
        mem.retire(self.region)
        self.region = new
        if st is not None:
            self.publish(st)

    def replace(self, packet: bytes, st) -> None:
        """The packet is now ``packet`` (``skb.data`` already at its new position); metadata
        stays just in front of it. Moves regions so stale pointers fault."""
        meta = self.memory.read(self.region, DATA_AT - self.skb.meta_len, DATA_AT)
        self.skb.len = len(packet)
        self._place(meta + bytes(packet), self.skb.data - self.skb.meta_len, st)

    def write(self, offset: int, data: bytes, st) -> None:
        """Overwrite packet bytes at ``offset`` from data (the caller checked the bounds)."""
        pkt = bytearray(self.packet())
        pkt[offset:offset + len(data)] = data
        self.replace(bytes(pkt), st)

    # -- the VM's view -------------------------------------------------------------------
    def publish(self, st: np.ndarray) -> None:
        """Packet window and pointers, and the read-only fields that follow the packet."""
        skb, mem = self.skb, self.memory
        mem.set_window(self.region, DATA_AT - skb.meta_len, DATA_AT + skb.len)
        va = self.region.va
        st[abi.PKT_DATA] = va + DATA_AT
        st[abi.PKT_END] = va + DATA_AT + skb.len
        st[abi.PKT_META] = va + DATA_AT - skb.meta_len
        st[abi.XDP_FRAME0] = 0   # not an XDP run: the compiled XDP helpers refuse
        st[abi.SKB_FRAME0] = self.frames[0].index   # the compiled tc helpers' frames
        st[abi.SKB_CHANGED] = 0
        self._st = st
        self._write_derived()

    def _follow(self) -> None:
        """Take in what compiled helpers changed since (``st[SKB_CHANGED]``): the packet's
        region (:func:`pybpf.contexts.skbframe.move_packet`), a cleared hash."""
        st = self._st
        changed = int(st[abi.SKB_CHANGED])
        st[abi.SKB_CHANGED] = 0
        if changed & abi.SKB_MOVED:
            k = (int(st[abi.PKT_DATA]) >> 32) - 1
            self._region = self.frames[0] if k == self.frames[0].index else self.frames[1]
        if changed & abi.SKB_HASH_CLEARED and self._skb is not None:
            self._skb.hash, self._skb.sw_hash, self._skb.l4_hash = 0, False, False

    @property
    def region(self):
        """The region holding the packet: where this context placed it, or where a
        compiled helper moved it since."""
        if self._st is not None and self._st[abi.SKB_CHANGED]:
            self._follow()
        return self._region

    @region.setter
    def region(self, frame) -> None:
        self._region = frame

    @property
    def skb(self) -> Skb | None:
        """The skb's state (what compiled helpers changed of it taken in first)."""
        if self._st is not None and self._st[abi.SKB_CHANGED]:
            self._follow()
        return self._skb

    @skb.setter
    def skb(self, skb) -> None:
        self._skb = skb

    def _write_derived(self) -> None:
        """The read-only fields (:meth:`derived`) into the context memory."""
        mem = self.memory
        ctx = memoryview(mem.view(mem.regions[abi.REGION_CTX]))
        for name, value in self.derived().items():
            packer, offset, mask = _DERIVED_PACK[name]
            packer.pack_into(ctx, offset, value & mask)

    def derived(self) -> dict:
        """The read-only fields, from the skb (what the kernel's ctx rewrites would load)."""
        skb = self.skb
        return {"len": skb.len, "pkt_type": skb.pkt_type, "protocol": skb.protocol,
                "vlan_present": int(bool(skb.vlan_proto or skb.vlan_tci)),
                "vlan_tci": skb.vlan_tci, "vlan_proto": skb.vlan_proto,
                "ingress_ifindex": self._fields["ingress_ifindex"],
                "ifindex": self.dev_ifindex, "hash": skb.hash, "napi_id": 0,
                "wire_len": self.wire_len, "gso_segs": skb.gso_segs, "gso_size": skb.gso_size,
                "tstamp_type": 0, "hwtstamp": self._fields["hwtstamp"]}

    def fields(self) -> dict:
        """Every field's current value (what the program would read now)."""
        ctx = self.memory.read(self.memory.regions[abi.REGION_CTX], 0, SKB_SIZE)
        return SK_BUFF.unpack(ctx)

    def describe_access(self, off: int, size: int, write: bool) -> str:
        return describe("__sk_buff", TC_ACCESS, off, size, write)

    # -- a run's output ------------------------------------------------------------------
    def data_out(self) -> bytes:
        """What BPF_PROG_TEST_RUN returns as data_out: the packet from skb->data."""
        return self.packet()

    def ctx_out(self) -> bytes:
        """``__sk_buff`` as ``convert_skb_to___skb`` leaves it: ctx_in with the fields it
        copies back replaced by their values after the run."""
        return self.ctx_out_of(self.memory.view(self.memory.regions[abi.REGION_CTX])[:SKB_SIZE],
                               self.ctx_in)

    def ctx_out_of(self, ctx: np.ndarray, ctx_in: bytes) -> bytes:
        """:meth:`ctx_out` of a run that started from ``ctx_in`` and left ``ctx`` (192 bytes)."""
        if self._out_base[0] != ctx_in:   # ctx_in's bytes that are fields
            kept = np.where(_FIELD_BYTES, np.frombuffer(ctx_in, dtype=np.uint8), 0)
            self._out_base = (ctx_in, kept.astype(np.uint8))
        out = self._out_base[1].copy()
        out[_CTX_OUT_BYTES] = ctx[_CTX_OUT_BYTES]
        return out.tobytes()

    def ctx_fields(self) -> dict:
        return SK_BUFF.unpack(self.ctx_out())

    def verdict(self, retval: int) -> str:
        return verdict_name(retval)

    @property
    def ctx_va(self) -> int:
        return abi.region_va(abi.REGION_CTX)


BPF_SOCK_SIZE = 80
MAX_SOCKETS = 64
TCP_ESTABLISHED, TCP_CLOSE, TCP_LISTEN = 1, 7, 10


def bpf_sock(sk) -> bytes:
    """``struct bpf_sock`` (80 bytes) of an environment socket: ``src`` is the local end
    (port in host order), ``dst`` the remote one (port in network order); a TCP socket
    without a remote end listens, a UDP one is unconnected (TCP_CLOSE)."""
    import socket as so
    v6 = sk.local_ip.version == 6
    raw = bytearray(BPF_SOCK_SIZE)
    tcp = sk.protocol == "tcp"
    fields = [(4, so.AF_INET6 if v6 else so.AF_INET), (8, so.SOCK_STREAM if tcp else so.SOCK_DGRAM),
              (12, 6 if tcp else 17), (44, sk.local_port)]
    for at, value in fields:
        raw[at:at + 4] = value.to_bytes(4, "little")
    raw[28 if v6 else 24:(44 if v6 else 28)] = sk.local_ip.packed
    raw[48:50] = sk.remote_port.to_bytes(2, "big")
    if sk.remote_ip is not None:
        raw[56 if v6 else 52:(72 if v6 else 56)] = sk.remote_ip.packed
        state = TCP_ESTABLISHED
    else:
        state = TCP_LISTEN if tcp else TCP_CLOSE
    raw[72:76] = state.to_bytes(4, "little")
    raw[76:80] = (-1 & 0xFFFFFFFF).to_bytes(4, "little")  # rx_queue_mapping: not recorded
    return bytes(raw)


__all__ = ["SkbContext", "SK_BUFF", "TC_ACCESS", "TC_VERDICTS", "verdict_name", "bpf_sock"]
