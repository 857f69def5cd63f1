"""Queues and stacks (``BPF_MAP_TYPE_QUEUE`` 22, ``BPF_MAP_TYPE_STACK`` 23).

No keys (``key_size`` 0): values go in with ``bpf_map_push_elem`` and come out
with ``bpf_map_pop_elem`` / ``bpf_map_peek_elem`` (oldest first for a queue,
newest first for a stack). As in the kernel (``kernel/bpf/queue_stack_maps.c``)
the values sit in a ring of ``max_entries + 1`` slots in ``M_DATA``, ``value_size``
bytes apart: ``M_HEAD`` is where the next push goes, ``M_TAIL`` the oldest value,
``M_HEAD == M_TAIL`` is empty, ``M_HEAD + 1 == M_TAIL`` (mod the ring) is full;
``M_COUNT`` mirrors the number of values.

Semantics, as the kernel (checked against Linux 6.18):

* create: ``key_size`` 0, ``value_size`` > 0, ``max_entries`` > 0, only the
  NUMA and access map_flags, else EINVAL;
* push: flags with ``BPF_NOEXIST`` or above ``BPF_EXIST``: -EINVAL; a full map:
  -E2BIG, unless ``BPF_EXIST``, which drops the oldest value to make room (for a
  stack too: the bottom one);
* pop / peek of an empty map: -ENOENT, and the output buffer is zeroed;
* the generic operations: ``bpf_map_lookup_elem`` gives NULL,
  ``update``/``delete`` -EINVAL, ``get_next_key`` -EINVAL (the kernel's verifier
  refuses programs calling them on these maps; the syscalls map lookup to
  peek, update to push, lookup-and-delete to pop: see :func:`push`, :func:`pop`,
  :func:`peek` for the Python side).
"""

from __future__ import annotations

import errno as _errno

import numpy as np
from .. import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from ..errors import MapError
from .common import copy, data_base, zero
from .layout import (BPF_EXIST, BPF_NOEXIST, E2BIG, EINVAL, ENOENT, M_CAP, M_COUNT, M_ELEM,
                     M_HEAD, M_TAIL, M_TYPE, M_VALUE)

QUEUE, STACK = 22, 23
TYPES = (QUEUE, STACK)
#: map_flags the kernel accepts: NUMA_NODE and the access flags.
CREATE_FLAGS = 4 | 8 | 16 | 128 | 256


def check(map_type: int, key_size: int, value_size: int, max_entries: int,
          flags: int | None = None, name: str = "") -> None:
    """Refuse what ``queue_stack_map_alloc_check`` refuses (EINVAL)."""
    kind = "stack" if map_type == STACK else "queue"
    what = f"map {name!r} ({kind})" if name else f"{kind} map"
    if key_size != 0:
        raise MapError(f"{what}: key_size must be 0, got {key_size} (EINVAL)", EINVAL)
    if value_size < 1:
        raise MapError(f"{what}: value_size must be at least 1 (EINVAL)", EINVAL)
    if max_entries < 1:
        raise MapError(f"{what}: max_entries must be at least 1 (EINVAL)", EINVAL)
    if flags is not None and flags & ~CREATE_FLAGS:
        raise MapError(f"{what}: map_flags 0x{flags:x} has flags queues and stacks do not take "
                       f"(EINVAL)", EINVAL)


def layout(map_type: int, key_size: int, value_size: int, max_entries: int, ncpu: int,
           flags: int | None = None, name: str = "") -> dict:
    """Storage sizes; raises :class:`MapError` (EINVAL) for a map the kernel would not create."""
    check(map_type, key_size, value_size, max_entries, flags, name)
    size = max_entries + 1
    return {"data": size * value_size, "aux": 0, "cap": size, "elem": value_size}


def init(table, m, arena, rbase):
    table[m, M_HEAD] = 0
    table[m, M_TAIL] = 0
    table[m, M_COUNT] = 0


# -- push / pop / peek: the helpers' and the syscalls' operations ---------------------------

@njit(cache=True)
def push_elem(maps, m, arena, rbase, vp, flags):
    """Push the value at arena offset ``vp``: 0 or -errno."""
    if (flags & BPF_NOEXIST) != 0 or flags < 0 or flags > BPF_EXIST:
        return np.int64(-EINVAL)
    size = maps[m, M_CAP]
    head = maps[m, M_HEAD]
    tail = maps[m, M_TAIL]
    nxt = head + 1 if head + 1 < size else 0
    if nxt == tail:                 # full
        if flags != BPF_EXIST:
            return np.int64(-E2BIG)
        tail = tail + 1 if tail + 1 < size else 0     # drop the oldest
        maps[m, M_TAIL] = tail
        maps[m, M_COUNT] -= 1
    copy(arena, data_base(maps, rbase, m) + head * maps[m, M_ELEM], vp, maps[m, M_VALUE])
    maps[m, M_HEAD] = nxt
    maps[m, M_COUNT] += 1
    return np.int64(0)


@njit(cache=True)
def take_elem(maps, m, arena, rbase, outp, remove):
    """Pop (``remove``) or peek into arena offset ``outp``: 0, or -ENOENT (``outp`` zeroed)."""
    size = maps[m, M_CAP]
    head = maps[m, M_HEAD]
    tail = maps[m, M_TAIL]
    vsize = maps[m, M_VALUE]
    if head == tail:
        zero(arena, outp, vsize)
        return np.int64(-ENOENT)
    if maps[m, M_TYPE] == STACK:
        i = head - 1 if head > 0 else size - 1
        if remove:
            maps[m, M_HEAD] = i
    else:
        i = tail
        if remove:
            maps[m, M_TAIL] = tail + 1 if tail + 1 < size else 0
    copy(arena, outp, data_base(maps, rbase, m) + i * maps[m, M_ELEM], vsize)
    if remove:
        maps[m, M_COUNT] -= 1
    return np.int64(0)


# -- the generic map operations (layout.py's contract) --------------------------------------

@njit(cache=True)
def lookup(maps, m, arena, rbase, kp, cpu):
    return np.int64(-1)


@njit(cache=True)
def update(maps, m, arena, rbase, kp, vp, flags, cpu, all_cpus):
    return np.int64(-EINVAL)


@njit(cache=True)
def delete(maps, m, arena, rbase, kp):
    return np.int64(-EINVAL)


@njit(cache=True)
def next_key(maps, m, arena, rbase, kp, outp):
    return np.int64(-EINVAL)


# -- Python API over a pybpf.maps.Map --------------------------------------------------------

def _require_queue(map_) -> None:
    if map_.type not in TYPES:
        raise MapError(f"map {map_.name}: push/pop/peek need a queue or stack map, not "
                       f"{map_.type_name}", _errno.EINVAL)


def push(map_, value, flags: int = 0) -> None:
    """Push ``value`` (bytes, or an int packed little-endian), as ``BPF_MAP_UPDATE_ELEM``
    with a NULL key does; raises :class:`MapError` (E2BIG when full, EINVAL for bad flags)."""
    _require_queue(map_)
    table, arena, rbase = map_._arrays()
    vp = map_._put_value(value)
    ret = int(push_elem(table, map_.index, arena, rbase, vp, flags))
    if ret < 0:
        raise MapError(f"map {map_.name}: push failed: {_errno.errorcode.get(-ret, ret)}", -ret)


def _take(map_, remove: bool):
    _require_queue(map_)
    table, arena, rbase = map_._arrays()
    p = map_._scratch() + map_.key_size * 2
    ret = int(take_elem(table, map_.index, arena, rbase, p, remove))
    if ret < 0:
        return None
    return arena[p:p + map_.value_size].tobytes()


def pop(map_):
    """Remove and return the next value (oldest for a queue, newest for a stack), or None
    when empty (the ``BPF_MAP_LOOKUP_AND_DELETE_ELEM`` syscall's ENOENT)."""
    return _take(map_, True)


def peek(map_):
    """The value :func:`pop` would return, without removing it; None when empty
    (``BPF_MAP_LOOKUP_ELEM`` on a queue or stack)."""
    return _take(map_, False)


def count(map_) -> int:
    """How many values the queue or stack holds."""
    _require_queue(map_)
    return int(map_._set.table[map_.index, M_COUNT])
