"""The helpers compiled into the interpreter, apart from the Python helper table.

The generated interpreter and :class:`pybpf.vm.Machine` need only this table
(and the kernel's helper ids); the Python helpers in :mod:`pybpf.helpers` are
called through the trampoline, so editing them does not invalidate the
compiled code cache (:mod:`pybpf._jitcache`).
"""

from __future__ import annotations

from .kernel_ids import HELPERS as _IDS

_BY_NAME = {name: hid for hid, name, _proto in _IDS}
_NAMES = {hid: name for hid, name, _proto in _IDS}

#: Hot helpers: id -> "module:function" of a Numba implementation (see hot.py).
HOT: dict[int, str] = {
    _BY_NAME["ktime_get_ns"]: "pybpf.helpers.hot:ktime_get_ns",
    _BY_NAME["ktime_get_boot_ns"]: "pybpf.helpers.hot:ktime_get_ns",
    _BY_NAME["ktime_get_coarse_ns"]: "pybpf.helpers.hot:ktime_get_ns",
    _BY_NAME["get_prandom_u32"]: "pybpf.helpers.hot:get_prandom_u32",
    _BY_NAME["get_smp_processor_id"]: "pybpf.helpers.hot:get_smp_processor_id",
    _BY_NAME["get_numa_node_id"]: "pybpf.helpers.hot:get_numa_node_id",
    _BY_NAME["map_lookup_elem"]: "pybpf.helpers.maphelpers:map_lookup_elem",
    _BY_NAME["map_update_elem"]: "pybpf.helpers.maphelpers:map_update_elem",
    _BY_NAME["map_delete_elem"]: "pybpf.helpers.maphelpers:map_delete_elem",
    _BY_NAME["map_lookup_percpu_elem"]: "pybpf.helpers.maphelpers:map_lookup_percpu_elem",
    _BY_NAME["map_push_elem"]: "pybpf.helpers.queuehelpers:map_push_elem",
    _BY_NAME["map_pop_elem"]: "pybpf.helpers.queuehelpers:map_pop_elem",
    _BY_NAME["map_peek_elem"]: "pybpf.helpers.queuehelpers:map_peek_elem",
    _BY_NAME["xdp_adjust_head"]: "pybpf.helpers.xdphot:xdp_adjust_head",
    _BY_NAME["xdp_adjust_meta"]: "pybpf.helpers.xdphot:xdp_adjust_meta",
    _BY_NAME["skb_load_bytes"]: "pybpf.helpers.skbhot:skb_load_bytes",
    _BY_NAME["skb_store_bytes"]: "pybpf.helpers.skbhot:skb_store_bytes",
    _BY_NAME["l3_csum_replace"]: "pybpf.helpers.skbhot:l3_csum_replace",
    _BY_NAME["l4_csum_replace"]: "pybpf.helpers.skbhot:l4_csum_replace",
    _BY_NAME["csum_diff"]: "pybpf.helpers.skbhot:csum_diff",
    _BY_NAME["perf_event_output"]: "pybpf.helpers.eventhot:perf_event_output",
}
#: Hot helpers that keep their Python implementation in the Python table: the compiled
#: one leaves some cases to it (:data:`pybpf.vm.abi.PYTHON_HELPER`).
WITH_PYTHON_FALLBACK = frozenset(_BY_NAME[n] for n in (
    "skb_load_bytes", "skb_store_bytes", "l3_csum_replace", "l4_csum_replace", "csum_diff",
    "perf_event_output"))

#: bpf_tail_call is compiled into the interpreter's call handler itself (it moves the pc).
TAIL_CALL = _BY_NAME["tail_call"]
#: bpf_loop and bpf_for_each_map_elem too: they call back into the program.
BPF_LOOP = _BY_NAME["loop"]
FOR_EACH_MAP_ELEM = _BY_NAME["for_each_map_elem"]
COMPILED_IN_LOOP = (TAIL_CALL, BPF_LOOP, FOR_EACH_MAP_ELEM)


def helper_name(helper_id: int) -> str | None:
    """``bpf_map_lookup_elem`` for 1: the name the kernel's log prints."""
    name = _NAMES.get(helper_id)
    return f"bpf_{name}" if name else None
