"""kfuncs pybpf provides, resolved by name at load (the kernel resolves them by BTF id).

Starting with the open-coded numeric iterator behind libbpf's ``bpf_for()``:
``struct bpf_iter_num`` is 8 opaque bytes that hold ``int cur; int end;``, as
in the kernel; ``bpf_iter_num_next`` returns a pointer to ``cur`` (inside the
program's own iterator, so the program reads it as memory) or NULL when done.
"""

from __future__ import annotations

import struct

from ..isa.insn import s32

BPF_MAX_LOOPS = 8 * 1024 * 1024
EINVAL, E2BIG = 22, 7



def _state(machine, it: int) -> tuple[int, int]:
    return struct.unpack("<ii", machine.read_bytes(it, 8))


def _set(machine, it: int, cur: int, end: int) -> None:
    machine.write_bytes(it, struct.pack("<ii", cur, end))


def bpf_iter_num_new(machine, it, start, end, *_):
    """``int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end)``."""
    start, end = s32(start), s32(end)
    if start > end:
        _set(machine, it, 0, 0)
        return -EINVAL
    if end - start > BPF_MAX_LOOPS:
        _set(machine, it, 0, 0)
        return -E2BIG
    _set(machine, it, start - 1, end)
    return 0


def bpf_iter_num_next(machine, it, *_):
    """``int *bpf_iter_num_next(struct bpf_iter_num *it)``: &it->cur, or NULL at the end."""
    cur, end = _state(machine, it)
    if cur + 1 >= end:
        _set(machine, it, 0, 0)
        return 0
    _set(machine, it, cur + 1, end)
    return it


def bpf_iter_num_destroy(machine, it, *_):
    """``void bpf_iter_num_destroy(struct bpf_iter_num *it)``."""
    _set(machine, it, 0, 0)
    return 0


#: name -> (pybpf kfunc id, implementation). Ids are pybpf's own, patched into the call's imm.
KFUNCS = {fn.__name__: (i + 1, fn) for i, fn in enumerate(
    (bpf_iter_num_new, bpf_iter_num_next, bpf_iter_num_destroy))}
