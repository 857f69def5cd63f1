"""pybpf.capture.scan (compiled record walk) against the reference reader, pybpf.pcap.

Every file — well-formed, odd (byte orders, resolutions, offsets, simple and
obsolete packet blocks, comments) or corrupted at random — must give the same
packets, or the same PcapError message, through both.
"""

import io
import random
import struct
from pathlib import Path

import dpkt
import dpkt.pcapng as ng
import pytest

from pybpf.capture import NO_IFACE, scan
from pybpf.errors import PcapError
from pybpf.pcap import Packet, read_packets, write_pcap

REPO = Path(__file__).resolve().parents[1]
NS = 1_000_000_000


def frames(n, seed):
    rng = random.Random(seed)
    return [bytes(rng.randrange(256) for _ in range(rng.randrange(14, 200))) for _ in range(n)]


def outcome(fn, path):
    try:
        return "ok", fn(path)
    except PcapError as exc:
        return "error", str(exc)


def as_tuples(cap):
    return [(int(cap.ts_ns[i]), cap.data(i), int(cap.wire_len[i]),
             None if cap.iface[i] == NO_IFACE else int(cap.iface[i])) for i in range(len(cap))]


def agree(path):
    """Both readers give the same packets or the same error; returns that outcome."""
    ref = outcome(read_packets, path)
    got = outcome(scan, path)
    if ref[0] == "ok" and any(not -(1 << 63) <= p.ts_ns < (1 << 63) for p in ref[1]):
        # the one deliberate difference: arrays hold 64-bit nanoseconds (up to year 2262)
        assert got[0] == "error" and "beyond what 64-bit nanoseconds hold" in got[1]
        return got
    assert ref[0] == got[0], (ref, got)
    if ref[0] == "error":
        assert ref[1] == got[1]
        return ref
    assert as_tuples(got[1]) == [(p.ts_ns, p.data, p.wire_len, p.ifindex) for p in ref[1]]
    return ref


def pcap_bytes(tmp_path, resolution, seed):
    pkts = [Packet(i, 1_700_000_000 * NS + i * 1_234_567 + seed, f, len(f) + (i % 3) * 7)
            for i, f in enumerate(frames(12, seed))]
    return write_pcap(tmp_path / f"{resolution}{seed}.pcap", pkts, resolution=resolution).read_bytes()


def pcapng_bytes(seed, big_endian=False):
    rng = random.Random(seed)
    le = not big_endian
    SHB = ng.SectionHeaderBlockLE if le else ng.SectionHeaderBlock
    IDB = ng.InterfaceDescriptionBlockLE if le else ng.InterfaceDescriptionBlock
    EPB = ng.EnhancedPacketBlockLE if le else ng.EnhancedPacketBlock
    Opt = ng.PcapngOptionLE if le else ng.PcapngOption
    order = "<" if le else ">"
    out = bytes(SHB(opts=[Opt(code=1, text="made by a test"), Opt(code=0)]))
    out += bytes(IDB(snaplen=65535, opts=[Opt(code=9, data=b"\x09"), Opt(code=0)]))
    out += bytes(IDB(snaplen=0, opts=[Opt(code=9, data=bytes([0x80 | 10])),
                                      Opt(code=14, data=struct.pack(order + "q", 77)),
                                      Opt(code=0)]))
    for i, f in enumerate(frames(10, seed)):
        ticks = rng.randrange(1 << 40)
        out += bytes(EPB(iface_id=i % 2, ts_high=ticks >> 32, ts_low=ticks & 0xFFFFFFFF,
                         pkt_data=f, pkt_len=len(f) + i))
    # a simple packet block (interface 0) and an obsolete packet block
    spb = struct.pack(order + "III", 3, 16 + 20, 20) + bytes(range(20)) + struct.pack(order + "I", 36)
    out += spb
    PB = ng.PacketBlockLE if le else ng.PacketBlock
    out += bytes(PB(iface_id=1, ts_high=0, ts_low=99, pkt_data=bytes(30)))
    return out


@pytest.mark.parametrize("resolution", ["us", "ns"])
def test_pcap_files_agree(tmp_path, resolution):
    path = tmp_path / "x.pcap"
    path.write_bytes(pcap_bytes(tmp_path, resolution, 1))
    kind, packets = agree(path)
    assert kind == "ok" and len(packets) == 12


def test_the_default_capture_agrees():
    kind, packets = agree(REPO / "programs" / "pcaps" / "default.pcap")
    assert kind == "ok" and len(packets) == 21


@pytest.mark.parametrize("big_endian", [False, True])
def test_pcapng_files_agree(tmp_path, big_endian):
    path = tmp_path / "x.pcapng"
    path.write_bytes(pcapng_bytes(3, big_endian))
    kind, packets = agree(path)
    assert kind == "ok" and len(packets) == 12
    assert {p.ifindex for p in packets} == {0, 1}


def test_big_endian_and_modified_pcap(tmp_path):
    fh = dpkt.pcap.FileHdr(magic=dpkt.pcap.TCPDUMP_MAGIC_NANO, snaplen=65535, linktype=1)
    rec = dpkt.pcap.PktHdr(tv_sec=3, tv_usec=42, caplen=20, len=24)
    path = tmp_path / "be.pcap"
    path.write_bytes(bytes(fh) + bytes(rec) + bytes(20))
    assert agree(path)[0] == "ok"
    fh = dpkt.pcap.LEFileHdr(magic=0xA1B2CD34, snaplen=65535, linktype=1)
    rec = dpkt.pcap.LEPktModHdr(tv_sec=3, tv_usec=42, caplen=20, len=20, ifindex=7)
    path = tmp_path / "mod.pcap"
    path.write_bytes(bytes(fh) + bytes(rec) + bytes(20))
    kind, (p,) = agree(path)
    assert p.ifindex == 7


@pytest.mark.parametrize("content", [b"", b"\xd4\xc3", b"GIF89a...", bytes(24)])
def test_non_captures_agree(tmp_path, content):
    path = tmp_path / "bad.pcap"
    path.write_bytes(content)
    assert agree(path)[0] == "error"


def test_missing_file_is_a_pcap_error(tmp_path):
    with pytest.raises(PcapError, match="cannot read"):
        scan(tmp_path / "absent.pcap")


@pytest.mark.parametrize("seed", range(25))
def test_corrupted_files_agree(tmp_path, seed):
    """Random truncations and byte flips: same packets or the same error, never a crash."""
    rng = random.Random(seed)
    bases = [pcap_bytes(tmp_path, "us", seed), pcap_bytes(tmp_path, "ns", seed),
             pcapng_bytes(seed), pcapng_bytes(seed, big_endian=True)]
    for i in range(40):
        data = bytearray(rng.choice(bases))
        if rng.random() < 0.3:
            data = data[:rng.randrange(len(data))]
        for _ in range(rng.randrange(1, 4)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"c{seed}_{i}.cap"
        path.write_bytes(bytes(data))
        agree(path)


@pytest.mark.parametrize("resolution", [None, "us", "ns"])
def test_array_writer_matches_the_reference_writer(tmp_path, resolution):
    from pybpf.capture import write_pcap as write_arrays
    rng = random.Random(8)
    pkts = [Packet(i, 1_700_000_000 * NS + rng.randrange(10**9) * (1000 if resolution is None else 1),
                   f, len(f) + rng.choice([0, 0, 9])) for i, f in enumerate(frames(30, 8))]
    ref = write_pcap(tmp_path / "ref.pcap", pkts, resolution=resolution).read_bytes()
    buf = b"".join(p.data for p in pkts)
    lens = [len(p.data) for p in pkts]
    offs = [sum(lens[:i]) for i in range(len(lens))]
    import numpy as np
    got = write_arrays(tmp_path / "got.pcap", np.frombuffer(buf, dtype=np.uint8), offs, lens,
                       [p.ts_ns for p in pkts], [p.wire_len for p in pkts], resolution=resolution)
    assert got.read_bytes() == ref
    # a selection, in the order given
    sel = [5, 2, 9]
    ref = write_pcap(tmp_path / "ref2.pcap", [pkts[i] for i in sel], resolution=resolution)
    got = write_arrays(tmp_path / "got2.pcap", np.frombuffer(buf, dtype=np.uint8), offs, lens,
                       [p.ts_ns for p in pkts], [p.wire_len for p in pkts], select=sel,
                       resolution=resolution)
    assert got.read_bytes() == ref.read_bytes()
