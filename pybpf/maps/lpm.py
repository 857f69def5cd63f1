"""Longest-prefix-match tries (``BPF_MAP_TYPE_LPM_TRIE``, type 11).

A key is ``struct { __u32 prefixlen; __u8 data[]; }`` (``key_size`` = 4 + data
bytes); ``data`` is compared most significant bit first, byte by byte (network
order for addresses), over at most ``8 * (key_size - 4)`` bits.

The trie has the kernel's shape (``kernel/bpf/lpm_trie.c``), so every
operation sequence leaves the same tree: a path-compressed binary trie whose
nodes are the entries plus *intermediate* nodes (no value, exactly two
children) where two prefixes fork. A node's child ``b`` holds prefixes whose
bit number ``prefixlen(node)`` is ``b``.

Storage:

* ``M_DATA``: ``max_entries`` value slots, ``round8(value_size)`` apart. A
  lookup returns a pointer to the slot, so a program's writes land in the map;
  a replaced value is copied into the same slot (the kernel swaps in a new
  node instead: a program still holding the old pointer would read the old
  value there, here it reads the new one).
* ``M_AUX``: the nodes, ``16 + round8(data)`` bytes each, int32 fields
  ``prefixlen, slot (-1: intermediate), child0, child1`` then the key data as
  last written (bits past the prefix are kept, and ``get_next_key`` returns
  them, as the kernel does); then the value-slot free list (one int32 per slot).

Map-table fields: ``M_COUNT`` entries, ``M_CAP`` node capacity
(``2 * max_entries + 1``), ``M_HEAD`` root node (-1: empty), ``M_FREE`` free
node list (linked through child0), ``M_TAIL`` free value-slot list.

Semantics, as the kernel (checked against Linux 6.18):

* create: ``BPF_F_NO_PREALLOC`` is required, data of 1..256 bytes, a value of
  at least 1 byte, ``max_entries`` > 0, else EINVAL;
* lookup: the longest stored prefix, of length <= the key's ``prefixlen``,
  that matches the key's data; a key ``prefixlen`` above the maximum finds
  nothing;
* update: flags above ``BPF_EXIST`` or a ``prefixlen`` above the maximum:
  -EINVAL; the entry with exactly that prefix (bits past it ignored) is
  replaced (``BPF_NOEXIST``: -EEXIST); a new one with ``BPF_EXIST``: -ENOENT;
  a new one in a full trie: -ENOSPC (replacing stays allowed);
* delete: ``prefixlen`` above the maximum: -EINVAL; no exact entry: -ENOENT;
* get_next_key: post-order (more specific prefixes first; for two prefixes
  that fork, the one with bit 0 first); a missing key (or none, or one with a
  ``prefixlen`` above the maximum) restarts at the first.
"""

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..errors import MapError
from .common import call_compiled, copy, data_base
from .layout import (BPF_EXIST, BPF_NOEXIST, EEXIST, EINVAL, ENOENT, ENOSPC, M_AUX, M_CAP,
                     M_COUNT, M_FREE, M_HEAD, M_KEY, M_MAX, M_TAIL, M_VALUE,
                     M_VSTRIDE, round8)

LPM_TRIE = 11
TYPES = (LPM_TRIE,)
BPF_F_NO_PREALLOC = 1
#: map_flags the kernel accepts for an LPM trie: NO_PREALLOC, NUMA_NODE and the access flags.
CREATE_FLAGS = 1 | 4 | 8 | 16 | 128 | 256
DATA_MIN, DATA_MAX = 1, 256
NODE_HDR = 16


def _node_size(key_size: int) -> int:
    return NODE_HDR + round8(key_size - 4)


def check(key_size: int, value_size: int, max_entries: int, flags: int | None, name: str = "") -> None:
    """Refuse what ``trie_alloc`` refuses (EINVAL), with a message saying why."""
    what = f"map {name!r} (lpm_trie)" if name else "lpm_trie map"
    data = key_size - 4
    if flags is not None and not flags & BPF_F_NO_PREALLOC:
        raise MapError(f"{what}: the kernel requires map_flags BPF_F_NO_PREALLOC for LPM tries "
                       f"(map creation fails with EINVAL); add "
                       f"__uint(map_flags, BPF_F_NO_PREALLOC)", EINVAL)
    if flags is not None and flags & ~CREATE_FLAGS:
        raise MapError(f"{what}: map_flags 0x{flags:x} has flags LPM tries do not take (EINVAL)",
                       EINVAL)
    if not DATA_MIN <= data <= DATA_MAX:
        raise MapError(f"{what}: key_size {key_size} must be 4 + 1..256 data bytes (EINVAL)", EINVAL)
    if value_size < 1:
        raise MapError(f"{what}: value_size must be at least 1 (EINVAL)", EINVAL)
    if max_entries < 1:
        raise MapError(f"{what}: max_entries must be at least 1 (EINVAL)", EINVAL)


def layout(map_type: int, key_size: int, value_size: int, max_entries: int, ncpu: int,
           flags: int | None = None, name: str = "") -> dict:
    """Storage sizes; raises :class:`MapError` (EINVAL) for a trie the kernel would not create.

    ``flags`` (the map's ``map_flags``) is checked when given.
    """
    check(key_size, value_size, max_entries, flags, name)
    cap = 2 * max_entries + 1
    return {"data": max_entries * round8(value_size), "aux": cap * _node_size(key_size) + 4 * max_entries,
            "cap": cap, "elem": round8(value_size)}


def init(table, m, arena, rbase):
    """Empty trie: every node and value slot on its free list."""
    call_compiled(_reset, table, m, arena, rbase)


@njit(cache=True)
def _reset(maps, m, arena, rbase):
    aux = np.int64(rbase[maps[m, M_AUX]])
    ns = NODE_HDR + ((maps[m, M_KEY] - 4 + 7) & ~7)
    cap = maps[m, M_CAP]
    for i in range(cap):
        _st32(arena, aux + i * ns + 8, i + 1 if i + 1 < cap else -1)
    fl = aux + cap * ns
    n = maps[m, M_MAX]
    for i in range(n):
        _st32(arena, fl + 4 * i, i + 1 if i + 1 < n else -1)
    maps[m, M_HEAD] = -1
    maps[m, M_FREE] = 0
    maps[m, M_TAIL] = 0
    maps[m, M_COUNT] = 0


# -- little helpers over the arena ---------------------------------------------------------

@njit(cache=True, inline="always")
def _ld32(arena, p):
    v = (np.int64(arena[p]) | (np.int64(arena[p + 1]) << 8) | (np.int64(arena[p + 2]) << 16)
         | (np.int64(arena[p + 3]) << 24))
    return v - (np.int64(1) << 32) if v >= (np.int64(1) << 31) else v


@njit(cache=True, inline="always")
def _st32(arena, p, v):
    v = np.int64(v) & 0xFFFFFFFF
    arena[p] = np.uint8(v & 0xFF)
    arena[p + 1] = np.uint8((v >> 8) & 0xFF)
    arena[p + 2] = np.uint8((v >> 16) & 0xFF)
    arena[p + 3] = np.uint8((v >> 24) & 0xFF)


@njit(cache=True, inline="always")
def _u32(arena, p):
    return (np.int64(arena[p]) | (np.int64(arena[p + 1]) << 8) | (np.int64(arena[p + 2]) << 16)
            | (np.int64(arena[p + 3]) << 24))


@njit(cache=True, inline="always")
def _bit(arena, d, i):
    """Bit ``i`` (most significant first) of the data at ``d``."""
    return (np.int64(arena[d + (i >> 3)]) >> (7 - (i & 7))) & 1


@njit(cache=True)
def _bits_equal(arena, a, b, start, end):
    """Whether bits ``[start, end)`` of the data at ``a`` and ``b`` agree."""
    if start >= end:
        return True
    first = start >> 3
    last = (end - 1) >> 3
    for i in range(first, last + 1):
        x = np.int64(arena[a + i] ^ arena[b + i])
        if x != 0:
            mask = 0xFF
            if i == first:
                mask &= 0xFF >> (start & 7)
            if i == last:
                mask &= (0xFF << (7 - ((end - 1) & 7))) & 0xFF
            if x & mask:
                return False
    return True


@njit(cache=True)
def _common(arena, a, b, limit):
    """Length of the common prefix of the data at ``a`` and ``b``, at most ``limit`` bits."""
    n = np.int64(0)
    i = np.int64(0)
    while n < limit:
        x = np.int64(arena[a + i] ^ arena[b + i])
        if x == 0:
            n += 8
        else:
            z = 0
            while not (x & 0x80):
                x <<= 1
                z += 1
            n += z
            break
        i += 1
    return min(n, limit)


# node field accessors (node offsets in the arena)

@njit(cache=True, inline="always")
def _node(aux, ns, i):
    return aux + i * ns


@njit(cache=True, inline="always")
def _plen(arena, q):
    return _ld32(arena, q)


@njit(cache=True, inline="always")
def _slot_of(arena, q):
    return _ld32(arena, q + 4)


@njit(cache=True, inline="always")
def _child(arena, q, b):
    return _ld32(arena, q + 8 + 4 * b)


@njit(cache=True, inline="always")
def _set_ref(maps, m, arena, aux, ns, parent, b, value):
    """Store node ``value`` where the walk came from: the root, or ``parent``'s child ``b``."""
    if parent < 0:
        maps[m, M_HEAD] = value
    else:
        _st32(arena, _node(aux, ns, parent) + 8 + 4 * b, value)


@njit(cache=True)
def _alloc_node(maps, m, arena, aux, ns):
    i = maps[m, M_FREE]
    q = _node(aux, ns, i)
    maps[m, M_FREE] = _ld32(arena, q + 8)
    _st32(arena, q + 4, -1)
    _st32(arena, q + 8, -1)
    _st32(arena, q + 12, -1)
    return i


@njit(cache=True)
def _free_node(maps, m, arena, aux, ns, i):
    q = _node(aux, ns, i)
    _st32(arena, q + 4, -1)
    _st32(arena, q + 12, -1)
    _st32(arena, q + 8, maps[m, M_FREE])
    maps[m, M_FREE] = i


@njit(cache=True)
def _alloc_slot(maps, m, arena, aux, ns):
    s = maps[m, M_TAIL]
    maps[m, M_TAIL] = _ld32(arena, aux + maps[m, M_CAP] * ns + 4 * s)
    return s


@njit(cache=True)
def _free_slot(maps, m, arena, aux, ns, s):
    _st32(arena, aux + maps[m, M_CAP] * ns + 4 * s, maps[m, M_TAIL])
    maps[m, M_TAIL] = s


# -- operations ---------------------------------------------------------------------------

@njit(cache=True)
def lookup(maps, m, arena, rbase, kp, cpu):
    aux = np.int64(rbase[maps[m, M_AUX]])
    dsize = maps[m, M_KEY] - 4
    ns = NODE_HDR + ((dsize + 7) & ~7)
    maxp = 8 * dsize
    klen = _u32(arena, kp)
    if klen > maxp:
        return np.int64(-1)
    kd = kp + 4
    found = np.int64(-1)
    done = np.int64(0)          # bits already known to match
    i = maps[m, M_HEAD]
    while i >= 0:
        q = _node(aux, ns, i)
        plen = _plen(arena, q)
        if plen > klen or not _bits_equal(arena, q + NODE_HDR, kd, done, plen):
            break
        s = _slot_of(arena, q)
        if s >= 0:
            found = s
        if plen >= maxp:
            break
        done = plen
        i = _child(arena, q, _bit(arena, kd, plen))
    if found < 0:
        return np.int64(-1)
    return data_base(maps, rbase, m) + found * maps[m, M_VSTRIDE]


@njit(cache=True)
def _add_ok(maps, m, flags):
    """0 when a new entry may be added, else -errno (kernel's trie_check_add_elem)."""
    if flags == BPF_EXIST:
        return np.int64(-ENOENT)
    if maps[m, M_COUNT] >= maps[m, M_MAX]:
        return np.int64(-ENOSPC)
    return np.int64(0)


@njit(cache=True)
def update(maps, m, arena, rbase, kp, vp, flags, cpu, all_cpus):
    if flags < 0 or flags > BPF_EXIST:
        return np.int64(-EINVAL)
    aux = np.int64(rbase[maps[m, M_AUX]])
    dsize = maps[m, M_KEY] - 4
    ns = NODE_HDR + ((dsize + 7) & ~7)
    klen = _u32(arena, kp)
    if klen > 8 * dsize:
        return np.int64(-EINVAL)
    kd = kp + 4
    vsize = maps[m, M_VALUE]
    vbase = data_base(maps, rbase, m)
    stride = maps[m, M_VSTRIDE]

    parent = np.int64(-1)
    pb = np.int64(0)
    i = maps[m, M_HEAD]
    match = np.int64(0)
    while i >= 0:
        q = _node(aux, ns, i)
        plen = _plen(arena, q)
        match = _common(arena, q + NODE_HDR, kd, min(plen, klen))
        if match != plen or plen == klen:
            break
        parent = i
        pb = _bit(arena, kd, plen)
        i = _child(arena, q, pb)

    if i < 0:                               # an empty place: a new leaf
        err = _add_ok(maps, m, flags)
        if err:
            return err
        n = _new_entry(maps, m, arena, aux, ns, kd, klen, dsize, vbase, stride, vp, vsize)
        _set_ref(maps, m, arena, aux, ns, parent, pb, n)
        return np.int64(0)

    q = _node(aux, ns, i)
    plen = _plen(arena, q)
    if plen == match:                       # exactly this prefix is a node already
        s = _slot_of(arena, q)
        if s >= 0:
            if flags == BPF_NOEXIST:
                return np.int64(-EEXIST)
        else:
            err = _add_ok(maps, m, flags)
            if err:
                return err
            s = _alloc_slot(maps, m, arena, aux, ns)
            _st32(arena, q + 4, s)
            maps[m, M_COUNT] += 1
        copy(arena, q + NODE_HDR, kd, dsize)    # the node now carries this key's data
        copy(arena, vbase + s * stride, vp, vsize)
        return np.int64(0)

    err = _add_ok(maps, m, flags)
    if err:
        return err
    n = _new_entry(maps, m, arena, aux, ns, kd, klen, dsize, vbase, stride, vp, vsize)
    if match == klen:                       # the new prefix covers the node: insert above it
        _st32(arena, _node(aux, ns, n) + 8 + 4 * _bit(arena, q + NODE_HDR, klen), i)
        _set_ref(maps, m, arena, aux, ns, parent, pb, n)
        return np.int64(0)
    # the prefixes fork at bit ``match``: an intermediate node holds both
    im = _alloc_node(maps, m, arena, aux, ns)
    iq = _node(aux, ns, im)
    _st32(arena, iq, match)
    copy(arena, iq + NODE_HDR, q + NODE_HDR, dsize)
    b = _bit(arena, kd, match)
    _st32(arena, iq + 8 + 4 * b, n)
    _st32(arena, iq + 8 + 4 * (1 - b), i)
    _set_ref(maps, m, arena, aux, ns, parent, pb, im)
    return np.int64(0)


@njit(cache=True)
def _new_entry(maps, m, arena, aux, ns, kd, klen, dsize, vbase, stride, vp, vsize):
    n = _alloc_node(maps, m, arena, aux, ns)
    q = _node(aux, ns, n)
    _st32(arena, q, klen)
    copy(arena, q + NODE_HDR, kd, dsize)
    s = _alloc_slot(maps, m, arena, aux, ns)
    _st32(arena, q + 4, s)
    copy(arena, vbase + s * stride, vp, vsize)
    maps[m, M_COUNT] += 1
    return n


@njit(cache=True)
def delete(maps, m, arena, rbase, kp):
    aux = np.int64(rbase[maps[m, M_AUX]])
    dsize = maps[m, M_KEY] - 4
    ns = NODE_HDR + ((dsize + 7) & ~7)
    klen = _u32(arena, kp)
    if klen > 8 * dsize:
        return np.int64(-EINVAL)
    kd = kp + 4
    gparent = np.int64(-1)      # where ``parent`` hangs: gparent's child gb (or the root)
    gb = np.int64(0)
    parent = np.int64(-1)
    pb = np.int64(0)
    i = maps[m, M_HEAD]
    match = np.int64(0)
    while i >= 0:
        q = _node(aux, ns, i)
        plen = _plen(arena, q)
        match = _common(arena, q + NODE_HDR, kd, min(plen, klen))
        if match != plen or plen == klen:
            break
        gparent, gb = parent, pb
        parent = i
        pb = _bit(arena, kd, plen)
        i = _child(arena, q, pb)
    if i < 0:
        return np.int64(-ENOENT)
    q = _node(aux, ns, i)
    plen = _plen(arena, q)
    s = _slot_of(arena, q)
    if plen != klen or plen != match or s < 0:
        return np.int64(-ENOENT)

    maps[m, M_COUNT] -= 1
    _free_slot(maps, m, arena, aux, ns, s)
    c0 = _child(arena, q, 0)
    c1 = _child(arena, q, 1)
    if c0 >= 0 and c1 >= 0:                 # two children: the node stays, as intermediate
        _st32(arena, q + 4, -1)
        return np.int64(0)
    if c0 < 0 and c1 < 0 and parent >= 0 and _slot_of(arena, _node(aux, ns, parent)) < 0:
        # a leaf under an intermediate node: the sibling takes the intermediate's place
        sib = _child(arena, _node(aux, ns, parent), 1 - pb)
        _set_ref(maps, m, arena, aux, ns, gparent, gb, sib)
        _free_node(maps, m, arena, aux, ns, parent)
        _free_node(maps, m, arena, aux, ns, i)
        return np.int64(0)
    _set_ref(maps, m, arena, aux, ns, parent, pb, c0 if c0 >= 0 else c1)
    _free_node(maps, m, arena, aux, ns, i)
    return np.int64(0)


@njit(cache=True)
def _leftmost(arena, aux, ns, i):
    """First entry in post-order of the subtree at node ``i`` (never intermediate)."""
    found = np.int64(-1)
    while i >= 0:
        q = _node(aux, ns, i)
        if _slot_of(arena, q) >= 0:
            found = i
        c = _child(arena, q, 0)
        i = c if c >= 0 else _child(arena, q, 1)
    return found


@njit(cache=True)
def next_key(maps, m, arena, rbase, kp, outp):
    aux = np.int64(rbase[maps[m, M_AUX]])
    dsize = maps[m, M_KEY] - 4
    ns = NODE_HDR + ((dsize + 7) & ~7)
    root = maps[m, M_HEAD]
    if root < 0:
        return np.int64(-ENOENT)
    nxt = np.int64(-1)
    restart = True
    if kp >= 0:
        klen = _u32(arena, kp)
        if klen <= 8 * dsize:
            kd = kp + 4
            # Walk to the exact entry, remembering the deepest ancestor where post-order
            # continues: one whose right subtree comes next (we went left and it exists),
            # or an entry (it follows its subtrees).
            cand = np.int64(-1)
            cand_right = False
            i = root
            match = np.int64(0)
            while i >= 0:
                q = _node(aux, ns, i)
                plen = _plen(arena, q)
                match = _common(arena, q + NODE_HDR, kd, min(plen, klen))
                if match != plen or plen == klen:
                    break
                b = _bit(arena, kd, plen)
                if b == 0 and _child(arena, q, 1) >= 0:
                    cand, cand_right = i, True
                elif _slot_of(arena, q) >= 0:
                    cand, cand_right = i, False
                i = _child(arena, q, b)
            if i >= 0:
                q = _node(aux, ns, i)
                if _plen(arena, q) == match and _plen(arena, q) == klen and _slot_of(arena, q) >= 0:
                    restart = False
                    if cand < 0:
                        return np.int64(-ENOENT)
                    if cand_right:
                        nxt = _leftmost(arena, aux, ns, _child(arena, _node(aux, ns, cand), 1))
                    else:
                        nxt = cand
    if restart:
        nxt = _leftmost(arena, aux, ns, root)
    q = _node(aux, ns, nxt)
    _st32(arena, outp, _plen(arena, q))
    copy(arena, outp + 4, q + NODE_HDR, dsize)
    return np.int64(0)
