"""Events a program sends to user space: perf event arrays and BPF ring buffers.

Captured events land, in order, in ``machine.events`` (a list created on first
use; ``Object.events`` shows it), each an :class:`Event`.

``bpf_perf_event_output`` (25), for ``BPF_MAP_TYPE_PERF_EVENT_ARRAY`` maps, as the
kernel's ``bpf_xdp_event_output`` / ``bpf_event_output`` behave:

* ``flags``: the low 32 bits pick the array index (``BPF_F_CURRENT_CPU``,
  0xffffffff, means the running CPU); bits 32..51 (``BPF_F_CTXLEN_MASK``) ask for
  that many packet bytes, from ``data``, to be appended to the sample. Any other
  bit set: ``-EINVAL``. More packet bytes than the packet has: ``-EFAULT``. An
  index ``>= max_entries``: ``-E2BIG`` (checked in this order, as the kernel does).
* The kernel also needs the slot to hold a perf event opened by user space
  (``-ENOENT`` otherwise, which is what ``BPF_PROG_TEST_RUN`` with nobody
  listening returns) bound to the running CPU. pybpf treats every index as an
  open event that accepts samples from any CPU, with unlimited room (the kernel
  counts a full perf buffer as a lost sample).
* Contexts without a packet (no packet published to the machine) accept no
  ``BPF_F_CTXLEN_MASK`` bits (``-EINVAL``), as ``bpf_perf_event_output`` for
  tracing programs.
* The event's ``cpu`` is the array index (the perf buffer it went to) and
  ``data`` the sample exactly as written (a ``perf_buffer`` consumer receives it
  zero-padded so that ``4 + len`` is a multiple of 8: :attr:`Event.perf_raw`).
* The helper runs compiled (:mod:`pybpf.helpers.eventhot`): samples wait in the
  object's sample buffer until anything reads or adds events (:func:`events`,
  ``machine.events``), which takes them in first; this module's version is the
  reference, and takes the cases the compiled one leaves (a full buffer...).

Ring buffers (``BPF_MAP_TYPE_RINGBUF``, :mod:`pybpf.maps.ringbuf`):
``bpf_ringbuf_output`` (130), ``bpf_ringbuf_reserve`` (131), ``bpf_ringbuf_submit``
(132), ``bpf_ringbuf_discard`` (133) and ``bpf_ringbuf_query`` (134) as in the
kernel. A reserved sample is real VM memory inside the ring, so the program's
stores land in the ring. Passing to submit/discard anything but a pointer
returned by ``bpf_ringbuf_reserve`` and not yet released stops the program with
a :class:`~pybpf.errors.HelperError` (the kernel's verifier rejects such programs).

**Consumption.** User space is modelled as a consumer that drains every ring
buffer after each run (a loop polling after every packet): :func:`after_run`
appends the committed samples in ring order (reservation order) to
``machine.events`` and frees their space, so every run starts with empty rings
and a ring fills up only within one run (the lead's ``Program.run`` is to call
it; until then call it yourself). Set
``machine.ringbuf_autodrain = False`` to model nobody consuming (like the kernel
under ``BPF_PROG_TEST_RUN``: the ring fills across runs) and call :func:`drain`
when wanted. Ring-buffer events are appended when drained, so within one run
they come after that run's perf events. A run that ends holding a reservation
(the verifier's "Unreleased reference") raises a HelperError from
:func:`after_run`; the sample is discarded so that the ring stays usable.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from ..errors import HelperError, PyBPFError
from ..maps import ringbuf
from ..maps.layout import M_CAP, M_DATA, M_HEAD, M_MAX, M_TAIL, M_TYPE, handle_va
from ..vm import abi

PERF_EVENT_ARRAY = 4
RINGBUF = ringbuf.RINGBUF

EFAULT, E2BIG, EAGAIN, EINVAL = 14, 7, 11, 22
BPF_F_INDEX_MASK = 0xFFFFFFFF
BPF_F_CURRENT_CPU = BPF_F_INDEX_MASK
BPF_F_CTXLEN_MASK = 0xFFFFF << 32
U64 = (1 << 64) - 1


@dataclass(frozen=True)
class Event:
    """One sample a program sent: which map, which CPU (perf buffer index), the bytes,
    and the virtual clock when it was sent (submitted, for ring buffers)."""

    map: str
    cpu: int
    data: bytes
    ts_ns: int

    @property
    def perf_raw(self) -> bytes:
        """``data`` as a perf buffer delivers it: zero-padded so ``4 + len`` is 8-aligned."""
        return self.data + bytes(-(len(self.data) + 4) % 8)

    def to_json(self) -> dict:
        return {"map": self.map, "cpu": self.cpu, "ts_ns": self.ts_ns, "data": self.data.hex()}


def events(machine) -> list[Event]:
    """``machine.events``, created empty on first use, with the samples the compiled
    ``bpf_perf_event_output`` left in the sample buffer taken in first."""
    ev = getattr(machine, "_events", None)
    if ev is None:
        ev = machine._events = []
    k = int(machine.st[abi.PERF_SAMPLES])
    if k:
        _take_samples(machine, k, ev)
    return ev


#: The sample buffer of an object with a perf event array (see :mod:`pybpf.helpers.eventhot`).
SAMPLE_BUFFER_SIZE = 1 << 18
_HEADER, _RECORD = 16, 24
_RECORD_HEADER = struct.Struct("<IIQQ")   # map, perf buffer index, clock, length


def add_sample_buffer(machine, memory) -> None:
    """Give ``machine`` a sample buffer for the compiled ``bpf_perf_event_output``."""
    region = memory.add_region("perf-samples", SAMPLE_BUFFER_SIZE, flags=abi.F_RO, hi=0)
    arena = memory.view(region)
    arena[:_HEADER] = np.frombuffer((_HEADER).to_bytes(8, "little")
                                    + SAMPLE_BUFFER_SIZE.to_bytes(8, "little"), dtype=np.uint8)
    machine.st[abi.PERF_SAMPLES] = region.index


def _take_samples(machine, k: int, ev: list) -> None:
    """The buffered samples as events, appended to ``ev``; the buffer emptied."""
    view = machine.memory.view(machine.memory.regions[k])
    used = int.from_bytes(view[:8].tobytes(), "little")
    if used == _HEADER:
        return
    raw = view[_HEADER:used].tobytes()
    at, names, record = 0, {}, _RECORD_HEADER.unpack_from
    while at < len(raw):
        m, index, ts, n = record(raw, at)
        name = names.get(m)
        if name is None:
            name = names[m] = _map_name(machine, m)
        ev.append(Event(name, index, raw[at + _RECORD:at + _RECORD + n], ts))
        at += _RECORD + ((n + 7) & ~7)
    view[:8] = np.frombuffer(_HEADER.to_bytes(8, "little"), dtype=np.uint8)


# -- helpers' plumbing ---------------------------------------------------------------------
def _pc(machine) -> int:
    return int(machine.st[abi.PC]) - 1


def _fail(machine, message: str) -> HelperError:
    pc = _pc(machine)
    return HelperError(f"{machine.describe_insn(pc)}: {message}", pc, machine.where(pc))


def _map_name(machine, m: int) -> str:
    return machine.memory.regions[int(machine.maps[m, M_DATA])].name


def _map_arg(machine, va: int, want: int, helper: str, reg: int = 1) -> int:
    """The map number a handle names; a HelperError unless it is a map of type ``want``."""
    m = va - handle_va(0)
    table = machine.maps
    if not 0 <= m < table.shape[0] or int(table[m, M_TYPE]) == 0:
        raise _fail(machine, f"argument r{reg} (0x{va:x}) of {helper} is not a map")
    if int(table[m, M_TYPE]) != want:
        from ..spec import MAP_TYPES
        raise _fail(machine, f"{helper} needs a {MAP_TYPES[want]} map, r{reg} is map "
                             f"{_map_name(machine, m)!r} ({MAP_TYPES.get(int(table[m, M_TYPE]))})")
    return m


def _rb_state(machine) -> dict:
    """Per-reservation bookkeeping: ring position -> (pc of the reserve, cpu, ts at commit)."""
    st = getattr(machine, "_ringbuf_meta", None)
    if st is None:
        st = machine._ringbuf_meta = {}
    return st


# -- bpf_perf_event_output -----------------------------------------------------------------
def perf_event_output(machine, ctx, map_va, flags, data, size):
    """``long bpf_perf_event_output(ctx, map, u64 flags, void *data, u64 size)``."""
    m = _map_arg(machine, map_va, PERF_EVENT_ARRAY, "bpf_perf_event_output", 2)
    st = machine.st
    pkt, pkt_end = int(st[abi.PKT_DATA]), int(st[abi.PKT_END])
    has_packet = pkt_end != 0
    if flags & ~(BPF_F_INDEX_MASK | (BPF_F_CTXLEN_MASK if has_packet else 0)) & U64:
        return -EINVAL
    ctx_len = (flags & BPF_F_CTXLEN_MASK) >> 32
    if ctx_len > pkt_end - pkt:
        return -EFAULT
    index = flags & BPF_F_INDEX_MASK
    if index == BPF_F_CURRENT_CPU:
        index = machine.cpu
    if index >= int(machine.maps[m, M_MAX]):
        return -E2BIG
    sample = machine.read_bytes(data, size) if size else b""
    if ctx_len:
        sample += machine.read_bytes(pkt, ctx_len)
    events(machine).append(Event(_map_name(machine, m), index, sample, machine.clock_ns))
    return 0


# -- ring buffers --------------------------------------------------------------------------
def _arrays(machine):
    return machine.maps, machine.memory.arena, machine.memory.rbase


def ringbuf_output(machine, map_va, data, size, flags, _r5=0):
    """``long bpf_ringbuf_output(map, void *data, u64 size, u64 flags)``: 0 or -EAGAIN."""
    m = _map_arg(machine, map_va, RINGBUF, "bpf_ringbuf_output")
    if flags & ~(ringbuf.RB_NO_WAKEUP | ringbuf.RB_FORCE_WAKEUP):
        return -EINVAL
    sample = machine.read_bytes(data, size) if size else b""
    maps, arena, rbase = _arrays(machine)
    off = ringbuf.reserve(maps, m, arena, rbase, size)
    if off < 0:
        return -EAGAIN
    base = int(rbase[maps[m, M_DATA]]) + off + ringbuf.HDR_SZ
    arena[base:base + size] = np.frombuffer(sample, dtype=np.uint8)
    ringbuf.commit(maps, m, arena, rbase, off, discard=False)
    pos = int(maps[m, M_TAIL]) - ringbuf.record_len(size)
    _rb_state(machine)[(m, pos)] = (_pc(machine), machine.cpu, machine.clock_ns)
    return 0


def ringbuf_reserve(machine, map_va, size, flags, _r4=0, _r5=0):
    """``void *bpf_ringbuf_reserve(map, u64 size, u64 flags)``: the sample, or NULL."""
    m = _map_arg(machine, map_va, RINGBUF, "bpf_ringbuf_reserve")
    if flags:
        return 0
    maps, arena, rbase = _arrays(machine)
    off = ringbuf.reserve(maps, m, arena, rbase, size)
    if off < 0:
        return 0
    pos = int(maps[m, M_TAIL]) - ringbuf.record_len(size)
    _rb_state(machine)[(m, pos)] = (_pc(machine), machine.cpu, None)
    return abi.region_va(int(maps[m, M_DATA])) + off + ringbuf.HDR_SZ


def _sample_arg(machine, va: int, helper: str) -> tuple[int, int]:
    """(map, ring offset of the header) of a reserved sample at ``va``; else a HelperError."""
    maps, arena, rbase = _arrays(machine)
    k = (va >> 32) - 1
    for m in range(maps.shape[0]):
        if int(maps[m, M_TYPE]) == RINGBUF and int(maps[m, M_DATA]) == k:
            off = (va & 0xFFFFFFFF) - ringbuf.HDR_SZ
            if ringbuf.busy_record(maps, m, arena, rbase, off):
                return m, off
            break
    raise _fail(machine, f"argument r1 ({machine.memory.describe(va)}) of {helper} is not a "
                         f"sample reserved by bpf_ringbuf_reserve and not yet submitted or "
                         f"discarded")


def _position(machine, m: int, off: int) -> int:
    ring = int(machine.maps[m, M_CAP])
    cons = int(machine.maps[m, M_HEAD])
    return cons + (off - cons) % ring


def _commit(machine, sample, discard: bool, helper: str) -> int:
    m, off = _sample_arg(machine, sample, helper)
    maps, arena, rbase = _arrays(machine)
    ringbuf.commit(maps, m, arena, rbase, off, discard)
    meta = _rb_state(machine)
    key = (m, _position(machine, m, off))
    pc, cpu, _ = meta.get(key, (None, machine.cpu, None))
    meta[key] = (pc, cpu, machine.clock_ns)
    return 0


def ringbuf_submit(machine, sample, flags, _r3=0, _r4=0, _r5=0):
    """``void bpf_ringbuf_submit(void *data, u64 flags)``."""
    return _commit(machine, sample, False, "bpf_ringbuf_submit")


def ringbuf_discard(machine, sample, flags, _r3=0, _r4=0, _r5=0):
    """``void bpf_ringbuf_discard(void *data, u64 flags)``."""
    return _commit(machine, sample, True, "bpf_ringbuf_discard")


def ringbuf_query(machine, map_va, flags, _r3=0, _r4=0, _r5=0):
    """``u64 bpf_ringbuf_query(map, u64 flags)``."""
    m = _map_arg(machine, map_va, RINGBUF, "bpf_ringbuf_query")
    return ringbuf.query(machine.maps, m, flags)


# -- the consumer ----------------------------------------------------------------------------
def drain(machine) -> list[Event]:
    """Consume every ring buffer's committed samples into ``machine.events``; return them."""
    maps, arena, rbase = _arrays(machine)
    meta = _rb_state(machine)
    new = []
    for m in range(maps.shape[0]):
        if int(maps[m, M_TYPE]) != RINGBUF:
            continue
        name = _map_name(machine, m)
        for pos, data in ringbuf.consume(maps, m, arena, rbase):
            _, cpu, ts = meta.get((m, pos), (None, machine.cpu, None))
            new.append(Event(name, cpu, data, machine.clock_ns if ts is None else ts))
        cons = int(maps[m, M_HEAD])
        for key in [k for k in meta if k[0] == m and k[1] < cons]:
            del meta[key]
    if new:
        events(machine).extend(new)
    return new


def after_run(machine) -> None:
    """What happens after each program run: leaked reservations are reported, and the
    consumer drains the rings (unless ``machine.ringbuf_autodrain`` is False)."""
    maps, arena, rbase = _arrays(machine)
    if not (maps[:, M_TYPE] == RINGBUF).any():
        return
    leaked = []
    meta = _rb_state(machine)
    for m in range(maps.shape[0]):
        if int(maps[m, M_TYPE]) != RINGBUF:
            continue
        mask = int(maps[m, M_CAP]) - 1
        for pos in ringbuf.busy_records(maps, m, arena, rbase):
            ringbuf.commit(maps, m, arena, rbase, pos & mask, discard=True)
            pc = meta.get((m, pos), (None,))[0]
            leaked.append((m, pos, pc))
    if getattr(machine, "ringbuf_autodrain", True):
        drain(machine)
    if leaked:
        m, pos, pc = leaked[0]
        where = machine.where(pc) if pc is not None else ""
        what = f"{machine.describe_insn(pc)}: " if pc is not None else ""
        raise HelperError(f"{what}the program ended holding a sample of ring buffer "
                          f"{_map_name(machine, m)!r} reserved and neither submitted nor "
                          f"discarded (the kernel's verifier rejects this: unreleased "
                          f"reference); pybpf discarded it", pc, where)


# -- decoding --------------------------------------------------------------------------------
def decode_event(obj, event: Event, type=None, types: dict | None = None):  # noqa: A002
    """Fields of ``event`` decoded with a BTF type of ``obj``: a dict for a struct.

    ``type`` names the type (``"struct event"``, ``"event"``, a typedef name) or
    gives its BTF id; else ``types[event.map]``; else the map's BTF value type
    (ring buffers and perf event arrays carry none that describes the samples, so
    name one). Integers (bitfields included) and enums become ints, ``char``
    arrays strings (up to the first NUL), other arrays lists, pointers ints,
    nested structs and unions dicts (an anonymous member's fields merged in, as C
    sees them). Fields not wholly inside a short sample are left out; bytes past
    the end of the type come back as hex under ``"_tail"``.
    """
    btf = getattr(obj.spec, "btf", None)
    if btf is None:
        raise PyBPFError(f"{obj.filename}: the object has no BTF to decode events with")
    if type is None and types:
        type = types.get(event.map)
    if type is None:
        spec = obj.spec.maps.get(event.map)
        if spec is not None and spec.value_type_id and spec.type not in (PERF_EVENT_ARRAY, RINGBUF):
            type = spec.value_type_id
    if type is None:
        raise PyBPFError(f"{obj.filename}: map {event.map!r} does not say what its samples are; "
                         f"name a BTF type, e.g. decode(event, \"struct event\")")
    tid = type if isinstance(type, int) else find_type(btf, type, obj.filename)
    size = btf.size_of(tid)
    value = _decode_value(btf, tid, event.data)
    if isinstance(value, dict) and len(event.data) > size:
        value["_tail"] = event.data[size:].hex()
    return value


from ..elf.btfvalue import decode as _decode_value, find_type  # noqa: E402,F401  (re-exported)
