#!/usr/bin/env python3
"""Generate programs/pcaps/default.pcap, the bundled sample capture.

Deterministic: fixed addresses, ports, payloads and timestamps, no
randomness, so rerunning it reproduces the committed file byte for byte::

    python programs/pcaps/make_default.py            # (re)write default.pcap
    python programs/pcaps/make_default.py --check    # exit 1 if it differs

EXPECTED_XDP_FILTER lists what programs/examples/xdp_filter.c returns for
each packet, in order (1 = XDP_DROP, 2 = XDP_PASS).
"""

from __future__ import annotations

import argparse
import socket
import struct
import sys
from pathlib import Path

import dpkt

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "default.pcap"

# 2023-11-14T22:13:20Z, then one packet every 1.25 ms.
BASE_TS_NS = 1_700_000_000 * 1_000_000_000
STEP_NS = 1_250_000

XDP_DROP = 1
XDP_PASS = 2

CLIENT_MAC = bytes.fromhex("020000000001")
SERVER_MAC = bytes.fromhex("020000000002")
CLIENT4 = socket.inet_pton(socket.AF_INET, "192.0.2.10")
SERVER4 = socket.inet_pton(socket.AF_INET, "198.51.100.20")
CLIENT6 = socket.inet_pton(socket.AF_INET6, "2001:db8::10")
SERVER6 = socket.inet_pton(socket.AF_INET6, "2001:db8:1::20")


def eth(payload, etype, src=CLIENT_MAC, dst=SERVER_MAC) -> dpkt.ethernet.Ethernet:
    return dpkt.ethernet.Ethernet(src=src, dst=dst, type=etype, data=payload)


def ipv4(payload, proto, ident, src=CLIENT4, dst=SERVER4, frag_field=0) -> dpkt.ip.IP:
    """frag_field: the raw flags + fragment-offset word (offset in 8-byte units)."""
    return dpkt.ip.IP(src=src, dst=dst, p=proto, id=ident, ttl=64,
                      _flags_offset=frag_field, data=payload)


def ipv6(payload, nxt, src=CLIENT6, dst=SERVER6) -> dpkt.ip6.IP6:
    ip = dpkt.ip6.IP6(src=src, dst=dst, nxt=nxt, hlim=64, data=payload)
    ip.plen = len(bytes(payload))
    return ip


def tcp(sport, dport, flags=dpkt.tcp.TH_SYN, seq=1000, ack=0, payload=b"") -> dpkt.tcp.TCP:
    return dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags,
                        win=64240, data=payload)


def udp(sport, dport, payload=b"") -> dpkt.udp.UDP:
    return dpkt.udp.UDP(sport=sport, dport=dport, data=payload)


def icmp_echo(kind, ident, seq, payload=b"pybpf-ping") -> dpkt.icmp.ICMP:
    return dpkt.icmp.ICMP(type=kind, code=0,
                          data=dpkt.icmp.ICMP.Echo(id=ident, seq=seq, data=payload))


def icmp6_echo_request(ident, seq, payload=b"pybpf-ping6") -> dpkt.icmp6.ICMP6:
    body = struct.pack("!HH", ident, seq) + payload
    return dpkt.icmp6.ICMP6(type=dpkt.icmp6.ICMP6_ECHO_REQUEST, code=0, data=body)


def dns_query(name: str, qid: int) -> bytes:
    msg = dpkt.dns.DNS(id=qid, op=dpkt.dns.DNS_RD, qd=[
        dpkt.dns.DNS.Q(name=name, type=dpkt.dns.DNS_A, cls=dpkt.dns.DNS_IN)])
    return bytes(msg)


def arp_request() -> bytes:
    arp = dpkt.arp.ARP(sha=CLIENT_MAC, spa=CLIENT4, tha=b"\x00" * 6, tpa=SERVER4,
                       op=dpkt.arp.ARP_OP_REQUEST)
    return bytes(eth(arp, dpkt.ethernet.ETH_TYPE_ARP, dst=b"\xff" * 6))


def vlan_frame(vid: int, inner: dpkt.ip.IP) -> bytes:
    # Build the 802.1Q tag by hand so the layout is explicit:
    # dst, src, TPID 0x8100, TCI (PCP 0, DEI 0, VID), inner EtherType, payload.
    return (SERVER_MAC + CLIENT_MAC
            + struct.pack("!HHH", 0x8100, vid & 0x0FFF, dpkt.ethernet.ETH_TYPE_IP)
            + bytes(inner))


def build() -> list[tuple[bytes, int, str]]:
    """(frame, expected xdp_filter verdict, description) for every packet."""
    E4 = dpkt.ethernet.ETH_TYPE_IP
    E6 = dpkt.ethernet.ETH_TYPE_IP6
    TCP, UDP, ICMP, ICMP6 = (dpkt.ip.IP_PROTO_TCP, dpkt.ip.IP_PROTO_UDP,
                             dpkt.ip.IP_PROTO_ICMP, dpkt.ip.IP_PROTO_ICMP6)
    http_get = b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"
    frames = [
        (eth(ipv4(tcp(49152, 80), TCP, 1), E4), XDP_PASS, "IPv4 TCP SYN to 80"),
        (eth(ipv4(tcp(49152, 80, dpkt.tcp.TH_ACK | dpkt.tcp.TH_PUSH, 1001, 5001, http_get),
                  TCP, 2), E4), XDP_PASS, "IPv4 TCP HTTP request to 80"),
        (eth(ipv4(tcp(49153, 443), TCP, 3), E4), XDP_PASS, "IPv4 TCP SYN to 443"),
        (eth(ipv4(tcp(49154, 23), TCP, 4), E4), XDP_DROP, "IPv4 TCP SYN to 23 (telnet)"),
        (eth(ipv4(tcp(23, 49154, dpkt.tcp.TH_SYN | dpkt.tcp.TH_ACK, 7000, 1001), TCP, 5,
                  src=SERVER4, dst=CLIENT4), E4, src=SERVER_MAC, dst=CLIENT_MAC),
         XDP_PASS, "IPv4 TCP from port 23 (reply direction)"),
        (eth(ipv4(udp(53000, 53, dns_query("example.test", 0x1234)), UDP, 6), E4),
         XDP_PASS, "IPv4 UDP DNS query to 53"),
        (eth(ipv4(udp(53001, 19, b"x"), UDP, 7), E4), XDP_DROP, "IPv4 UDP to 19 (chargen)"),
        (eth(ipv4(udp(53002, 123, b"\x23" + b"\x00" * 47), UDP, 8), E4),
         XDP_PASS, "IPv4 UDP NTP to 123"),
        (eth(ipv4(icmp_echo(dpkt.icmp.ICMP_ECHO, 0x77, 1), ICMP, 9), E4),
         XDP_PASS, "IPv4 ICMP echo request"),
        (eth(ipv4(icmp_echo(dpkt.icmp.ICMP_ECHOREPLY, 0x77, 1), ICMP, 10,
                  src=SERVER4, dst=CLIENT4), E4, src=SERVER_MAC, dst=CLIENT_MAC),
         XDP_PASS, "IPv4 ICMP echo reply"),
        (eth(ipv6(tcp(49160, 80), TCP), E6), XDP_PASS, "IPv6 TCP SYN to 80"),
        (eth(ipv6(tcp(49161, 443), TCP), E6), XDP_PASS, "IPv6 TCP SYN to 443"),
        (eth(ipv6(tcp(49162, 23), TCP), E6), XDP_DROP, "IPv6 TCP SYN to 23 (telnet)"),
        (eth(ipv6(udp(53010, 53, dns_query("example.test", 0x4321)), UDP), E6),
         XDP_PASS, "IPv6 UDP DNS query to 53"),
        (eth(ipv6(udp(53011, 19, b"x"), UDP), E6), XDP_DROP, "IPv6 UDP to 19 (chargen)"),
        (eth(ipv6(icmp6_echo_request(0x66, 1), ICMP6), E6), XDP_PASS, "IPv6 ICMPv6 echo request"),
        (vlan_frame(100, ipv4(tcp(49170, 23), TCP, 11)), XDP_DROP,
         "802.1Q VLAN 100, IPv4 TCP SYN to 23"),
        (eth(ipv4(b"\x00" * 10, TCP, 12), E4), XDP_DROP,
         "IPv4 TCP with a truncated TCP header (10 bytes)"),
        (eth(ipv4(b"\xab" * 24, UDP, 13, frag_field=185), E4), XDP_PASS,
         "IPv4 non-first fragment (offset 1480), no L4 header"),
        (arp_request(), XDP_PASS, "ARP request (not IP)"),
        (bytes.fromhex("ffffffffffff02000000"), XDP_DROP, "runt frame, 10 bytes"),
    ]
    return [(bytes(f), verdict, desc) for f, verdict, desc in frames]


def write(path: Path | None) -> bytes:
    writer_out = bytearray()
    frames = build()
    # Classic little-endian microsecond pcap, written by hand with dpkt's
    # header classes so the wire length and timestamps are exact.
    writer_out += bytes(dpkt.pcap.LEFileHdr(magic=dpkt.pcap.TCPDUMP_MAGIC, snaplen=65535,
                                            linktype=dpkt.pcap.DLT_EN10MB))
    for i, (frame, _verdict, _desc) in enumerate(frames):
        ts_ns = BASE_TS_NS + i * STEP_NS
        sec, ns = divmod(ts_ns, 1_000_000_000)
        writer_out += bytes(dpkt.pcap.LEPktHdr(tv_sec=sec, tv_usec=ns // 1000,
                                               caplen=len(frame), len=len(frame)))
        writer_out += frame
    data = bytes(writer_out)
    if path is not None:
        path.write_bytes(data)
    return data


EXPECTED_XDP_FILTER = [verdict for _f, verdict, _d in build()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed file instead of writing it")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    parser.add_argument("-v", "--verbose", action="store_true", help="list the packets")
    args = parser.parse_args(argv)
    if args.check:
        want = write(None)
        have = args.output.read_bytes() if args.output.exists() else b""
        if want != have:
            print(f"{args.output} is out of date; rerun {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    write(args.output)
    if args.verbose:
        names = {XDP_DROP: "DROP", XDP_PASS: "PASS"}
        for i, (frame, verdict, desc) in enumerate(build()):
            print(f"{i:3d} {len(frame):5d}B {names[verdict]:4s} {desc}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
