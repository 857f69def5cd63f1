"""Context field access per program type (the kernel's ``*_is_valid_access``).

:func:`access` returns the type of the register a load produces (``"scalar"``,
``"pkt"``, ``"pkt_end"``, ``"pkt_meta"``, ``"sock_common_or_null"``) or None when
the kernel refuses the access ("invalid bpf_context access off=.. size=..").
Program types not modelled here return "scalar" for any read and allow writes:
pybpf does not refuse what it cannot judge. Those that may read the packet directly
(lwt, sk_skb, sk_msg, sk_reuseport, cgroup_sockopt, sock_ops), or whose context holds a
socket, still get those pointers from the fields that hold them (``_POINTER_FIELDS``).
"""

from __future__ import annotations

from .regs import FLOW_KEYS, PKT, PKT_END, PKT_META, SCALAR

XDP_MD_SIZE = 24
_XDP_PTRS = {0: PKT, 4: PKT_END, 8: PKT_META}

SK_BUFF_SIZE = 192
# struct __sk_buff offsets (include/uapi/linux/bpf.h)
MARK, QUEUE_MAPPING, PRIORITY, TC_INDEX = 8, 12, 32, 44
CB, CB_END = 48, 68
TC_CLASSID = 72
DATA, DATA_END, FAMILY, REMOTE_IP4, LOCAL_PORT_END = 76, 80, 88, 92, 140
REMOTE_IP6, LOCAL_IP6_END = 100, 132
DATA_META, FLOW_KEYS_FIELD, TSTAMP, WIRE_LEN, SK = 140, 144, 152, 160, 168
TSTAMP_TYPE, HWTSTAMP = 180, 184
_SKB_PTRS = {DATA: PKT, DATA_END: PKT_END, DATA_META: PKT_META}
FLOW_KEYS_SIZE = 56            # sizeof(struct bpf_flow_keys)


def _in(off, lo, hi):
    return lo <= off < hi


EGRESS_IFINDEX = 20


class ProgType(str):
    """A program type name (compares and hashes as the name, so tables keyed by name work)
    that also carries libbpf's expected attach type (``"xdp_devmap"`` for ``xdp/devmap``)."""

    attach_type: str | None = None


def with_attach(prog_type: str | None, attach_type: str | None):
    """``prog_type`` carrying ``attach_type`` for the context rules that depend on it."""
    if prog_type is None or not attach_type:
        return prog_type
    out = ProgType(prog_type)
    out.attach_type = attach_type
    return out


def _xdp(off: int, size: int, write: bool, attach: str | None = None):
    # egress_ifindex is readable only by programs attached to a devmap entry
    if write or off < 0 or off >= XDP_MD_SIZE or off % size or size != 4 \
            or (off == EGRESS_IFINDEX and attach != "xdp_devmap"):
        return None
    return _XDP_PTRS.get(off, SCALAR)


def _skb_common(off: int, size: int, write: bool, tc: bool = False):
    """bpf_skb_is_valid_access."""
    if off < 0 or off >= SK_BUFF_SIZE or off % size:
        return None
    if _in(off, CB, CB_END):
        return SCALAR if off + size <= CB_END else None
    if off in _SKB_PTRS or _in(off, REMOTE_IP6, LOCAL_IP6_END) or off in (REMOTE_IP4, REMOTE_IP4 + 4):
        return (_SKB_PTRS.get(off, SCALAR)) if size == 4 else None
    if _in(off, FLOW_KEYS_FIELD, FLOW_KEYS_FIELD + 8):
        return None
    if _in(off, HWTSTAMP, HWTSTAMP + 8):
        return SCALAR if not write and size == 8 else None
    if _in(off, TSTAMP, TSTAMP + 8):
        return SCALAR if size == 8 else None
    if _in(off, SK, SK + 8):
        return "sock_common_or_null" if not write and size == 8 else None
    if off == TSTAMP_TYPE and size == 1 and not write and tc:
        return SCALAR
    if _in(off, TSTAMP_TYPE, HWTSTAMP):
        return None
    if write:
        return SCALAR if size == 4 else None
    return SCALAR if size <= 4 and not size & (size - 1) else None


def _tc(off: int, size: int, write: bool):
    if write and not (off in (MARK, TC_INDEX, PRIORITY, QUEUE_MAPPING, TC_CLASSID)
                      or _in(off, CB, CB_END) or _in(off, TSTAMP, TSTAMP + 8)):
        return None
    if _in(off, FAMILY, LOCAL_PORT_END) and off not in (DATA_META,):
        return None
    return _skb_common(off, size, write, tc=True)


def _socket_filter(off: int, size: int, write: bool):
    if write and not _in(off, CB, CB_END):
        return None
    if off in (DATA, DATA_END, DATA_META) or _in(off, FAMILY, LOCAL_PORT_END) \
            or _in(off, TSTAMP, TSTAMP + 8) or off == WIRE_LEN or _in(off, HWTSTAMP, HWTSTAMP + 8):
        return None
    return _skb_common(off, size, write)


def _cgroup_skb(off: int, size: int, write: bool):
    """cg_skb_is_valid_access (for a loader with CAP_BPF, which data and data_end, and
    writing tstamp, need): no tc_classid, data_meta or wire_len; writes to mark,
    priority, cb[] and tstamp only."""
    if _in(off, TC_CLASSID, TC_CLASSID + 4) or _in(off, DATA_META, DATA_META + 4) \
            or _in(off, WIRE_LEN, WIRE_LEN + 4):
        return None
    if write and not (_in(off, MARK, MARK + 4) or _in(off, PRIORITY, PRIORITY + 4)
                      or _in(off, CB, CB_END) or _in(off, TSTAMP, TSTAMP + 8)):
        return None
    return _skb_common(off, size, write)


def _flow_dissector(off: int, size: int, write: bool):
    """flow_dissector_is_valid_access: read-only; data, data_end and flow_keys, whole."""
    if write:
        return None
    if off in (DATA, DATA_END):
        return _SKB_PTRS[off] if size == 4 else None
    if off == FLOW_KEYS_FIELD:
        return FLOW_KEYS if size == 8 else None
    return None


# Tracing contexts (kernel/trace/bpf_trace.c): read-only, aligned, fields are numbers.
PT_REGS_SIZE = 168            # struct pt_regs on x86-64
PERF_MAX_TRACE_SIZE = 8192    # a tracepoint's record; its first 8 bytes are not the program's
MAX_BPF_FUNC_ARGS = 12        # raw tracepoint arguments, u64 each
SAMPLE_PERIOD, PERF_EVENT_DATA_SIZE = 168, 184   # struct bpf_perf_event_data: regs, period, addr


def _kprobe(off: int, size: int, write: bool):
    """kprobe_prog_is_valid_access: struct pt_regs."""
    if write or off < 0 or off % size or off + size > PT_REGS_SIZE:
        return None
    return SCALAR


def _tracepoint(off: int, size: int, write: bool):
    """tp_prog_is_valid_access."""
    if write or off < 8 or off >= PERF_MAX_TRACE_SIZE or off % size:
        return None
    return SCALAR


def _raw_tracepoint(off: int, size: int, write: bool):
    """raw_tp_prog_is_valid_access: u64 args[MAX_BPF_FUNC_ARGS]."""
    if write or off < 0 or off >= 8 * MAX_BPF_FUNC_ARGS or off % size:
        return None
    return SCALAR


def _perf_event(off: int, size: int, write: bool):
    """pe_prog_is_valid_access: the registers are read whole; sample_period and addr may
    be read narrower."""
    if write or off < 0 or off >= PERF_EVENT_DATA_SIZE or off % size:
        return None
    if off < SAMPLE_PERIOD and size != 8:
        return None
    return SCALAR


_TABLES = {"xdp": _xdp, "sched_cls": _tc, "sched_act": _tc, "socket_filter": _socket_filter,
           "kprobe": _kprobe, "tracepoint": _tracepoint, "raw_tracepoint": _raw_tracepoint,
           "perf_event": _perf_event, "cgroup_skb": _cgroup_skb,
           "flow_dissector": _flow_dissector}

#: Program types whose context is not modelled field by field: the fields that hold
#: pointers, as ``offset: (type, size)`` (``struct __sk_buff``'s u32 data/data_end and
#: its sk; ``sk_msg_md``, ``sk_reuseport_md``, ``bpf_sockopt``, ``bpf_sk_lookup``,
#: ``bpf_sock_addr`` and ``bpf_sock_ops`` their __bpf_md_ptr fields). Reading one whole
#: gives the pointer the kernel's is_valid_access gives; other fields stay unjudged.
_SKB_SK_POINTERS = {DATA: (PKT, 4), DATA_END: (PKT_END, 4), SK: ("sock_common_or_null", 8)}
_POINTER_FIELDS = {
    "lwt_in": _SKB_SK_POINTERS, "lwt_out": _SKB_SK_POINTERS, "lwt_xmit": _SKB_SK_POINTERS,
    "lwt_seg6local": _SKB_SK_POINTERS, "sk_skb": _SKB_SK_POINTERS,
    "sk_msg": {0: (PKT, 8), 8: (PKT_END, 8), 72: ("sock", 8)},
    "sk_reuseport": {0: (PKT, 8), 8: (PKT_END, 8), 40: ("sock", 8),
                     48: ("sock_common_or_null", 8)},              # sk, migrating_sk
    "cgroup_sockopt": {0: ("sock", 8), 8: (PKT, 8), 16: (PKT_END, 8)},   # optval, optval_end
    "sk_lookup": {0: ("sock_or_null", 8)},
    "cgroup_sock_addr": {64: ("sock", 8)},
    "sock_ops": {184: ("sock_or_null", 8), 192: (PKT, 8), 200: (PKT_END, 8)},  # skb_data ..
}

#: Program types that may read and write packet data directly (may_access_direct_pkt_data).
#: Packet pointers arise only in program types that may read the packet (those of
#: _POINTER_FIELDS and the modelled ones); the others of them may not write it.
DIRECT_PACKET_WRITE = {"xdp", "sched_cls", "sched_act", "lwt_xmit", "sk_skb", "sk_msg",
                       "cgroup_sockopt"}
#: Program types whose context arguments are typed by the kernel's BTF (btf_ctx_access):
#: a value read from them may be a PTR_TO_BTF_ID the program dereferences directly. pybpf
#: does not have the kernel's BTF, so the verifier lets loads through unknown scalars in
#: these types rather than refuse what Linux may accept.
BTF_CTX = {"tracing", "lsm", "struct_ops", "ext"}
#: Program types that may use legacy BPF_LD_[ABS|IND].
LD_ABS = {"socket_filter", "sched_cls", "sched_act"}


def access(prog_type: str | None, off: int, size: int, write: bool):
    table = _TABLES.get(prog_type or "")
    if table is None:
        kind, width = _POINTER_FIELDS.get(prog_type or "", {}).get(off, (SCALAR, size))
        return kind if not write and size == width else SCALAR
    if table is _xdp:
        return _xdp(off, size, write, getattr(prog_type, "attach_type", None))
    return table(off, size, write)


def modelled(prog_type: str | None) -> bool:
    return (prog_type or "") in _TABLES


#: Attach types of cgroup_sock_addr programs that must return 1 (they may not refuse).
_SOCK_ADDR_ONE = frozenset(f"cgroup_{a}" for a in (
    "udp4_recvmsg", "udp6_recvmsg", "unix_recvmsg", "inet4_getpeername", "inet6_getpeername",
    "unix_getpeername", "inet4_getsockname", "inet6_getsockname", "unix_getsockname"))


def return_range(prog_type: str | None) -> tuple[int, int] | None:
    """The values the main program may return (check_return_code), or None where any is
    accepted. Types whose range comes from the kernel's BTF (lsm hooks, struct_ops) or
    depends on what an extension replaces (ext) are not checked: pybpf has no kernel BTF.
    raw_tracepoint is not either, whatever its expected attach type: the kernel checks
    ([0, 0]) only one loaded with an attach_btf_id, which bpf() refuses for this type."""
    t = prog_type or ""
    attach = getattr(prog_type, "attach_type", None)
    if t == "cgroup_skb":
        return (0, 3) if attach == "cgroup_inet_egress" else (0, 1)
    if t == "cgroup_sock_addr":
        if attach in _SOCK_ADDR_ONE:
            return (1, 1)
        return (0, 3) if attach in ("cgroup_inet4_bind", "cgroup_inet6_bind") else (0, 1)
    if t in ("cgroup_sock", "sock_ops", "cgroup_device", "cgroup_sysctl", "cgroup_sockopt",
             "sk_lookup", "netfilter"):
        return (0, 1)       # (sk_lookup: SK_DROP..SK_PASS, netfilter: NF_DROP..NF_ACCEPT)
    if t == "tracing":
        return {"trace_fentry": (0, 0), "trace_fexit": (0, 0), "trace_iter": (0, 1)}.get(attach)
    if t == "kprobe":
        return (0, 1) if attach in ("trace_kprobe_session", "trace_uprobe_session") else None
    return None

