"""Program.test_run / RunResult: repeat, timing, ctx, redirect targets, and `pybpf run`."""

import json
import struct
import subprocess
import sys

import pytest

import xdp_cases as X
from pybpf import kernel, load
from pybpf.errors import HelperError, PyBPFError, TestRunRefused
from pybpf.result import Redirect, RunResult

FIREWALL = X.REPO / "programs/examples/xdp_firewall.o"
PASSING = X.eth(0x0800) + X.ipv4("10.0.0.1", "10.0.0.2", bytes(8) + bytes(30), proto=17)


def _stat_packets(values) -> int:
    """Packets of the firewall's PASS counter summed over CPUs (struct counters)."""
    return sum(struct.unpack_from("<Q", v)[0] for v in values)


def test_repeat_runs_on_fresh_copies_and_keeps_map_changes():
    obj = load(FIREWALL, pin_root=False)
    result = obj.program().test_run(PASSING, repeat=5)
    assert result.verdict == "XDP_PASS" and result.data == PASSING
    assert _stat_packets(obj.maps["stats"][0]) == 5
    if kernel.available():
        with kernel.KernelObject(FIREWALL) as ko:
            k = ko.run(None, PASSING, repeat=5)
            dump = dict(ko.dump_map("stats"))
            stride = len(dump[struct.pack("<I", 0)]) // kernel.possible_cpus()
            raw = dump[struct.pack("<I", 0)]
            assert _stat_packets([raw[i:i + stride] for i in range(0, len(raw), stride)]) == 5
            assert (k.retval, k.data_out) == (result.retval, result.data)


def test_repeat_zero_runs_once():
    obj = load(FIREWALL, pin_root=False)
    obj.program().test_run(PASSING, repeat=0)
    assert _stat_packets(obj.maps["stats"][0]) == 1


@pytest.mark.parametrize("kw,message", [({"data_in": "text"}, "data_in must be bytes, got str"),
                                        ({"env": 5}, "env: expected a dict"),
                                        ({"ctx_in": [1]}, "ctx_in: expected bytes or a dict"),
                                        ({"ctx_in": {"data": "x"}}, "xdp_md.data takes an integer")])
def test_bad_arguments_are_clear_errors(kw, message):
    obj = load(FIREWALL, pin_root=False)
    args = {"data_in": PASSING, **kw}
    with pytest.raises(PyBPFError, match=message):
        obj.program().test_run(**args)


def test_repeat_must_be_a_count():
    obj = load(FIREWALL, pin_root=False)
    with pytest.raises(PyBPFError, match="repeat must be a non-negative integer"):
        obj.program().test_run(PASSING, repeat=-1)


def test_duration_is_kept_out_of_equality_and_json():
    obj = load(X.REPO / X.TUNNEL, pin_root=False)
    prog = obj.program("xdp_ipip_decap")
    a, b = prog.test_run(PASSING), prog.test_run(PASSING, repeat=3)
    assert a.duration_ns > 0 and b.duration_ns > 0
    assert a == b
    assert "duration" not in json.dumps(a.to_json())
    assert a.to_json() == {"retval": 1, "verdict": "XDP_DROP", "data": PASSING.hex()}


def test_trace_with_repeat_is_the_last_run():
    obj = load(FIREWALL, pin_root=False)
    steps = []
    result = obj.program().test_run(PASSING, repeat=3, trace=steps)
    assert len(steps) == result.executed > 0


def test_ctx_is_decoded_and_dict_equals_bytes():
    obj = load(X.REPO / X.PROBE, pin_root=False)
    prog = obj.program()
    as_dict = prog.test_run(X.PKT60, ctx_in={"data_end": 60, "ingress_ifindex": 1})
    as_bytes = prog.test_run(X.PKT60, ctx_in=X.xdp_md(0, 60, 0, 1))
    assert as_dict == as_bytes
    assert as_dict.ctx["ingress_ifindex"] == 1 and as_dict.ctx_raw == X.xdp_md(0, 60, 0, 1)


def test_run_shorthand_and_the_environment():
    env = {"interfaces": [{"ifindex": 3, "name": "eth1", "rx_queues": 4}]}
    obj = load(X.REPO / X.PROBE, pin_root=False, env=env)
    prog = obj.program()
    result = prog.run(X.PKT60, ingress_ifindex=3, rx_queue_index=2)
    assert result.ctx["ingress_ifindex"] == 3 and result.ctx["rx_queue_index"] == 2
    with pytest.raises(TestRunRefused, match="rx_queue_index 4 is not below the 4 rx"):
        prog.run(X.PKT60, ingress_ifindex=3, rx_queue_index=4)
    with pytest.raises(TestRunRefused) as info:
        prog.run(X.PKT60, ingress_ifindex=3, env={})   # a per-call environment without eth1
    assert info.value.errno_name == "ENODEV"


def test_env_sets_clock_seed_and_cpus():
    obj = load(FIREWALL, pin_root=False, env={"clock_ns": 123, "seed": 9, "ncpu": 3})
    assert obj.machine.clock_ns == 123 and obj.env.seed == 9
    assert len(obj.maps["stats"][0]) == 3


# -- redirect targets ------------------------------------------------------------------------
def redirect(op, key, flags, maps=None):
    obj = load(X.REPO / X.REDIRECT, pin_root=False)
    for name, entries in (maps or {}).items():
        for k, v in entries.items():
            obj.maps[name][k] = v
    for i, v in enumerate((op, key, flags)):
        obj.maps["cfg"][i] = struct.pack("<Q", v)
    return obj, obj.program().test_run(X.PKT60)


def u32(v):
    return struct.pack("<I", v)


@pytest.mark.parametrize("op,mapname,key,flags,value,want", [
    (0, None, 9, 0, None, Redirect("ifindex", ifindex=9)),
    (1, "tx_ports", 2, 0, u32(7), Redirect("map", ifindex=7, map="tx_ports", key=2)),
    (4, "tx_hash", 40, 0, u32(8), Redirect("map", ifindex=8, map="tx_hash", key=40)),
    (2, "cpus", 1, 0, u32(128) + u32(0), Redirect("map", map="cpus", key=1)),
    (3, "xsks", 2, 0, u32(5), Redirect("map", map="xsks", key=2)),
    (1, "tx_ports", 2, 8 | 16, None, Redirect("map", flags=24, map="tx_ports", key=2)),
])
def test_redirect_targets(op, mapname, key, flags, value, want):
    maps = {mapname: {key: value}} if value is not None else None
    _, result = redirect(op, key, flags, maps)
    assert result.verdict == "XDP_REDIRECT" and result.redirect == want


@pytest.mark.parametrize("flags,verdict", [(0, "XDP_ABORTED"), (1, "XDP_DROP"), (2, "XDP_PASS"),
                                           (3, "XDP_TX"), (4, "XDP_ABORTED")])
def test_redirect_map_fallback_action(flags, verdict):
    _, result = redirect(1, 5, flags)
    assert result.verdict == verdict and result.redirect is None


def test_redirect_is_reset_per_run():
    obj, first = redirect(0, 9, 0)
    assert first.redirect is not None
    obj.maps["cfg"][2] = struct.pack("<Q", 1)   # flags on bpf_redirect: XDP_ABORTED
    second = obj.program().test_run(X.PKT60)
    assert second.verdict == "XDP_ABORTED" and second.redirect is None


def test_redirect_map_refuses_other_maps():
    from pybpf.helpers.net import redirect_map
    obj, _ = redirect(0, 1, 0)
    with pytest.raises(HelperError, match="needs a devmap.*'cfg' \\(array\\)"):
        redirect_map(obj.machine, obj.maps["cfg"].handle, 0, 0)


def test_result_json_has_the_redirect():
    result = RunResult(4, "XDP_REDIRECT", b"\1", redirect=Redirect("map", ifindex=3, map="m", key=1))
    assert result.to_json()["redirect"] == {"kind": "map", "ifindex": 3, "flags": 0,
                                            "ingress": False, "map": "m", "key": 1}


# -- the command line ----------------------------------------------------------------------
def pybpf_run(*args, cwd=X.REPO):
    return subprocess.run([sys.executable, "-m", "pybpf", "run", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def test_cli_json_lines_carry_the_redirect(tmp_path):
    maps = {"cfg": [[u32(0).hex(), struct.pack("<Q", 1).hex()],
                    [u32(1).hex(), struct.pack("<Q", 0).hex()]],
            "tx_ports": [[u32(0).hex(), u32(4).hex()]]}
    (tmp_path / "maps.json").write_text(json.dumps(maps))
    proc = pybpf_run(X.REPO / X.REDIRECT, "--pcap", X.REPO / "programs/pcaps/default.pcap",
                     "--maps-in", tmp_path / "maps.json", "--json", "--pin-root", tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    packets = [line for line in lines if "index" in line and "retval" in line]
    assert packets and all(p["verdict"] == "XDP_REDIRECT" for p in packets)
    assert all(p["redirect"] == {"kind": "map", "ifindex": 4, "flags": 0, "ingress": False,
                                 "map": "tx_ports", "key": 0} for p in packets)


@pytest.mark.parametrize("text,suffix,message", [
    ('{"interfaces": [{"ifindex": 2, "mtu": "big"}]}', ".json", "interfaces[0].mtu: expected an integer"),
    ('[[routes]]\ndst = "10.0.0.0/8"\ndev = "nope"\n', ".toml", "routes[0].dev: no interface named 'nope'"),
    ('{"colour": 1}', ".json", "colour: unknown key"),
    ("{", ".json", "not valid JSON"),
])
def test_cli_env_errors_name_the_key(tmp_path, text, suffix, message):
    env = tmp_path / f"env{suffix}"
    env.write_text(text)
    proc = pybpf_run("--env", env)
    assert proc.returncode == 2
    assert proc.stderr.startswith("pybpf: error: ") and message in proc.stderr
    assert "Traceback" not in proc.stderr


# -- XDP then tc on one packet ---------------------------------------------------------------
CHAIN = X.REPO / "programs/tests/xdp_meta_chain.o"


def test_xdp_metadata_reaches_tc():
    from pybpf.loader import run_xdp_then_tc
    obj = load(CHAIN, pin_root=False)
    first, second = run_xdp_then_tc(obj.program("xdp_mark"), obj.program("tc_read_mark"), X.PKT60)
    assert first.verdict == "XDP_PASS" and first.data == struct.pack("<II", 0xC0FFEE, 60) + X.PKT60
    assert second.verdict == "TC_ACT_OK" and second.data == X.PKT60
    assert second.ctx["mark"] == 0xC0FFEE and second.ctx["cb"][0] == 60


def test_tc_alone_sees_no_metadata():
    obj = load(CHAIN, pin_root=False)
    result = obj.program("tc_read_mark").test_run(X.PKT60)
    assert result.ctx["mark"] == 0 and result.ctx["cb"] == [0] * 5
    if kernel.available():   # the kernel's tc test run has no metadata either
        with kernel.KernelObject(CHAIN) as ko:
            k = ko.run("tc_read_mark", X.PKT60, ctx_in=bytes(192))
            assert k.retval == result.retval and k.data_out == result.data
            assert k.ctx_out[8:12] == bytes(4) and k.ctx_out[48:68] == bytes(20)


def test_chain_stops_unless_xdp_passes():
    from pybpf.loader import run_xdp_then_tc
    obj = load(CHAIN, pin_root=False)
    tunnel = load(X.REPO / X.TUNNEL, pin_root=False)
    first, second = run_xdp_then_tc(tunnel.program("xdp_ipip_decap"), obj.program("tc_read_mark"),
                                    X.PKT60)
    assert first.verdict == "XDP_DROP" and second is None
    with pytest.raises(PyBPFError, match="is a xdp program, not sched_cls or sched_act"):
        run_xdp_then_tc(obj.program("xdp_mark"), obj.program("xdp_mark"), X.PKT60)
