"""Network helpers shared by XDP and tc programs, as ``net/core/filter.c`` defines them.

Each is a Python helper ``fn(machine, r1..r5) -> r0`` that dispatches on
``machine.context.kind`` (``"xdp"`` or ``"skb"``, see :mod:`pybpf.contexts`) and
answers from ``machine.env`` (:mod:`pybpf.env`): interfaces, routes and
neighbours. Redirects are recorded on the context (``context.redirect``, a
:class:`pybpf.result.Redirect`): the last call of a run wins, as with the
kernel's per-CPU redirect state.
"""

from __future__ import annotations

import ipaddress
import socket
import struct

from ..errors import HelperError
from ..isa.insn import s32
from ..maps.layout import M_DATA, M_TYPE, handle_va
from ..result import Redirect
from ..vm import abi

EINVAL, ENODEV, EAFNOSUPPORT = 22, 19, 97
XDP_ABORTED, XDP_REDIRECT = 0, 4
TC_ACT_SHOT, TC_ACT_REDIRECT = 2, 7
BPF_F_INGRESS = 1 << 0
BPF_F_BROADCAST = 1 << 3
BPF_F_EXCLUDE_INGRESS = 1 << 4
#: XDP actions a failed redirect_map lookup may fall back to (the low bits of its flags).
XDP_ACTION_MASK = 3  # XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX

DEVMAP, CPUMAP, XSKMAP, DEVMAP_HASH = 14, 16, 17, 25
#: Flags each redirect map type accepts besides the fallback action.
REDIRECT_MAP_FLAGS = {DEVMAP: BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS,
                      DEVMAP_HASH: BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS,
                      CPUMAP: 0, XSKMAP: 0}


# -- plumbing shared by the helper modules -----------------------------------------------
def fail(machine, message: str) -> HelperError:
    """A HelperError at the current call instruction."""
    pc = int(machine.st[abi.PC]) - 1
    return HelperError(f"{machine.describe_insn(pc)}: {message}", pc, machine.where(pc))


_KIND_NAMES = {"xdp": "XDP", "skb": "tc"}


def context(machine, helper: str, kinds=("xdp", "skb")):
    """The running program's context, or a HelperError when ``helper`` cannot use it."""
    ctx = getattr(machine, "context", None)
    if ctx is None or ctx.kind not in kinds:
        what = "no packet context" if ctx is None else f"a {_KIND_NAMES[ctx.kind]} context"
        wanted = " or ".join(_KIND_NAMES[k] for k in kinds)
        raise fail(machine, f"bpf_{helper} is for {wanted} programs; this run has {what}")
    return ctx


def env_of(machine):
    from ..env import DEFAULT_ENV
    return getattr(machine, "env", None) or DEFAULT_ENV


def ingress_ifindex(ctx) -> int:
    """The device an XDP packet arrived on (``xdp->rxq->dev``: the loopback by default)."""
    return ctx.md["ingress_ifindex"] or 1


# -- redirect ------------------------------------------------------------------------------
def redirect(machine, ifindex, flags, _r3=0, _r4=0, _r5=0):
    """``long bpf_redirect(u32 ifindex, u64 flags)``.

    XDP: any flag makes it XDP_ABORTED; else XDP_REDIRECT to ``ifindex``.
    tc: flags other than BPF_F_INGRESS make it TC_ACT_SHOT; else TC_ACT_REDIRECT
    (BPF_F_INGRESS: into the target's receive path).
    """
    ctx = context(machine, "redirect")
    ifindex &= 0xFFFFFFFF
    if ctx.kind == "xdp":
        if flags:
            return XDP_ABORTED
        ctx.redirect = Redirect("ifindex", ifindex=ifindex)
        return XDP_REDIRECT
    if flags & ~BPF_F_INGRESS:
        return TC_ACT_SHOT
    ctx.redirect = Redirect("ifindex", ifindex=ifindex, flags=flags,
                            ingress=bool(flags & BPF_F_INGRESS))
    return TC_ACT_REDIRECT


def redirect_map(machine, map_va, key, flags, _r4=0, _r5=0):
    """``long bpf_redirect_map(struct bpf_map *map, u64 key, u64 flags)`` (XDP).

    Flags outside the fallback action (low 2 bits) and the map type's own flags
    (BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS for devmaps) make it XDP_ABORTED. An
    empty slot gives the fallback action, unless BPF_F_BROADCAST. The target: a
    devmap's value is the ifindex (``struct bpf_devmap_val`` starts with it; 0 is an
    empty slot), a cpumap's key is the CPU (a queue size of 0 is an empty slot), an
    xskmap's key is the queue (a value of 0 is an empty slot).
    """
    ctx = context(machine, "redirect_map", kinds=("xdp",))
    m = _map_number(machine, map_va)
    mtype = int(machine.maps[m, M_TYPE])
    if mtype not in REDIRECT_MAP_FLAGS:
        from ..spec import MAP_TYPES
        raise fail(machine, f"bpf_redirect_map needs a devmap, devmap_hash, cpumap or xskmap, "
                            f"r1 is map {_map_name(machine, m)!r} ({MAP_TYPES.get(mtype)})")
    if flags & ~(XDP_ACTION_MASK | REDIRECT_MAP_FLAGS[mtype]):
        return XDP_ABORTED
    key &= 0xFFFFFFFF
    mp = _map_by_number(machine, m)
    value = mp.lookup(key)
    target = int.from_bytes(value[:4], "little") if value is not None else 0
    name = _map_name(machine, m)
    if not target and not flags & BPF_F_BROADCAST:
        ctx.redirect = None
        return flags & XDP_ACTION_MASK
    if flags & BPF_F_BROADCAST:
        ctx.redirect = Redirect("map", ifindex=None, flags=flags, map=name, key=key)
    elif mtype in (DEVMAP, DEVMAP_HASH):
        ctx.redirect = Redirect("map", ifindex=target, map=name, key=key)
    else:  # cpumap: the CPU is the key; xskmap: the queue is the key
        ctx.redirect = Redirect("map", map=name, key=key)
    return XDP_REDIRECT


def _map_number(machine, va: int) -> int:
    m = va - handle_va(0)
    if not 0 <= m < machine.maps.shape[0] or int(machine.maps[m, M_TYPE]) == 0:
        raise fail(machine, f"argument r1 (0x{va:x}) is not a map")
    return m


def _map_name(machine, m: int) -> str:
    return machine.memory.regions[int(machine.maps[m, M_DATA])].name


def _map_by_number(machine, m: int):
    mapset = getattr(machine, "mapset", None)
    for mp in (mapset.maps.values() if mapset is not None else ()):
        if mp.index == m:
            return mp
    raise fail(machine, f"map number {m} is not a map of this object")


# -- checksums -----------------------------------------------------------------------------
# 32-bit ones'-complement sums (``__wsum``) as x86-64 Linux computes them: words read
# little-endian, carries wrapped around, so a sum is 0 only when everything added was 0.

def csum_add(a: int, b: int) -> int:
    """``csum_add``: 32-bit addition with the carry added back."""
    s = (a + b) & 0xFFFFFFFF
    return (s + (s < b)) & 0xFFFFFFFF


def csum_sub(a: int, b: int) -> int:
    return csum_add(a, ~b & 0xFFFFFFFF)


def csum_partial(data: bytes, seed: int) -> int:
    """``csum_partial``: ``seed`` plus the bytes as little-endian u32 words (a short last
    word zero-padded), end-around carry."""
    total = seed & 0xFFFFFFFF
    data = bytes(data) + bytes(-len(data) % 4)
    for (word,) in struct.iter_unpack("<I", data):
        total = csum_add(total, word)
    return total


def csum_from32to16(total: int) -> int:
    """Fold a 32-bit sum to 16 bits (not inverted), as the kernel's csum_from32to16."""
    total = (total + (((total >> 16) | (total << 16)) & 0xFFFFFFFF)) & 0xFFFFFFFF
    return total >> 16


def csum_diff(machine, from_va, from_size, to_va, to_size, seed):
    """``s64 bpf_csum_diff(__be32 *from, u32 from_size, __be32 *to, u32 to_size, __wsum seed)``.

    Linux 6.18's form (observed: any sizes, the result folded to 16 bits): with both
    buffers ``csum(to, seed) - csum(from)``; only ``to``: ``csum(to, seed)``; only
    ``from``: ``~csum(from, ~seed)``; neither: ``seed``; then folded.
    """
    from_size &= 0xFFFFFFFF
    to_size &= 0xFFFFFFFF
    seed &= 0xFFFFFFFF
    old = machine.read_bytes(from_va, from_size) if from_size else b""
    new = machine.read_bytes(to_va, to_size) if to_size else b""
    if from_size and to_size:
        total = csum_sub(csum_partial(new, seed), csum_partial(old, 0))
    elif to_size:
        total = csum_partial(new, seed)
    elif from_size:
        total = ~csum_partial(old, ~seed & 0xFFFFFFFF) & 0xFFFFFFFF
    else:
        total = seed
    return csum_from32to16(total)


# -- MTU -----------------------------------------------------------------------------------
BPF_MTU_CHK_SEGS = 1
BPF_MTU_CHK_RET_SUCCESS, BPF_MTU_CHK_RET_FRAG_NEEDED = 0, 1
ETH_HLEN = 14


def check_mtu(machine, ctx_va, ifindex, mtu_len_va, len_diff, flags):
    """``long bpf_check_mtu(void *ctx, u32 ifindex, u32 *mtu_len, s32 len_diff, u64 flags)``.

    XDP: flags must be 0 (-EINVAL). The device is ``ifindex`` or, for 0, the ingress
    device (-ENODEV if the environment has no such interface). The length checked is
    the packet's (``data_end - data``), or ``*mtu_len`` plus the L2 header when
    ``*mtu_len`` is non-zero, plus ``len_diff``, against the device MTU plus its L2
    header; ``*mtu_len`` gets the device MTU.
    """
    ctx = context(machine, "check_mtu")
    if ctx.kind != "xdp":
        raise fail(machine, "bpf_check_mtu for tc programs is not implemented in pybpf yet")
    if flags:
        return -EINVAL
    env = env_of(machine)
    ifindex &= 0xFFFFFFFF
    dev = env.interface(ifindex or ingress_ifindex(ctx))
    if dev is None:
        return -ENODEV
    p = ctx.packet
    length = p.end - p.data
    mtu_len = int.from_bytes(machine.read_bytes(mtu_len_va, 4), "little")
    if mtu_len:
        length = mtu_len + ETH_HLEN
    length += s32(len_diff & 0xFFFFFFFF)
    ret = BPF_MTU_CHK_RET_FRAG_NEEDED if length > dev.mtu + ETH_HLEN else BPF_MTU_CHK_RET_SUCCESS
    machine.write_bytes(mtu_len_va, dev.mtu.to_bytes(4, "little"))
    return ret


# -- FIB lookup ----------------------------------------------------------------------------
AF_INET, AF_INET6 = socket.AF_INET, socket.AF_INET6
BPF_FIB_LOOKUP_DIRECT = 1 << 0
BPF_FIB_LOOKUP_OUTPUT = 1 << 1
BPF_FIB_LOOKUP_SKIP_NEIGH = 1 << 2
BPF_FIB_LOOKUP_TBID = 1 << 3
BPF_FIB_LOOKUP_SRC = 1 << 4
BPF_FIB_LOOKUP_MARK = 1 << 5
BPF_FIB_LOOKUP_MASK = (BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT | BPF_FIB_LOOKUP_SKIP_NEIGH
                       | BPF_FIB_LOOKUP_TBID | BPF_FIB_LOOKUP_SRC | BPF_FIB_LOOKUP_MARK)
(RET_SUCCESS, RET_BLACKHOLE, RET_UNREACHABLE, RET_PROHIBIT, RET_NOT_FWDED, RET_FWD_DISABLED,
 RET_UNSUPP_LWT, RET_NO_NEIGH, RET_FRAG_NEEDED, RET_NO_SRC_ADDR) = range(10)
_REJECT = {"blackhole": RET_BLACKHOLE, "unreachable": RET_UNREACHABLE, "prohibit": RET_PROHIBIT}

#: struct bpf_fib_lookup (64 bytes): offsets of the fields the helper reads and writes.
FIB_SIZE = 64
F_FAMILY, F_TOT_LEN, F_IFINDEX, F_METRIC, F_SRC, F_DST, F_VLAN, F_TBID, F_SMAC, F_DMAC = (
    0, 6, 8, 12, 16, 32, 48, 48, 52, 58)


def fib_lookup(machine, ctx_va, params_va, plen, flags, _r5=0):
    """``long bpf_fib_lookup(void *ctx, struct bpf_fib_lookup *params, int plen, u32 flags)``
    against the environment's routes (by table: 254 unless DIRECT|TBID names one),
    neighbours and interfaces. See :func:`_lookup` for the rules."""
    ctx = context(machine, "fib_lookup")
    if s32(plen & 0xFFFFFFFF) < FIB_SIZE:
        return -EINVAL
    if flags & ~BPF_FIB_LOOKUP_MASK:
        return -EINVAL
    raw = bytearray(machine.read_bytes(params_va, FIB_SIZE))
    family = raw[F_FAMILY]
    if family not in (AF_INET, AF_INET6):
        return -EAFNOSUPPORT
    # tc checks the skb against the egress device after the lookup instead (not modelled)
    ret = _lookup(env_of(machine), raw, flags & 0xFFFFFFFF, family, check_mtu=ctx.kind == "xdp")
    machine.write_bytes(params_va, bytes(raw))
    return ret


def _u16(raw, at: int) -> int:
    return int.from_bytes(raw[at:at + 2], "little")


RT_TABLE_MAIN = 254


def _is_local(env, addr, oif: int | None = None) -> bool:
    """Whether ``addr`` is this machine's (through device ``oif`` only, if given)."""
    if addr.is_loopback:
        return oif in (None, 1)
    return any(addr in d.addresses or addr in d.broadcasts
               for d in env.interfaces if oif is None or d.ifindex == oif)


def _lookup(env, raw: bytearray, flags: int, family: int, check_mtu: bool) -> int:
    """The kernel's bpf_ipv4/ipv6_fib_lookup over ``raw`` (updated in place):

    * the input device (``params->ifindex``) must exist (-ENODEV) and forward
      (else FWD_DISABLED);
    * OUTPUT (IPv4): only routes through the device ``params->ifindex`` count;
    * the local table comes first: a destination that is an address of an interface
      (or IPv4 loopback) is NOT_FWDED; with DIRECT only one table is read (main, or
      ``params->tbid`` with TBID; an unknown table is NOT_FWDED), and IPv4's main table
      still holds the local routes (the kernel merges them without custom rules);
    * no route: NOT_FWDED; blackhole/unreachable/prohibit routes give their codes;
    * MTU (XDP): ``tot_len`` above the device's MTU (a route's own only when locked) is
      FRAG_NEEDED with ``mtu_result`` set;
    * success fills ifindex (egress), rt_metric, the gateway as destination, SRC's source
      address (else NO_SRC_ADDR), and without SKIP_NEIGH the neighbour's MAC (else
      NO_NEIGH) with the device's MAC as smac; vlan fields are zeroed, mtu_result set.
    """
    v6 = family == AF_INET6
    alen = 16 if v6 else 4
    ifindex = int.from_bytes(raw[F_IFINDEX:F_IFINDEX + 4], "little")
    dev = env.interface(ifindex)
    if dev is None:
        return -ENODEV
    if not dev.forwarding:
        return RET_FWD_DISABLED
    dst = ipaddress.ip_address(bytes(raw[F_DST:F_DST + alen]))
    table = RT_TABLE_MAIN
    if flags & BPF_FIB_LOOKUP_DIRECT and flags & BPF_FIB_LOOKUP_TBID:
        table = int.from_bytes(raw[F_TBID:F_TBID + 4], "little")
        raw[F_TBID:F_TBID + 4] = bytes(4)
        if table != RT_TABLE_MAIN and not any(r.table == table for r in env.routes):
            return RET_NOT_FWDED
    # Local addresses (and IPv4 loopback) are in the local table, which the lookup reads
    # first; with DIRECT only IPv4's main table still holds them (Linux merges IPv4's
    # local and main tables while there are no custom rules).
    # OUTPUT: IPv4 takes only routes (local ones too) through the device params->ifindex
    oif = ifindex if flags & BPF_FIB_LOOKUP_OUTPUT and not v6 else None
    if table == RT_TABLE_MAIN and (not flags & BPF_FIB_LOOKUP_DIRECT or not v6) \
            and _is_local(env, dst, oif):
        return RET_NOT_FWDED
    route = next((r for r in env.routes_in(table, 6 if v6 else 4) if dst in r.dst
                  and (oif is None or r.type != "unicast" or r.ifindex == oif)), None)
    if route is None:
        return RET_NOT_FWDED
    if route.type != "unicast":
        return _REJECT[route.type]
    out = env.interface(route.ifindex)
    mtu = route.mtu if route.mtu and route.mtu_lock else out.mtu  # ip/ip6_mtu_from_fib
    if check_mtu and _u16(raw, F_TOT_LEN) > mtu:
        raw[F_TOT_LEN:F_TOT_LEN + 2] = min(mtu, 0xFFFF).to_bytes(2, "little")
        return RET_FRAG_NEEDED
    raw[F_METRIC:F_METRIC + 4] = route.metric.to_bytes(4, "little")
    raw[F_IFINDEX:F_IFINDEX + 4] = out.ifindex.to_bytes(4, "little")
    if flags & BPF_FIB_LOOKUP_SRC:
        src = route.src or next((a for a in out.addresses if a.version == dst.version), None)
        if src is None:
            return RET_NO_SRC_ADDR
        raw[F_SRC:F_SRC + alen] = src.packed
    nexthop = route.gateway or dst
    raw[F_DST:F_DST + alen] = nexthop.packed
    if not flags & BPF_FIB_LOOKUP_SKIP_NEIGH:
        neigh = env.neighbour(nexthop, out.ifindex)
        if neigh is None:
            return RET_NO_NEIGH
        raw[F_DMAC:F_DMAC + 6] = neigh.mac
        raw[F_SMAC:F_SMAC + 6] = out.mac
    raw[F_VLAN:F_VLAN + 4] = bytes(4)
    if check_mtu:
        raw[F_TOT_LEN:F_TOT_LEN + 2] = min(mtu, 0xFFFF).to_bytes(2, "little")
    return RET_SUCCESS
