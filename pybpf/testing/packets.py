"""Packets for tests: bytes or scapy packets in, a field-by-field diff out.

:func:`decode` splits an Ethernet frame into named fields, layer by layer
(Ethernet, 802.1Q/802.1ad, ARP, IPv4, IPv6, TCP, UDP, ICMP, ICMPv6, then the
payload), so that :func:`diff` can say ``IPv4.ttl: 63 != 64`` instead of
printing two hex blobs. When scapy is importable its dissection is used
instead, which knows many more protocols. Pure Python, no pybpf imports.
"""

from __future__ import annotations

import ipaddress
import struct

__all__ = ["PacketMismatch", "as_bytes", "assert_packet", "decode", "diff"]


class PacketMismatch(AssertionError):
    """Two packets differ; the message lists the fields that differ."""


def as_bytes(packet) -> bytes:
    """``packet`` as bytes: bytes-like objects as they are, scapy packets built."""
    if isinstance(packet, (bytes, bytearray, memoryview)):
        return bytes(packet)
    if _is_scapy(packet):
        return bytes(packet)
    raise TypeError(f"expected packet bytes or a scapy packet, got {type(packet).__name__}")


def _is_scapy(obj) -> bool:
    return any(c.__module__.startswith("scapy.") and c.__name__ == "Packet"
               for c in type(obj).__mro__)


# --------------------------------------------------------------------------------------------
# our own decoder
# --------------------------------------------------------------------------------------------

def _mac(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


def _ethernet(buf, out):
    if len(buf) < 14:
        return None, buf
    out.append(("Ethernet", [("dst", _mac(buf[0:6])), ("src", _mac(buf[6:12])),
                             ("type", f"0x{struct.unpack('!H', buf[12:14])[0]:04x}")]))
    return _by_ethertype(struct.unpack("!H", buf[12:14])[0]), buf[14:]


def _vlan(buf, out):
    if len(buf) < 4:
        return None, buf
    tci, etype = struct.unpack("!HH", buf[:4])
    out.append(("802.1Q", [("prio", tci >> 13), ("dei", (tci >> 12) & 1), ("vid", tci & 0xFFF),
                           ("type", f"0x{etype:04x}")]))
    return _by_ethertype(etype), buf[4:]


def _arp(buf, out):
    if len(buf) < 28:
        return None, buf
    op = struct.unpack("!H", buf[6:8])[0]
    out.append(("ARP", [("op", op), ("hwsrc", _mac(buf[8:14])),
                        ("psrc", str(ipaddress.IPv4Address(buf[14:18]))),
                        ("hwdst", _mac(buf[18:24])),
                        ("pdst", str(ipaddress.IPv4Address(buf[24:28])))]))
    return None, buf[28:]


def _ipv4(buf, out):
    if len(buf) < 20:
        return None, buf
    vihl, tos, tot, ident, frag, ttl, proto, csum = struct.unpack("!BBHHHBBH", buf[:12])
    ihl = vihl & 0xF
    hlen = max(ihl * 4, 20)
    fields = [("version", vihl >> 4), ("ihl", ihl), ("tos", f"0x{tos:02x}"), ("len", tot),
              ("id", ident), ("flags", _ip_flags(frag >> 13)), ("frag", frag & 0x1FFF),
              ("ttl", ttl), ("proto", proto), ("chksum", f"0x{csum:04x}"),
              ("src", str(ipaddress.IPv4Address(buf[12:16]))),
              ("dst", str(ipaddress.IPv4Address(buf[16:20])))]
    if hlen > 20:
        fields.append(("options", buf[20:hlen].hex()))
    out.append(("IPv4", fields))
    nxt = _IP_PROTOS.get(proto) if frag & 0x1FFF == 0 else None
    return nxt, buf[hlen:]


def _ip_flags(bits: int) -> str:
    names = [n for bit, n in ((4, "evil"), (2, "DF"), (1, "MF")) if bits & bit]
    return "+".join(names) or "0"


def _ipv6(buf, out):
    if len(buf) < 40:
        return None, buf
    vtf, plen, nh, hlim = struct.unpack("!IHBB", buf[:8])
    out.append(("IPv6", [("version", vtf >> 28), ("tc", (vtf >> 20) & 0xFF),
                         ("fl", vtf & 0xFFFFF), ("plen", plen), ("nh", nh), ("hlim", hlim),
                         ("src", str(ipaddress.IPv6Address(buf[8:24]))),
                         ("dst", str(ipaddress.IPv6Address(buf[24:40])))]))
    return _IP_PROTOS.get(nh), buf[40:]


_TCP_FLAGS = "FSRPAUEC"


def _tcp(buf, out):
    if len(buf) < 20:
        return None, buf
    sport, dport, seq, ack, off, flags, win, csum, urg = struct.unpack("!HHIIBBHHH", buf[:20])
    hlen = max((off >> 4) * 4, 20)
    names = "".join(c for i, c in enumerate(_TCP_FLAGS) if flags >> i & 1)
    fields = [("sport", sport), ("dport", dport), ("seq", seq), ("ack", ack),
              ("dataofs", off >> 4), ("flags", names or "0"), ("window", win),
              ("chksum", f"0x{csum:04x}"), ("urgptr", urg)]
    if hlen > 20:
        fields.append(("options", buf[20:hlen].hex()))
    out.append(("TCP", fields))
    return None, buf[hlen:]


def _udp(buf, out):
    if len(buf) < 8:
        return None, buf
    sport, dport, length, csum = struct.unpack("!HHHH", buf[:8])
    out.append(("UDP", [("sport", sport), ("dport", dport), ("len", length),
                        ("chksum", f"0x{csum:04x}")]))
    return None, buf[8:]


def _icmp(name):
    def parse(buf, out):
        if len(buf) < 8:
            return None, buf
        typ, code, csum = struct.unpack("!BBH", buf[:4])
        out.append((name, [("type", typ), ("code", code), ("chksum", f"0x{csum:04x}"),
                           ("rest", buf[4:8].hex())]))
        return None, buf[8:]
    return parse


_IP_PROTOS = {1: _icmp("ICMP"), 6: _tcp, 17: _udp, 58: _icmp("ICMPv6"),
              4: _ipv4, 41: _ipv6}


def _by_ethertype(etype: int):
    return {0x0800: _ipv4, 0x86DD: _ipv6, 0x0806: _arp, 0x8100: _vlan, 0x88A8: _vlan}.get(etype)


def _decode_own(data: bytes) -> list:
    layers: list = []
    parse, rest = _ethernet, data
    while parse is not None:
        parse, rest = parse(rest, layers)
    if rest:
        layers.append(("Raw", [("load", rest.hex())]))
    return layers


# --------------------------------------------------------------------------------------------
# scapy, when installed
# --------------------------------------------------------------------------------------------

def _decode_scapy(data: bytes) -> list | None:
    try:
        import scapy.layers.inet  # noqa: F401, PLC0415  (binds IPv4/TCP/UDP/ICMP under Ether)
        import scapy.layers.inet6  # noqa: F401, PLC0415
        from scapy.layers.l2 import Ether  # noqa: PLC0415
    except ImportError:
        return None
    layers, layer = [], Ether(data)
    while layer is not None and layer.__class__.__name__ != "NoPayload":
        fields = []
        for f in layer.fields_desc:
            value = layer.getfieldval(f.name)
            fields.append((f.name, value.hex() if isinstance(value, bytes) else
                           f.i2repr(layer, value)))
        layers.append((layer.__class__.__name__, fields))
        layer = layer.payload
    return layers


def decode(packet, use_scapy: bool | None = None) -> list:
    """``[(layer, [(field, value), ...]), ...]`` of an Ethernet frame.

    ``use_scapy``: None uses scapy when it is importable, False never.
    """
    data = as_bytes(packet)
    if use_scapy is not False:
        layers = _decode_scapy(data)
        if layers is not None:
            return layers
    return _decode_own(data)


def _flatten(layers: list) -> dict:
    flat, seen = {}, {}
    for name, fields in layers:
        seen[name] = seen.get(name, 0) + 1
        label = name if seen[name] == 1 else f"{name}[{seen[name]}]"
        for field, value in fields:
            flat[f"{label}.{field}"] = value
    return flat


def diff(got, expected, use_scapy: bool | None = None) -> list[str]:
    """Lines describing how ``got`` differs from ``expected`` (empty when equal)."""
    a, b = as_bytes(got), as_bytes(expected)
    if a == b:
        return []
    fa, fb = _flatten(decode(a, use_scapy)), _flatten(decode(b, use_scapy))
    lines = [f"packets differ (got {len(a)} bytes, expected {len(b)} bytes), "
             f"field: got != expected"]
    for key in list(fb) + [k for k in fa if k not in fb]:
        va, vb = fa.get(key, "<absent>"), fb.get(key, "<absent>")
        if va != vb:
            lines.append(f"  {key}: {va} != {vb}")
    if len(lines) == 1:  # same fields, so the bytes differ where no field was decoded
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        lines.append(f"  first difference at byte {at}")
    return lines


def assert_packet(got, expected, use_scapy: bool | None = None) -> None:
    """Raise :class:`PacketMismatch` listing the differing fields unless the packets are equal.

    ``got``/``expected``: bytes or scapy packets (a ``RunResult`` is taken by its ``data``).
    """
    __tracebackhide__ = True
    got = getattr(got, "data", got)
    lines = diff(got, expected, use_scapy)
    if lines:
        raise PacketMismatch("\n".join(lines))
