"""The helper registry: every kernel helper by id and name, and pybpf's implementations.

One row per helper id (:data:`KERNEL_HELPERS`, generated from the UAPI header),
and one table of implementations: *hot* ones are Numba functions compiled into
the interpreter (:mod:`pybpf.helpers.hot`), the rest are Python functions
``fn(machine, r1, r2, r3, r4, r5) -> r0`` called through the trampoline.
Users supply or replace helpers by name or id (``helpers={"fib_lookup": fn}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import LinkError
from .kernel_ids import HELPERS as _IDS


@dataclass(frozen=True)
class HelperInfo:
    id: int
    name: str          # without the ``bpf_`` prefix, as in linux/bpf.h's FN() list
    prototype: str     # the C prototype from the kernel's documentation


KERNEL_HELPERS: dict[int, HelperInfo] = {i: HelperInfo(i, n, p) for i, n, p in _IDS}
HELPER_IDS: dict[str, int] = {h.name: h.id for h in KERNEL_HELPERS.values()}

from .hotset import BPF_LOOP, COMPILED_IN_LOOP, FOR_EACH_MAP_ELEM, HOT, TAIL_CALL, helper_name  # noqa: E402,F401


def _trace_printk(machine, fmt_ptr, fmt_size, a1, a2, a3):
    """``long bpf_trace_printk(const char *fmt, u32 fmt_size, ...)``."""
    from .trace import EINVAL, format_printk
    raw = machine.read_bytes(fmt_ptr, fmt_size)
    fmt = raw.split(b"\0", 1)[0].decode("latin-1")
    text = format_printk(fmt, (a1, a2, a3), lambda p: machine.read_cstring(p))
    if text is None:
        return -EINVAL
    machine.trace_line(text)
    return len(text)


def _spin_lock(machine, lock, *_):
    """``bpf_spin_lock/unlock``: one program runs at a time in pybpf, so a lock is always free.

    The lock word is left as it is; the verifier's pairing rules are its own business.
    """
    machine.read_bytes(lock, 4)  # the pointer must still be valid memory
    return 0


#: Python implementations: id -> fn(machine, r1..r5).
PYTHON: dict[int, Callable] = {
    HELPER_IDS["trace_printk"]: _trace_printk,
    HELPER_IDS["spin_lock"]: _spin_lock,
    HELPER_IDS["spin_unlock"]: _spin_lock,
}

from . import events as _events  # noqa: E402  (perf event arrays and ring buffers)
for _name in ("perf_event_output", "ringbuf_output", "ringbuf_reserve", "ringbuf_submit",
              "ringbuf_discard", "ringbuf_query"):
    PYTHON[HELPER_IDS[_name]] = getattr(_events, _name)

from . import net as _net, xdp as _xdp  # noqa: E402  (packet helpers: XDP and shared)
for _module, _names in ((_xdp, ("xdp_adjust_tail",
                                "xdp_load_bytes", "xdp_store_bytes", "xdp_get_buff_len")),
                        (_net, ("redirect", "redirect_map", "csum_diff", "fib_lookup",
                                "check_mtu"))):
    for _name in _names:
        PYTHON[HELPER_IDS[_name]] = getattr(_module, _name)

from . import skb as _skb  # noqa: E402  (tc: __sk_buff helpers)
for _name in _skb.NAMES:
    PYTHON[HELPER_IDS[_name]] = getattr(_skb, _name)


def resolve_user_helpers(helpers: dict | None) -> dict[int, Callable]:
    """User helpers keyed by name (``"fib_lookup"`` or ``"bpf_fib_lookup"``) or id -> by id."""
    out = {}
    for key, fn in (helpers or {}).items():
        if isinstance(key, int):
            hid = key
        else:
            name = key[4:] if key.startswith("bpf_") else key
            if name not in HELPER_IDS:
                raise LinkError(f"helpers: {key!r} is not a kernel helper name")
            hid = HELPER_IDS[name]
        if not callable(fn):
            raise LinkError(f"helpers: the implementation given for {key!r} is not callable")
        out[hid] = fn
    return out


def check_calls(where: str, code, user: dict[int, Callable]) -> None:
    """Refuse at load a call to a helper that is neither implemented nor supplied."""
    for slot, row in enumerate(code.rows):
        if row is None or row.name != "call":
            continue
        hid = int(code.immu[slot]) & 0xFFFFFFFF
        if hid in user or hid in HOT or hid in PYTHON or hid in COMPILED_IN_LOOP:
            continue
        info = KERNEL_HELPERS.get(hid)
        if info is None:
            raise LinkError(f"{where}: insn {slot}: invalid func unknown#{hid}")
        raise LinkError(f"{where}: insn {slot}: calls bpf_{info.name}#{hid}, which pybpf does not "
                        f"implement yet; supply it with helpers={{'{info.name}': fn}}")
