"""Plain data describing a BPF object file: programs, maps, global data.

Produced by :func:`pybpf.elf.read_object`; consumed by the linker
(:func:`pybpf.elf.link_program`) and the loader. Instruction positions are slot
indexes (8-byte units, lddw counts 2), as the kernel counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .isa.insn import Insn

# ---------------------------------------------------------------------------
# Kernel enums

MAP_TYPES: dict[int, str] = {
    0: "unspec", 1: "hash", 2: "array", 3: "prog_array", 4: "perf_event_array",
    5: "percpu_hash", 6: "percpu_array", 7: "stack_trace", 8: "cgroup_array",
    9: "lru_hash", 10: "lru_percpu_hash", 11: "lpm_trie", 12: "array_of_maps",
    13: "hash_of_maps", 14: "devmap", 15: "sockmap", 16: "cpumap", 17: "xskmap",
    18: "sockhash", 19: "cgroup_storage", 20: "reuseport_sockarray",
    21: "percpu_cgroup_storage", 22: "queue", 23: "stack", 24: "sk_storage",
    25: "devmap_hash", 26: "struct_ops", 27: "ringbuf", 28: "inode_storage",
    29: "task_storage", 30: "bloom_filter", 31: "user_ringbuf", 32: "cgrp_storage",
    33: "arena",
}
MAP_TYPE_IDS: dict[str, int] = {v: k for k, v in MAP_TYPES.items()}

PROG_TYPES: dict[str, int] = {
    "unspec": 0, "socket_filter": 1, "kprobe": 2, "sched_cls": 3, "sched_act": 4,
    "tracepoint": 5, "xdp": 6, "perf_event": 7, "cgroup_skb": 8, "cgroup_sock": 9,
    "lwt_in": 10, "lwt_out": 11, "lwt_xmit": 12, "sock_ops": 13, "sk_skb": 14,
    "cgroup_device": 15, "sk_msg": 16, "raw_tracepoint": 17, "cgroup_sock_addr": 18,
    "lwt_seg6local": 19, "lirc_mode2": 20, "sk_reuseport": 21, "flow_dissector": 22,
    "cgroup_sysctl": 23, "raw_tracepoint_writable": 24, "cgroup_sockopt": 25,
    "tracing": 26, "struct_ops": 27, "ext": 28, "lsm": 29, "sk_lookup": 30,
    "syscall": 31, "netfilter": 32,
}

# Map flags worth naming.
BPF_F_NO_PREALLOC = 1 << 0
BPF_F_RDONLY_PROG = 1 << 7
BPF_F_MMAPABLE = 1 << 10

# Pinning: libbpf BTF maps use LIBBPF_PIN_*; iproute2's bpf_elf_map uses PIN_*.
LIBBPF_PIN_NONE = 0
LIBBPF_PIN_BY_NAME = 1
PIN_NONE = 0
PIN_OBJECT_NS = 1
PIN_GLOBAL_NS = 2

# Relocation kinds.
RELO_MAP = "map"            # lddw of a map (BTF .maps or legacy maps)
RELO_DATA = "data"          # lddw of global data: ``target`` = section, ``offset`` = byte offset
RELO_CALL = "call"          # bpf-to-bpf call
RELO_FUNC = "func"          # lddw src=BPF_PSEUDO_FUNC: address of a function (callbacks)
RELO_KFUNC = "kfunc"        # call of an extern function (kfunc): ``target`` = name
RELO_EXTERN = "extern"      # lddw of an extern variable (__ksym / __kconfig): ``target`` = name

# Section-name table after libbpf's ``section_defs``:
# (pattern, program type, expected attach type, match mode)
#   "exact": the section name equals the pattern
#   "prefix": the section name starts with pattern (which ends with "/")
#   "plus": the section name equals the pattern or starts with pattern + "/"
_SECTION_DEFS: list[tuple[str, str, str | None, str]] = [
    ("socket", "socket_filter", None, "plus"),
    ("sk_reuseport/migrate", "sk_reuseport", "sk_reuseport_select_or_migrate", "exact"),
    ("sk_reuseport", "sk_reuseport", "sk_reuseport_select", "exact"),
    ("kprobe", "kprobe", None, "plus"),
    ("uprobe", "kprobe", None, "plus"),
    ("uprobe.s", "kprobe", None, "plus"),
    ("kretprobe", "kprobe", None, "plus"),
    ("uretprobe", "kprobe", None, "plus"),
    ("uretprobe.s", "kprobe", None, "plus"),
    ("kprobe.multi", "kprobe", "trace_kprobe_multi", "plus"),
    ("kretprobe.multi", "kprobe", "trace_kprobe_multi", "plus"),
    ("kprobe.session", "kprobe", "trace_kprobe_session", "plus"),
    ("uprobe.session", "kprobe", "trace_uprobe_session", "plus"),
    ("uprobe.session.s", "kprobe", "trace_uprobe_session", "plus"),
    ("uprobe.multi", "kprobe", "trace_uprobe_multi", "plus"),
    ("uretprobe.multi", "kprobe", "trace_uprobe_multi", "plus"),
    ("uprobe.multi.s", "kprobe", "trace_uprobe_multi", "plus"),
    ("uretprobe.multi.s", "kprobe", "trace_uprobe_multi", "plus"),
    ("ksyscall", "kprobe", None, "plus"),
    ("kretsyscall", "kprobe", None, "plus"),
    ("usdt", "kprobe", None, "plus"),
    ("usdt.s", "kprobe", None, "plus"),
    ("tc/ingress", "sched_cls", "tcx_ingress", "exact"),
    ("tc/egress", "sched_cls", "tcx_egress", "exact"),
    ("tcx/ingress", "sched_cls", "tcx_ingress", "exact"),
    ("tcx/egress", "sched_cls", "tcx_egress", "exact"),
    ("tc", "sched_cls", None, "plus"),
    ("classifier", "sched_cls", None, "plus"),
    ("action", "sched_act", None, "plus"),
    ("netkit/primary", "sched_cls", "netkit_primary", "exact"),
    ("netkit/peer", "sched_cls", "netkit_peer", "exact"),
    ("tracepoint", "tracepoint", None, "plus"),
    ("tp", "tracepoint", None, "plus"),
    ("raw_tracepoint", "raw_tracepoint", None, "plus"),
    ("raw_tp", "raw_tracepoint", None, "plus"),
    ("raw_tracepoint.w", "raw_tracepoint_writable", None, "plus"),
    ("raw_tp.w", "raw_tracepoint_writable", None, "plus"),
    ("tp_btf", "tracing", "trace_raw_tp", "plus"),
    ("fentry", "tracing", "trace_fentry", "plus"),
    ("fmod_ret", "tracing", "modify_return", "plus"),
    ("fexit", "tracing", "trace_fexit", "plus"),
    ("fentry.s", "tracing", "trace_fentry", "plus"),
    ("fmod_ret.s", "tracing", "modify_return", "plus"),
    ("fexit.s", "tracing", "trace_fexit", "plus"),
    ("freplace", "ext", None, "plus"),
    ("lsm", "lsm", "lsm_mac", "plus"),
    ("lsm.s", "lsm", "lsm_mac", "plus"),
    ("lsm_cgroup", "lsm", "lsm_cgroup", "plus"),
    ("iter", "tracing", "trace_iter", "plus"),
    ("iter.s", "tracing", "trace_iter", "plus"),
    ("syscall", "syscall", None, "exact"),
    ("xdp.frags/devmap", "xdp", "xdp_devmap", "exact"),
    ("xdp/devmap", "xdp", "xdp_devmap", "exact"),
    ("xdp.frags/cpumap", "xdp", "xdp_cpumap", "exact"),
    ("xdp/cpumap", "xdp", "xdp_cpumap", "exact"),
    ("xdp.frags", "xdp", "xdp", "exact"),
    ("xdp", "xdp", "xdp", "plus"),
    ("perf_event", "perf_event", None, "exact"),
    ("lwt_in", "lwt_in", None, "exact"),
    ("lwt_out", "lwt_out", None, "exact"),
    ("lwt_xmit", "lwt_xmit", None, "exact"),
    ("lwt_seg6local", "lwt_seg6local", None, "exact"),
    ("sockops", "sock_ops", "cgroup_sock_ops", "exact"),
    ("sk_skb/stream_parser", "sk_skb", "sk_skb_stream_parser", "exact"),
    ("sk_skb/stream_verdict", "sk_skb", "sk_skb_stream_verdict", "exact"),
    ("sk_skb/verdict", "sk_skb", "sk_skb_verdict", "exact"),
    ("sk_skb", "sk_skb", None, "exact"),
    ("sk_msg", "sk_msg", "sk_msg_verdict", "exact"),
    ("lirc_mode2", "lirc_mode2", "lirc_mode2", "exact"),
    ("flow_dissector", "flow_dissector", "flow_dissector", "exact"),
    ("cgroup_skb/ingress", "cgroup_skb", "cgroup_inet_ingress", "exact"),
    ("cgroup_skb/egress", "cgroup_skb", "cgroup_inet_egress", "exact"),
    ("cgroup/skb", "cgroup_skb", None, "exact"),
    ("cgroup/sock_create", "cgroup_sock", "cgroup_inet_sock_create", "exact"),
    ("cgroup/sock_release", "cgroup_sock", "cgroup_inet_sock_release", "exact"),
    ("cgroup/sock", "cgroup_sock", "cgroup_inet_sock_create", "exact"),
    ("cgroup/post_bind4", "cgroup_sock", "cgroup_inet4_post_bind", "exact"),
    ("cgroup/post_bind6", "cgroup_sock", "cgroup_inet6_post_bind", "exact"),
    ("cgroup/dev", "cgroup_device", "cgroup_device", "exact"),
    ("cgroup/bind4", "cgroup_sock_addr", "cgroup_inet4_bind", "exact"),
    ("cgroup/bind6", "cgroup_sock_addr", "cgroup_inet6_bind", "exact"),
    ("cgroup/connect4", "cgroup_sock_addr", "cgroup_inet4_connect", "exact"),
    ("cgroup/connect6", "cgroup_sock_addr", "cgroup_inet6_connect", "exact"),
    ("cgroup/connect_unix", "cgroup_sock_addr", "cgroup_unix_connect", "exact"),
    ("cgroup/sendmsg4", "cgroup_sock_addr", "cgroup_udp4_sendmsg", "exact"),
    ("cgroup/sendmsg6", "cgroup_sock_addr", "cgroup_udp6_sendmsg", "exact"),
    ("cgroup/sendmsg_unix", "cgroup_sock_addr", "cgroup_unix_sendmsg", "exact"),
    ("cgroup/recvmsg4", "cgroup_sock_addr", "cgroup_udp4_recvmsg", "exact"),
    ("cgroup/recvmsg6", "cgroup_sock_addr", "cgroup_udp6_recvmsg", "exact"),
    ("cgroup/recvmsg_unix", "cgroup_sock_addr", "cgroup_unix_recvmsg", "exact"),
    ("cgroup/getpeername4", "cgroup_sock_addr", "cgroup_inet4_getpeername", "exact"),
    ("cgroup/getpeername6", "cgroup_sock_addr", "cgroup_inet6_getpeername", "exact"),
    ("cgroup/getpeername_unix", "cgroup_sock_addr", "cgroup_unix_getpeername", "exact"),
    ("cgroup/getsockname4", "cgroup_sock_addr", "cgroup_inet4_getsockname", "exact"),
    ("cgroup/getsockname6", "cgroup_sock_addr", "cgroup_inet6_getsockname", "exact"),
    ("cgroup/getsockname_unix", "cgroup_sock_addr", "cgroup_unix_getsockname", "exact"),
    ("cgroup/sysctl", "cgroup_sysctl", "cgroup_sysctl", "exact"),
    ("cgroup/getsockopt", "cgroup_sockopt", "cgroup_getsockopt", "exact"),
    ("cgroup/setsockopt", "cgroup_sockopt", "cgroup_setsockopt", "exact"),
    ("cgroup/sock_ops", "sock_ops", "cgroup_sock_ops", "exact"),
    ("struct_ops", "struct_ops", None, "plus"),
    ("struct_ops.s", "struct_ops", None, "plus"),
    ("sk_lookup", "sk_lookup", "sk_lookup", "exact"),
    ("netfilter", "netfilter", "netfilter", "exact"),
]


def program_type_for_section(section: str) -> tuple[str | None, str | None, str | None]:
    """``(prog_type, expected_attach_type, attach_to)`` for an ELF section name.

    Follows libbpf's section names; ``attach_to`` is what follows the prefix
    (``kprobe/do_unlinkat`` -> ``do_unlinkat``). Unknown sections give
    ``(None, None, None)``.
    """
    for pattern, ptype, attach, mode in _SECTION_DEFS:
        if section == pattern:
            return ptype, attach, None
        if mode == "plus" and section.startswith(pattern + "/"):
            return ptype, attach, section[len(pattern) + 1:] or None
    return None, None, None


# ---------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class Relocation:
    """One relocation of an instruction.

    ``slot`` is relative to the start of the function that holds it (in a
    :class:`FunctionSpec`) or to the start of the linked program (in a
    ``LinkedProgram``). ``target`` names what it points at: the map name
    (``map``), the data section name (``data``, with ``offset`` the byte offset
    in it), the function name (``call``/``func``, with ``target_section`` and
    ``target_slot`` the target's slot inside its section) or the extern symbol
    (``kfunc``/``extern``). ``elf_type`` is the R_BPF_* type, or None for a call
    inside one section that needed no ELF relocation.
    """

    slot: int
    kind: str
    symbol: str
    section: str | None
    target: str | None
    offset: int = 0
    target_section: str | None = None
    target_slot: int | None = None
    elf_type: int | None = None

    def moved(self, slot: int) -> Relocation:
        return Relocation(slot, self.kind, self.symbol, self.section, self.target, self.offset,
                          self.target_section, self.target_slot, self.elf_type)


@dataclass
class FunctionSpec:
    """One function (entry program or subprogram) as it sits in its section.

    ``instructions`` are as in the ELF except that map / global-data / kfunc
    references already carry their pseudo ``src`` (BPF_PSEUDO_MAP_FD,
    BPF_PSEUDO_MAP_VALUE with the byte offset in the high word of ``imm``,
    BPF_PSEUDO_KFUNC_CALL); bpf-to-bpf call offsets are fixed by the linker.
    ``line_info``/``func_info``/``core_relos`` slots are relative to the function.
    """

    name: str
    section: str
    slot: int                    # first slot of the function inside its section
    size: int                    # length in slots
    instructions: list[Insn] = field(default_factory=list)
    relocations: list[Relocation] = field(default_factory=list)
    line_info: list = field(default_factory=list)     # list[btf.LineInfo]
    func_info: list = field(default_factory=list)     # list[btf.FuncInfo]
    core_relos: list = field(default_factory=list)    # list[btf.CoreRelo]
    binding: str = "global"      # "global", "local" (static) or "weak"
    btf_func_id: int | None = None

    @property
    def end(self) -> int:
        return self.slot + self.size


@dataclass
class ProgramSpec(FunctionSpec):
    """An entry program: a function in an executable section other than ``.text``.

    ``type`` is the kernel program type name (``"xdp"``, ``"sched_cls"`` ...)
    derived from the section name, or None when the section is not one libbpf
    knows (e.g. Cilium's ``2/7``); the user may set it.
    """

    type: str | None = None
    attach_type: str | None = None
    attach_to: str | None = None
    sleepable: bool = False

    @property
    def type_id(self) -> int | None:
        return PROG_TYPES.get(self.type) if self.type else None


@dataclass
class MapSpec:
    """A map definition from ``.maps`` (BTF) or the legacy ``maps`` section.

    ``initial_values`` maps an index to what goes in that slot at load time:
    a program name (prog_array) or a map name (map-in-map), from ``.values``.
    ``pinning`` is the raw number: LIBBPF_PIN_* for BTF maps, PIN_* (iproute2)
    for ``struct bpf_elf_map``.
    """

    name: str
    type: int
    key_size: int = 0
    value_size: int = 0
    max_entries: int = 0
    flags: int = 0
    pinning: int = 0
    numa_node: int = 0
    map_extra: int = 0
    inner: MapSpec | None = None
    initial_values: dict[int, str] = field(default_factory=dict)
    key_type_id: int | None = None
    value_type_id: int | None = None
    section: str = ".maps"
    offset: int = 0              # byte offset of the definition in its section
    legacy: dict[str, int] = field(default_factory=dict)  # id, inner_id, inner_idx (bpf_elf_map)
    data: bytes | None = None    # initial contents (internal maps made from data sections)

    @property
    def type_name(self) -> str:
        return MAP_TYPES.get(self.type, f"map_type_{self.type}")


@dataclass(frozen=True)
class DataSymbol:
    name: str
    offset: int
    size: int
    binding: str = "global"


@dataclass
class DataSection:
    """A global-data section: ``.data``, ``.rodata``, ``.bss``, ``.data.*``, ``.rodata.*``.

    ``data`` holds the initial bytes (zeros for ``.bss``), ``size`` its length.
    The loader backs it with a one-element array map whose value is the section.
    """

    name: str
    data: bytes
    size: int
    readonly: bool = False
    symbols: dict[str, DataSymbol] = field(default_factory=dict)
    btf_datasec_id: int | None = None

    def as_map_spec(self) -> MapSpec:
        """The internal array map libbpf would create for this section."""
        return MapSpec(name=self.name, type=MAP_TYPE_IDS["array"], key_size=4,
                       value_size=max(self.size, 1), max_entries=1,
                       flags=BPF_F_RDONLY_PROG if self.readonly else 0,
                       section=self.name, data=bytes(self.data))


@dataclass(frozen=True)
class ExternSpec:
    """An undefined symbol the object refers to (kfunc, __ksym or __kconfig variable)."""

    name: str
    kind: str            # "func", "ksym", "kconfig" or "unknown"
    btf_type_id: int | None = None
    weak: bool = False


@dataclass
class ObjectSpec:
    """Everything read from one BPF ELF object."""

    path: str
    name: str
    programs: dict[str, ProgramSpec] = field(default_factory=dict)
    functions: list[FunctionSpec] = field(default_factory=list)   # every function, incl. programs
    maps: dict[str, MapSpec] = field(default_factory=dict)
    data_sections: dict[str, DataSection] = field(default_factory=dict)
    license: str | None = None
    kernel_version: int | None = None
    btf: Any = None          # pybpf.elf.btf.BTF or None
    btf_ext: Any = None      # pybpf.elf.btf.BTFExt or None
    externs: dict[str, ExternSpec] = field(default_factory=dict)

    def function_at(self, section: str, slot: int) -> FunctionSpec | None:
        """The function of ``section`` whose instructions include ``slot``."""
        for f in self.functions:
            if f.section == section and f.slot <= slot < f.end:
                return f
        return None

    def function(self, name: str) -> FunctionSpec | None:
        for f in self.functions:
            if f.name == name:
                return f
        return None
