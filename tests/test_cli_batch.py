"""``pybpf run`` on XDP programs runs the capture in one compiled loop; its output must be
exactly that of running each packet through ``Program.test_run`` (``--per-packet``)."""

import io
import json
import random
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from pybpf import cli
from pybpf.pcap import Packet, read_packets, write_pcap

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DEFAULT_PCAP = REPO / "programs" / "pcaps" / "default.pcap"


def run(*argv):
    buf = io.StringIO()
    with redirect_stdout(buf):
        status = cli.main(["run", *map(str, argv)])
    return status, buf.getvalue()


def both(tmp_path, *argv):
    """(status, stdout, output pcaps) of the batched run and of the per-packet run."""
    outs = []
    for mode in ("batched", "per-packet"):
        out_dir = tmp_path / mode
        extra = ["--per-packet"] if mode == "per-packet" else []
        status, text = run(*argv, "--out-dir", out_dir, *extra)
        files = {p.name: p.read_bytes() for p in sorted(out_dir.glob("*.pcap"))}
        outs.append((status, text, files))
    return outs


@pytest.mark.parametrize("obj", ["programs/examples/xdp_filter.o", "programs/examples/xdp_firewall.o",
                                 "programs/bench/parse_map.o"])
def test_json_and_output_captures_are_identical(tmp_path, obj):
    batched, single = both(tmp_path, REPO / obj, "--pcap", DEFAULT_PCAP, "--json", "--pin-root",
                           tmp_path / "pins")
    assert batched == single
    lines = [json.loads(line) for line in batched[1].splitlines()]
    assert len(lines) == len(read_packets(DEFAULT_PCAP)) + 1 and "maps" in lines[-1]
    assert batched[2]  # output captures were written


def test_redirects_errors_and_moved_packets_are_identical(tmp_path):
    """The load balancer moves packets (bpf_xdp_adjust_head); a runt is refused; a packet too
    long for a linear frame is an error (exit status 1) in both modes."""
    sys.path.insert(0, str(TESTS))
    import test_l4lb as lb
    pkts = [Packet(i, 1000 * i, p) for i, p in enumerate(lb.traffic(seed=6, n=60))]
    pkts += [Packet(len(pkts), 9, bytes(9)), Packet(len(pkts) + 1, 10, bytes(3700))]
    pcap = write_pcap(tmp_path / "lb.pcap", pkts, resolution="ns")
    maps_in = tmp_path / "maps.json"
    from pybpf.loader import load
    obj = load(lb.OBJ, pin_root=False)
    lb.configure(obj)
    maps_in.write_text(json.dumps(obj.maps.to_json()))
    batched, single = both(tmp_path, lb.OBJ, "--pcap", pcap, "--json", "--maps-in", maps_in)
    assert batched == single
    assert batched[0] == 1
    assert '"verdict": "XDP_TX"' in batched[1] and '"error"' in batched[1]


def test_summary_counts_agree(tmp_path):
    (s1, t1, _), (s2, t2, _) = both(tmp_path, REPO / "programs/examples/xdp_filter.o", "--pcap",
                                    DEFAULT_PCAP)
    strip = lambda t: [line for line in t.splitlines()  # noqa: E731
                       if "packets/s" not in line and "written to" not in line]
    assert s1 == s2 == 0 and strip(t1) == strip(t2)
    assert "refused (EINVAL)" in t1


def test_run_with_verify_refuses_what_linux_refuses(tmp_path, capsys):
    from pybpf.toolchain import compile as compile_c
    bad = compile_c(TESTS / "loader_src" / "unchecked.c", out=tmp_path / "unchecked.o")
    status, text = run(bad, "--pcap", DEFAULT_PCAP, "--verify")
    assert status == 1 and text == ""   # nothing ran
    assert "R1 offset is outside of the packet" in capsys.readouterr().err
    status, text = run(REPO / "programs/examples/xdp_filter.o", "--pcap", DEFAULT_PCAP, "--verify")
    assert status == 0 and "XDP_DROP" in text
