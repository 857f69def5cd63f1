"""The XDP context (``struct xdp_md``) over an ``xdp_buff``-style packet buffer.

Layout of ``struct xdp_md`` (all ``__u32``)::

    0  data           -> pointer to the first packet byte (4-byte load yields a 64-bit pointer)
    4  data_end       -> pointer one past the last byte
    8  data_meta      -> pointer to the metadata in front of data (== data when there is none)
   12  ingress_ifindex
   16  rx_queue_index
   20  egress_ifindex

The packet lives in one region with ``XDP_PACKET_HEADROOM`` (256) bytes in
front of ``data``, as ``BPF_PROG_TEST_RUN`` lays it out; the accessible window
of the region is ``[data_meta, data_end)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..errors import PyBPFError, TestRunRefused
from ..vm import abi
from ..vm.memory import Memory, Region

XDP_PACKET_HEADROOM = 256
XDP_MD_SIZE = 24
#: Bytes after the packet that adjust_tail may grow into (the kernel reserves
#: room for ``struct skb_shared_info`` at the end of a page-sized frame).
XDP_FRAME_SIZE = 4096

XDP_VERDICTS = {0: "XDP_ABORTED", 1: "XDP_DROP", 2: "XDP_PASS", 3: "XDP_TX", 4: "XDP_REDIRECT"}

#: BPF_PROG_TEST_RUN refuses XDP input shorter than an Ethernet header (EINVAL).
ETH_HLEN = 14
#: Tail room the kernel reserves after the packet (SKB_DATA_ALIGN(sizeof(struct
#: skb_shared_info)) on x86-64): the linear part of a test-run frame is at most
#: XDP_FRAME_SIZE - XDP_PACKET_HEADROOM - XDP_TAILROOM bytes; longer input goes to
#: fragments, which pybpf does not model yet.
XDP_TAILROOM = 320
XDP_MAX_LINEAR = XDP_FRAME_SIZE - XDP_PACKET_HEADROOM - XDP_TAILROOM

#: Defaults BPF_PROG_TEST_RUN uses when no ctx_in is given (observed on Linux 6.18).
DEFAULT_INGRESS_IFINDEX = 1
DEFAULT_RX_QUEUE_INDEX = 0


@njit(cache=True)
def _place(arena, base, data, used, ctx_base, ingress_ifindex, rx_queue_index):
    """A zeroed frame with ``data`` after the headroom (as test_run's fresh buffer), and xdp_md."""
    for i in range(used):
        arena[base + i] = 0
    for i in range(data.shape[0]):
        arena[base + XDP_PACKET_HEADROOM + i] = data[i]
    for i in range(XDP_MD_SIZE):
        arena[ctx_base + i] = 0
    for i in range(4):
        arena[ctx_base + 12 + i] = (ingress_ifindex >> (8 * i)) & 0xFF
        arena[ctx_base + 16 + i] = (rx_queue_index >> (8 * i)) & 0xFF


def verdict_name(retval: int) -> str:
    return XDP_VERDICTS.get(retval & 0xFFFFFFFF, f"unknown ({retval})")


@dataclass
class XdpPacket:
    """Where the current packet sits inside its region (offsets from data_hard_start)."""

    region: Region
    meta: int
    data: int
    end: int


class XdpContext:
    """Sets up ``xdp_md`` and the packet region of a :class:`Memory` for XDP runs."""

    def __init__(self, memory: Memory):
        self.memory = memory
        self.region = memory.add_region("packet", XDP_FRAME_SIZE)
        ctx = memory.regions[abi.REGION_CTX]
        if ctx.size < XDP_MD_SIZE:
            raise ValueError("memory was created without room for xdp_md (ctx_size=24)")
        memory.rflag[abi.REGION_CTX] = abi.F_CTX | abi.F_RO
        cmap = memory.ctxmap
        cmap[:] = 0
        cmap[0:4] = abi.CTX_DATA
        cmap[4:8] = abi.CTX_DATA_END
        cmap[8:12] = abi.CTX_DATA_META
        self.packet: XdpPacket | None = None
        self._used = XDP_FRAME_SIZE  # bytes of the frame the last packet may have touched

    def load(self, data: bytes, ingress_ifindex: int = DEFAULT_INGRESS_IFINDEX,
             rx_queue_index: int = DEFAULT_RX_QUEUE_INDEX, st: np.ndarray | None = None) -> None:
        """Place ``data`` after the headroom and fill ``xdp_md``; ``st`` gets the pointers."""
        head = XDP_PACKET_HEADROOM
        if len(data) < ETH_HLEN:
            raise TestRunRefused(f"XDP input of {len(data)} bytes is shorter than an Ethernet header")
        if len(data) > XDP_MAX_LINEAR:
            raise PyBPFError(f"XDP input of {len(data)} bytes exceeds the {XDP_MAX_LINEAR}-byte "
                             f"linear frame: the kernel would pass the rest as fragments "
                             f"(multi-buffer XDP), which pybpf does not model yet")
        mem = self.memory
        end = head + len(data)
        _place(mem.arena, int(mem.rbase[self.region.index]), np.frombuffer(data, dtype=np.uint8),
               self._used, int(mem.rbase[abi.REGION_CTX]), ingress_ifindex, rx_queue_index)
        self._used = end
        self.packet = XdpPacket(self.region, head, head, end)
        if st is not None:
            self.publish(st)

    def publish(self, st: np.ndarray) -> None:
        """Write the packet window and the data/data_end/data_meta pointers for the VM."""
        p = self.packet
        self.memory.set_window(p.region, p.meta, p.end)
        va = p.region.va
        st[abi.PKT_DATA] = va + p.data
        st[abi.PKT_END] = va + p.end
        st[abi.PKT_META] = va + p.meta

    def data_out(self) -> bytes:
        """What BPF_PROG_TEST_RUN returns as data_out: from data_meta to data_end."""
        p = self.packet
        return self.memory.read(p.region, p.meta, p.end)

    @property
    def ctx_va(self) -> int:
        return abi.region_va(abi.REGION_CTX)
