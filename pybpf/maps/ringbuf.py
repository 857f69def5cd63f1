"""BPF ring buffer maps (``BPF_MAP_TYPE_RINGBUF``, type 27): storage and the ring protocol.

Semantics follow the kernel's ``kernel/bpf/ringbuf.c`` and libbpf's consumer:

* ``max_entries`` is the ring's size in bytes. The kernel requires a power of 2
  that is a multiple of the page size (4096) and refuses anything else with
  ``EINVAL``; libbpf (which pybpf's loader mirrors) first rounds a BTF-defined
  size up to the next ``4096 * 2**k``, so only 0 and sizes that cannot be rounded
  are refused. The ring takes no key or value (``key_size``/``value_size`` must
  be 0, else ``EINVAL``).
* A record is an 8-byte header ``{u32 len; u32 pg_off}`` followed by the sample,
  ``round_up(size + 8, 8)`` bytes in all. ``len`` carries ``BUSY`` (bit 31) while
  the record is reserved and ``DISCARD`` (bit 30) once discarded.
* Positions only grow: ``consumer_pos`` (map-table ``M_HEAD``), ``producer_pos``
  (``M_TAIL``) and ``pending_pos`` (``M_COUNT``: the oldest record that may still
  be busy). A reservation fails (NULL / ``-EAGAIN``) when the new producer
  position would be more than ``size - 1`` bytes ahead of the consumer *or* of
  the oldest still-busy record, as in the kernel since Linux 6.10. Reserved but
  not yet committed records therefore count against the capacity.
* The kernel maps the data pages twice so that a record wrapping around the end
  stays contiguous. pybpf's ``M_DATA`` region holds ``2 * size`` bytes: the first
  half is the ring, the second half stands in for the second mapping. A
  reservation that wraps copies the ring's start into the second half (so the
  program reads the same stale bytes the kernel would show) and a commit copies
  the wrapped part back, so the first half is always the kernel's data area.
* Map operations from the syscall side fail as in the kernel (observed on 6.18):
  lookup, update and delete ``EINVAL``; next_key fails (the kernel's ``ENOTSUPP``,
  pybpf's generic ``EOPNOTSUPP``): the map table dispatch's defaults.

The helpers (:mod:`pybpf.helpers.events`) drive these functions; the consumer side
(:func:`consume`) walks committed records as libbpf's ``ring_buffer__consume``
does: it stops at the first busy record and skips discarded ones.
"""

from __future__ import annotations

import errno as _errno

import numpy as np

from ..errors import MapError
from .layout import M_CAP, M_COUNT, M_DATA, M_HEAD, M_TAIL

TYPES = (27,)
RINGBUF = 27

PAGE_SIZE = 4096
HDR_SZ = 8
BUSY_BIT = 1 << 31
DISCARD_BIT = 1 << 30
#: Largest sample the kernel reserves (``RINGBUF_MAX_RECORD_SZ``).
MAX_RECORD_SZ = 0xFFFFFFFF // 4
#: Pages of ``struct bpf_ringbuf`` in front of the data area (x86-64): the header's
#: ``pg_off`` counts from the start of that struct, as the kernel writes it.
META_PAGES = 3
#: pybpf keeps two copies of the ring in VM memory; refuse absurd sizes up front.
MAX_RING_SIZE = 1 << 28

# bpf_ringbuf_query flags
RB_AVAIL_DATA, RB_RING_SIZE, RB_CONS_POS, RB_PROD_POS = 0, 1, 2, 3
# bpf_ringbuf_output / submit / discard flags
RB_NO_WAKEUP, RB_FORCE_WAKEUP = 1, 2


def ring_size(max_entries: int) -> int:
    """The ring size libbpf creates for ``max_entries`` (rounded up to 4096 * 2**k).

    Raises :class:`MapError` (``EINVAL``) for what the kernel would refuse.
    """
    sz = max_entries
    if sz <= 0:
        raise MapError("ringbuf max_entries is 0: the ring's size in bytes must be a power of 2 "
                       "and a multiple of the page size (4096); the kernel refuses it (EINVAL)",
                       _errno.EINVAL)
    if sz % PAGE_SIZE or (sz // PAGE_SIZE) & (sz // PAGE_SIZE - 1):
        mul = 1
        while mul * PAGE_SIZE <= sz:
            mul <<= 1
        if mul * PAGE_SIZE > 0xFFFFFFFF:
            raise MapError(f"ringbuf max_entries {max_entries} is not a power-of-2 multiple of "
                           f"the page size (4096) and cannot be rounded up to one; the kernel "
                           f"refuses it (EINVAL)", _errno.EINVAL)
        sz = mul * PAGE_SIZE  # what libbpf's adjust_ringbuf_sz does before creating the map
    if sz > MAX_RING_SIZE:
        raise MapError(f"ringbuf of {sz} bytes: pybpf supports rings of at most "
                       f"{MAX_RING_SIZE} bytes", _errno.E2BIG)
    return sz


def layout(map_type: int, key_size: int, value_size: int, max_entries: int, ncpu: int,
           flags: int = 0, name: str = "") -> dict:
    """Two copies of the ring in ``M_DATA`` (see the module doc); ``cap`` is the ring size."""
    if key_size or value_size:
        raise MapError(f"ringbuf maps take no key or value (key_size {key_size}, value_size "
                       f"{value_size}); the kernel refuses them (EINVAL)", _errno.EINVAL)
    size = ring_size(max_entries)
    return {"data": 2 * size, "aux": 0, "cap": size, "elem": 0}


def init(maps, m, arena, rbase) -> None:
    maps[m, M_HEAD] = maps[m, M_TAIL] = maps[m, M_COUNT] = 0


# -- the ring protocol (called from Python helpers) ----------------------------------------
def _base(maps, rbase, m) -> int:
    return int(rbase[maps[m, M_DATA]])


def _u32(arena, p: int) -> int:
    return int.from_bytes(arena[p:p + 4].tobytes(), "little")


def _put_u32(arena, p: int, v: int) -> None:
    arena[p:p + 4] = np.frombuffer((v & 0xFFFFFFFF).to_bytes(4, "little"), dtype=np.uint8)


def record_len(hdr_len: int) -> int:
    """Bytes a record with header word ``hdr_len`` takes in the ring (flags cleared)."""
    return (((hdr_len & ~(BUSY_BIT | DISCARD_BIT)) + HDR_SZ) + 7) & ~7


def reserve(maps, m, arena, rbase, size: int) -> int:
    """Reserve ``size`` bytes: the ring offset of the new record's header, or -1 (full)."""
    if size < 0 or size > MAX_RECORD_SZ:
        return -1
    ln = (size + HDR_SZ + 7) & ~7
    ring = int(maps[m, M_CAP])
    mask = ring - 1
    if ln > ring:
        return -1
    base = _base(maps, rbase, m)
    cons, prod, pend = int(maps[m, M_HEAD]), int(maps[m, M_TAIL]), int(maps[m, M_COUNT])
    while pend < prod:
        hdr = _u32(arena, base + (pend & mask))
        if hdr & BUSY_BIT:
            break
        pend += record_len(hdr)
    maps[m, M_COUNT] = pend
    new = prod + ln
    if new - cons > mask or new - pend > mask:
        return -1
    off = prod & mask
    _put_u32(arena, base + off, size | BUSY_BIT)
    _put_u32(arena, base + off + 4, META_PAGES + (off >> 12))
    if off + ln > ring:  # wraps: the second mapping shows the ring's start
        arena[base + ring:base + off + ln] = arena[base:base + off + ln - ring]
    maps[m, M_TAIL] = new
    return off


def busy_record(maps, m, arena, rbase, off: int) -> bool:
    """Whether ring offset ``off`` is the header of a reserved, uncommitted record."""
    mask = int(maps[m, M_CAP]) - 1
    return any(pos & mask == off for pos in busy_records(maps, m, arena, rbase))


def commit(maps, m, arena, rbase, off: int, discard: bool) -> None:
    """Submit (or discard) the record whose header is at ring offset ``off``."""
    base = _base(maps, rbase, m)
    ring = int(maps[m, M_CAP])
    hdr = _u32(arena, base + off)
    ln = record_len(hdr)
    if off + ln > ring:  # copy what the program wrote past the end to the ring's start
        arena[base:base + off + ln - ring] = arena[base + ring:base + off + ln]
    new = hdr ^ BUSY_BIT
    if discard:
        new |= DISCARD_BIT
    _put_u32(arena, base + off, new)


def query(maps, m, flags: int) -> int:
    """``bpf_ringbuf_query``: available bytes, ring size, consumer or producer position."""
    cons, prod = int(maps[m, M_HEAD]), int(maps[m, M_TAIL])
    if flags == RB_AVAIL_DATA:
        return prod - cons
    if flags == RB_RING_SIZE:
        return int(maps[m, M_CAP])
    if flags == RB_CONS_POS:
        return cons
    if flags == RB_PROD_POS:
        return prod
    return 0


def consume(maps, m, arena, rbase) -> list[tuple[int, bytes]]:
    """Consume committed records from the consumer position on: ``[(position, sample)]``.

    Stops at the first record still reserved (busy), as libbpf's consumer does;
    discarded records are skipped (their space is freed all the same).
    """
    base = _base(maps, rbase, m)
    mask = int(maps[m, M_CAP]) - 1
    cons, prod = int(maps[m, M_HEAD]), int(maps[m, M_TAIL])
    out = []
    while cons < prod:
        off = cons & mask
        hdr = _u32(arena, base + off)
        if hdr & BUSY_BIT:
            break
        if not hdr & DISCARD_BIT:
            size = hdr & ~(BUSY_BIT | DISCARD_BIT)
            out.append((cons, arena[base + off + HDR_SZ:base + off + HDR_SZ + size].tobytes()))
        cons += record_len(hdr)
    maps[m, M_HEAD] = cons
    return out


def busy_records(maps, m, arena, rbase) -> list[int]:
    """Positions of records reserved and neither submitted nor discarded."""
    base = _base(maps, rbase, m)
    mask = int(maps[m, M_CAP]) - 1
    pos, prod = int(maps[m, M_HEAD]), int(maps[m, M_TAIL])
    out = []
    while pos < prod:
        hdr = _u32(arena, base + (pos & mask))
        if hdr & BUSY_BIT:
            out.append(pos)
        pos += record_len(hdr)
    return out
