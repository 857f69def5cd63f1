"""The XDP context (``struct xdp_md``) over an ``xdp_buff``-style packet frame.

Layout of ``struct xdp_md`` (all ``__u32``)::

    0  data           -> pointer to the first packet byte (4-byte load yields a 64-bit pointer)
    4  data_end       -> pointer one past the last byte
    8  data_meta      -> pointer to the metadata in front of data (== data when there is none)
   12  ingress_ifindex
   16  rx_queue_index
   20  egress_ifindex

The frame is a page (4096 bytes) as ``BPF_PROG_TEST_RUN`` allocates it:
``data`` starts ``XDP_PACKET_HEADROOM`` (256) bytes in, metadata sits just in
front of it, and the last 320 bytes are reserved for ``skb_shared_info``
(``bpf_xdp_adjust_tail`` cannot grow into them). The accessible window is
``[data_meta, data_end)``.

Two frame regions alternate: a helper that moves the packet (adjust_head,
adjust_meta, adjust_tail) copies the frame into the other region and retires
the old one, so a packet pointer taken before the call faults, as the kernel's
verifier would refuse to let it be used. (A pointer kept across two such calls
points into the live frame again: that one reads the current packet, not
garbage; pybpf's verifier is what refuses both.)

``ctx_in`` follows the kernel's ``xdp_convert_md_to_buff`` and the checks of
``bpf_prog_test_run_xdp`` (checked against Linux 6.18): ``data_meta`` must be 0,
``data_end`` at most the input size, ``data`` (the metadata length, taken from
the front of the input) at most ``data_end``, a multiple of 4 and at most 252,
at least 14 bytes of packet after the metadata, ``egress_ifindex`` 0,
``ingress_ifindex`` an interface of the environment (else ENODEV) with
``rx_queue_index`` below its queue count, and no ``rx_queue_index`` without
``ingress_ifindex``: otherwise EINVAL. A ``data_end`` below the input size makes
the kernel put the rest into fragments (multi-buffer XDP), which pybpf refuses
as not modelled, as it does input longer than the 3520-byte linear frame. A
``ctx_in`` dict without ``data_end`` means the whole input.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit, python_unless_loaded

from ..errors import PyBPFError, TestRunRefused
from ..result import Redirect
from ..vm import abi
from ..vm.fastpath import memmove, memzero
from ..vm.memory import Memory, Region
from . import Field, Layout
from .access import Access, codes, describe
from .xdpframe import (ETH_HLEN, XDP_DATA_HARD_END, XDP_FRAME_HEADER,  # noqa: F401
                       XDP_FRAME_SIZE, XDP_MAX_LINEAR, XDP_META_MAX, XDP_PACKET_HEADROOM,
                       XDP_TAILROOM, move_frame)

XDP_MD_SIZE = 24

XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT = range(5)
XDP_VERDICTS = {0: "XDP_ABORTED", 1: "XDP_DROP", 2: "XDP_PASS", 3: "XDP_TX", 4: "XDP_REDIRECT"}

#: BPF_PROG_TEST_RUN refuses XDP input shorter than an Ethernet header (EINVAL): ETH_HLEN.

#: Defaults BPF_PROG_TEST_RUN uses when no ctx_in is given (observed on Linux 6.18).
DEFAULT_INGRESS_IFINDEX = 1
DEFAULT_RX_QUEUE_INDEX = 0

XDP_MD = Layout("xdp_md", XDP_MD_SIZE, [
    Field("data", 0, 4), Field("data_end", 4, 4), Field("data_meta", 8, 4),
    Field("ingress_ifindex", 12, 4), Field("rx_queue_index", 16, 4),
    Field("egress_ifindex", 20, 4)])

#: What an XDP program may do with xdp_md (net/core/filter.c, xdp_is_valid_access; checked
#: against Linux 6.18): aligned 4-byte loads only, no stores, egress_ifindex only in
#: devmap programs (which BPF_PROG_TEST_RUN refuses to run).
XDP_ACCESS = [
    Access("data", 0, 4, read="exact", ptr=abi.CTX_DATA),
    Access("data_end", 4, 4, read="exact", ptr=abi.CTX_DATA_END),
    Access("data_meta", 8, 4, read="exact", ptr=abi.CTX_DATA_META),
    Access("ingress_ifindex", 12, 4, read="exact", note="read-only"),
    Access("rx_queue_index", 16, 4, read="exact", note="read-only"),
    Access("egress_ifindex", 20, 4, read=None,
           note="readable only by devmap programs (expected_attach_type BPF_XDP_DEVMAP)"),
]

_NO_CTX_IN = XDP_MD.unpack(bytes(XDP_MD_SIZE))


@njit(cache=True)
def _place(arena, base, start, data, used, ctx_base, ingress_ifindex, rx_queue_index):
    """A zeroed frame with ``data`` at ``start`` (as test_run's fresh buffer), and xdp_md."""
    memzero(arena, base, used)
    memmove(arena, base + start, data, 0, data.shape[0])
    memzero(arena, ctx_base, XDP_MD_SIZE)
    for i in range(4):
        arena[ctx_base + 12 + i] = (ingress_ifindex >> (8 * i)) & 0xFF
        arena[ctx_base + 16 + i] = (rx_queue_index >> (8 * i)) & 0xFF


def verdict_name(retval: int) -> str:
    return XDP_VERDICTS.get(retval & 0xFFFFFFFF, f"unknown ({retval & 0xFFFFFFFF})")


@dataclass
class XdpPacket:
    """Where the current packet sits inside its frame (offsets from data_hard_start)."""

    region: Region
    meta: int
    data: int
    end: int


class XdpContext:
    """``xdp_md`` and the packet frames of a :class:`Memory` (see :mod:`pybpf.contexts`)."""

    kind = "xdp"
    ctx_size = XDP_MD_SIZE
    layout = XDP_MD

    def __init__(self, memory: Memory):
        self.memory = memory
        self.frames = (memory.add_region("packet", XDP_FRAME_SIZE),
                       memory.add_region("packet", XDP_FRAME_SIZE))
        ctx = memory.regions[abi.REGION_CTX]
        if ctx.size < XDP_MD_SIZE:
            raise ValueError("memory was created without room for xdp_md (ctx_size=24)")
        assert self.frames[1].index == self.frames[0].index + 1   # st[XDP_FRAME0] names both
        self._packet: XdpPacket | None = None
        self._st: np.ndarray | None = None
        self.redirect: Redirect | None = None
        self.md: dict = XDP_MD.unpack(bytes(XDP_MD_SIZE))
        self._used = [XDP_FRAME_SIZE, XDP_FRAME_SIZE]  # bytes each frame may hold from before
        self._codes = codes(len(memory.ctxmap), XDP_ACCESS)

    @property
    def packet(self) -> XdpPacket | None:
        """Where the packet is: from the state vector, which compiled helpers update too
        (:mod:`pybpf.helpers.xdphot`), whenever it points into one of the frames."""
        st = self._st
        if st is not None:
            meta = int(st[abi.PKT_META])
            k = (meta >> 32) - 1
            for region in self.frames:
                if region.index == k:
                    return XdpPacket(region, meta & 0xFFFFFFFF, int(st[abi.PKT_DATA]) & 0xFFFFFFFF,
                                     int(st[abi.PKT_END]) & 0xFFFFFFFF)
        return self._packet

    @packet.setter
    def packet(self, value: XdpPacket | None) -> None:
        self._packet = value

    # -- a run's input -------------------------------------------------------------------
    def load(self, data: bytes, ctx_in=None, env=None, st: np.ndarray | None = None) -> None:
        """Check ``data`` and ``ctx_in`` as BPF_PROG_TEST_RUN does, place them, publish."""
        from ..env import DEFAULT_ENV
        env = env or DEFAULT_ENV
        data = bytes(data)
        if ctx_in is None:
            md, metalen = dict(_NO_CTX_IN), 0
        else:
            if isinstance(ctx_in, dict) and "data_end" not in ctx_in:
                ctx_in = {**ctx_in, "data_end": len(data)}  # a dict may leave it implied
            md = XDP_MD.unpack(XDP_MD.ctx_in_bytes(ctx_in))
            metalen = self._check_md(md, len(data), env)
        headroom = XDP_PACKET_HEADROOM - metalen
        if len(data) < ETH_HLEN:
            raise TestRunRefused(f"XDP input of {len(data)} bytes is shorter than an Ethernet header")
        if len(data) > XDP_DATA_HARD_END - headroom:
            raise PyBPFError(f"XDP input of {len(data)} bytes exceeds the "
                             f"{XDP_DATA_HARD_END - headroom}-byte linear frame: the kernel "
                             f"would pass the rest as fragments (multi-buffer XDP), which "
                             f"pybpf does not model yet")
        ingress = md["ingress_ifindex"] or DEFAULT_INGRESS_IFINDEX
        mem = self.memory
        if st is not None:
            self._st = st
            if st[abi.XDP_MOVED]:   # a compiled helper moved the last packet: both frames used
                self._used = [XDP_FRAME_SIZE, XDP_FRAME_SIZE]
                st[abi.XDP_MOVED] = 0
        mem.rflag[abi.REGION_CTX] = abi.F_CTX | abi.F_RO  # the program cannot write xdp_md
        mem.ctxmap[:] = self._codes  # (re)set per run: an object may mix program types
        region = self.frames[0]
        end = headroom + len(data)
        python_unless_loaded(_place)(mem.arena, int(mem.rbase[region.index]), headroom,
               np.frombuffer(data, dtype=np.uint8), self._used[0],
               int(mem.rbase[abi.REGION_CTX]), ingress, md["rx_queue_index"])
        self._used[0] = end
        mem.retire(self.frames[1])
        self.md = md
        self.redirect = None
        self.packet = XdpPacket(region, headroom, XDP_PACKET_HEADROOM, end)
        if st is not None:
            self.publish(st)

    def _check_md(self, md: dict, size: int, env) -> int:
        """The metadata length ``ctx_in`` asks for, or TestRunRefused as the kernel would."""
        def refuse(why, errno="EINVAL"):
            return TestRunRefused(f"ctx_in: {why}", errno)
        if md["data_meta"]:
            raise refuse(f"data_meta must be 0, got {md['data_meta']}")
        if md["data_end"] > size:
            raise refuse(f"data_end ({md['data_end']}) is past the input size ({size})")
        if md["data"] > md["data_end"]:
            raise refuse(f"data ({md['data']}) is past data_end ({md['data_end']})")
        if md["data"] % 4 or md["data"] > XDP_META_MAX:
            raise refuse(f"data ({md['data']}: the metadata length) must be a multiple of 4 "
                         f"and at most {XDP_META_MAX}")
        if md["egress_ifindex"]:
            raise refuse(f"egress_ifindex must be 0, got {md['egress_ifindex']}")
        ifindex, queue = md["ingress_ifindex"], md["rx_queue_index"]
        if not ifindex and queue:
            raise refuse(f"rx_queue_index {queue} needs an ingress_ifindex")
        if ifindex:
            dev = env.interface(ifindex)
            if dev is None:
                raise refuse(f"ingress_ifindex {ifindex} names no interface of the environment "
                             f"(have: {', '.join(str(d.ifindex) for d in env.interfaces)})",
                             "ENODEV")
            if queue >= dev.rx_queues:
                raise refuse(f"rx_queue_index {queue} is not below the {dev.rx_queues} rx "
                             f"queue(s) of {dev.name} (ifindex {ifindex})")
        if size - md["data"] < ETH_HLEN:
            raise refuse(f"{size - md['data']} bytes after {md['data']} bytes of metadata are "
                         f"shorter than an Ethernet header")
        if md["data_end"] < size:
            raise PyBPFError(f"ctx_in: data_end ({md['data_end']}) below the input size "
                             f"({size}) puts the rest into fragments (multi-buffer XDP), "
                             f"which pybpf does not model yet")
        return md["data"]

    # -- the VM's view -------------------------------------------------------------------
    def publish(self, st: np.ndarray) -> None:
        """Write the packet window and the data/data_end/data_meta pointers for the VM."""
        p = self._packet   # just placed or moved (``packet`` reads the state vector)
        self.memory.set_window(p.region, p.meta, p.end)
        va = p.region.va
        st[abi.PKT_DATA] = va + p.data
        st[abi.PKT_END] = va + p.end
        st[abi.PKT_META] = va + p.meta
        st[abi.XDP_FRAME0] = self.frames[0].index
        st[abi.SKB_FRAME0] = 0   # not a tc run: the compiled tc helpers leave it to Python
        self._st = st

    def move(self, meta: int, data: int, end: int, st: np.ndarray) -> None:
        """Give the packet new bounds (frame offsets) in the other frame
        (:func:`pybpf.contexts.xdpframe.move_frame`, as the compiled helpers do)."""
        mem = self.memory
        move_frame(st, mem.arena, mem.rbase, mem.rlo, mem.rhi, meta, data, end)
        self._packet = self.packet   # read back from the state vector

    def frame(self) -> np.ndarray:
        """The current frame's bytes (a writable view, offsets from data_hard_start)."""
        return self.memory.view(self.packet.region)

    # -- a run's output ------------------------------------------------------------------
    def data_out(self) -> bytes:
        """What BPF_PROG_TEST_RUN returns as data_out: from data_meta to data_end."""
        p = self.packet
        return self.memory.read(p.region, p.meta, p.end)

    def ctx_fields(self) -> dict:
        """``xdp_md`` as the kernel copies it out: data and data_end relative to data_meta,
        the other fields as ctx_in gave them."""
        p = self.packet
        return {**self.md, "data": p.data - p.meta, "data_end": p.end - p.meta}

    def ctx_out(self) -> bytes:
        f = self.ctx_fields()
        return struct.pack("<6I", *(f[name] for name in XDP_MD.fields))

    def describe_access(self, off: int, size: int, write: bool) -> str:
        """Why a program may not do this access to xdp_md (the kernel's words first)."""
        return describe("xdp_md", XDP_ACCESS, off, size, write)

    def verdict(self, retval: int) -> str:
        return verdict_name(retval)

    @property
    def ctx_va(self) -> int:
        return abi.region_va(abi.REGION_CTX)
