"""How maps live in VM memory: the map table and the contract every map family keeps.

Every map is one row of the ``int64`` *map table* (``maps[m, field]``) plus
storage in the arena:

* ``M_DATA``: region of program-visible storage. Values live here, so a
  lookup returns a pointer into the region and the program's writes through
  it land in the map, as in the kernel. A map handle in a program (the patched
  ``lddw`` of ``BPF_PSEUDO_MAP_FD``) is ``handle_va(m)``, an address in the
  no-access region ``REGION_MAPS``.
* ``M_AUX``: region of private storage (hash index, LRU ticks, ring
  positions...), never accessible to programs (its window is empty), or -1.

A *family* module (``array``, ``hash``, ``lpm``, ``queue`` ...) provides, for the
map types it serves, Python sizing (``layout(type, key_size, value_size,
max_entries, ncpu, flags=0, name="")`` -> ``{data, aux, cap, elem}``, raising
``MapError`` for a definition the kernel would refuse), an optional
``init(table, m, arena, rbase)``, and Numba operations with one signature each. Keys and values are passed as *arena offsets* (``kp``,
``vp``, ``outp``: int64 indexes into ``arena``), already bounds-checked by the
caller. ``base`` is ``rbase`` (region table arena offsets) for reaching the
map's own regions via ``maps[m, M_DATA]`` / ``maps[m, M_AUX]``::

    lookup(maps, m, arena, rbase, kp, cpu) -> int64   value offset for ``cpu``, or -1
    update(maps, m, arena, rbase, kp, vp, flags, cpu, all_cpus) -> int64   0 or -errno
        ``all_cpus``: ``vp`` holds ``ncpu`` values at ``M_VSTRIDE`` apart (syscall
        side of per-CPU maps); otherwise one value, for ``cpu`` (program side).
    delete(maps, m, arena, rbase, kp) -> int64         0 or -errno
    next_key(maps, m, arena, rbase, kp, outp) -> int64 0 or -ENOENT; kp < 0: first key

Errors follow the kernel: ``-ENOENT`` (2), ``-E2BIG`` (7), ``-EEXIST`` (17),
``-EINVAL`` (22), ``-ENOSPC`` (28) ... ``flags`` are ``BPF_ANY`` (0),
``BPF_NOEXIST`` (1), ``BPF_EXIST`` (2), ``BPF_F_LOCK`` (4).
"""

from ..vm import abi

# Fields of a map-table row.
M_TYPE = 0        # kernel map type id
M_KEY = 1         # key size in bytes
M_VALUE = 2       # value size in bytes
M_MAX = 3         # max_entries
M_FLAGS = 4       # map_flags
M_NCPU = 5        # number of virtual CPUs (per-CPU maps keep one value each)
M_VSTRIDE = 6     # bytes between per-CPU values: value size rounded up to 8
M_DATA = 7        # region index of the program-visible storage
M_AUX = 8         # region index of private storage, or -1
M_COUNT = 9       # live entries (hash-like maps, queues)
M_CAP = 10        # capacity of the private index (hash) or ring (queue/stack)
M_HEAD = 11       # queue/stack/ringbuf position
M_TAIL = 12       # queue/stack/ringbuf position
M_TICK = 13       # LRU clock
M_FREE = 14       # head of the free list of elements (hash-like maps), -1 if empty
M_ELEM = 15       # bytes per element in M_DATA (hash-like: key + values, 8-aligned)
M_FIELDS = 16

# errno values the kernel returns (negated by the operations).
ENOENT = 2
E2BIG = 7
EEXIST = 17
EINVAL = 22
ENOSPC = 28
EOPNOTSUPP = 95

BPF_ANY = 0
BPF_NOEXIST = 1
BPF_EXIST = 2
BPF_F_LOCK = 4

#: Region index whose addresses are map handles (no access: programs only pass them to helpers).
REGION_MAPS = abi.REGION_MAPS


def handle_va(m: int) -> int:
    """The value a program holds for map ``m`` (what ``lddw rX, map`` loads)."""
    return abi.region_va(REGION_MAPS) + m


def round8(n: int) -> int:
    return (n + 7) & ~7
