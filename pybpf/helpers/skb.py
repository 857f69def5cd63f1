"""tc (``__sk_buff``) helpers, as ``net/core/filter.c`` defines them for a test-run skb.

Each is ``fn(machine, r1..r5) -> r0`` over :class:`pybpf.contexts.skb.SkbContext`
(``machine.context``). The skb ``BPF_PROG_TEST_RUN`` builds is linear, not
cloned, with ``ip_summed = CHECKSUM_NONE`` and no GSO type, which fixes many
branches: ``bpf_csum_update`` is -ENOTSUPP, ``BPF_F_RECOMPUTE_CSUM`` and the
pseudo-header flag change no ``skb->csum``, growth never fails for memory.
Helpers that change the packet move it (stale packet pointers fault) and
republish the context fields that follow it.

Checksums are 16-bit ones'-complement sums of little-endian words, as the
kernel computes them on x86-64 (``csum_replace2/4``, ``csum_replace_by_diff``).
"""

from __future__ import annotations

import hashlib

from ..contexts.skb import (CHECKSUM_NONE, CHECKSUM_UNNECESSARY, ETH_HLEN, ETH_P_8021AD,
                            ETH_P_8021Q, PACKET_OTHERHOST, SKB_MAX_LEN, VLAN_HLEN, eth_protocol,
                            htons)
from ..isa.insn import s32
from ..result import Redirect
from .net import TC_ACT_REDIRECT, TC_ACT_SHOT, context, csum_add, csum_sub, env_of

EPERM, ENOENT, EFAULT, ENOMEM, EACCES, EINVAL, ERANGE = 1, 2, 14, 12, 13, 22, 34
EPROTO, EBADMSG, EALREADY, ENOTSUPP = 71, 74, 114, 524
INT_MAX = 0x7FFFFFFF
U64 = (1 << 64) - 1

BPF_F_RECOMPUTE_CSUM, BPF_F_INVALIDATE_HASH = 1 << 0, 1 << 1
BPF_F_HDR_FIELD_MASK = 0xF
BPF_F_PSEUDO_HDR, BPF_F_MARK_MANGLED_0, BPF_F_MARK_ENFORCE, BPF_F_IPV6 = 1 << 4, 1 << 5, 1 << 6, 1 << 7
BPF_HDR_START_MAC, BPF_HDR_START_NET = 0, 1
BPF_CSUM_LEVEL_QUERY, BPF_CSUM_LEVEL_INC, BPF_CSUM_LEVEL_DEC, BPF_CSUM_LEVEL_RESET = range(4)
SKB_MAX_CSUM_LEVEL = 3
BPF_F_INGRESS = 1

ADJ_FIXED_GSO, ADJ_ENCAP_L3_IPV4, ADJ_ENCAP_L3_IPV6 = 1 << 0, 1 << 1, 1 << 2
ADJ_ENCAP_L4_GRE, ADJ_ENCAP_L4_UDP, ADJ_NO_CSUM_RESET = 1 << 3, 1 << 4, 1 << 5
ADJ_ENCAP_L2_ETH, ADJ_DECAP_L3_IPV4, ADJ_DECAP_L3_IPV6 = 1 << 6, 1 << 7, 1 << 8
ADJ_ENCAP_L2_SHIFT = 56
ADJ_ENCAP_L3 = ADJ_ENCAP_L3_IPV4 | ADJ_ENCAP_L3_IPV6
ADJ_DECAP_L3 = ADJ_DECAP_L3_IPV4 | ADJ_DECAP_L3_IPV6
ADJ_MASK = (ADJ_FIXED_GSO | ADJ_ENCAP_L3 | ADJ_ENCAP_L4_GRE | ADJ_ENCAP_L4_UDP
            | ADJ_ENCAP_L2_ETH | (0xFF << ADJ_ENCAP_L2_SHIFT) | ADJ_DECAP_L3)
BPF_ADJ_ROOM_NET, BPF_ADJ_ROOM_MAC = 0, 1
IP_BE, IPV6_BE = htons(0x0800), htons(0x86DD)
IPHDR, IPV6HDR = 20, 40


def _skb(machine, name: str):
    return context(machine, name, kinds=("skb",))


# -- bytes ---------------------------------------------------------------------------------
def skb_load_bytes(machine, _ctx, offset, to, length, _r5=0):
    """``long bpf_skb_load_bytes(const void *skb, u32 offset, void *to, u32 len)``:
    -EFAULT (and ``to`` zeroed) past the packet end."""
    ctx = _skb(machine, "skb_load_bytes")
    offset &= 0xFFFFFFFF
    length &= 0xFFFFFFFF
    if offset > INT_MAX or offset + length > ctx.skb.len:
        machine.write_bytes(to, bytes(length))
        return -EFAULT
    machine.write_bytes(to, ctx.packet()[offset:offset + length])
    return 0


def skb_load_bytes_relative(machine, _ctx, offset, to, length, start_header):
    """``long bpf_skb_load_bytes_relative(skb, u32 offset, void *to, u32 len, u32 start_header)``:
    from the MAC or network header; -EFAULT (``to`` zeroed) outside ``[header, tail)``."""
    ctx = _skb(machine, "skb_load_bytes_relative")
    skb = ctx.skb
    offset &= 0xFFFFFFFF
    length &= 0xFFFFFFFF
    start = {BPF_HDR_START_MAC: skb.mac, BPF_HDR_START_NET: skb.net}.get(start_header & 0xFFFFFFFF)
    if offset > 0xFFFF or start is None or start + offset + length > skb.data + skb.len:
        machine.write_bytes(to, bytes(length))
        return -EFAULT
    at = start + offset - skb.data
    if at < 0:
        from .net import fail
        raise fail(machine, "bpf_skb_load_bytes_relative: reading headroom in front of "
                            "skb->data is not modelled by pybpf")
    machine.write_bytes(to, ctx.packet()[at:at + length])
    return 0


def skb_store_bytes(machine, _ctx, offset, frm, length, flags):
    """``long bpf_skb_store_bytes(skb, u32 offset, const void *from, u32 len, u64 flags)``:
    flags other than BPF_F_RECOMPUTE_CSUM|BPF_F_INVALIDATE_HASH -EINVAL; past the end
    -EFAULT; BPF_F_INVALIDATE_HASH clears the hash."""
    ctx = _skb(machine, "skb_store_bytes")
    offset &= 0xFFFFFFFF
    length &= 0xFFFFFFFF
    if flags & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH):
        return -EINVAL
    if offset > INT_MAX or offset + length > ctx.skb.len:
        return -EFAULT
    data = machine.read_bytes(frm, length)
    if flags & BPF_F_INVALIDATE_HASH:
        _clear_hash(ctx.skb)
    ctx.write(offset, data, machine.st)
    return 0


def skb_pull_data(machine, _ctx, length, *_):
    """``long bpf_skb_pull_data(skb, u32 len)``: the test skb is linear, so 0 unless ``len``
    is past the end (-ENOMEM); packet pointers are invalidated either way."""
    ctx = _skb(machine, "skb_pull_data")
    length &= 0xFFFFFFFF
    ctx.replace(ctx.packet(), machine.st)
    return -ENOMEM if length > ctx.skb.len else 0


# -- checksums -----------------------------------------------------------------------------
def _fold(total: int) -> int:
    """``csum_fold``: 32-bit sum to the inverted 16-bit checksum."""
    total = (total & 0xFFFF) + (total >> 16)
    total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _csum16_add(csum: int, addend: int) -> int:
    res = (csum + addend) & 0xFFFF
    return (res + (res < addend)) & 0xFFFF


def csum_replace4(sum16: int, frm: int, to: int) -> int:
    tmp = csum_sub(~sum16 & 0xFFFFFFFF, frm & 0xFFFFFFFF)
    return _fold(csum_add(tmp, to & 0xFFFFFFFF))


def csum_replace2(sum16: int, old: int, new: int) -> int:
    return ~_csum16_add(_csum16_add(~sum16 & 0xFFFF, ~old & 0xFFFF), new & 0xFFFF) & 0xFFFF


def csum_replace_by_diff(sum16: int, diff: int) -> int:
    return _fold(csum_add(diff & 0xFFFFFFFF, ~sum16 & 0xFFFFFFFF))


def _csum_field(machine, ctx, offset: int):
    """The 16-bit checksum at ``offset`` (little-endian, as ``__sum16``), or an errno."""
    offset &= 0xFFFFFFFF
    if offset > 0xFFFF or offset & 1 or offset + 2 > ctx.skb.len:
        return None
    return int.from_bytes(ctx.packet()[offset:offset + 2], "little")


def l3_csum_replace(machine, _ctx, offset, frm, to, flags):
    """``long bpf_l3_csum_replace(skb, u32 offset, u64 from, u64 to, u64 flags)``:
    the low 4 flag bits give the field size (0: ``to`` is a csum_diff result, 2, 4)."""
    ctx = _skb(machine, "l3_csum_replace")
    if flags & ~BPF_F_HDR_FIELD_MASK:
        return -EINVAL
    old = _csum_field(machine, ctx, offset)
    if old is None:
        return -EFAULT
    size = flags & BPF_F_HDR_FIELD_MASK
    if size == 0:
        if frm:
            return -EINVAL
        new = csum_replace_by_diff(old, to)
    elif size == 2:
        new = csum_replace2(old, frm, to)
    elif size == 4:
        new = csum_replace4(old, frm, to)
    else:
        return -EINVAL
    ctx.write(offset & 0xFFFF, new.to_bytes(2, "little"), machine.st)
    return 0


def l4_csum_replace(machine, _ctx, offset, frm, to, flags):
    """``long bpf_l4_csum_replace(skb, u32 offset, u64 from, u64 to, u64 flags)``: as
    l3_csum_replace; BPF_F_MARK_MANGLED_0 leaves a zero (UDP "no checksum") alone unless
    BPF_F_MARK_ENFORCE, and turns a zero result into 0xffff. BPF_F_PSEUDO_HDR changes
    nothing more on a CHECKSUM_NONE skb."""
    ctx = _skb(machine, "l4_csum_replace")
    allowed = (BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR
               | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6)
    if flags & ~allowed:
        return -EINVAL
    old = _csum_field(machine, ctx, offset)
    if old is None:
        return -EFAULT
    mmzero = flags & BPF_F_MARK_MANGLED_0
    if mmzero and not flags & BPF_F_MARK_ENFORCE and old == 0:
        return 0
    size = flags & BPF_F_HDR_FIELD_MASK
    if size == 0:
        if frm:
            return -EINVAL
        new = csum_replace_by_diff(old, to)
    elif size == 2:
        new = csum_replace2(old, frm, to)
    elif size == 4:
        new = csum_replace4(old, frm, to)
    else:
        return -EINVAL
    if mmzero and new == 0:
        new = 0xFFFF  # CSUM_MANGLED_0
    ctx.write(offset & 0xFFFF, new.to_bytes(2, "little"), machine.st)
    return 0


def csum_update(machine, _ctx, _csum, *_):
    """``s64 bpf_csum_update(skb, __wsum csum)``: only CHECKSUM_COMPLETE skbs carry a
    csum to update; the test skb is CHECKSUM_NONE: -ENOTSUPP."""
    _skb(machine, "csum_update")  # a test-run skb is never CHECKSUM_COMPLETE
    return -ENOTSUPP


def csum_level(machine, _ctx, level, *_):
    """``long bpf_csum_level(skb, u64 level)``: INC/DEC/RESET the CHECKSUM_UNNECESSARY level,
    QUERY it (-EACCES unless CHECKSUM_UNNECESSARY); other levels -EINVAL."""
    skb = _skb(machine, "csum_level").skb
    if level == BPF_CSUM_LEVEL_INC:
        if skb.ip_summed == CHECKSUM_UNNECESSARY:
            skb.csum_level = min(skb.csum_level + 1, SKB_MAX_CSUM_LEVEL)
        elif skb.ip_summed == CHECKSUM_NONE:
            skb.ip_summed, skb.csum_level = CHECKSUM_UNNECESSARY, 0
    elif level == BPF_CSUM_LEVEL_DEC:
        if skb.ip_summed == CHECKSUM_UNNECESSARY:
            if skb.csum_level == 0:
                skb.ip_summed = CHECKSUM_NONE
            else:
                skb.csum_level -= 1
    elif level == BPF_CSUM_LEVEL_RESET:
        _reset_unnecessary(skb)
    elif level == BPF_CSUM_LEVEL_QUERY:
        return skb.csum_level if skb.ip_summed == CHECKSUM_UNNECESSARY else -EACCES
    else:
        return -EINVAL
    return 0


def _reset_unnecessary(skb) -> None:
    if skb.ip_summed == CHECKSUM_UNNECESSARY:
        skb.ip_summed, skb.csum_level = CHECKSUM_NONE, 0


# -- growing and shrinking -------------------------------------------------------------------
def _is_gso(skb) -> bool:
    return skb.gso_size != 0


def skb_change_head(machine, _ctx, head_room, flags, *_):
    """``long bpf_skb_change_head(skb, u32 len, u64 flags)``: push ``len`` zero bytes in
    front and make them the MAC header; -EINVAL for flags, a negative (as int) length or a
    result above BPF_SKB_MAX_LEN."""
    ctx = _skb(machine, "skb_change_head")
    skb = ctx.skb
    head_room &= 0xFFFFFFFF
    new_len = (skb.len + head_room) & 0xFFFFFFFF
    if flags or s32(head_room) < 0 or (not _is_gso(skb) and new_len > SKB_MAX_LEN) \
            or new_len < skb.len:
        ctx.replace(ctx.packet(), machine.st)
        return -EINVAL
    skb.grow_head(head_room)
    skb.data -= head_room
    skb.mac = skb.data
    skb.mac_len = skb.net - skb.mac
    ctx.replace(bytes(head_room) + ctx.packet(), machine.st)
    return 0


def _min_len(skb) -> int:
    """``__bpf_skb_min_len``: the packet may not be cut inside the headers it has."""
    min_len = 0
    if skb.net - skb.data > 0:
        min_len = skb.net - skb.data
    trans = skb.transport_offset()
    if trans is not None and trans > 0:
        min_len = trans
    return min_len


def skb_change_tail(machine, _ctx, new_len, flags, *_):
    """``long bpf_skb_change_tail(skb, u32 len, u64 flags)``: grow (zero-filled) or trim to
    ``len``; -EINVAL for flags, above BPF_SKB_MAX_LEN or below the headers' end;
    -ENOTSUPP on an encapsulated skb. GSO state is reset."""
    ctx = _skb(machine, "skb_change_tail")
    skb = ctx.skb
    new_len &= 0xFFFFFFFF
    pkt = ctx.packet()
    if flags or new_len > SKB_MAX_LEN or new_len < _min_len(skb):
        ret = -EINVAL
    elif skb.encapsulation:
        ret = -ENOTSUPP
    else:
        pkt = pkt[:new_len] + bytes(max(0, new_len - len(pkt)))
        if _is_gso(skb):
            skb.gso_size = skb.gso_segs = 0
        ret = 0
    ctx.replace(pkt, machine.st)
    return ret


def _net_base_len(skb) -> int | None:
    return {IP_BE: IPHDR, IPV6_BE: IPV6HDR}.get(skb.protocol)


def skb_adjust_room(machine, _ctx, len_diff, mode, flags, _r5=0):
    """``long bpf_skb_adjust_room(skb, s32 len_diff, u32 mode, u64 flags)``: insert (zeroed)
    or remove room after the MAC header (BPF_ADJ_ROOM_MAC) or after the base network
    header (BPF_ADJ_ROOM_NET), with net/core/filter.c's checks and encap/decap bookkeeping."""
    ctx = _skb(machine, "skb_adjust_room")
    skb = ctx.skb
    diff = s32(len_diff & 0xFFFFFFFF)
    mode &= 0xFFFFFFFF
    flags &= U64
    ret = _adjust_room(ctx, skb, diff, mode, flags)
    if ret == 0 and not flags & ADJ_NO_CSUM_RESET:
        _reset_unnecessary(skb)
    ctx.replace(ctx.packet(), machine.st)
    return ret


def _adjust_room(ctx, skb, diff: int, mode: int, flags: int):
    """An errno (negative int), or 0 after applying the change to the region."""
    absdiff = abs(diff)
    shrink = diff < 0
    if flags & ~(ADJ_MASK | ADJ_NO_CSUM_RESET):
        return -EINVAL
    if absdiff > 0xFFF:
        return -EFAULT
    if skb.protocol not in (IP_BE, IPV6_BE):
        return -ENOTSUPP
    len_min = _net_base_len(skb)
    off = skb.net - skb.mac
    if mode == BPF_ADJ_ROOM_NET:
        off += len_min
    elif mode != BPF_ADJ_ROOM_MAC:
        return -ENOTSUPP
    if flags & ADJ_DECAP_L3:
        if not shrink:
            return -EINVAL
        decap = flags & ADJ_DECAP_L3
        if decap == ADJ_DECAP_L3_IPV4:
            len_min = IPHDR
        elif decap == ADJ_DECAP_L3_IPV6:
            len_min = IPV6HDR
        else:
            return -EINVAL
    len_cur = skb.len - (skb.net - skb.data)
    if (shrink and (absdiff >= len_cur or len_cur - absdiff < len_min)) or \
            (not shrink and skb.len + absdiff > SKB_MAX_LEN and not _is_gso(skb)):
        return -ENOTSUPP
    return _shrink(ctx, skb, off, absdiff, flags) if shrink else _grow(ctx, skb, off, absdiff,
                                                                       flags)


def _gso_unsupported(skb) -> bool:
    """A GSO skb without a TCP GSO type (the test run sets no type) is only adjusted for
    UDP_L4 with FIXED_GSO: never here."""
    return _is_gso(skb)


def _grow(ctx, skb, off: int, n: int, flags: int):
    inner_mac_len = (flags >> ADJ_ENCAP_L2_SHIFT) & 0xFF
    encap = flags & ADJ_ENCAP_L3
    if _gso_unsupported(skb):
        return -ENOTSUPP
    skb.grow_head(n)
    if encap:
        if flags & ADJ_ENCAP_L3_IPV4 and flags & ADJ_ENCAP_L3_IPV6:
            return -EINVAL
        if flags & ADJ_ENCAP_L4_GRE and flags & ADJ_ENCAP_L4_UDP:
            return -EINVAL
        if flags & ADJ_ENCAP_L2_ETH and inner_mac_len < ETH_HLEN:
            return -EINVAL
        if skb.encapsulation:
            return -EALREADY
        if inner_mac_len > n:
            return -EINVAL
    mac_len = skb.net - skb.mac
    _push(ctx, skb, off, n)
    if encap:
        skb.encapsulation = True
        skb.net = skb.data + mac_len
        if flags & (ADJ_ENCAP_L4_GRE | ADJ_ENCAP_L4_UDP):
            skb.trans = skb.data + mac_len + (IPV6HDR if flags & ADJ_ENCAP_L3_IPV6 else IPHDR)
        if skb.protocol == IP_BE and flags & ADJ_ENCAP_L3_IPV6:
            skb.protocol = IPV6_BE
        elif skb.protocol == IPV6_BE and flags & ADJ_ENCAP_L3_IPV4:
            skb.protocol = IP_BE
    return 0


def _shrink(ctx, skb, off: int, n: int, flags: int):
    if flags & ~(ADJ_FIXED_GSO | ADJ_DECAP_L3 | ADJ_NO_CSUM_RESET):
        return -EINVAL
    if _gso_unsupported(skb):
        return -ENOTSUPP
    ret = _pop(ctx, skb, off, n)
    if ret:
        return ret
    if skb.protocol == IP_BE and flags & ADJ_DECAP_L3_IPV6:
        skb.protocol = IPV6_BE
    elif skb.protocol == IPV6_BE and flags & ADJ_DECAP_L3_IPV4:
        skb.protocol = IP_BE
    return 0


def _pop(ctx, skb, off: int, n: int) -> int:
    """``bpf_skb_net_hdr_pop``: remove ``n`` bytes at ``off`` (headers follow)."""
    if off + n > skb.len:
        return -ENOMEM
    trans_same = skb.trans == skb.net
    pkt = ctx.packet()
    pkt = pkt[:off] + pkt[off + n:]
    skb.data += n
    skb.mac += n
    skb.net += n
    if trans_same:
        skb.trans = skb.net
    ctx.replace(pkt, None)
    return 0


def _push(ctx, skb, off: int, n: int) -> None:
    """``bpf_skb_net_hdr_push``: insert ``n`` zero bytes at ``off``."""
    trans_same = skb.trans == skb.net
    pkt = ctx.packet()
    pkt = pkt[:off] + bytes(n) + pkt[off:]
    skb.data -= n
    skb.mac -= n
    skb.net -= n
    if trans_same:
        skb.trans = skb.net
    ctx.replace(pkt, None)


def skb_change_proto(machine, _ctx, proto, flags, *_):
    """``long bpf_skb_change_proto(skb, __be16 proto, u64 flags)``: IPv4 <-> IPv6 only
    (room for the larger header made or removed after the MAC header, hash cleared);
    flags -EINVAL; anything else -ENOTSUPP."""
    ctx = _skb(machine, "skb_change_proto")
    skb = ctx.skb
    proto &= 0xFFFF
    ret = -ENOTSUPP
    if flags:
        ret = -EINVAL
    elif skb.protocol == IP_BE and proto == IPV6_BE:
        skb.grow_head(IPV6HDR - IPHDR)
        _push(ctx, skb, skb.net - skb.mac, IPV6HDR - IPHDR)
        skb.protocol = IPV6_BE
        _clear_hash(skb)
        ret = 0
    elif skb.protocol == IPV6_BE and proto == IP_BE:
        ret = _pop(ctx, skb, skb.net - skb.mac, IPV6HDR - IPHDR)
        if not ret:
            skb.protocol = IP_BE
            _clear_hash(skb)
    ctx.replace(ctx.packet(), machine.st)
    return ret


def skb_change_type(machine, _ctx, pkt_type, *_):
    """``long bpf_skb_change_type(skb, u32 type)``: between PACKET_HOST..PACKET_OTHERHOST."""
    skb = _skb(machine, "skb_change_type").skb
    pkt_type &= 0xFFFFFFFF
    if skb.pkt_type > PACKET_OTHERHOST or pkt_type > PACKET_OTHERHOST:
        return -EINVAL
    skb.pkt_type = pkt_type
    machine.context.publish(machine.st)
    return 0


# -- VLAN ------------------------------------------------------------------------------------
def _is_vlan(proto_be: int) -> bool:
    return proto_be in (htons(ETH_P_8021Q), htons(ETH_P_8021AD))


def skb_vlan_push(machine, _ctx, vlan_proto, vlan_tci, *_):
    """``long bpf_skb_vlan_push(skb, __be16 vlan_proto, u16 vlan_tci)``: the tag is held out
    of band (``vlan_present``/``vlan_tci``/``vlan_proto``), as hardware acceleration would;
    a tag already held is first written into the packet. Protocols other than 802.1Q/AD
    become 802.1Q."""
    ctx = _skb(machine, "skb_vlan_push")
    skb = ctx.skb
    vlan_proto &= 0xFFFF
    vlan_tci &= 0xFFFF
    if not _is_vlan(vlan_proto):
        vlan_proto = htons(ETH_P_8021Q)
    ret = 0
    if skb.vlan_proto or skb.vlan_tci:
        if skb.data != skb.mac:
            ret = -EINVAL
        else:
            skb.grow_head(VLAN_HLEN)
            pkt = ctx.packet()
            tag = skb.vlan_proto.to_bytes(2, "little") + skb.vlan_tci.to_bytes(2, "big")
            pkt = pkt[:12] + tag + pkt[12:]
            skb.data -= VLAN_HLEN
            skb.mac -= VLAN_HLEN
            skb.protocol = skb.vlan_proto
            ctx.replace(pkt, None)
    if not ret:
        skb.vlan_proto, skb.vlan_tci = vlan_proto, vlan_tci
    skb.mac_len = skb.net - skb.mac
    ctx.replace(ctx.packet(), machine.st)
    return ret


def _vlan_pop_inband(ctx, skb):
    """``__skb_vlan_pop``: take the tag after the MAC addresses out of the packet; the TCI."""
    if skb.data != skb.mac:
        return -EINVAL, 0
    if skb.len < ETH_HLEN + VLAN_HLEN:
        return -ENOMEM, 0
    pkt = ctx.packet()
    tci = int.from_bytes(pkt[14:16], "big")
    pkt = pkt[:12] + pkt[16:]
    skb.data += VLAN_HLEN
    skb.mac += VLAN_HLEN
    skb.protocol = eth_protocol(pkt)
    if skb.net - skb.data < ETH_HLEN:
        skb.net = skb.data + ETH_HLEN
    skb.mac_len = skb.net - skb.mac
    ctx.replace(pkt, None)
    return 0, tci


def skb_vlan_pop(machine, _ctx, *_):
    """``long bpf_skb_vlan_pop(skb)``: drop the out-of-band tag, or else the tag in the
    packet; then a further tag in the packet moves out of band."""
    ctx = _skb(machine, "skb_vlan_pop")
    skb = ctx.skb
    ret = 0
    if skb.vlan_proto or skb.vlan_tci:
        skb.vlan_proto = skb.vlan_tci = 0
    elif _is_vlan(skb.protocol):
        ret, _ = _vlan_pop_inband(ctx, skb)
    else:
        ctx.replace(ctx.packet(), machine.st)
        return 0
    if not ret and _is_vlan(skb.protocol):
        proto = skb.protocol
        ret, tci = _vlan_pop_inband(ctx, skb)
        if not ret:
            skb.vlan_proto, skb.vlan_tci = proto, tci
    ctx.replace(ctx.packet(), machine.st)
    return ret


# -- hash ------------------------------------------------------------------------------------
def _clear_hash(skb) -> None:
    skb.hash, skb.sw_hash, skb.l4_hash = 0, False, False


def flow_hash(packet: bytes, seed: int) -> int:
    """pybpf's stand-in for the kernel's flow hash (``__skb_get_hash``): the kernel keys a
    siphash with a per-boot random secret, so its values cannot be reproduced; this one is
    deterministic (seeded by the environment), never 0, and equal for packets of one flow
    (Ethernet type, IPv4/IPv6 addresses, protocol and the first 4 bytes of L4)."""
    proto = packet[12:14]
    key = proto
    if proto == b"\x08\x00" and len(packet) >= 34:
        ihl = (packet[14] & 0xF) * 4
        key += packet[23:24] + packet[26:34] + packet[14 + ihl:18 + ihl]
    elif proto == b"\x86\xdd" and len(packet) >= 54:
        key += packet[20:21] + packet[22:54] + packet[54:58]
    digest = hashlib.blake2b(key, digest_size=4, key=seed.to_bytes(8, "little")).digest()
    return int.from_bytes(digest, "little") or 1


def get_hash_recalc(machine, _ctx, *_):
    """``u32 bpf_get_hash_recalc(skb)``: the skb hash, computed if unset (see :func:`flow_hash`)."""
    ctx = _skb(machine, "get_hash_recalc")
    skb = ctx.skb
    if not skb.hash:
        skb.hash = flow_hash(ctx.packet(), env_of(machine).seed)
        skb.l4_hash = True
        ctx.publish(machine.st)
    return skb.hash


def set_hash_invalid(machine, _ctx, *_):
    """``void bpf_set_hash_invalid(skb)``: clear the hash (recomputed on next use)."""
    ctx = _skb(machine, "set_hash_invalid")
    _clear_hash(ctx.skb)
    ctx.publish(machine.st)
    return 0


def set_hash(machine, _ctx, value, *_):
    """``long bpf_set_hash(skb, u32 hash)``: a software L4 hash."""
    ctx = _skb(machine, "set_hash")
    ctx.skb.hash, ctx.skb.sw_hash, ctx.skb.l4_hash = value & 0xFFFFFFFF, True, True
    ctx.publish(machine.st)
    return 0


# -- ECN ---------------------------------------------------------------------------------------
def skb_protocol(ctx) -> int:
    """``skb_protocol(skb, true)``: the protocol behind in-band VLAN tags (walked from
    ``mac_len`` or, with none set, from the end of the Ethernet header); 0 if cut short."""
    skb = ctx.skb
    proto = skb.protocol
    if not _is_vlan(proto):
        return proto
    pkt = ctx.packet()
    at = skb.mac_len - VLAN_HLEN if skb.mac_len else ETH_HLEN
    for _ in range(4):  # VLAN_MAX_DEPTH 8, counted twice per tag
        if at + VLAN_HLEN > len(pkt):
            return 0
        proto = int.from_bytes(pkt[at + 2:at + 4], "little")
        at += VLAN_HLEN
        if not _is_vlan(proto):
            return proto
    return 0


def skb_ecn_set_ce(machine, _ctx, *_):
    """``long bpf_skb_ecn_set_ce(skb)``: mark Congestion Experienced in the header at the
    network header offset when the protocol (behind VLAN tags) is IPv4/IPv6 and the packet
    is ECN-capable (IPv4: checksum updated as IP_ECN_set_ce does); 1 if CE is now set."""
    ctx = _skb(machine, "skb_ecn_set_ce")
    skb = ctx.skb
    proto = skb_protocol(ctx)
    pkt = bytearray(ctx.packet())
    at = skb.net - skb.data
    if proto == IP_BE and len(pkt) >= IPHDR and at + IPHDR <= len(pkt):
        ecn = (pkt[at + 1] + 1) & 3
        if not ecn & 2:
            return int(not ecn)
        check = int.from_bytes(pkt[at + 10:at + 12], "big")
        check = _csum16_add(check, 0xFFFB + ecn)
        pkt[at + 10:at + 12] = check.to_bytes(2, "big")
        pkt[at + 1] |= 3
    elif proto == IPV6_BE and len(pkt) >= IPV6HDR and at + IPV6HDR <= len(pkt):
        word = int.from_bytes(pkt[at:at + 4], "big")
        if not (word >> 20) & 3:
            return 0
        pkt[at:at + 4] = (word | (3 << 20)).to_bytes(4, "big")
    else:
        return 0
    ctx.replace(bytes(pkt), machine.st)
    return 1


# -- redirects ---------------------------------------------------------------------------------
def redirect_peer(machine, ifindex, flags, *_):
    """``long bpf_redirect_peer(u32 ifindex, u64 flags)``: flags TC_ACT_SHOT, else
    TC_ACT_REDIRECT to the peer of ``ifindex`` (netkit/veth: resolved after the program)."""
    ctx = _skb(machine, "redirect_peer")
    if flags:
        return TC_ACT_SHOT
    ctx.redirect = Redirect("peer", ifindex=ifindex & 0xFFFFFFFF, ingress=True)
    return TC_ACT_REDIRECT


def redirect_neigh(machine, ifindex, params, plen, flags, _r5=0):
    """``long bpf_redirect_neigh(u32 ifindex, struct bpf_redir_neigh *params, int plen,
    u64 flags)``: a short non-zero ``plen`` or any flag is TC_ACT_SHOT."""
    ctx = _skb(machine, "redirect_neigh")
    plen = s32(plen & 0xFFFFFFFF)
    if (plen and plen < 20) or flags:
        return TC_ACT_SHOT
    if plen:
        machine.read_bytes(params, 20)
    ctx.redirect = Redirect("neigh", ifindex=ifindex & 0xFFFFFFFF)
    return TC_ACT_REDIRECT


def clone_redirect(machine, _ctx, ifindex, flags, *_):
    """``long bpf_clone_redirect(skb, u32 ifindex, u64 flags)``: a copy leaves through
    ``ifindex`` (an interface of the environment, else -EINVAL); flags other than
    BPF_F_INGRESS -EINVAL; a GSO test skb (no GSO type) -EBADMSG."""
    ctx = _skb(machine, "clone_redirect")
    ifindex &= 0xFFFFFFFF
    if flags & ~BPF_F_INGRESS:
        return -EINVAL
    if _is_gso(ctx.skb):
        return -EBADMSG
    if env_of(machine).interface(ifindex) is None:
        return -EINVAL
    ctx.redirect = Redirect("clone", ifindex=ifindex, flags=flags,
                            ingress=bool(flags & BPF_F_INGRESS))
    ctx.replace(ctx.packet(), machine.st)
    return 0


# -- tunnels -----------------------------------------------------------------------------------
BPF_F_TUNINFO_IPV6, BPF_F_TUNINFO_FLAGS = 1 << 0, 1 << 4
BPF_F_ZERO_CSUM_TX, BPF_F_DONT_FRAGMENT, BPF_F_SEQ_NUMBER, BPF_F_NO_TUNNEL_KEY = 2, 4, 8, 16
TUNNEL_KEY_SIZE = 44
#: Older, shorter layouts get_tunnel_key accepts: offsetof(local_ipv6), tunnel_label,
#: tunnel_ext, remote_ipv6[1] (IPv4 only).
TUNNEL_COMPAT = (28, 24, 22, 8)
IP_TUNNEL_OPTS_MAX = 255


def skb_get_tunnel_key(machine, _ctx, to, size, flags, *_):
    """``long bpf_skb_get_tunnel_key(skb, struct bpf_tunnel_key *key, u32 size, u64 flags)``:
    the tunnel metadata set by bpf_skb_set_tunnel_key in this run, or the environment's
    ``tunnel``; none: -EINVAL. ``key`` is zeroed on failure."""
    ctx = _skb(machine, "skb_get_tunnel_key")
    size &= 0xFFFFFFFF
    info = ctx.tunnel[0] if ctx.tunnel else _env_tunnel(machine)
    if info is None or flags & ~(BPF_F_TUNINFO_IPV6 | BPF_F_TUNINFO_FLAGS):
        machine.write_bytes(to, bytes(size))
        return -EINVAL
    v6 = bool(flags & BPF_F_TUNINFO_IPV6)
    if info["v6"] != v6:
        machine.write_bytes(to, bytes(size))
        return -EPROTO
    if size != TUNNEL_KEY_SIZE and (size not in TUNNEL_COMPAT or (size == 8 and v6)):
        machine.write_bytes(to, bytes(size))
        return -EINVAL
    key = bytearray(TUNNEL_KEY_SIZE)
    key[0:4] = (info["id"] & 0xFFFFFFFF).to_bytes(4, "little")
    key[20], key[21] = info["tos"], info["ttl"]
    if flags & BPF_F_TUNINFO_FLAGS:
        key[22:24] = info["flags"].to_bytes(2, "big")
    if v6:
        key[4:20] = info["src"]
        key[28:44] = info["dst"]
        key[24:28] = info["label"].to_bytes(4, "little")
    else:
        key[4:8] = int.from_bytes(info["src"], "big").to_bytes(4, "little")
        key[28:32] = int.from_bytes(info["dst"], "big").to_bytes(4, "little")
    machine.write_bytes(to, bytes(key[:size]))
    return 0


def _env_tunnel(machine):
    t = env_of(machine).tunnel
    if t is None:
        return None
    v6 = (t.remote or t.local) is not None and (t.remote or t.local).version == 6
    alen = 16 if v6 else 4
    return {"id": t.id, "v6": v6, "tos": t.tos, "ttl": t.ttl, "label": t.label,
            "src": t.remote.packed if t.remote else bytes(alen),
            "dst": t.local.packed if t.local else bytes(alen), "flags": 0}


def skb_set_tunnel_key(machine, _ctx, frm, size, flags, *_):
    """``long bpf_skb_set_tunnel_key(skb, struct bpf_tunnel_key *key, u32 size, u64 flags)``:
    attach transmit tunnel metadata (read back by get_tunnel_key with remote and local as
    the receive side sees them: the kernel stores ``remote`` as the destination)."""
    ctx = _skb(machine, "skb_set_tunnel_key")
    size &= 0xFFFFFFFF
    if flags & ~(BPF_F_TUNINFO_IPV6 | BPF_F_ZERO_CSUM_TX | BPF_F_DONT_FRAGMENT
                 | BPF_F_SEQ_NUMBER | BPF_F_NO_TUNNEL_KEY):
        return -EINVAL
    if size != TUNNEL_KEY_SIZE and size not in TUNNEL_COMPAT:
        return -EINVAL  # older layouts are zero-extended
    raw = machine.read_bytes(frm, size).ljust(TUNNEL_KEY_SIZE, b"\0")
    v6 = bool(flags & BPF_F_TUNINFO_IPV6)
    if (not v6 and any(raw[24:28])) or any(raw[22:24]):
        return -EINVAL  # a label without IPv6, or the deprecated tunnel_ext
    # TUNNEL_NOCACHE, KEY, CSUM, SEQ, DONT_FRAGMENT as ip_tunnel_flags_to_be16 reports them
    tflags = 0x2000 | (0x04 if not flags & BPF_F_NO_TUNNEL_KEY else 0) \
        | (0x01 if not flags & BPF_F_ZERO_CSUM_TX else 0) \
        | (0x08 if flags & BPF_F_SEQ_NUMBER else 0) \
        | (0x0100 if flags & BPF_F_DONT_FRAGMENT else 0)
    if v6:
        info = {"dst": raw[4:20], "src": raw[28:44],
                "label": int.from_bytes(raw[24:28], "little") & 0xFFFFF}
    else:
        info = {"dst": int.from_bytes(raw[4:8], "little").to_bytes(4, "big"),
                "src": int.from_bytes(raw[28:32], "little").to_bytes(4, "big"), "label": 0}
    info.update(id=int.from_bytes(raw[0:4], "little"), v6=v6, tos=raw[20], ttl=raw[21],
                flags=tflags)
    ctx.tunnel = (info, None)
    return 0


def skb_set_tunnel_opt(machine, _ctx, frm, size, *_):
    """``long bpf_skb_set_tunnel_opt(skb, u8 *opt, u32 size)``: needs tunnel metadata set in
    this run and a size multiple of 4 (-EINVAL), at most 255 (-ENOMEM)."""
    ctx = _skb(machine, "skb_set_tunnel_opt")
    size &= 0xFFFFFFFF
    if ctx.tunnel is None or size & 3:
        return -EINVAL
    if size > IP_TUNNEL_OPTS_MAX:
        return -ENOMEM
    ctx.tunnel = (ctx.tunnel[0], machine.read_bytes(frm, size))
    return 0


def skb_get_tunnel_opt(machine, _ctx, to, size, *_):
    """``long bpf_skb_get_tunnel_opt(skb, u8 *opt, u32 size)``: the options' length; none
    -ENOENT, a short buffer -ENOMEM (zeroed on failure)."""
    ctx = _skb(machine, "skb_get_tunnel_opt")
    size &= 0xFFFFFFFF
    opts = ctx.tunnel[1] if ctx.tunnel else None
    if opts is None:
        machine.write_bytes(to, bytes(size))
        return -ENOENT
    if size < len(opts):
        machine.write_bytes(to, bytes(size))
        return -ENOMEM
    machine.write_bytes(to, opts + bytes(size - len(opts)))
    return len(opts)


# -- identity of the environment -----------------------------------------------------------------
def get_cgroup_classid(machine, _ctx, *_):
    """``u32 bpf_get_cgroup_classid(skb)``: the net_cls class of the task: 0 (none)."""
    _skb(machine, "get_cgroup_classid")
    return 0


#: The reference kernel's CONFIG_HZ (Linux 6.18 here: 250) and INITIAL_JIFFIES, where the
#: count starts at boot (-300 s, as an unsigned 32-bit value).
HZ = 250
INITIAL_JIFFIES = (-300 * HZ) & 0xFFFFFFFF


def jiffies64(machine, *_):
    """``u64 bpf_jiffies64(void)``: INITIAL_JIFFIES plus the virtual clock at HZ=250."""
    return (INITIAL_JIFFIES + int(machine.clock_ns) * HZ // 1_000_000_000) & U64


def ktime_get_tai_ns(machine, *_):
    """``u64 bpf_ktime_get_tai_ns(void)``: the virtual clock (TAI offset 0)."""
    return int(machine.clock_ns)


# -- routing --------------------------------------------------------------------------------------
def fib_lookup(machine, ctx_va, params_va, plen, flags, _r5=0):
    """``long bpf_fib_lookup(ctx, struct bpf_fib_lookup *params, int plen, u32 flags)``.

    XDP: :func:`pybpf.helpers.net.fib_lookup`. tc (``bpf_skb_fib_lookup``): the MTU is
    checked against ``tot_len`` only when it is non-zero; otherwise a successful lookup
    checks the skb itself against the egress device (``is_skb_forwardable``: length up
    to MTU + Ethernet header + a VLAN tag, else FRAG_NEEDED) and reports the device MTU
    in ``mtu_result``."""
    from . import net
    ctx = context(machine, "fib_lookup")
    if ctx.kind != "skb":
        return net.fib_lookup(machine, ctx_va, params_va, plen, flags)
    if s32(plen & 0xFFFFFFFF) < net.FIB_SIZE or flags & ~net.BPF_FIB_LOOKUP_MASK:
        return -EINVAL
    raw = bytearray(machine.read_bytes(params_va, net.FIB_SIZE))
    family = raw[net.F_FAMILY]
    if family not in (net.AF_INET, net.AF_INET6):
        return -net.EAFNOSUPPORT
    check_mtu = net._u16(raw, net.F_TOT_LEN) != 0
    env = env_of(machine)
    ret = net._lookup(env, raw, flags & 0xFFFFFFFF, family, check_mtu=check_mtu)
    if ret == net.RET_SUCCESS and not check_mtu:
        dev = env.interface(int.from_bytes(raw[net.F_IFINDEX:net.F_IFINDEX + 4], "little"))
        if ctx.skb.len > dev.mtu + ETH_HLEN + VLAN_HLEN:
            ret = net.RET_FRAG_NEEDED
        raw[net.F_TOT_LEN:net.F_TOT_LEN + 2] = min(dev.mtu, 0xFFFF).to_bytes(2, "little")
    machine.write_bytes(params_va, bytes(raw))
    return ret


BPF_MTU_CHK_SEGS = 1
MTU_CHK_SUCCESS, MTU_CHK_FRAG_NEEDED, MTU_CHK_SEGS_TOO_BIG = 0, 1, 2
ENODEV = 19


def check_mtu(machine, ctx_va, ifindex, mtu_len_va, len_diff, flags):
    """``long bpf_check_mtu(ctx, u32 ifindex, u32 *mtu_len, s32 len_diff, u64 flags)``.

    XDP: :func:`pybpf.helpers.net.check_mtu`. tc (``bpf_skb_check_mtu``): flags other than
    BPF_MTU_CHK_SEGS, or SEGS with a length, -EINVAL; the device is ``ifindex`` or the
    skb's (-ENODEV when unknown); the length is the skb's, or ``*mtu_len`` plus the L2
    header, plus ``len_diff``, against MTU + L2 header; a GSO skb passes (with SEGS the
    kernel checks each segment: not modelled, they pass). ``*mtu_len`` gets the device MTU
    unless the call fails."""
    from . import net
    ctx = context(machine, "check_mtu")
    if ctx.kind != "skb":
        return net.check_mtu(machine, ctx_va, ifindex, mtu_len_va, len_diff, flags)
    mtu_len = int.from_bytes(machine.read_bytes(mtu_len_va, 4), "little")
    diff = s32(len_diff & 0xFFFFFFFF)
    if flags & ~BPF_MTU_CHK_SEGS or (flags & BPF_MTU_CHK_SEGS and (diff or mtu_len)):
        return -EINVAL
    dev = env_of(machine).interface((ifindex & 0xFFFFFFFF) or ctx.dev_ifindex)
    if dev is None:
        return -ENODEV
    # the kernel adds in 32-bit ints: a huge *mtu_len wraps negative and passes
    length = s32(((mtu_len + ETH_HLEN) if mtu_len else ctx.skb.len) + diff & 0xFFFFFFFF)
    machine.write_bytes(mtu_len_va, dev.mtu.to_bytes(4, "little"))
    if length <= dev.mtu + ETH_HLEN or _is_gso(ctx.skb):
        return MTU_CHK_SUCCESS
    return MTU_CHK_FRAG_NEEDED


# -- sockets -------------------------------------------------------------------------------------
BPF_F_CURRENT_NETNS = -1
SOCK_TUPLE_V4, SOCK_TUPLE_V6 = 12, 36
EOPNOTSUPP = 95
#: bpf_get_socket_cookie of the test run's own socket and bpf_skb_cgroup_id: the kernel's
#: values come from global counters and the caller's cgroup, so pybpf fixes them.
TEST_SOCKET_COOKIE = 1
ROOT_CGROUP_ID = 1
INIT_NETNS_COOKIE = 1


def _lookup(machine, tuple_va, tuple_size, netns, flags, protocol, name):
    """The environment socket matching a ``struct bpf_sock_tuple`` (packet's source and
    destination), established sockets first, then listening/unconnected ones bound to the
    destination address or the wildcard; its bpf_sock address, or 0 (NULL)."""
    import ipaddress
    ctx = _skb(machine, name)
    tuple_size &= 0xFFFFFFFF
    if flags or tuple_size not in (SOCK_TUPLE_V4, SOCK_TUPLE_V6):
        return 0
    if s32(netns & 0xFFFFFFFF) >= 0 and (netns & U64) != (BPF_F_CURRENT_NETNS & U64):
        return 0  # another network namespace: the environment models only the current one
    raw = machine.read_bytes(tuple_va, tuple_size)
    alen = 4 if tuple_size == SOCK_TUPLE_V4 else 16
    saddr = ipaddress.ip_address(raw[:alen])
    daddr = ipaddress.ip_address(raw[alen:2 * alen])
    sport = int.from_bytes(raw[2 * alen:2 * alen + 2], "big")
    dport = int.from_bytes(raw[2 * alen + 2:2 * alen + 4], "big")
    socks = list(enumerate(ctx.env_sockets))
    for i, sk in socks:
        if (sk.protocol == protocol and sk.remote_ip is not None and sk.remote_ip == saddr
                and sk.remote_port == sport and sk.local_ip == daddr and sk.local_port == dport):
            return ctx.socket_va(i)
    for i, sk in socks:
        if (sk.protocol == protocol and sk.remote_ip is None and sk.local_port == dport
                and sk.local_ip.version == daddr.version
                and (sk.local_ip == daddr or sk.local_ip.is_unspecified)):
            return ctx.socket_va(i)
    return 0


def sk_lookup_tcp(machine, _ctx, tuple_va, tuple_size, netns, flags):
    """``struct bpf_sock *bpf_sk_lookup_tcp(ctx, struct bpf_sock_tuple *tuple, u32 tuple_size,
    u64 netns, u64 flags)`` against the environment's sockets (see :func:`_lookup`)."""
    return _lookup(machine, tuple_va, tuple_size, netns, flags, "tcp", "sk_lookup_tcp")


def sk_lookup_udp(machine, _ctx, tuple_va, tuple_size, netns, flags):
    """``bpf_sk_lookup_udp``: as sk_lookup_tcp for UDP sockets."""
    return _lookup(machine, tuple_va, tuple_size, netns, flags, "udp", "sk_lookup_udp")


def skc_lookup_tcp(machine, _ctx, tuple_va, tuple_size, netns, flags):
    """``bpf_skc_lookup_tcp``: as sk_lookup_tcp (the environment has no request or
    time-wait sockets, so every match is a full socket)."""
    return _lookup(machine, tuple_va, tuple_size, netns, flags, "tcp", "skc_lookup_tcp")


def _socket(machine, va: int, name: str) -> int:
    from .net import fail
    index = _skb(machine, name).socket_index(va)
    if index is None:
        raise fail(machine, f"bpf_{name}: 0x{va:x} is not a socket (sk_lookup_* or skb->sk)")
    return index


def sk_fullsock(machine, sk, *_):
    """``struct bpf_sock *bpf_sk_fullsock(struct bpf_sock *sk)``: every socket pybpf models
    (environment sockets, the test run's own) is a full socket: ``sk`` itself."""
    _socket(machine, sk, "sk_fullsock")
    return sk


def sk_release(machine, sk, *_):
    """``long bpf_sk_release(void *sock)``: 0 (pybpf keeps no reference counts)."""
    _socket(machine, sk, "sk_release")
    return 0


def sk_assign(machine, _ctx, sk, flags, *_):
    """``long bpf_sk_assign(skb, struct bpf_sock *sk, u64 flags)``: NULL or flags -EINVAL;
    otherwise -EOPNOTSUPP, as in every BPF_PROG_TEST_RUN (the test skb is not at tc
    ingress)."""
    _skb(machine, "sk_assign")
    if not sk or flags:
        return -EINVAL
    _socket(machine, sk, "sk_assign")
    return -EOPNOTSUPP


def get_socket_cookie(machine, _ctx, *_):
    """``u64 bpf_get_socket_cookie(skb)``: the cookie of the skb's socket; the test run's
    skb has one (a dummy socket), given the fixed cookie :data:`TEST_SOCKET_COOKIE`."""
    _skb(machine, "get_socket_cookie")
    return TEST_SOCKET_COOKIE


def skb_cgroup_id(machine, _ctx, *_):
    """``u64 bpf_skb_cgroup_id(skb)``: the cgroup of the skb's socket: pybpf answers the
    root cgroup (:data:`ROOT_CGROUP_ID`; the kernel gives the caller's cgroup)."""
    _skb(machine, "skb_cgroup_id")
    return ROOT_CGROUP_ID


def get_netns_cookie(machine, _ctx, *_):
    """``u64 bpf_get_netns_cookie(ctx)``: the initial network namespace's cookie."""
    _skb(machine, "get_netns_cookie")
    return INIT_NETNS_COOKIE


NAMES = ("skb_load_bytes", "skb_load_bytes_relative", "skb_store_bytes", "skb_pull_data",
         "l3_csum_replace", "l4_csum_replace", "csum_update", "csum_level", "skb_change_head",
         "skb_change_tail", "skb_adjust_room", "skb_change_proto", "skb_change_type",
         "skb_vlan_push", "skb_vlan_pop", "get_hash_recalc", "set_hash_invalid", "set_hash",
         "skb_ecn_set_ce", "redirect_peer", "redirect_neigh", "clone_redirect",
         "skb_get_tunnel_key", "skb_set_tunnel_key", "skb_get_tunnel_opt", "skb_set_tunnel_opt",
         "get_cgroup_classid", "jiffies64", "ktime_get_tai_ns", "sk_lookup_tcp",
         "sk_lookup_udp", "skc_lookup_tcp", "sk_release", "sk_assign", "get_socket_cookie",
         "skb_cgroup_id", "get_netns_cookie", "fib_lookup", "check_mtu", "sk_fullsock")
