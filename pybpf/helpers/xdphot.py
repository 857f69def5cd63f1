"""XDP helpers that move the packet, compiled (hot: see :mod:`pybpf.helpers.hot`).

``bpf_xdp_adjust_head`` and ``bpf_xdp_adjust_meta``, with the limits and error
codes of ``net/core/filter.c``. The packet moves between the two frames of
:class:`pybpf.contexts.xdp.XdpContext` through
:func:`pybpf.contexts.xdpframe.move_frame`, the one implementation of a move.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..contexts.xdpframe import ETH_HLEN, XDP_FRAME_HEADER, XDP_META_MAX, move_bytes, move_frame
from ..vm.abi import AUX, AUX2, BAD_HELPER_ARG, PKT_DATA, PKT_END, PKT_META, XDP_FRAME0

U64 = np.uint64
M32 = U64(0xFFFFFFFF)
EINVAL, EACCES = 22, 13
NOT_XDP = 3   # st[AUX2] of BAD_HELPER_ARG: r1 is no XDP context (this run is not XDP)


@njit(cache=True, inline="always")
def _s32(v):
    v &= M32
    return np.int64(v) - (np.int64(1) << 32) if v >> U64(31) else np.int64(v)


@njit(cache=True, inline="always")
def _errno(regs, e):
    regs[0] = U64(0) - U64(e)
    return 0


@njit(cache=True, inline="always")
def _packet(st):
    """(meta, data, end) frame offsets of the packet, or a negative meta when not XDP."""
    if st[XDP_FRAME0] == U64(0):
        return np.int64(-1), np.int64(0), np.int64(0)
    return (np.int64(st[PKT_META] & M32), np.int64(st[PKT_DATA] & M32),
            np.int64(st[PKT_END] & M32))


@njit(cache=True, inline="always")
def _not_xdp(st):
    st[AUX] = U64(1)
    st[AUX2] = U64(NOT_XDP)
    return BAD_HELPER_ARG


@njit(cache=True)
def xdp_adjust_head(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_xdp_adjust_head(struct xdp_md *xdp, int offset)``: move ``data`` by
    ``offset`` (negative: grow the head), carrying the metadata along. -EINVAL when
    ``data`` would go below the xdp_frame header plus the metadata, or leave fewer than
    14 bytes (an Ethernet header) before ``data_end``."""
    meta, data, end = _packet(st)
    if meta < 0:
        return _not_xdp(st)
    offset = _s32(regs[2])
    metalen = data - meta
    new_data = data + offset
    if new_data < XDP_FRAME_HEADER + metalen or new_data > end - ETH_HLEN:
        return _errno(regs, EINVAL)
    if metalen:
        base = np.int64(rbase[np.int64(st[PKT_DATA] >> U64(32)) - 1])
        move_bytes(arena, base + meta + offset, base + meta, metalen)
    move_frame(st, arena, rbase, rlo, rhi, meta + offset, new_data, end)
    regs[0] = U64(0)
    return 0


@njit(cache=True)
def xdp_adjust_meta(regs, st, arena, rbase, rlo, rhi, rflag, maps):
    """``long bpf_xdp_adjust_meta(struct xdp_md *xdp, int offset)``: move ``data_meta``.
    -EINVAL outside [xdp_frame header, data]; -EACCES when the metadata length would not
    be a multiple of 4 or exceed 252 bytes."""
    meta, data, end = _packet(st)
    if meta < 0:
        return _not_xdp(st)
    new_meta = meta + _s32(regs[2])
    if new_meta < XDP_FRAME_HEADER or new_meta > data:
        return _errno(regs, EINVAL)
    metalen = data - new_meta
    if metalen % 4 or metalen > XDP_META_MAX:
        return _errno(regs, EACCES)
    move_frame(st, arena, rbase, rlo, rhi, new_meta, data, end)
    regs[0] = U64(0)
    return 0
