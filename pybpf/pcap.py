"""Reading and writing packet captures (pcap and pcapng), Ethernet only.

``read_packets(path)`` returns every packet of a capture as :class:`Packet`
with an exact integer nanosecond timestamp, the captured bytes and the
original (wire) length. ``write_pcap(path, packets)`` writes a classic pcap
file, in microsecond or nanosecond resolution.

The record layouts are dpkt's (``dpkt.pcap`` / ``dpkt.pcapng`` header
classes); the walking is done here because dpkt's readers turn timestamps into
floats, drop the wire length, accept a single interface and tolerate
truncation silently. Anything malformed raises :class:`PcapError` naming the
file and what is wrong, never a raw dpkt or struct exception.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Union

from pybpf.errors import PcapError

__all__ = [
    "DLT_EN10MB",
    "Packet",
    "PcapError",
    "read_packets",
    "write_pcap",
]

#: The only link type pybpf accepts: Ethernet.
DLT_EN10MB = 1

# Classic pcap magic numbers as read in the file's own byte order.
_MAGIC_US = 0xA1B2C3D4
_MAGIC_NS = 0xA1B23C4D
_MAGIC_MODIFIED = 0xA1B2CD34  # Kuznetzov's patched libpcap (us, extra fields)

# pcapng block types and option codes.
_BT_SHB = 0x0A0D0D0A
_BT_IDB = 0x00000001
_BT_PB = 0x00000002
_BT_SPB = 0x00000003
_BT_EPB = 0x00000006
_BOM = 0x1A2B3C4D
_OPT_TSRESOL = 9
_OPT_TSOFFSET = 14

# A record longer than this is a corrupt length, not a packet (libpcap uses 256 KiB).
_MAX_CAPLEN = 256 * 1024 * 1024

_NS_PER_S = 1_000_000_000

def _dpkt():
    """dpkt, imported when a capture is first read or written here (not at start-up:
    ``pybpf run`` reads and writes XDP captures through :mod:`pybpf.capture`)."""
    import dpkt.pcap
    import dpkt.pcapng
    return dpkt


def _parse_errors() -> tuple:
    """Errors dpkt and struct raise on bad input; all become PcapError."""
    return (_dpkt().Error, struct.error, ValueError, IndexError, TypeError, OverflowError)


@dataclass(frozen=True, slots=True)
class Packet:
    """One captured frame.

    ``index``     position in the capture, from 0
    ``ts_ns``     timestamp, integer nanoseconds since the epoch
    ``data``      the captured bytes (may be shorter than the frame on the wire)
    ``wire_len``  original length of the frame (defaults to ``len(data)``)
    ``ifindex``   pcapng: the interface ID (0-based index of the interface
                  description block in its section); modified pcap: the
                  recorded kernel ifindex; classic pcap: None
    """

    index: int
    ts_ns: int
    data: bytes
    wire_len: int | None = None
    ifindex: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", bytes(self.data))
        if self.wire_len is None:
            object.__setattr__(self, "wire_len", len(self.data))

    @property
    def caplen(self) -> int:
        """Number of captured bytes."""
        return len(self.data)

    @property
    def truncated(self) -> bool:
        """True when the capture holds fewer bytes than were on the wire."""
        return self.wire_len > len(self.data)


PacketLike = Union[Packet, bytes, bytearray, memoryview, "tuple[int, bytes]"]


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------


def read_packets(path: str | os.PathLike) -> list[Packet]:
    """Read every packet of a pcap or pcapng capture of Ethernet frames.

    Raises PcapError when the file is missing, not a capture, truncated,
    malformed, or of a link type other than Ethernet.
    """
    name = os.fspath(path)
    try:
        buf = Path(path).read_bytes()
    except OSError as exc:
        raise PcapError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    if not buf:
        raise PcapError(f"{name}: empty file, not a pcap or pcapng capture")
    if len(buf) < 4:
        raise PcapError(f"{name}: file too short ({len(buf)} bytes) to be a capture")

    if struct.unpack_from("<I", buf)[0] == _BT_SHB:
        return _read_pcapng(name, buf)
    for order in ("<", ">"):
        magic = struct.unpack_from(order + "I", buf)[0]
        if magic in (_MAGIC_US, _MAGIC_NS, _MAGIC_MODIFIED):
            return _read_pcap(name, buf, order, magic)
    raise PcapError(
        f"{name}: not a pcap or pcapng file (starts with {buf[:4].hex()})"
    )


def _read_pcap(name: str, buf: bytes, order: str, magic: int) -> list[Packet]:
    dpkt = _dpkt()
    le = order == "<"
    file_hdr_cls = dpkt.pcap.LEFileHdr if le else dpkt.pcap.FileHdr
    if magic == _MAGIC_MODIFIED:
        rec_cls = dpkt.pcap.LEPktModHdr if le else dpkt.pcap.PktModHdr
    else:
        rec_cls = dpkt.pcap.LEPktHdr if le else dpkt.pcap.PktHdr
    sub_unit = 1 if magic == _MAGIC_NS else 1000  # ns per fractional tick

    hlen = file_hdr_cls.__hdr_len__
    if len(buf) < hlen:
        raise PcapError(
            f"{name}: truncated pcap file header ({len(buf)} of {hlen} bytes)"
        )
    try:
        fh = file_hdr_cls(buf[:hlen])
    except _parse_errors() as exc:
        raise PcapError(f"{name}: malformed pcap file header: {exc}") from exc
    # The top bits of the link type field may carry FCS information.
    linktype = fh.linktype & 0x0FFFFFFF
    if linktype != DLT_EN10MB:
        raise PcapError(
            f"{name}: link type {linktype} is not supported "
            f"(only Ethernet, LINKTYPE_ETHERNET={DLT_EN10MB})"
        )

    packets: list[Packet] = []
    rlen = rec_cls.__hdr_len__
    pos = hlen
    while pos < len(buf):
        index = len(packets)
        if len(buf) - pos < rlen:
            raise PcapError(
                f"{name}: truncated record header for packet {index} at offset {pos} "
                f"({len(buf) - pos} of {rlen} bytes)"
            )
        try:
            rec = rec_cls(buf[pos:pos + rlen])
        except _parse_errors() as exc:  # pragma: no cover - fixed-size header
            raise PcapError(f"{name}: malformed record header for packet {index} at offset {pos}: {exc}") from exc
        caplen = rec.caplen
        if caplen > _MAX_CAPLEN:
            raise PcapError(
                f"{name}: packet {index} at offset {pos}: implausible captured length {caplen}"
            )
        start = pos + rlen
        if start + caplen > len(buf):
            raise PcapError(
                f"{name}: packet {index} at offset {pos} is truncated: "
                f"record says {caplen} bytes, file has {len(buf) - start}"
            )
        data = buf[start:start + caplen]
        ts_ns = rec.tv_sec * _NS_PER_S + rec.tv_usec * sub_unit
        ifindex = rec.ifindex if magic == _MAGIC_MODIFIED else None
        packets.append(Packet(index, ts_ns, data, max(rec.len, caplen), ifindex))
        pos = start + caplen
    return packets


@dataclass
class _Interface:
    linktype: int
    snaplen: int
    # timestamp unit: ts_ns = ticks * num // den
    num: int = 1000
    den: int = 1
    offset_ns: int = 0
    extra: dict = field(default_factory=dict)


def _tsresol_to_ratio(value: int) -> tuple[int, int]:
    """(num, den) such that ns = ticks * num // den, for an if_tsresol byte."""
    exponent = value & 0x7F
    if value & 0x80:  # negative power of two
        return _NS_PER_S, 1 << exponent
    if exponent <= 9:  # negative power of ten
        return 10 ** (9 - exponent), 1
    return 1, 10 ** (exponent - 9)


def _read_pcapng(name: str, buf: bytes) -> list[Packet]:
    dpkt = _dpkt()
    packets: list[Packet] = []
    interfaces: list[_Interface] = []
    le = True
    pos = 0
    n = len(buf)
    block_no = 0

    def fail(msg: str) -> PcapError:
        return PcapError(f"{name}: pcapng block {block_no} at offset {pos}: {msg}")

    while pos < n:
        if n - pos < 12:
            raise fail(f"truncated block header ({n - pos} bytes left)")
        (btype,) = struct.unpack_from("<I", buf, pos)
        if btype == _BT_SHB:
            # A new section: its byte-order magic decides the endianness.
            bom_le = struct.unpack_from("<I", buf, pos + 8)[0]
            bom_be = struct.unpack_from(">I", buf, pos + 8)[0]
            if bom_le == _BOM:
                le = True
            elif bom_be == _BOM:
                le = False
            else:
                raise fail(f"bad byte-order magic {buf[pos + 8:pos + 12].hex()}")
            interfaces = []
        elif pos == 0:
            raise fail("file does not start with a section header block")
        order = "<" if le else ">"
        btype, blen = struct.unpack_from(order + "II", buf, pos)
        if blen < 12 or blen % 4:
            raise fail(f"invalid block length {blen}")
        if pos + blen > n:
            raise fail(f"truncated: block length {blen}, file has {n - pos} bytes left")
        block = buf[pos:pos + blen]
        try:
            if btype == _BT_SHB:
                cls = dpkt.pcapng.SectionHeaderBlockLE if le else dpkt.pcapng.SectionHeaderBlock
                shb = cls(block)
                if shb.v_major != 1:
                    raise fail(f"unsupported pcapng version {shb.v_major}.{shb.v_minor}")
            elif btype == _BT_IDB:
                cls = (dpkt.pcapng.InterfaceDescriptionBlockLE if le
                       else dpkt.pcapng.InterfaceDescriptionBlock)
                idb = cls(block)
                iface = _Interface(idb.linktype, idb.snaplen)
                if iface.linktype != DLT_EN10MB:
                    raise fail(
                        f"interface {len(interfaces)} has link type {iface.linktype}, "
                        f"not supported (only Ethernet, LINKTYPE_ETHERNET={DLT_EN10MB})"
                    )
                for opt in idb.opts:
                    if opt.code == _OPT_TSRESOL:
                        if len(opt.data) != 1:
                            raise fail("if_tsresol option is not one byte")
                        iface.num, iface.den = _tsresol_to_ratio(opt.data[0])
                    elif opt.code == _OPT_TSOFFSET:
                        if len(opt.data) != 8:
                            raise fail("if_tsoffset option is not 8 bytes")
                        iface.offset_ns = struct.unpack(order + "q", opt.data)[0] * _NS_PER_S
                interfaces.append(iface)
            elif btype in (_BT_EPB, _BT_PB):
                if btype == _BT_EPB:
                    cls = dpkt.pcapng.EnhancedPacketBlockLE if le else dpkt.pcapng.EnhancedPacketBlock
                else:
                    cls = dpkt.pcapng.PacketBlockLE if le else dpkt.pcapng.PacketBlock
                hdr_len = cls.__hdr_len__  # includes the trailing length word
                if blen < hdr_len:
                    raise fail(f"packet block too short ({blen} bytes)")
                # Check the packet fits before dpkt slices it (it would not complain).
                caplen = struct.unpack_from(order + "I", buf, pos + hdr_len - 12)[0]
                if caplen > blen - hdr_len:
                    raise fail(
                        f"captured length {caplen} exceeds the block's {blen - hdr_len} data bytes"
                    )
                epb = cls(block)
                iface_id = epb.iface_id
                if iface_id >= len(interfaces):
                    raise fail(f"packet refers to undefined interface {iface_id}")
                iface = interfaces[iface_id]
                ticks = (epb.ts_high << 32) | epb.ts_low
                ts_ns = iface.offset_ns + ticks * iface.num // iface.den
                data = bytes(epb.pkt_data)
                packets.append(Packet(len(packets), ts_ns, data,
                                      max(epb.pkt_len, len(data)), iface_id))
            elif btype == _BT_SPB:
                # Simple packet block: original length, then data; interface 0,
                # no timestamp.
                if not interfaces:
                    raise fail("simple packet block before any interface description")
                (orig_len,) = struct.unpack_from(order + "I", buf, pos + 8)
                room = blen - 16
                caplen = min(orig_len, room)
                if interfaces[0].snaplen:
                    caplen = min(caplen, interfaces[0].snaplen)
                data = bytes(buf[pos + 12:pos + 12 + caplen])
                packets.append(Packet(len(packets), 0, data, max(orig_len, caplen), 0))
            else:
                # Name resolution, statistics, custom blocks...: not packets.
                pass
            (trailer,) = struct.unpack_from(order + "I", buf, pos + blen - 4)
            if trailer != blen:
                raise fail(f"block length fields disagree ({blen} vs {trailer})")
        except PcapError:
            raise
        except _parse_errors() as exc:
            raise fail(f"malformed block (type {btype:#x}): {exc}") from exc
        pos += blen
        block_no += 1
    return packets


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------


def _as_packet(i: int, item: PacketLike) -> Packet:
    if isinstance(item, Packet):
        return item
    if isinstance(item, (bytes, bytearray, memoryview)):
        return Packet(i, 0, bytes(item))
    if isinstance(item, tuple) and len(item) == 2:
        ts_ns, data = item
        return Packet(i, int(ts_ns), bytes(data))
    raise TypeError(
        f"packet {i}: expected Packet, bytes or (ts_ns, bytes), got {type(item).__name__}"
    )


def write_pcap(
    path: str | os.PathLike,
    packets: Iterable[PacketLike],
    resolution: str | None = None,
    snaplen: int = 262144,
) -> Path:
    """Write Ethernet ``packets`` to a classic pcap file at ``path``.

    ``packets`` holds :class:`Packet` objects (or raw frames, or
    ``(ts_ns, frame)`` pairs). ``resolution`` is ``"us"`` or ``"ns"``; by
    default ``"us"`` when every timestamp is a whole microsecond (the most
    widely readable variant), else ``"ns"``, so timestamps are always kept
    exactly. With ``"us"`` forced, sub-microsecond parts are truncated.
    The file is little-endian, link type Ethernet. Returns the path.
    """
    dpkt = _dpkt()
    items = [_as_packet(i, p) for i, p in enumerate(packets)]
    if resolution is None:
        resolution = "us" if all(p.ts_ns % 1000 == 0 for p in items) else "ns"
    if resolution not in ("us", "ns"):
        raise ValueError(f"resolution must be 'us' or 'ns', not {resolution!r}")
    nano = resolution == "ns"
    longest = max((len(p.data) for p in items), default=0)
    fh = dpkt.pcap.LEFileHdr(
        magic=_MAGIC_NS if nano else _MAGIC_US,
        snaplen=max(snaplen, longest),
        linktype=DLT_EN10MB,
    )
    chunks = [bytes(fh)]
    for i, p in enumerate(items):
        if p.ts_ns < 0:
            raise ValueError(f"packet {i}: negative timestamp {p.ts_ns}")
        sec, frac_ns = divmod(p.ts_ns, _NS_PER_S)
        if sec > 0xFFFFFFFF:
            raise ValueError(f"packet {i}: timestamp {p.ts_ns} ns does not fit pcap's 32-bit seconds")
        frac = frac_ns if nano else frac_ns // 1000
        caplen = len(p.data)
        wire_len = max(p.wire_len, caplen)
        hdr = dpkt.pcap.LEPktHdr(tv_sec=sec, tv_usec=frac, caplen=caplen, len=wire_len)
        chunks.append(bytes(hdr))
        chunks.append(p.data)
    out = Path(path)
    out.write_bytes(b"".join(chunks))
    return out
