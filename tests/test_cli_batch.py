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


def test_run_verifies_first_and_refuses_what_linux_refuses(tmp_path, capsys):
    """`pybpf run` verifies by default (as the kernel does at load time); --no-verify runs a
    refused program anyway, with every access still bounds-checked."""
    from pybpf.toolchain import compile as compile_c
    bad = compile_c(TESTS / "loader_src" / "unchecked.c", out=tmp_path / "unchecked.o")
    for flags in ((), ("--verify",)):
        status, text = run(bad, "--pcap", DEFAULT_PCAP, *flags)
        assert status == 1 and text == ""   # nothing ran
        err = capsys.readouterr().err
        assert "R1 offset is outside of the packet" in err and "--no-verify" in err
    status, text = run(bad, "--pcap", DEFAULT_PCAP, "--no-verify")
    assert "packets in" in text and capsys.readouterr().err == ""
    status, text = run(REPO / "programs/examples/xdp_filter.o", "--pcap", DEFAULT_PCAP)
    assert status == 0 and "XDP_DROP" in text


def test_verdict_cache(tmp_path, monkeypatch):
    """The verdict is computed once per object, program and verifier; a damaged cache file is
    ignored, and a changed object is verified anew."""
    import shutil
    from pybpf import verdicts
    from pybpf.verifier import verify
    monkeypatch.setattr(verdicts, "directory", lambda: tmp_path / "verdicts")
    obj = tmp_path / "xdp_stale.o"
    shutil.copy(REPO / "programs/tests/xdp_stale.o", obj)
    (fresh,) = verify(obj, program="xdp_stale")
    first, hit1 = verdicts.check(obj, "xdp_stale", "xdp")
    second, hit2 = verdicts.check(obj, "xdp_stale", "xdp")
    assert (hit1, hit2) == (False, True)
    for v in (first, second):
        assert not v["accepted"] and v["message"] == fresh.message == "R6 invalid mem access 'scalar'"
        assert v["report"] == fresh.report() and "xdp_stale.c:21" in v["report"]
    (file,) = (tmp_path / "verdicts").glob("*.json")
    file.write_text('{"accepted": true')          # damaged: verified again, rewritten
    third, hit3 = verdicts.check(obj, "xdp_stale", "xdp")
    assert not hit3 and not third["accepted"] and verdicts.check(obj, "xdp_stale", "xdp")[1]
    shutil.copy(REPO / "programs/examples/xdp_pass.o", obj)   # same path, other bytes
    (good, hit4) = verdicts.check(obj, "xdp_pass", "xdp")
    assert good["accepted"] and not hit4
    monkeypatch.setenv("PYBPF_NO_VERDICT_CACHE", "1")
    assert verdicts.check(obj, "xdp_pass", "xdp")[1] is False

@pytest.mark.parametrize("obj", ["programs/bench/parse.o", "programs/bench/parse_map.o",
                                 "programs/examples/xdp_filter.o",
                                 "programs/tests/tc_skb.o:tc_fields",
                                 "programs/tests/tc_skb.o:tc_nat",
                                 "programs/datapath/datapath.o:from_netdev"])
def test_a_warm_run_of_the_compiled_tier_does_not_load_numba(tmp_path, obj):
    """With its caches filled, ``pybpf run`` of an XDP program on the compiled tier calls
    only machine code loaded from the cache (the program's with the map helpers it calls,
    bpf-to-bpf calls included; the batch loop; the capture scanner and writer; the maps'
    set-up, pybpf.vm.aot): Numba, which takes a second or two to load, is never imported.
    So does a tc capture (tc_nat through the compiled tc helpers, the datapath through
    tail calls and the compiled perf_event_output). The output is the same as the first,
    cache-filling run's."""
    import os
    import subprocess
    pcap = write_pcap(tmp_path / "in.pcap", read_packets(DEFAULT_PCAP)[:12], resolution="ns")
    probe = ("import runpy, sys\n"
             "sys.argv = ['pybpf'] + sys.argv[1:]\n"
             "try:\n"
             "    runpy.run_module('pybpf', run_name='__main__')\n"
             "except SystemExit as stop:\n"
             "    assert not stop.code, stop.code\n"
             "print('numba loaded:', 'numba' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    outs = []
    for n in range(2):
        out_dir = tmp_path / f"out{n}"
        path, _, name = obj.partition(":")
        which = ["--program", name] if name else []
        done = subprocess.run([sys.executable, "-c", probe, "run", str(REPO / path), *which,
                               "--pcap", str(pcap), "--out-dir", str(out_dir), "--tier", "compiled"],
                              capture_output=True, text=True, env=env, timeout=1200)
        assert done.returncode == 0, done.stderr
        outs.append((done.stdout.splitlines(), {p.name: p.read_bytes() for p in out_dir.glob("*.pcap")}))
    assert outs[1][0][-1] == "numba loaded: False", outs[1][0]
    assert outs[0][1] == outs[1][1] and outs[1][1]
    verdicts = [[line for line in lines if line.startswith("  ")] for lines, _ in outs]
    assert verdicts[0] == verdicts[1] and verdicts[0]
