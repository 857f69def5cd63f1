"""Tests for pybpf.pcap: reading pcap/pcapng, writing pcap, refusing bad files."""

from __future__ import annotations

import importlib.util
import io
import struct
from pathlib import Path

import dpkt
import dpkt.pcapng as ng
import pytest

from pybpf.errors import PcapError, PyBPFError
from pybpf.pcap import Packet, read_packets, write_pcap

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PCAP = REPO / "programs" / "pcaps" / "default.pcap"

FRAME_A = bytes.fromhex("020000000002020000000001080045000014000100004006") + b"\x00" * 30
FRAME_B = bytes.fromhex("ffffffffffff0200000000010806") + bytes(range(28))
NS = 1_000_000_000


def _tsresol_opt(value: int) -> ng.PcapngOptionLE:
    return ng.PcapngOptionLE(code=ng.PCAPNG_OPT_IF_TSRESOL, data=bytes([value]))


def _end_opt() -> ng.PcapngOptionLE:
    return ng.PcapngOptionLE(code=ng.PCAPNG_OPT_ENDOFOPT)


# --------------------------------------------------------------------------
# pcap round trips
# --------------------------------------------------------------------------


def test_round_trip_microseconds(tmp_path):
    pkts = [Packet(0, 1_700_000_000 * NS + 123_456_000, FRAME_A),
            Packet(1, 1_700_000_001 * NS, FRAME_B)]
    path = write_pcap(tmp_path / "us.pcap", pkts)
    raw = path.read_bytes()
    assert raw[:4] == bytes.fromhex("d4c3b2a1")  # little-endian, microseconds
    assert struct.unpack_from("<I", raw, 20)[0] == 1  # LINKTYPE_ETHERNET
    got = read_packets(path)
    assert got == pkts
    assert [p.index for p in got] == [0, 1]
    assert all(p.ifindex is None and not p.truncated for p in got)


def test_round_trip_nanoseconds_is_exact(tmp_path):
    ts = [1_700_000_000 * NS + 1, 1_700_000_000 * NS + 999_999_999, 5]
    pkts = [Packet(i, t, FRAME_A) for i, t in enumerate(ts)]
    path = write_pcap(tmp_path / "ns.pcap", pkts)
    assert path.read_bytes()[:4] == bytes.fromhex("4d3cb2a1")  # nanosecond magic
    assert [p.ts_ns for p in read_packets(path)] == ts


def test_forced_microseconds_truncates_sub_microsecond_part(tmp_path):
    path = write_pcap(tmp_path / "f.pcap", [Packet(0, 10 * NS + 1_234_567, FRAME_A)],
                      resolution="us")
    assert read_packets(path)[0].ts_ns == 10 * NS + 1_234_000
    with pytest.raises(ValueError):
        write_pcap(tmp_path / "g.pcap", [FRAME_A], resolution="ms")


def test_write_accepts_raw_frames_and_pairs(tmp_path):
    path = write_pcap(tmp_path / "mixed.pcap", [FRAME_A, (7 * NS + 5000, FRAME_B)])
    got = read_packets(path)
    assert [(p.ts_ns, p.data) for p in got] == [(0, FRAME_A), (7 * NS + 5000, FRAME_B)]


def test_caplen_shorter_than_wire_length(tmp_path):
    snap = FRAME_A[:20]
    path = write_pcap(tmp_path / "snap.pcap", [Packet(0, NS, snap, wire_len=1514)])
    rec = path.read_bytes()[24:40]
    assert struct.unpack("<IIII", rec) == (1, 0, 20, 1514)
    (p,) = read_packets(path)
    assert p.data == snap and p.caplen == 20
    assert p.wire_len == 1514 and p.truncated


def test_big_endian_pcap(tmp_path):
    fh = dpkt.pcap.FileHdr(magic=dpkt.pcap.TCPDUMP_MAGIC_NANO, snaplen=65535, linktype=1)
    rec = dpkt.pcap.PktHdr(tv_sec=3, tv_usec=42, caplen=len(FRAME_B), len=len(FRAME_B) + 4)
    path = tmp_path / "be.pcap"
    path.write_bytes(bytes(fh) + bytes(rec) + FRAME_B)
    assert path.read_bytes()[:4] == bytes.fromhex("a1b23c4d")
    (p,) = read_packets(path)
    assert (p.ts_ns, p.data, p.wire_len) == (3 * NS + 42, FRAME_B, len(FRAME_B) + 4)


# --------------------------------------------------------------------------
# pcapng
# --------------------------------------------------------------------------


def test_pcapng_read_with_two_interfaces_and_tsresol(tmp_path):
    path = tmp_path / "two.pcapng"
    idb_ns = ng.InterfaceDescriptionBlockLE(snaplen=65535, opts=[_tsresol_opt(9), _end_opt()])
    idb_us = ng.InterfaceDescriptionBlockLE(snaplen=65535)  # default: microseconds
    ts_ns = 1_700_000_000 * NS + 123_456_789
    with open(path, "wb") as f:
        w = ng.Writer(f, idb=[idb_ns, idb_us])
        w.writepkt(ng.EnhancedPacketBlockLE(iface_id=0, ts_high=ts_ns >> 32,
                                            ts_low=ts_ns & 0xFFFFFFFF, pkt_data=FRAME_A))
        w.writepkt_time(FRAME_B, 1_700_000_002.5)  # interface 0 but written in us...
        w.writepkt(ng.EnhancedPacketBlockLE(iface_id=1, ts_high=0, ts_low=2_500_001,
                                            pkt_data=FRAME_B))
    got = read_packets(path)
    assert [p.index for p in got] == [0, 1, 2]
    assert got[0] == Packet(0, ts_ns, FRAME_A, len(FRAME_A), 0)
    # dpkt's writepkt_time always writes microsecond ticks; on a ns interface
    # they are read as nanoseconds (the file says so), exactly.
    assert got[1].ts_ns == 1_700_000_002_500_000
    assert got[2].ifindex == 1
    assert got[2].ts_ns == 2_500_001_000  # 2.500001 s at microsecond resolution


def test_pcapng_power_of_two_resolution_and_tsoffset(tmp_path):
    tsoffset = ng.PcapngOptionLE(code=ng.PCAPNG_OPT_IF_TSOFFSET, data=struct.pack("<q", 100))
    idb = ng.InterfaceDescriptionBlockLE(snaplen=0, opts=[_tsresol_opt(0x80 | 10), tsoffset,
                                                           _end_opt()])
    buf = io.BytesIO()
    w = ng.Writer(buf, idb=idb)
    w.writepkt(ng.EnhancedPacketBlockLE(ts_high=0, ts_low=5 * 1024 + 512, pkt_data=FRAME_A))
    path = tmp_path / "pow2.pcapng"
    path.write_bytes(buf.getvalue())
    (p,) = read_packets(path)
    assert p.ts_ns == 105 * NS + 500_000_000  # 5.5 s in 1/1024 ticks, + 100 s offset


def test_pcapng_big_endian(tmp_path):
    data = (bytes(ng.SectionHeaderBlock())
            + bytes(ng.InterfaceDescriptionBlock(snaplen=65535,
                                                 opts=[ng.PcapngOption(code=9, data=b"\x09"),
                                                       ng.PcapngOption(code=0)]))
            + bytes(ng.EnhancedPacketBlock(ts_high=1, ts_low=7, pkt_data=FRAME_B)))
    path = tmp_path / "be.pcapng"
    path.write_bytes(data)
    (p,) = read_packets(path)
    assert p.ts_ns == (1 << 32) + 7 and p.data == FRAME_B and p.ifindex == 0


def test_pcapng_caplen_shorter_than_wire_length(tmp_path):
    buf = io.BytesIO()
    ng.Writer(buf)
    epb = bytearray(bytes(ng.EnhancedPacketBlockLE(ts_high=0, ts_low=1, pkt_data=FRAME_A[:16])))
    struct.pack_into("<I", epb, 24, 1500)  # original length; dpkt always writes caplen
    path = tmp_path / "snap.pcapng"
    path.write_bytes(buf.getvalue() + bytes(epb))
    (p,) = read_packets(path)
    assert p.data == FRAME_A[:16] and p.wire_len == 1500 and p.truncated


# --------------------------------------------------------------------------
# refusals
# --------------------------------------------------------------------------


def test_non_ethernet_pcap_is_refused(tmp_path):
    path = tmp_path / "sll.pcap"
    with open(path, "wb") as f:
        w = dpkt.pcap.Writer(f, linktype=dpkt.pcap.DLT_LINUX_SLL)
        w.writepkt(FRAME_A, ts=1.0)
    with pytest.raises(PcapError, match=r"sll\.pcap: link type 113 is not supported"):
        read_packets(path)


def test_non_ethernet_pcapng_is_refused(tmp_path):
    path = tmp_path / "raw.pcapng"
    with open(path, "wb") as f:
        w = ng.Writer(f, linktype=101)  # LINKTYPE_RAW
        w.writepkt(FRAME_A[14:], ts=1.0)
    with pytest.raises(PcapError, match="link type 101"):
        read_packets(path)


def test_truncated_packet_data(tmp_path):
    path = write_pcap(tmp_path / "cut.pcap", [FRAME_A, FRAME_B])
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(PcapError) as info:
        read_packets(path)
    msg = str(info.value)
    assert "cut.pcap" in msg and "packet 1" in msg and "truncated" in msg


def test_truncated_record_header(tmp_path):
    path = write_pcap(tmp_path / "cut.pcap", [FRAME_A])
    path.write_bytes(path.read_bytes() + b"\x01\x02\x03")
    with pytest.raises(PcapError, match="truncated record header for packet 1"):
        read_packets(path)


def test_truncated_file_header(tmp_path):
    path = write_pcap(tmp_path / "cut.pcap", [FRAME_A])
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(PcapError, match="truncated pcap file header"):
        read_packets(path)


def test_truncated_pcapng(tmp_path):
    buf = io.BytesIO()
    ng.Writer(buf).writepkt(FRAME_A, ts=1.0)
    path = tmp_path / "cut.pcapng"
    path.write_bytes(buf.getvalue()[:-6])
    with pytest.raises(PcapError, match=r"cut\.pcapng: pcapng block 2 .*truncated"):
        read_packets(path)


def test_corrupt_pcapng_length_fields(tmp_path):
    buf = bytearray()
    out = io.BytesIO()
    ng.Writer(out).writepkt(FRAME_A, ts=1.0)
    buf = bytearray(out.getvalue())
    struct.pack_into("<I", buf, len(buf) - 4, 12345)  # trailing length disagrees
    path = tmp_path / "bad.pcapng"
    path.write_bytes(bytes(buf))
    with pytest.raises(PcapError, match="bad.pcapng") as info:
        read_packets(path)
    assert not isinstance(info.value.__cause__, PcapError)


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "empty file"),
        (b"GIF8", "not a pcap or pcapng file"),
        (b"hello, this is a text file\n", "not a pcap or pcapng file"),
        (b"\xd4\xc3", "too short"),
    ],
)
def test_non_capture_files(tmp_path, content, fragment):
    path = tmp_path / "junk.bin"
    path.write_bytes(content)
    with pytest.raises(PcapError, match=fragment) as info:
        read_packets(path)
    assert "junk.bin" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(PcapError, match="cannot read"):
        read_packets(tmp_path / "absent.pcap")


def test_pcap_error_hierarchy():
    assert issubclass(PcapError, PyBPFError) and issubclass(PcapError, ValueError)


# --------------------------------------------------------------------------
# the bundled capture
# --------------------------------------------------------------------------


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "make_default", REPO / "programs" / "pcaps" / "make_default.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_default_pcap_is_reproducible():
    gen = _load_generator()
    assert gen.write(None) == DEFAULT_PCAP.read_bytes()
    assert gen.main(["--check"]) == 0


def test_default_pcap_contents():
    pkts = read_packets(DEFAULT_PCAP)
    gen = _load_generator()
    assert len(pkts) == len(gen.EXPECTED_XDP_FILTER) >= 20
    ts = [p.ts_ns for p in pkts]
    assert ts == sorted(ts) and len(set(ts)) == len(ts)

    ethertypes = [struct.unpack_from("!H", p.data, 12)[0] for p in pkts if len(p.data) >= 14]
    assert 0x0800 in ethertypes and 0x86DD in ethertypes and 0x8100 in ethertypes
    assert 0x0806 in ethertypes
    assert any(len(p.data) < 14 for p in pkts)  # the runt

    dports = set()
    for p in pkts:
        if len(p.data) < 14:
            continue
        eth = dpkt.ethernet.Ethernet(p.data)  # dpkt strips the VLAN tag itself
        ip = eth.data
        if isinstance(ip, (dpkt.ip.IP, dpkt.ip6.IP6)) and isinstance(
                ip.data, (dpkt.tcp.TCP, dpkt.udp.UDP)):
            dports.add((type(ip.data).__name__, ip.data.dport))
    assert {("TCP", 80), ("TCP", 443), ("TCP", 23), ("UDP", 53), ("UDP", 19)} <= dports
    assert set(gen.EXPECTED_XDP_FILTER) == {1, 2}
