"""The layout of a tc packet region (the linear buffer of a test-run skb), and moving a
packet between the two regions of a context without changing it.

Shared by :mod:`pybpf.contexts.skb` (whose Python helpers move packets of any shape),
the compiled tc helpers (:mod:`pybpf.helpers.skbhot`) and the tc batch loop
(:mod:`pybpf.batch`), without importing the context into compiled code.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..vm.abi import PKT_DATA, PKT_END, PKT_META, SKB_CHANGED, SKB_FRAME0, SKB_MOVED
from ..vm.fastpath import memmove, memzero, repoint

U64 = np.uint64
M32 = U64(0xFFFFFFFF)

PAGE_SIZE = 4096
SHINFO_SIZE = 320         # SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64
#: BPF_SKB_MAX_LEN = SKB_MAX_ALLOC: the most change_tail/change_head/adjust_room may make.
SKB_MAX_LEN = (PAGE_SIZE << 2) - SHINFO_SIZE
#: Where ``data`` sits in a region: room for metadata in front of it.
DATA_AT = 256
#: Bytes cleared after the packet whenever it is laid out (a tail a helper may grow into).
TAIL_CLEAR = 64
REGION_SIZE = DATA_AT + SKB_MAX_LEN + TAIL_CLEAR


@njit(cache=True, inline="always")
def move_packet(st, arena, rbase, rlo, rhi):
    """Copy the packet (metadata in front of it included) to the other region of the pair
    at ``st[SKB_FRAME0]``, laid out as :meth:`pybpf.contexts.skb.SkbContext._place` lays
    it: nothing in front of the metadata, :data:`TAIL_CLEAR` zero bytes after the packet.
    The old region is retired (stale packet pointers fault); the state vector gets the new
    pointers, and ``st[SKB_CHANGED]`` tells the context. Returns the new region's arena
    offset."""
    f0 = np.int64(st[SKB_FRAME0])
    old = np.int64(st[PKT_DATA] >> U64(32)) - 1
    new = f0 + 1 if old == f0 else f0
    meta = np.int64(st[PKT_META] & M32)
    data = np.int64(st[PKT_DATA] & M32)
    end = np.int64(st[PKT_END] & M32)
    src, dst = np.int64(rbase[old]), np.int64(rbase[new])
    memzero(arena, dst, meta)
    memmove(arena, dst + meta, arena, src + meta, end - meta)
    memzero(arena, dst + end, TAIL_CLEAR)
    repoint(st, rlo, rhi, old, new, meta, data, end)
    st[SKB_CHANGED] |= U64(SKB_MOVED)
    return dst
