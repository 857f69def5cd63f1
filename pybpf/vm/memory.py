"""Tagged memory: one arena of bytes, cut into regions behind 64-bit virtual addresses.

Region ``k`` answers at virtual addresses ``(k + 1) << 32 | offset``; an access
of ``n`` bytes at ``offset`` succeeds only if ``lo <= offset`` and
``offset + n <= hi``. Anything else is a fault with the instruction index, so
even a program that was never verified cannot touch memory it was not given.
Pointer arithmetic stays plain 64-bit arithmetic.

The region tables (``rbase``, ``rlo``, ``rhi``, ``rflag``) are the rows of one array of
``abi.REGION_CAPACITY`` entries each, changed in place: compiled code reads all four from
``rbase`` at fixed offsets (:mod:`pybpf.vm.native`). An entry past the last region has an
empty window, so an address there faults as one past the table would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..isa.opcodes import MAX_CALL_FRAMES, STACK_SIZE
from ..errors import PyBPFError
from . import abi


@dataclass
class Region:
    name: str
    index: int
    size: int

    @property
    def va(self) -> int:
        return abi.region_va(self.index)


class Memory:
    """The arena and its region table (numpy arrays the interpreter reads directly)."""

    def __init__(self, ctx_size: int = 0, owner: str = ""):
        self.owner = owner   # the object's name, for errors
        self.arena = np.zeros(0, dtype=np.uint8)
        self.rbase, self.rlo, self.rhi, self.rflag = np.zeros((4, abi.REGION_CAPACITY),
                                                              dtype=np.uint64)
        self.rlo[:] = 1   # an empty window: no region here
        self.regions: list[Region] = []
        stack = self.add_region("stack", STACK_SIZE * MAX_CALL_FRAMES)
        ctx = self.add_region("ctx", ctx_size, flags=abi.F_CTX)
        code = self.add_region("code", 0)
        maps = self.add_region("maps", 0)
        keys = self.add_region("callback-keys", 8 * MAX_CALL_FRAMES, flags=abi.F_RO)
        assert (stack.index, ctx.index, code.index, maps.index, keys.index) == (
            abi.REGION_STACK, abi.REGION_CTX, abi.REGION_CODE, abi.REGION_MAPS, abi.REGION_CBKEYS)
        #: Per-byte access codes of the context (see :mod:`pybpf.vm.ctxaccess`).
        self.ctxmap = np.zeros(max(ctx_size, 1), dtype=np.uint16)

    def add_region(self, name: str, size: int, data: bytes | None = None, flags: int = 0,
                   lo: int = 0, hi: int | None = None) -> Region:
        """Append a region of ``size`` bytes (optionally initialised from ``data``)."""
        index = len(self.regions)
        if index >= abi.REGION_CAPACITY:
            who = f"{self.owner}: " if self.owner else ""
            raise PyBPFError(f"{who}more than {abi.REGION_CAPACITY} memory regions (maps, "
                             f"global sections, packet buffers; the next is {name!r}): "
                             f"pybpf cannot hold this object")
        base = len(self.arena)
        self.arena = np.concatenate([self.arena, np.zeros(size, dtype=np.uint8)])
        if data is not None:
            self.arena[base:base + len(data)] = np.frombuffer(bytes(data), dtype=np.uint8)
        self.rbase[index] = base
        self.rlo[index] = lo
        self.rhi[index] = size if hi is None else hi
        self.rflag[index] = flags
        region = Region(name, index, size)
        self.regions.append(region)
        return region

    def set_window(self, region: Region, lo: int, hi: int) -> None:
        """Change the accessible offsets ``[lo, hi)`` of a region (e.g. a moved packet)."""
        assert 0 <= lo <= hi <= region.size
        self.rlo[region.index] = lo
        self.rhi[region.index] = hi

    def retire(self, region: Region) -> None:
        """Make every pointer into ``region`` fault from now on (packet moved or freed)."""
        self.rlo[region.index] = 0
        self.rhi[region.index] = 0

    def view(self, region: Region, start: int = 0, end: int | None = None) -> np.ndarray:
        """The arena bytes of ``region`` (a writable numpy view)."""
        base = int(self.rbase[region.index])
        end = region.size if end is None else end
        return self.arena[base + start:base + end]

    def read(self, region: Region, start: int = 0, end: int | None = None) -> bytes:
        return self.view(region, start, end).tobytes()

    def write(self, region: Region, start: int, data: bytes) -> None:
        self.view(region, start, start + len(data))[:] = np.frombuffer(bytes(data), dtype=np.uint8)

    def describe(self, va: int) -> str:
        """Human description of a virtual address for fault messages."""
        k = (va >> 32) - 1
        off = va & 0xFFFFFFFF
        if off >= 1 << 31 and 0 <= k + 1 < len(self.regions):  # just below the next region
            return f"{self.regions[k + 1].name}-{(1 << 32) - off} (before the start of the region)"
        if 0 <= k < len(self.regions):
            r = self.regions[k]
            lo, hi = int(self.rlo[k]), int(self.rhi[k])
            if lo == hi:
                return f"{r.name}+{off} (region no longer valid: the packet was moved or freed)"
            return f"{r.name}+{off} (valid offsets {lo}..{hi - 1})"
        return f"0x{va:x} (not a pointer into any region)"

    def region_of(self, va: int) -> Region | None:
        k = (va >> 32) - 1
        return self.regions[k] if 0 <= k < len(self.regions) else None
