"""XDP packet helpers, with the limits and error codes of ``net/core/filter.c``.

``bpf_xdp_adjust_head`` and ``bpf_xdp_adjust_meta`` are compiled
(:mod:`pybpf.helpers.xdphot`); these are the others.

Offsets are frame offsets of :class:`pybpf.contexts.xdp.XdpPacket` (from
``data_hard_start``). A helper that moves the packet goes through
``XdpContext.move``: the frame changes region, so packet pointers taken
before the call fault, and the VM sees the new data/data_end/data_meta.
"""

from __future__ import annotations

from ..contexts.xdp import ETH_HLEN, XDP_DATA_HARD_END, XDP_FRAME_HEADER, XDP_META_MAX
from ..isa.insn import s32
from .net import context

EINVAL, EFAULT, EACCES = 22, 14, 13
#: bpf_xdp_load/store_bytes refuse offsets and lengths above this (-EFAULT).
XDP_COPY_MAX = 0xFFFF


def _xdp(machine, helper: str):
    return context(machine, helper, kinds=("xdp",))


def xdp_adjust_tail(machine, ctx_va, offset, _r3=0, _r4=0, _r5=0):
    """``long bpf_xdp_adjust_tail(struct xdp_md *xdp, int offset)``: move ``data_end``.
    -EINVAL past the frame's tailroom reserve or below ``data`` + 14; grown bytes are
    zeroed."""
    ctx = _xdp(machine, "xdp_adjust_tail")
    offset = s32(offset & 0xFFFFFFFF)
    p = ctx.packet
    end = p.end + offset
    if end > XDP_DATA_HARD_END or end < p.data + ETH_HLEN:
        return -EINVAL
    if offset > 0:
        ctx.frame()[p.end:end] = 0
    ctx.move(p.meta, p.data, end, machine.st)
    return 0


def _span(ctx, offset: int, length: int) -> int:
    """0 if ``[offset, offset + length)`` of the packet can be copied, else -errno."""
    if offset > XDP_COPY_MAX or length > XDP_COPY_MAX:
        return -EFAULT
    p = ctx.packet
    if offset + length > p.end - p.data:
        return -EINVAL
    return 0


def xdp_load_bytes(machine, ctx_va, offset, buf, length, _r5=0):
    """``long bpf_xdp_load_bytes(struct xdp_md *xdp, u32 offset, void *buf, u32 len)``."""
    ctx = _xdp(machine, "xdp_load_bytes")
    offset, length = offset & 0xFFFFFFFF, length & 0xFFFFFFFF
    err = _span(ctx, offset, length)
    if err:
        return err
    p = ctx.packet
    machine.write_bytes(buf, ctx.frame()[p.data + offset:p.data + offset + length].tobytes())
    return 0


def xdp_store_bytes(machine, ctx_va, offset, buf, length, _r5=0):
    """``long bpf_xdp_store_bytes(struct xdp_md *xdp, u32 offset, void *buf, u32 len)``."""
    ctx = _xdp(machine, "xdp_store_bytes")
    offset, length = offset & 0xFFFFFFFF, length & 0xFFFFFFFF
    err = _span(ctx, offset, length)
    if err:
        return err
    data = machine.read_bytes(buf, length)
    p = ctx.packet
    ctx.frame()[p.data + offset:p.data + offset + length] = bytearray(data)
    return 0


def xdp_get_buff_len(machine, ctx_va, _r2=0, _r3=0, _r4=0, _r5=0):
    """``u64 bpf_xdp_get_buff_len(struct xdp_md *xdp_md)``: data_end - data (no fragments)."""
    p = _xdp(machine, "xdp_get_buff_len").packet
    return p.end - p.data
