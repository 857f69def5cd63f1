"""Captures as arrays: every record of a pcap or pcapng file without a Python object per packet.

:func:`scan` reads a capture into one ``uint8`` buffer and compiled code walks
its records, giving per packet the offset of its bytes in the buffer, the
captured and wire lengths, the timestamp in nanoseconds and the interface id.
This is what batched runs consume (:mod:`pybpf.batch`); :func:`pybpf.pcap.read_packets`
stays the reference reader, and the two agree on every file (tests check them
against each other). Whenever the scanner meets something it does not handle
itself (any malformed input, a timestamp too large for 64 bits), the reference
reader reads the file instead, so errors carry its exact messages.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from . import _jitcache  # noqa: F401  (first: pybpf's Numba cache locator)
from pybpf._jitcache import njit

from .errors import PcapError

I64 = np.int64

_MAGIC_US, _MAGIC_NS, _MAGIC_MOD = 0xA1B2C3D4, 0xA1B23C4D, 0xA1B2CD34
_BT_SHB, _BT_IDB, _BT_PB, _BT_SPB, _BT_EPB = 0x0A0D0D0A, 1, 2, 3, 6
_BOM = 0x1A2B3C4D
_MAX_CAPLEN = 256 * 1024 * 1024
_MAX_IFACES = 4096
NO_IFACE = -1

# scanner outcomes
_OK, _FALLBACK = 0, 1


def _aot():
    """:mod:`pybpf.vm.aot` (a warm start scans and writes without loading Numba), looked up
    by name: a static import would put the compiled tier into this file's cache key."""
    return importlib.import_module("pybpf.vm.aot")


@dataclass
class Capture:
    """The records of one capture: packet ``i`` is ``buf[offset[i]:offset[i] + caplen[i]]``."""

    name: str
    buf: np.ndarray        # uint8, the whole file
    offset: np.ndarray     # int64
    caplen: np.ndarray     # int64
    wire_len: np.ndarray   # int64, at least caplen
    ts_ns: np.ndarray      # int64
    iface: np.ndarray      # int64, NO_IFACE (-1) for classic pcap

    def __len__(self) -> int:
        return int(self.offset.shape[0])

    def data(self, i: int) -> bytes:
        off = int(self.offset[i])
        return self.buf[off:off + int(self.caplen[i])].tobytes()


@njit(cache=True)
def _u32(buf, pos, le):
    if le:
        return (I64(buf[pos]) | (I64(buf[pos + 1]) << 8) | (I64(buf[pos + 2]) << 16)
                | (I64(buf[pos + 3]) << 24))
    return (I64(buf[pos + 3]) | (I64(buf[pos + 2]) << 8) | (I64(buf[pos + 1]) << 16)
            | (I64(buf[pos]) << 24))


@njit(cache=True)
def _u16(buf, pos, le):
    if le:
        return I64(buf[pos]) | (I64(buf[pos + 1]) << 8)
    return I64(buf[pos + 1]) | (I64(buf[pos]) << 8)


@njit(cache=True)
def _options_ok(buf, opt, end, le):
    """Whether the reference reader's option walk over ``[opt, end)`` succeeds: every option
    header whole, comments plain ASCII (anything else is left to it)."""
    while opt < end:
        if end - opt < 4:
            return False
        code = _u16(buf, opt, le)
        olen = _u16(buf, opt + 2, le)
        avail = end - opt - 4
        dl = olen if olen < avail else avail
        if code == 1:
            for i in range(dl):
                if buf[opt + 4 + i] >= 0x80:
                    return False
        if code == 0:
            return True
        opt += 4 + ((dl + 3) // 4) * 4
    return True


@njit(cache=True)
def _scan_pcap(buf, le, sub_unit, modified, out):
    """Classic pcap records into ``out`` (rows: offset, caplen, wire, ts, iface); (status, n)."""
    n = buf.shape[0]
    if n < 24:
        return _FALLBACK, 0
    if (_u32(buf, 20, le) & 0x0FFFFFFF) != 1:
        return _FALLBACK, 0
    rlen = 24 if modified else 16
    pos = 24
    count = 0
    while pos < n:
        if n - pos < rlen:
            return _FALLBACK, count
        sec = _u32(buf, pos, le)
        frac = _u32(buf, pos + 4, le)
        caplen = _u32(buf, pos + 8, le)
        wire = _u32(buf, pos + 12, le)
        if caplen > _MAX_CAPLEN or pos + rlen + caplen > n:
            return _FALLBACK, count
        if count == out.shape[1]:
            return _FALLBACK, count  # out of room: the caller grows it
        out[0, count] = pos + rlen
        out[1, count] = caplen
        out[2, count] = wire if wire > caplen else caplen
        out[3, count] = sec * 1_000_000_000 + frac * sub_unit
        out[4, count] = _u32(buf, pos + 16, le) if modified else -1
        count += 1
        pos += rlen + caplen
    return _OK, count


@njit(cache=True)
def _scan_pcapng(buf, out, ifaces):
    """pcapng packet blocks into ``out``; ``ifaces`` rows: (num, den, offset_ns, snaplen)."""
    n = buf.shape[0]
    pos = 0
    count = 0
    nif = 0
    le = True
    while pos < n:
        if n - pos < 12:
            return _FALLBACK, count
        if _u32(buf, pos, True) == _BT_SHB:
            if _u32(buf, pos + 8, True) == _BOM:
                le = True
            elif _u32(buf, pos + 8, False) == _BOM:
                le = False
            else:
                return _FALLBACK, count
            nif = 0
        elif pos == 0:
            return _FALLBACK, count
        btype = _u32(buf, pos, le)
        blen = _u32(buf, pos + 4, le)
        if blen < 12 or blen % 4 != 0 or pos + blen > n:
            return _FALLBACK, count
        if _u32(buf, pos + blen - 4, le) != blen:
            return _FALLBACK, count
        if btype == _BT_SHB:
            if blen < 28 or _u16(buf, pos + 12, le) != 1:
                return _FALLBACK, count
            if not _options_ok(buf, pos + 24, pos + blen - 4, le):
                return _FALLBACK, count
        elif btype == _BT_IDB:
            if blen < 20 or _u16(buf, pos + 8, le) != 1 or nif == ifaces.shape[0]:
                return _FALLBACK, count
            if not _options_ok(buf, pos + 16, pos + blen - 4, le):
                return _FALLBACK, count
            ifaces[nif, 0] = 1000
            ifaces[nif, 1] = 1
            ifaces[nif, 2] = 0
            ifaces[nif, 3] = _u32(buf, pos + 12, le)
            opt = pos + 16
            end = pos + blen - 4
            while opt + 4 <= end:
                code = _u16(buf, opt, le)
                olen = _u16(buf, opt + 2, le)
                if code == 0:
                    break
                if opt + 4 + olen > end:
                    return _FALLBACK, count  # a cut option: the reference reader decides
                if code == 9:
                    if olen != 1:
                        return _FALLBACK, count
                    v = I64(buf[opt + 4])
                    e = v & 0x7F
                    if v & 0x80:
                        if e > 62:
                            return _FALLBACK, count
                        ifaces[nif, 0] = 1_000_000_000
                        ifaces[nif, 1] = I64(1) << e
                    elif e <= 9:
                        ifaces[nif, 0] = I64(10) ** (9 - e)
                        ifaces[nif, 1] = 1
                    else:
                        if e > 18:
                            return _FALLBACK, count
                        ifaces[nif, 0] = 1
                        ifaces[nif, 1] = I64(10) ** (e - 9)
                elif code == 14:
                    if olen != 8:
                        return _FALLBACK, count
                    lo = _u32(buf, opt + 4, le)
                    hi = _u32(buf, opt + 8, le)
                    off = (hi << 32) | lo if le else (lo << 32) | hi
                    if off > (I64(1) << 31) or off < -(I64(1) << 31):  # keep off int64 overflow
                        return _FALLBACK, count
                    ifaces[nif, 2] = off * 1_000_000_000
                opt += 4 + ((olen + 3) // 4) * 4
            nif += 1
        elif btype == _BT_EPB or btype == _BT_PB:
            if blen < 32:
                return _FALLBACK, count
            iface = _u32(buf, pos + 8, le) if btype == _BT_EPB else _u16(buf, pos + 8, le)
            caplen = _u32(buf, pos + 20, le)
            wire = _u32(buf, pos + 24, le)
            if caplen > blen - 32 or iface >= nif:
                return _FALLBACK, count
            if not _options_ok(buf, pos + 28 + ((caplen + 3) // 4) * 4, pos + blen - 4, le):
                return _FALLBACK, count
            ticks_hi = _u32(buf, pos + 12, le)
            ticks_lo = _u32(buf, pos + 16, le)
            num = ifaces[iface, 0]
            den = ifaces[iface, 1]
            # exact ticks * num // den in 64 bits, or let the reference reader do it
            if ticks_hi >= (I64(1) << 30):
                return _FALLBACK, count
            ticks = (ticks_hi << 32) | ticks_lo
            if ticks > (I64(1) << 62) // num:
                return _FALLBACK, count
            if count == out.shape[1]:
                return _FALLBACK, count
            out[0, count] = pos + 28
            out[1, count] = caplen
            out[2, count] = wire if wire > caplen else caplen
            out[3, count] = ifaces[iface, 2] + ticks * num // den
            out[4, count] = iface
            count += 1
        elif btype == _BT_SPB:
            if nif == 0 or blen < 16:
                return _FALLBACK, count
            orig = _u32(buf, pos + 8, le)
            caplen = orig if orig < blen - 16 else blen - 16
            snap = ifaces[0, 3]
            if snap != 0 and snap < caplen:
                caplen = snap
            if count == out.shape[1]:
                return _FALLBACK, count
            out[0, count] = pos + 12
            out[1, count] = caplen
            out[2, count] = orig if orig > caplen else caplen
            out[3, count] = 0
            out[4, count] = 0
            count += 1
        pos += blen
    return _OK, count


def _from_reader(name: str, buf: np.ndarray, path) -> Capture:
    """The reference reader's view of the file, as arrays (it raises the precise PcapError)."""
    from .pcap import read_packets
    packets = read_packets(path)
    if any(not -(1 << 63) <= p.ts_ns < (1 << 63) for p in packets):
        raise PcapError(f"{name}: a packet timestamp lies beyond what 64-bit nanoseconds hold")
    raw = b"".join(p.data for p in packets)
    lens = np.array([len(p.data) for p in packets], dtype=np.int64)
    offsets = np.zeros(len(packets), dtype=np.int64)
    if len(packets):
        offsets[1:] = np.cumsum(lens)[:-1]
    return Capture(name, np.frombuffer(raw, dtype=np.uint8).copy(), offsets, lens,
                   np.array([p.wire_len for p in packets], dtype=np.int64),
                   np.array([p.ts_ns for p in packets], dtype=np.int64),
                   np.array([NO_IFACE if p.ifindex is None else p.ifindex for p in packets],
                            dtype=np.int64))


def scan(path: str | os.PathLike) -> Capture:
    """Every packet record of a pcap or pcapng file of Ethernet frames, as arrays.

    Gives exactly what :func:`pybpf.pcap.read_packets` gives, and the same
    :class:`PcapError` for a file it refuses.
    """
    name = os.fspath(path)
    try:
        buf = np.fromfile(Path(path), dtype=np.uint8)
    except OSError as exc:
        raise PcapError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    if buf.shape[0] < 4:
        return _from_reader(name, buf, path)
    head_le = int.from_bytes(buf[:4].tobytes(), "little")
    head_be = int.from_bytes(buf[:4].tobytes(), "big")
    # room for every record the file could hold (a record is at least 16 bytes)
    out = np.zeros((5, buf.shape[0] // 16 + 1), dtype=np.int64)
    if head_le == _BT_SHB:
        ifaces = np.zeros((_MAX_IFACES, 4), dtype=np.int64)
        status, n = _aot().run(_scan_pcapng, buf, out, ifaces, results=2)
    elif head_le in (_MAGIC_US, _MAGIC_NS, _MAGIC_MOD) or head_be in (_MAGIC_US, _MAGIC_NS, _MAGIC_MOD):
        le = head_le in (_MAGIC_US, _MAGIC_NS, _MAGIC_MOD)
        magic = head_le if le else head_be
        status, n = _aot().run(_scan_pcap, buf, le, 1 if magic == _MAGIC_NS else 1000,
                               magic == _MAGIC_MOD, out, results=2)
    else:
        status, n = _FALLBACK, 0
    if status != _OK:
        return _from_reader(name, buf, path)
    # rows of the C-ordered table are contiguous: views, no copies (the table stays alive)
    return Capture(name, buf, out[0, :n], out[1, :n], out[2, :n], out[3, :n], out[4, :n])


@njit(cache=True)
def _fill_pcap(out, pos0, buf, offset, length, ts_ns, wire, select, nano):
    pos = pos0
    for k in range(select.shape[0]):
        i = select[k]
        n = length[i]
        sec = ts_ns[i] // 1_000_000_000
        frac = ts_ns[i] % 1_000_000_000
        if not nano:
            frac //= 1000
        w = wire[i] if wire[i] > n else n
        for j, v in enumerate((sec, frac, n, w)):
            for b in range(4):
                out[pos + 4 * j + b] = np.uint8((v >> (8 * b)) & 0xFF)
        pos += 16
        src = offset[i]
        for b in range(n):   # a plain loop: per-record slice views cost more than the copy
            out[pos + b] = buf[src + b]
        pos += n
    return pos


def write_pcap(path, buf: np.ndarray, offset: np.ndarray, length: np.ndarray,
               ts_ns: np.ndarray, wire_len: np.ndarray | None = None, select=None,
               resolution: str | None = None, snaplen: int = 262144) -> Path:
    """Write packets held in arrays (``buf[offset[i]:offset[i] + length[i]]``) as a classic
    pcap, byte for byte what :func:`pybpf.pcap.write_pcap` writes for the same packets.

    ``select``: the packet indices to write, in order (default: all).
    """
    from .pcap import _MAGIC_NS, _MAGIC_US
    offset = np.asarray(offset, dtype=np.int64)
    length = np.asarray(length, dtype=np.int64)
    ts_ns = np.asarray(ts_ns, dtype=np.int64)
    wire = length if wire_len is None else np.asarray(wire_len, dtype=np.int64)
    select = (np.arange(length.shape[0], dtype=np.int64) if select is None
              else np.asarray(select, dtype=np.int64))
    sel_ts = ts_ns[select]
    if resolution is None:
        resolution = "us" if bool(np.all(sel_ts % 1000 == 0)) else "ns"
    if resolution not in ("us", "ns"):
        raise ValueError(f"resolution must be 'us' or 'ns', not {resolution!r}")
    if select.shape[0] and (int(sel_ts.min()) < 0 or int(sel_ts.max()) // 1_000_000_000 > 0xFFFFFFFF):
        raise ValueError("a timestamp does not fit pcap's unsigned 32-bit seconds")
    longest = int(length[select].max()) if select.shape[0] else 0
    header = np.frombuffer(
        np.array([_MAGIC_NS if resolution == "ns" else _MAGIC_US], dtype="<u4").tobytes()
        + np.array([2, 4], dtype="<u2").tobytes()
        + np.array([0, 0, max(snaplen, longest), 1], dtype="<u4").tobytes(), dtype=np.uint8)
    out = np.empty(24 + 16 * select.shape[0] + int(length[select].sum()), dtype=np.uint8)
    out[:24] = header
    end = _aot().run(_fill_pcap, out, 24, np.asarray(buf, dtype=np.uint8), offset, length,
                     ts_ns, wire, select, resolution == "ns", results=1)
    assert end == out.shape[0]   # every byte written (the buffer starts uninitialised)
    target = Path(path)
    out.tofile(target)
    return target
