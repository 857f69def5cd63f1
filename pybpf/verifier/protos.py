"""Helper prototypes as the verifier checks them, and which program types may call what.

Argument kinds (the kernel's ``enum bpf_arg_type``, from the ``*_proto`` structs of
kernel/bpf/helpers.c, net/core/filter.c, kernel/bpf/ringbuf.c ...):

===============  ==============================================================
``map``          ARG_CONST_MAP_PTR
``key``          ARG_PTR_TO_MAP_KEY (``key_size`` bytes readable)
``value``        ARG_PTR_TO_MAP_VALUE (``value_size`` bytes readable)
``uvalue``       ARG_PTR_TO_MAP_VALUE | MEM_UNINIT (``value_size`` bytes written)
``mem``          ARG_PTR_TO_MEM | MEM_RDONLY, size in the next argument
``umem``         ARG_PTR_TO_MEM | MEM_UNINIT (written), size in the next argument
``mem?``         ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY
``size``         ARG_CONST_SIZE; ``size0`` ARG_CONST_SIZE_OR_ZERO
``asize0``       ARG_CONST_ALLOC_SIZE_OR_ZERO (a known constant)
``ctx``          ARG_PTR_TO_CTX
``any``          ARG_ANYTHING
``func``         ARG_PTR_TO_FUNC (a callback)
``stack?``       ARG_PTR_TO_STACK_OR_NULL
``rbmem``        ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE
``lock``         ARG_PTR_TO_SPIN_LOCK
``sock``         ARG_PTR_TO_BTF_ID_SOCK_COMMON | OBJ_RELEASE (sk_release)
===============  ==============================================================

Returns: ``int``, ``void``, ``map_value_or_null``, ``ringbuf_mem_or_null`` (acquires
a reference), ``sock_or_null`` (acquires), ``sock_common_or_null``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..helpers import HELPER_IDS, KERNEL_HELPERS


@dataclass(frozen=True)
class Proto:
    name: str
    args: tuple
    ret: str = "int"
    gpl: bool = False
    acquire: bool = False
    release: bool = False


_P = [
    Proto("map_lookup_elem", ("map", "key"), "map_value_or_null"),
    Proto("map_update_elem", ("map", "key", "value", "any")),
    Proto("map_delete_elem", ("map", "key")),
    Proto("map_lookup_percpu_elem", ("map", "key", "any"), "map_value_or_null"),
    Proto("map_push_elem", ("map", "value", "any")),
    Proto("map_pop_elem", ("map", "uvalue")),
    Proto("map_peek_elem", ("map", "uvalue")),
    Proto("ktime_get_ns", ()), Proto("ktime_get_boot_ns", ()), Proto("ktime_get_coarse_ns", ()),
    Proto("jiffies64", ()),
    Proto("get_prandom_u32", ()), Proto("get_smp_processor_id", ()),
    Proto("get_numa_node_id", ()),
    Proto("trace_printk", ("mem", "size"), gpl=True),
    Proto("tail_call", ("ctx", "map", "any"), "void"),
    Proto("perf_event_output", ("ctx", "map", "any", "mem", "size0"), gpl=True),
    Proto("ringbuf_output", ("map", "mem", "size0", "any")),
    Proto("ringbuf_reserve", ("map", "asize0", "any"), "ringbuf_mem_or_null", acquire=True),
    Proto("ringbuf_submit", ("rbmem", "any"), "void", release=True),
    Proto("ringbuf_discard", ("rbmem", "any"), "void", release=True),
    Proto("ringbuf_query", ("map", "any")),
    Proto("loop", ("any", "func", "stack?", "any")),
    Proto("for_each_map_elem", ("map", "func", "stack?", "any")),
    Proto("spin_lock", ("lock",), "void"), Proto("spin_unlock", ("lock",), "void"),
    Proto("strncmp", ("mem", "size", "any")),
    Proto("redirect", ("any", "any")),
    Proto("redirect_map", ("map", "any", "any")),
    Proto("csum_diff", ("mem?", "size0", "mem?", "size0", "any")),
    Proto("xdp_adjust_head", ("ctx", "any")),
    Proto("xdp_adjust_meta", ("ctx", "any")),
    Proto("xdp_adjust_tail", ("ctx", "any")),
    Proto("xdp_get_buff_len", ("ctx",)),
    Proto("xdp_load_bytes", ("ctx", "any", "umem", "size")),
    Proto("xdp_store_bytes", ("ctx", "any", "mem", "size")),
    Proto("fib_lookup", ("ctx", "umem", "size", "any")),
    Proto("check_mtu", ("ctx", "any", "umem4", "any", "any")),
    Proto("skb_load_bytes", ("ctx", "any", "umem", "size")),
    Proto("skb_load_bytes_relative", ("ctx", "any", "umem", "size", "any")),
    Proto("skb_store_bytes", ("ctx", "any", "mem", "size", "any")),
    Proto("l3_csum_replace", ("ctx", "any", "any", "any", "any")),
    Proto("l4_csum_replace", ("ctx", "any", "any", "any", "any")),
    Proto("csum_update", ("ctx", "any")), Proto("csum_level", ("ctx", "any")),
    Proto("clone_redirect", ("ctx", "any", "any")),
    Proto("redirect_neigh", ("any", "mem?", "size0", "any")),
    Proto("redirect_peer", ("any", "any")),
    Proto("skb_vlan_push", ("ctx", "any", "any")), Proto("skb_vlan_pop", ("ctx",)),
    Proto("skb_change_proto", ("ctx", "any", "any")), Proto("skb_change_type", ("ctx", "any")),
    Proto("skb_change_tail", ("ctx", "any", "any")), Proto("skb_change_head", ("ctx", "any", "any")),
    Proto("skb_pull_data", ("ctx", "any")), Proto("skb_adjust_room", ("ctx", "any", "any", "any")),
    Proto("get_hash_recalc", ("ctx",)), Proto("set_hash_invalid", ("ctx",), "void"),
    Proto("set_hash", ("ctx", "any")), Proto("get_cgroup_classid", ("ctx",)),
    Proto("get_route_realm", ("ctx",)), Proto("skb_ecn_set_ce", ("ctx",)),
    Proto("get_socket_cookie", ("ctx",)), Proto("get_socket_uid", ("ctx",)),
    Proto("skb_under_cgroup", ("ctx", "map", "any")),
    Proto("sk_lookup_tcp", ("ctx", "mem", "size", "any", "any"), "sock_or_null", acquire=True),
    Proto("sk_lookup_udp", ("ctx", "mem", "size", "any", "any"), "sock_or_null", acquire=True),
    Proto("skc_lookup_tcp", ("ctx", "mem", "size", "any", "any"), "sock_common_or_null",
          acquire=True),
    Proto("sk_release", ("sock",), release=True),
    Proto("sk_assign", ("ctx", "sock?", "any")),
    Proto("sk_fullsock", ("sockc",), "sock_or_null"),
    Proto("tcp_sock", ("sockc",), "tcp_sock_or_null"),
    Proto("get_listener_sock", ("sockc",), "sock_or_null"),
    # tracing: helpers that fill a buffer (ARG_PTR_TO_UNINIT_MEM): the stack they write
    # must not keep what the verifier knew of it before
    Proto("probe_read", ("umem", "size0", "any"), gpl=True),
    Proto("probe_read_str", ("umem", "size0", "any"), gpl=True),
    Proto("probe_read_kernel", ("umem", "size0", "any"), gpl=True),
    Proto("probe_read_kernel_str", ("umem", "size0", "any"), gpl=True),
    Proto("probe_read_user", ("umem", "size0", "any"), gpl=True),
    Proto("probe_read_user_str", ("umem", "size0", "any"), gpl=True),
    Proto("get_current_comm", ("umem", "size")),
    Proto("get_current_pid_tgid", ()), Proto("get_current_uid_gid", ()),
]

PROTOS: dict[int, Proto] = {HELPER_IDS[p.name]: p for p in _P}


def _ids(names: str) -> frozenset:
    return frozenset(HELPER_IDS[n] for n in names.split())


#: The part of bpf_base_func_proto only a loader with CAP_PERFMON gets (unprivileged
#: mode refuses these with "program of this type cannot use helper")
PERFMON = _ids("trace_printk get_current_task get_current_task_btf probe_read_user "
               "probe_read_kernel probe_read_user_str probe_read_kernel_str snprintf_btf "
               "snprintf task_pt_regs trace_vprintk")
# bpf_base_func_proto for a privileged (CAP_BPF + CAP_PERFMON) loader
BASE = _ids("map_lookup_elem map_update_elem map_delete_elem map_push_elem map_pop_elem "
            "map_peek_elem map_lookup_percpu_elem get_prandom_u32 get_smp_processor_id "
            "get_numa_node_id tail_call ktime_get_ns ktime_get_boot_ns ktime_get_coarse_ns "
            "ringbuf_output ringbuf_reserve ringbuf_submit ringbuf_discard ringbuf_query "
            "for_each_map_elem loop strncmp spin_lock spin_unlock jiffies64") | PERFMON
_XDP = _ids("perf_event_output csum_diff xdp_adjust_head xdp_adjust_meta redirect redirect_map "
            "xdp_adjust_tail fib_lookup check_mtu xdp_get_buff_len xdp_load_bytes "
            "xdp_store_bytes sk_lookup_tcp sk_lookup_udp skc_lookup_tcp sk_release")
_TC = _ids("skb_store_bytes skb_load_bytes skb_load_bytes_relative skb_pull_data csum_diff "
           "csum_update csum_level l3_csum_replace l4_csum_replace clone_redirect "
           "get_cgroup_classid skb_vlan_push skb_vlan_pop skb_change_proto skb_change_type "
           "skb_adjust_room skb_change_tail skb_change_head redirect redirect_neigh "
           "redirect_peer get_route_realm get_hash_recalc set_hash_invalid set_hash "
           "perf_event_output skb_under_cgroup get_socket_cookie get_socket_uid fib_lookup "
           "check_mtu skb_ecn_set_ce sk_lookup_tcp sk_lookup_udp skc_lookup_tcp sk_release "
           "sk_fullsock")
_SOCKET_FILTER = _ids("skb_load_bytes skb_load_bytes_relative get_socket_cookie "
                      "get_socket_uid perf_event_output")
# cg_skb_func_proto, on top of sk_filter_func_proto's (the socket filter's)
_CGROUP_SKB = _SOCKET_FILTER | _ids(
    "get_local_storage sk_fullsock sk_storage_get sk_storage_delete skb_cgroup_id "
    "skb_ancestor_cgroup_id sk_cgroup_id sk_ancestor_cgroup_id sk_lookup_tcp sk_lookup_udp "
    "sk_release skc_lookup_tcp tcp_sock get_listener_sock skb_ecn_set_ce")

_TRACING = _ids("probe_read probe_read_str probe_read_user probe_read_user_str "
                "probe_read_kernel_str get_current_pid_tgid get_current_uid_gid get_current_comm "
                "get_current_task get_stackid get_stack perf_event_read override_return "
                "send_signal d_path copy_from_user")
_BY_PREFIX = lambda *prefixes: frozenset(  # noqa: E731
    h for n, h in HELPER_IDS.items() if n.startswith(prefixes))
_TC_ONLY = _BY_PREFIX("skb_", "sk_skb_") | _ids(
    "l3_csum_replace l4_csum_replace clone_redirect get_cgroup_classid get_route_realm "
    "get_hash_recalc set_hash_invalid set_hash csum_update csum_level redirect_neigh redirect_peer")
_XDP_ONLY = _BY_PREFIX("xdp_")
_OTHER_TYPES = _BY_PREFIX("msg_", "lwt_", "sock_ops_", "sysctl_", "sk_msg_", "seq_")

#: Program type -> helper ids it may call (the networking types pybpf models).
ALLOWED: dict[str, frozenset] = {
    "xdp": BASE | _XDP,
    "sched_cls": BASE | _TC,
    "sched_act": BASE | _TC,
    "socket_filter": BASE | _SOCKET_FILTER,
    "cgroup_skb": BASE | _CGROUP_SKB,
}

#: Program type -> helpers it certainly may not call ("program of this type cannot use
#: helper"): those of other program types it is not given. A helper in neither ALLOWED nor
#: DENIED is let through: pybpf does not refuse what it cannot judge.
_SKB_FOREIGN = _XDP_ONLY | _TC_ONLY | _TRACING | _OTHER_TYPES | _ids("redirect redirect_map")
_FOREIGN = {"xdp": _TC_ONLY | _TRACING | _OTHER_TYPES,
            "sched_cls": _XDP_ONLY | _TRACING | _OTHER_TYPES,
            "sched_act": _XDP_ONLY | _TRACING | _OTHER_TYPES,
            "socket_filter": _SKB_FOREIGN, "cgroup_skb": _SKB_FOREIGN}
DENIED: dict[str, frozenset] = {t: _FOREIGN[t] - ALLOWED[t] for t in _FOREIGN}

# kprobe, tracepoint, raw_tracepoint and perf_event programs get bpf_tracing_func_proto
# (kernel/trace/bpf_trace.c) on top of the base set: none of the networking helpers.
_NET = (_TC_ONLY | _XDP_ONLY | _OTHER_TYPES | _ids(
    "get_socket_cookie get_socket_uid redirect redirect_map sk_lookup_tcp sk_lookup_udp "
    "skc_lookup_tcp sk_release sk_assign fib_lookup check_mtu csum_diff")) - BASE
for _t in ("kprobe", "tracepoint", "raw_tracepoint", "perf_event"):
    DENIED[_t] = _NET

#: Prototypes that differ by program type: in tracing (fentry, tp_btf, iter ...) programs
#: bpf_get_socket_cookie takes a socket (bpf_get_socket_ptr_cookie_proto), not the context.
PROTOS_BY_TYPE: dict[str, dict[int, Proto]] = {
    "tracing": {HELPER_IDS["get_socket_cookie"]: Proto("get_socket_cookie", ("any",))},
}


def proto(hid: int, prog_type: str | None) -> Proto | None:
    """The prototype of helper ``hid`` as the kernel gives it to ``prog_type``."""
    by_type = PROTOS_BY_TYPE.get(prog_type or "")
    if by_type and hid in by_type:
        return by_type[hid]
    return PROTOS.get(hid)


#: Helpers without a modelled prototype whose pointer result is never NULL
#: (RET_PTR_TO_BTF_ID_TRUSTED, RET_PTR_TO_BTF_ID, RET_PTR_TO_MEM_OR_BTF_ID).
RET_NONNULL = _ids("get_current_task_btf task_pt_regs this_cpu_ptr")

#: Helpers that may move packet data (bpf_helper_changes_pkt_data): packet pointers die.
CHANGES_PKT_DATA = _ids(
    "skb_vlan_push skb_vlan_pop skb_store_bytes skb_change_proto skb_change_head "
    "skb_change_tail skb_adjust_room skb_pull_data clone_redirect l3_csum_replace "
    "l4_csum_replace xdp_adjust_head xdp_adjust_meta xdp_adjust_tail msg_pull_data "
    "msg_push_data msg_pop_data lwt_push_encap lwt_seg6_store_bytes lwt_seg6_adjust_srh "
    "lwt_seg6_action skb_change_type")


# check_map_func_compatibility: helpers restricted to some map types, and map types
# restricted to some helpers (map type numbers from enum bpf_map_type).
_PROG_ARRAY, _PERF, _RINGBUF, _QUEUE, _STACK = 3, 4, 27, 22, 23
_DEVMAP, _CPUMAP, _XSKMAP, _DEVMAP_HASH, _BLOOM = 14, 16, 17, 25, 30
HELPER_MAPS: dict[int, frozenset] = {
    HELPER_IDS["tail_call"]: frozenset({_PROG_ARRAY}),
    HELPER_IDS["perf_event_output"]: frozenset({_PERF}),
    HELPER_IDS["ringbuf_output"]: frozenset({_RINGBUF}),
    HELPER_IDS["ringbuf_reserve"]: frozenset({_RINGBUF}),
    HELPER_IDS["ringbuf_query"]: frozenset({_RINGBUF}),
    HELPER_IDS["map_push_elem"]: frozenset({_QUEUE, _STACK, _BLOOM}),
    HELPER_IDS["map_pop_elem"]: frozenset({_QUEUE, _STACK}),
    HELPER_IDS["map_peek_elem"]: frozenset({_QUEUE, _STACK, _BLOOM}),
    HELPER_IDS["redirect_map"]: frozenset({_DEVMAP, _DEVMAP_HASH, _CPUMAP, _XSKMAP}),
}
_LOOKUP = HELPER_IDS["map_lookup_elem"]
MAP_HELPERS: dict[int, frozenset] = {
    _PROG_ARRAY: frozenset({HELPER_IDS["tail_call"]}),
    _PERF: _ids("perf_event_read perf_event_output skb_output perf_event_read_value xdp_output"),
    _RINGBUF: _ids("ringbuf_output ringbuf_reserve ringbuf_query ringbuf_reserve_dynptr "
                   "ringbuf_submit_dynptr ringbuf_discard_dynptr"),
    _QUEUE: _ids("map_peek_elem map_pop_elem map_push_elem"),
    _STACK: _ids("map_peek_elem map_pop_elem map_push_elem"),
    _BLOOM: _ids("map_peek_elem map_push_elem"),
    _DEVMAP: frozenset({HELPER_IDS["redirect_map"], _LOOKUP}),
    _DEVMAP_HASH: frozenset({HELPER_IDS["redirect_map"], _LOOKUP}),
    _CPUMAP: frozenset({HELPER_IDS["redirect_map"]}),
    _XSKMAP: frozenset({HELPER_IDS["redirect_map"], _LOOKUP}),
    12: frozenset({_LOOKUP}), 13: frozenset({_LOOKUP}),
}


def helper_log_name(hid: int) -> str:
    """``bpf_map_lookup_elem`` as ``func_id_name`` prints it (``unknown`` when out of range)."""
    info = KERNEL_HELPERS.get(hid)
    return f"bpf_{info.name}" if info else "unknown"
