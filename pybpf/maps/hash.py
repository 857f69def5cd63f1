"""Hash maps: hash (1), percpu_hash (5), lru_hash (9), lru_percpu_hash (10), and the
id-valued hash_of_maps (13) and devmap_hash (25), which keep the plain hash layout.

Storage
-------
``M_DATA`` is a preallocated pool of elements, ``M_ELEM`` bytes each::

    key (round8(key_size)) | value for CPU 0 | value for CPU 1 | ...   (M_VSTRIDE apart)

(one value for the non-per-CPU types). A lookup returns a pointer into the
element, and an element never moves while it is in the map: only the private
index is ever rebuilt. ``M_AUX`` holds, in this order:

* a 32-byte header: tombstone count, the *spare* element (see below), pool size;
* the index: ``M_CAP`` slots of 8 bytes, open addressing with linear probing,
  ``M_CAP`` = the next power of two >= ``2 * max_entries`` (at least 8). A slot
  holds ``element + 1`` (0: empty, 0xFFFFFFFF: tombstone) and 32 bits of the
  key's hash, so a probe compares keys only when those bits match;
* per element (24 bytes): ``next`` (free list / LRU list), ``prev`` (LRU list),
  ``slot`` (its index slot, -1 when it is not in the map) and ``tick`` (LRU).

The hash is FNV-1a (:func:`pybpf.maps.common.hash_bytes`) followed by a 64-bit
finaliser (FNV's low bits only depend on the keys' low bits, which the power of
two mask would expose). It is seeded with nothing, so everything is deterministic.
``M_COUNT`` counts live entries, ``M_FREE`` heads the free list (LIFO, initially
elements 0, 1, 2 ...). A deleted entry leaves a tombstone, unless the next slot
is empty, in which case it and any tombstones before it become empty again; when
tombstones exceed a quarter of the index, the index is rebuilt in place (element
order), which costs O(M_CAP) once per M_CAP/4 deletions.

Semantics (kernel ``kernel/bpf/hashtab.c``, which this follows)
----------------------------------------------------------------
* **Flags.** hash and hash_of_maps/devmap_hash: ``(flags & ~BPF_F_LOCK) > BPF_EXIST``
  is ``-EINVAL``; ``BPF_F_LOCK`` itself is ``-EINVAL`` too, because the kernel
  accepts it only for values holding a ``struct bpf_spin_lock``, which pybpf does not
  model. per-CPU and LRU types: any ``flags > BPF_EXIST`` is ``-EINVAL``. Then
  ``BPF_NOEXIST`` on an existing key is ``-EEXIST`` and ``BPF_EXIST`` on a missing
  key ``-ENOENT`` (``check_flags``).
* **Full map.** A new key in a full hash/percpu_hash is ``-E2BIG`` (the kernel's
  prealloc free list is empty); replacing an existing key always works.
* **Replacing a value (hash, lru_hash, hash_of_maps, devmap_hash).** The kernel does
  *not* update in place: ``htab_map_update_elem`` builds a new element
  (``alloc_htab_elem`` takes the per-CPU spare ``extra_elems`` element for a
  prealloc'd map, and the replaced one becomes the spare), links it and unlinks the
  old one; ``htab_lru_map_update_elem`` likewise pops a fresh LRU node and frees the
  old. So a value pointer a program obtained before the update keeps seeing the
  *old* value (until that memory is reused). pybpf does the same with one spare
  element per map (the pool has ``max_entries + 1`` elements): the new value goes
  into the spare, the index slot switches to it, the old element becomes the spare.
  The kernel has one spare per possible CPU; pybpf's single spare only differs in
  which stale buffer a later update recycles.
* **per-CPU types update in place** (``pcpu_copy_value``): the program side writes the
  calling CPU's value only; the syscall side (``all_cpus``) writes every CPU's. A
  *new* element from the program side gets the value on the calling CPU and zeros on
  the others (``pcpu_init_value``), so no stale data from a recycled element shows.
* **delete** of a missing key is ``-ENOENT``. Deleted elements go back to the free
  list with their bytes untouched (the kernel does not clear them either).
* **next_key**: no key (``kp < 0``) or a key not in the map gives the first key;
  after the last key, ``-ENOENT`` (``htab_map_get_next_key``). The order is the
  index's slot order: deterministic (fixed hash) but not the kernel's (which depends
  on its random ``hashrnd`` and bucket lists), so never compare iteration orders
  with the kernel; compare contents sorted by key. Deleting keys keeps the order of
  the others; inserting may rebuild the index and reorder everything (the kernel
  never reorders, but its order is unspecified as well).

LRU (types 9, 10)
-----------------
pybpf's LRU is *exact*: ``M_TICK`` is a clock, and every program-side lookup and
every update of an element sets its tick to the next clock value (the kernel sets
the node's reference bit on the same occasions); elements sit in a list ordered by
tick, so when a new key arrives and the pool is empty the element with the
smallest tick (never a tie: ticks are unique) is evicted, in O(1). The kernel's LRU
is approximate: per-CPU local free lists, a reference bit instead of a clock,
active/inactive lists rotated in batches, and eviction of up to ``target_free``
nodes at once, which may start before the map is full and may even happen for an
update that then fails (``prealloc_lru_pop`` runs before ``check_flags``). pybpf never
evicts unless all ``max_entries`` elements are in use and a new key is being
inserted, and a failed update changes nothing. Tests comparing with the kernel must
therefore keep LRU maps well below ``max_entries``.

The Python API (:class:`pybpf.maps.Map`) calls :func:`lookup` too, which touches
LRU ticks; the kernel's syscall-side lookup does not (``map_lookup_elem_sys_only``).
:func:`peek` is the non-touching lookup for callers that can tell the two apart.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from .common import FNV_OFFSET, FNV_PRIME, call_compiled, copy, zero
from .layout import (BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENOENT,
                     M_AUX, M_CAP, M_COUNT, M_DATA, M_ELEM, M_FREE, M_HEAD, M_KEY, M_MAX, M_NCPU,
                     M_TAIL, M_TICK, M_TYPE, M_VALUE, M_VSTRIDE, round8)

HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH = 1, 5, 9, 10
HASH_OF_MAPS, DEVMAP_HASH = 13, 25
#: Map types with the hash layout.
TYPES = (HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS, DEVMAP_HASH)

# aux header
H_TOMB = 0        # tombstones in the index
H_SPARE = 8       # the spare element (types that replace by swapping), or -1
H_NELEM = 16      # elements in the pool
HDR = 32
SLOT = 8          # bytes per index slot: u32 element + 1 (0 empty, TOMB), u32 hash bits
TOMB = 0xFFFFFFFF
# per-element record in aux
E_NEXT = 0        # i32: free list / LRU list (newer neighbour)
E_PREV = 4        # i32: LRU list (older neighbour)
E_SLOT = 8        # i32: index slot, -1 when not in the map
E_TICK = 16       # i64: LRU tick
EREC = 24

U64 = np.uint64


def _is_percpu(map_type: int) -> bool:
    return map_type in (PERCPU_HASH, LRU_PERCPU_HASH)


def capacity(max_entries: int) -> int:
    """Index slots for ``max_entries``: the next power of two >= 2 * max_entries, at least 8."""
    cap = 8
    while cap < 2 * max_entries:
        cap *= 2
    return cap


def pool_size(map_type: int, max_entries: int) -> int:
    """Elements in the pool: one spare for the types that replace values by swapping."""
    return max_entries + (0 if _is_percpu(map_type) else 1)


def layout(map_type: int, key_size: int, value_size: int, max_entries: int, ncpu: int,
           flags: int = 0, name: str = "") -> dict:
    """Storage sizes: program-visible bytes, private bytes, index capacity, element size.

    ``ncpu`` is the number of values per element (the CPUs for per-CPU types, else 1).
    """
    per = ncpu if _is_percpu(map_type) else 1
    elem = round8(key_size) + round8(value_size) * per
    nelem = pool_size(map_type, max_entries)
    cap = capacity(max_entries)
    return {"data": max(nelem * elem, 8), "aux": HDR + cap * SLOT + nelem * EREC,
            "cap": cap, "elem": elem}


def init(table, m, arena, rbase) -> None:
    """Set up map ``m`` once its regions exist: empty index, every element free."""
    nelem = pool_size(int(table[m, M_TYPE]), int(table[m, M_MAX]))
    call_compiled(_init, table, m, arena, rbase, nelem)


# -- raw little-endian fields -------------------------------------------------------------

@njit(cache=True, inline="always")
def _ld32(arena, p):
    return (np.int64(arena[p]) | (np.int64(arena[p + 1]) << 8) | (np.int64(arena[p + 2]) << 16)
            | (np.int64(arena[p + 3]) << 24))


@njit(cache=True, inline="always")
def _ldi32(arena, p):
    v = _ld32(arena, p)
    return v - (np.int64(1) << 32) if v >= (np.int64(1) << 31) else v


@njit(cache=True, inline="always")
def _st32(arena, p, v):
    arena[p] = np.uint8(v & 0xFF)
    arena[p + 1] = np.uint8((v >> 8) & 0xFF)
    arena[p + 2] = np.uint8((v >> 16) & 0xFF)
    arena[p + 3] = np.uint8((v >> 24) & 0xFF)


@njit(cache=True, inline="always")
def _ld64(arena, p):
    return _ld32(arena, p) | (_ld32(arena, p + 4) << 32)


@njit(cache=True, inline="always")
def _st64(arena, p, v):
    _st32(arena, p, v & 0xFFFFFFFF)
    _st32(arena, p + 4, (v >> 32) & 0xFFFFFFFF)


@njit(cache=True, inline="always")
def _r8(n):
    return (n + 7) & ~7


@njit(cache=True, inline="always")
def _aux(maps, rbase, m):
    return np.int64(rbase[maps[m, M_AUX]])


@njit(cache=True, inline="always")
def _rec(aux, cap, e):
    """aux offset of element ``e``'s record."""
    return aux + HDR + cap * SLOT + e * EREC


@njit(cache=True, inline="always")
def _hash(arena, kp, n):
    """(home slot bits, 32 tag bits) of the key at ``kp``: FNV-1a (as
    :func:`pybpf.maps.common.hash_bytes`, inlined here) + a 64-bit finaliser."""
    h = FNV_OFFSET
    for j in range(n):
        h = (h ^ U64(arena[kp + j])) * FNV_PRIME
    h ^= h >> U64(33)
    h *= U64(0xFF51AFD7ED558CCD)
    h ^= h >> U64(33)
    h *= U64(0xC4CEB9FE1A85EC53)
    h ^= h >> U64(33)
    return np.int64(h & U64(0x7FFFFFFF)), np.int64(h >> U64(32))


# -- index ---------------------------------------------------------------------------------

@njit(cache=True, inline="always")
def _find(maps, m, arena, rbase, kp):
    """(slot, element) of the key at ``kp``, or (-1, -1)."""
    aux = _aux(maps, rbase, m)
    cap = maps[m, M_CAP]
    ksize = maps[m, M_KEY]
    esize = maps[m, M_ELEM]
    dbase = np.int64(rbase[maps[m, M_DATA]])
    home, tag = _hash(arena, kp, ksize)
    mask = cap - 1
    i = home & mask
    for _ in range(cap):
        s = aux + HDR + i * SLOT
        ent = _ld32(arena, s)
        if ent == 0:
            break
        if ent != TOMB and _ld32(arena, s + 4) == tag:
            e = ent - 1
            q = dbase + e * esize
            same = True
            for j in range(ksize):
                if arena[q + j] != arena[kp + j]:
                    same = False
                    break
            if same:
                return i, e
        i = (i + 1) & mask
    return np.int64(-1), np.int64(-1)


@njit(cache=True)
def _place(arena, aux, cap, home, tag, e):
    """Put element ``e`` in the first free (empty or tombstone) slot from ``home``."""
    mask = cap - 1
    i = home & mask
    for _ in range(cap):
        s = aux + HDR + i * SLOT
        ent = _ld32(arena, s)
        if ent == 0 or ent == TOMB:
            if ent == TOMB:
                _st64(arena, aux + H_TOMB, _ld64(arena, aux + H_TOMB) - 1)
            _st32(arena, s, e + 1)
            _st32(arena, s + 4, tag)
            _st32(arena, _rec(aux, cap, e) + E_SLOT, i)
            return i
        i = (i + 1) & mask
    return np.int64(-1)  # unreachable: the index is never more than 3/4 used


@njit(cache=True)
def _rebuild(maps, m, arena, rbase):
    """Rehash every live element into a clean index (element order): no tombstones left."""
    aux = _aux(maps, rbase, m)
    cap = maps[m, M_CAP]
    ksize = maps[m, M_KEY]
    esize = maps[m, M_ELEM]
    dbase = np.int64(rbase[maps[m, M_DATA]])
    zero(arena, aux + HDR, cap * SLOT)
    _st64(arena, aux + H_TOMB, 0)
    nelem = _ld64(arena, aux + H_NELEM)
    for e in range(nelem):
        r = _rec(aux, cap, e)
        if _ldi32(arena, r + E_SLOT) >= 0:
            home, tag = _hash(arena, dbase + e * esize, ksize)
            _place(arena, aux, cap, home, tag, e)


@njit(cache=True)
def _unslot(maps, m, arena, rbase, i):
    """Empty index slot ``i``: a tombstone, or empty (with the tombstones before it) when
    the next slot is empty. Rebuilds the index when tombstones pass a quarter of it."""
    aux = _aux(maps, rbase, m)
    cap = maps[m, M_CAP]
    mask = cap - 1
    s = aux + HDR + i * SLOT
    if _ld32(arena, aux + HDR + ((i + 1) & mask) * SLOT) == 0:
        _st64(arena, s, 0)
        tomb = _ld64(arena, aux + H_TOMB)
        j = (i - 1) & mask
        for _ in range(cap):
            sj = aux + HDR + j * SLOT
            if _ld32(arena, sj) != TOMB:
                break
            _st64(arena, sj, 0)
            tomb -= 1
            j = (j - 1) & mask
        _st64(arena, aux + H_TOMB, tomb)
    else:
        _st32(arena, s, TOMB)
        tomb = _ld64(arena, aux + H_TOMB) + 1
        _st64(arena, aux + H_TOMB, tomb)
        if tomb * 4 > cap:
            _rebuild(maps, m, arena, rbase)


# -- LRU list (M_HEAD oldest, M_TAIL newest) -----------------------------------------------

@njit(cache=True)
def _lru_unlink(maps, m, arena, aux, cap, e):
    r = _rec(aux, cap, e)
    nxt = _ldi32(arena, r + E_NEXT)
    prv = _ldi32(arena, r + E_PREV)
    if prv >= 0:
        _st32(arena, _rec(aux, cap, prv) + E_NEXT, nxt)
    else:
        maps[m, M_HEAD] = nxt
    if nxt >= 0:
        _st32(arena, _rec(aux, cap, nxt) + E_PREV, prv)
    else:
        maps[m, M_TAIL] = prv


@njit(cache=True)
def _lru_append(maps, m, arena, aux, cap, e):
    """Make ``e`` the most recently used element, with the next tick."""
    r = _rec(aux, cap, e)
    tail = maps[m, M_TAIL]
    _st32(arena, r + E_PREV, tail)
    _st32(arena, r + E_NEXT, -1)
    if tail >= 0:
        _st32(arena, _rec(aux, cap, tail) + E_NEXT, e)
    else:
        maps[m, M_HEAD] = e
    maps[m, M_TAIL] = e
    maps[m, M_TICK] += 1
    _st64(arena, r + E_TICK, maps[m, M_TICK])


@njit(cache=True)
def _touch(maps, m, arena, aux, cap, e):
    if maps[m, M_TAIL] != e:
        _lru_unlink(maps, m, arena, aux, cap, e)
        _lru_append(maps, m, arena, aux, cap, e)
    else:
        maps[m, M_TICK] += 1
        _st64(arena, _rec(aux, cap, e) + E_TICK, maps[m, M_TICK])


@njit(cache=True, inline="always")
def _is_lru(t):
    return t == LRU_HASH or t == LRU_PERCPU_HASH


@njit(cache=True, inline="always")
def _percpu(t):
    return t == PERCPU_HASH or t == LRU_PERCPU_HASH


# -- removal / free list --------------------------------------------------------------------

@njit(cache=True)
def _remove(maps, m, arena, rbase, i, e):
    """Take element ``e`` (in slot ``i``) out of the map and onto the free list."""
    aux = _aux(maps, rbase, m)
    cap = maps[m, M_CAP]
    r = _rec(aux, cap, e)
    _st32(arena, r + E_SLOT, -1)
    if _is_lru(maps[m, M_TYPE]):
        _lru_unlink(maps, m, arena, aux, cap, e)
    _st32(arena, r + E_NEXT, maps[m, M_FREE])
    maps[m, M_FREE] = e
    maps[m, M_COUNT] -= 1
    _unslot(maps, m, arena, rbase, i)


@njit(cache=True)
def _init(maps, m, arena, rbase, nelem):
    aux = _aux(maps, rbase, m)
    cap = maps[m, M_CAP]
    zero(arena, aux, HDR + cap * SLOT)
    _st64(arena, aux + H_NELEM, nelem)
    nfree = maps[m, M_MAX]
    _st64(arena, aux + H_SPARE, nfree if nelem > nfree else -1)
    for e in range(nelem):
        r = _rec(aux, cap, e)
        _st32(arena, r + E_NEXT, e + 1 if e + 1 < nfree else -1)
        _st32(arena, r + E_PREV, -1)
        _st32(arena, r + E_SLOT, -1)
        _st32(arena, r + 12, 0)
        _st64(arena, r + E_TICK, 0)
    maps[m, M_FREE] = 0 if nfree > 0 else -1
    maps[m, M_COUNT] = 0
    maps[m, M_HEAD] = -1
    maps[m, M_TAIL] = -1
    maps[m, M_TICK] = 0


# -- operations -----------------------------------------------------------------------------

@njit(cache=True)
def peek(maps, m, arena, rbase, kp, cpu):
    """:func:`lookup` without touching the LRU clock (the syscall side's lookup)."""
    i, e = _find(maps, m, arena, rbase, kp)
    if e < 0:
        return np.int64(-1)
    p = np.int64(rbase[maps[m, M_DATA]]) + e * maps[m, M_ELEM] + _r8(maps[m, M_KEY])
    if _percpu(maps[m, M_TYPE]):
        if cpu < 0 or cpu >= maps[m, M_NCPU]:
            return np.int64(-1)
        p += cpu * maps[m, M_VSTRIDE]
    return p


@njit(cache=True)
def lookup(maps, m, arena, rbase, kp, cpu):
    i, e = _find(maps, m, arena, rbase, kp)
    if e < 0:
        return np.int64(-1)
    t = maps[m, M_TYPE]
    p = np.int64(rbase[maps[m, M_DATA]]) + e * maps[m, M_ELEM] + _r8(maps[m, M_KEY])
    if _percpu(t):
        if cpu < 0 or cpu >= maps[m, M_NCPU]:
            return np.int64(-1)
        p += cpu * maps[m, M_VSTRIDE]
    if _is_lru(t):
        _touch(maps, m, arena, _aux(maps, rbase, m), maps[m, M_CAP], e)
    return p


@njit(cache=True)
def _write_values(maps, m, arena, vdst, vp, cpu, all_cpus, fresh):
    """Per-CPU value write: all CPUs from ``vp`` (syscall side), or ``cpu``'s only, zeroing
    the other CPUs of a fresh element (``pcpu_init_value``)."""
    size = maps[m, M_VALUE]
    stride = maps[m, M_VSTRIDE]
    for c in range(maps[m, M_NCPU]):
        if all_cpus:
            copy(arena, vdst + c * stride, vp + c * stride, size)
        elif c == cpu:
            copy(arena, vdst + c * stride, vp, size)
        elif fresh:
            zero(arena, vdst + c * stride, size)


@njit(cache=True)
def update(maps, m, arena, rbase, kp, vp, flags, cpu, all_cpus):
    t = maps[m, M_TYPE]
    percpu = _percpu(t)
    lru = _is_lru(t)
    # flags are a u64 in the kernel: a negative int64 is a huge unknown value
    if flags < 0:
        return np.int64(-EINVAL)
    if percpu or lru:
        if flags > BPF_EXIST:
            return np.int64(-EINVAL)
    else:
        if (flags & ~BPF_F_LOCK) > BPF_EXIST or (flags & BPF_F_LOCK) != 0:
            return np.int64(-EINVAL)  # BPF_F_LOCK needs a bpf_spin_lock in the value
    if percpu and not all_cpus and (cpu < 0 or cpu >= maps[m, M_NCPU]):
        return np.int64(-EINVAL)
    i, e = _find(maps, m, arena, rbase, kp)
    if e >= 0 and flags == BPF_NOEXIST:
        return np.int64(-EEXIST)
    if e < 0 and flags == BPF_EXIST:
        return np.int64(-ENOENT)
    aux = _aux(maps, rbase, m)
    cap = maps[m, M_CAP]
    ksize = maps[m, M_KEY]
    esize = maps[m, M_ELEM]
    koff = _r8(ksize)
    dbase = np.int64(rbase[maps[m, M_DATA]])
    if e >= 0:
        if percpu:
            # in place (pcpu_copy_value); the LRU one sets the reference bit
            _write_values(maps, m, arena, dbase + e * esize + koff, vp, cpu, all_cpus, False)
            if lru:
                _touch(maps, m, arena, aux, cap, e)
            return np.int64(0)
        # a new element (the spare) replaces the old one, which becomes the spare
        sp = _ld64(arena, aux + H_SPARE)
        ep = dbase + sp * esize
        copy(arena, ep, kp, ksize)
        copy(arena, ep + koff, vp, maps[m, M_VALUE])
        s = aux + HDR + i * SLOT
        _st32(arena, s, sp + 1)
        rs = _rec(aux, cap, sp)
        _st32(arena, rs + E_SLOT, i)
        _st32(arena, _rec(aux, cap, e) + E_SLOT, -1)
        _st64(arena, aux + H_SPARE, e)
        if lru:
            _lru_unlink(maps, m, arena, aux, cap, e)
            _lru_append(maps, m, arena, aux, cap, sp)
        return np.int64(0)
    # a new key
    if maps[m, M_FREE] < 0:
        if not lru or maps[m, M_HEAD] < 0:
            return np.int64(-E2BIG)
        old = maps[m, M_HEAD]
        _remove(maps, m, arena, rbase, _ldi32(arena, _rec(aux, cap, old) + E_SLOT), old)
    e = maps[m, M_FREE]
    r = _rec(aux, cap, e)
    maps[m, M_FREE] = _ldi32(arena, r + E_NEXT)
    ep = dbase + e * esize
    copy(arena, ep, kp, ksize)
    if percpu:
        _write_values(maps, m, arena, ep + koff, vp, cpu, all_cpus, True)
    else:
        copy(arena, ep + koff, vp, maps[m, M_VALUE])
    home, tag = _hash(arena, kp, ksize)
    _place(arena, aux, cap, home, tag, e)
    maps[m, M_COUNT] += 1
    if lru:
        _lru_append(maps, m, arena, aux, cap, e)
    return np.int64(0)


@njit(cache=True)
def delete(maps, m, arena, rbase, kp):
    i, e = _find(maps, m, arena, rbase, kp)
    if e < 0:
        return np.int64(-ENOENT)
    _remove(maps, m, arena, rbase, i, e)
    return np.int64(0)


@njit(cache=True)
def next_key(maps, m, arena, rbase, kp, outp):
    start = 0
    if kp >= 0:
        i, e = _find(maps, m, arena, rbase, kp)
        if e >= 0:
            start = i + 1
    aux = _aux(maps, rbase, m)
    cap = maps[m, M_CAP]
    for j in range(start, cap):
        ent = _ld32(arena, aux + HDR + j * SLOT)
        if ent != 0 and ent != TOMB:
            copy(arena, outp, np.int64(rbase[maps[m, M_DATA]]) + (ent - 1) * maps[m, M_ELEM],
                 maps[m, M_KEY])
            return np.int64(0)
    return np.int64(-ENOENT)


@njit(cache=True)
def check(maps, m, arena, rbase):
    """Consistency of map ``m``'s structures (for tests): 0 when sound, else a code > 0."""
    aux = _aux(maps, rbase, m)
    cap = maps[m, M_CAP]
    nelem = _ld64(arena, aux + H_NELEM)
    live = 0
    tomb = 0
    for j in range(cap):
        ent = _ld32(arena, aux + HDR + j * SLOT)
        if ent == TOMB:
            tomb += 1
        elif ent != 0:
            live += 1
            if ent - 1 >= nelem or _ldi32(arena, _rec(aux, cap, ent - 1) + E_SLOT) != j:
                return np.int64(1)
    if live != maps[m, M_COUNT]:
        return np.int64(2)
    if tomb != _ld64(arena, aux + H_TOMB):
        return np.int64(3)
    nfree = 0
    f = maps[m, M_FREE]
    while f >= 0 and nfree <= nelem:
        if _ldi32(arena, _rec(aux, cap, f) + E_SLOT) != -1:
            return np.int64(4)
        nfree += 1
        f = _ldi32(arena, _rec(aux, cap, f) + E_NEXT)
    spare = 1 if _ld64(arena, aux + H_SPARE) >= 0 else 0
    if nfree + live + spare != nelem:
        return np.int64(5)
    for j in range(cap):  # every live key is found from its own home slot
        ent = _ld32(arena, aux + HDR + j * SLOT)
        if ent != 0 and ent != TOMB:
            kp = np.int64(rbase[maps[m, M_DATA]]) + (ent - 1) * maps[m, M_ELEM]
            i, e = _find(maps, m, arena, rbase, kp)
            if e != ent - 1 or i != j:
                return np.int64(6)
    if _is_lru(maps[m, M_TYPE]):
        n = 0
        e = maps[m, M_HEAD]
        prev_tick = -1
        while e >= 0 and n <= nelem:
            tk = _ld64(arena, _rec(aux, cap, e) + E_TICK)
            if tk <= prev_tick or _ldi32(arena, _rec(aux, cap, e) + E_SLOT) < 0:
                return np.int64(7)
            prev_tick = tk
            n += 1
            e = _ldi32(arena, _rec(aux, cap, e) + E_NEXT)
        if n != live:
            return np.int64(8)
    return np.int64(0)


@njit(cache=True)
def elem_at(maps, m, arena, rbase, pos, cpu):
    """The first live element at index slot >= ``pos``, for bpf_for_each_map_elem:
    (next position, key offset, value offset), or (-1, -1, -1) past the end."""
    aux = _aux(maps, rbase, m)
    cap = maps[m, M_CAP]
    dbase = np.int64(rbase[maps[m, M_DATA]])
    for i in range(pos, cap):
        ent = _ld32(arena, aux + HDR + i * SLOT)
        if ent != 0 and ent != TOMB:
            kp = dbase + (ent - 1) * maps[m, M_ELEM]
            vp = kp + _r8(maps[m, M_KEY])
            if _percpu(maps[m, M_TYPE]):
                vp += cpu * maps[m, M_VSTRIDE]
            return np.int64(i + 1), kp, vp
    return np.int64(-1), np.int64(-1), np.int64(-1)
