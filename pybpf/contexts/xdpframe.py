"""The layout of an XDP packet frame (an ``xdp_buff`` as ``BPF_PROG_TEST_RUN`` builds it),
and moving a packet between the two frames of a context.

Shared by :mod:`pybpf.contexts.xdp` and the compiled XDP helpers
(:mod:`pybpf.helpers.xdphot`) without importing the context into compiled code.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..vm.abi import PKT_DATA, XDP_FRAME0, XDP_MOVED
from ..vm.fastpath import memmove, repoint

U64 = np.uint64

XDP_PACKET_HEADROOM = 256
#: One page per frame.
XDP_FRAME_SIZE = 4096
#: sizeof(struct xdp_frame), kept free at the start of the frame: adjust_head/meta stop there.
XDP_FRAME_HEADER = 40
#: SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64, reserved at the end of the frame.
XDP_TAILROOM = 320
#: Offset (from data_hard_start) that data_end may not pass.
XDP_DATA_HARD_END = XDP_FRAME_SIZE - XDP_TAILROOM
XDP_MAX_LINEAR = XDP_DATA_HARD_END - XDP_PACKET_HEADROOM
#: The largest metadata length (skb_shared_info.meta_len is a u8, and it must be 4-aligned).
XDP_META_MAX = 252
ETH_HLEN = 14


@njit(cache=True)
def move_frame(st, arena, rbase, rlo, rhi, meta, data, end):
    """Give the packet new bounds (frame offsets ``meta`` <= ``data`` <= ``end``): the frame
    is copied to the other region (``st[XDP_FRAME0]`` and the next one), the old region is
    retired (stale packet pointers fault, as the verifier would have refused them), the
    state vector gets the new data/data_end/data_meta, and ``st[XDP_MOVED]`` tells the
    context (and the batch loop) that frame 0 may hold bytes to clear before the next packet."""
    f0 = np.int64(st[XDP_FRAME0])
    old = np.int64(st[PKT_DATA] >> U64(32)) - 1
    new = f0 + 1 if old == f0 else f0
    src, dst = np.int64(rbase[old]), np.int64(rbase[new])
    memmove(arena, dst, arena, src, XDP_FRAME_SIZE)
    repoint(st, rlo, rhi, old, new, meta, data, end)
    st[XDP_MOVED] = U64(1)
