"""Batched tc runs (``pybpf.batch.run_tc``) and the compiled tc helpers.

A batch must give, packet for packet, what ``Program.test_run`` gives: return
value, data_out, ctx_out, instruction count, redirect, the refusal or fault and
its text; and leave the same maps, trace and events. The compiled helpers
(``pybpf.helpers.skbhot``) must give what their Python versions give; the
kernel-recorded tc cases (tests/test_tc_skb.py) run through them too.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from pybpf import batch
from pybpf.batch import run_tc
from pybpf.capture import scan
from pybpf.contexts.skb import SK_BUFF
from pybpf.errors import PyBPFError
from pybpf.helpers import PYTHON
from pybpf.helpers.hotset import HOT, WITH_PYTHON_FALLBACK
from pybpf.loader import load
from pybpf.pcap import Packet, read_packets, write_pcap

sys.path.insert(0, str(Path(__file__).parent))
import tc_cases  # noqa: E402
from batch_checks import same_as_runs  # noqa: E402
from tc_cases import PACKETS  # noqa: E402

REPO = tc_cases.REPO
SKB = REPO / tc_cases.OBJECT
SOCK = REPO / "programs" / "tests" / "tc_sock.o"
ENV = {"interfaces": [{"ifindex": 2, "name": "eth0", "mac": "02:00:00:00:00:02", "mtu": 1500},
                      {"ifindex": 3, "name": "eth1", "mac": "02:00:00:00:00:bb", "mtu": 68}],
       "routes": [{"dst": "10.0.0.0/24", "dev": "eth1", "gateway": "10.0.0.254"}],
       "neighbours": [{"ip": "10.0.0.254", "mac": "02:00:00:00:00:fe", "dev": "eth1"}],
       "sockets": [{"protocol": "tcp", "local": "10.0.0.2:80", "remote": "10.0.0.1:1234"},
                   {"protocol": "udp", "local": "0.0.0.0:5353"}]}
#: The Python versions of the compiled tc helpers: given as the object's own helpers they
#: replace the compiled ones (the reference the compiled ones must match).
PYTHON_VERSIONS = {hid: PYTHON[hid] for hid in WITH_PYTHON_FALLBACK}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """The tc cases' packets, random frames (IPv4, IPv6, 802.3, broadcast, multicast, too
    short for their IP header), a runt and one too long for a test run."""
    rng = random.Random(11)
    frames = list(PACKETS.values()) * 2
    for _ in range(80):
        size = rng.choice([14, 15, 16, 33, 34, 53, 54, 60, 64, 128, 600, 1514])
        frame = bytearray(rng.randrange(256) for _ in range(size))
        kind = rng.random()
        if kind < 0.5 and size >= 34:
            frame[12:16] = b"\x08\x00\x45\x00"
            frame[23] = rng.choice([6, 17, 1])
        elif kind < 0.6:
            frame[12:14] = b"\x86\xdd"
        elif kind < 0.7:
            frame[12:14] = b"\x08\x00"
        elif kind < 0.8:
            frame[12:14] = b"\x00\x40"
            frame[14:16] = b"\xff\xff"[:max(0, size - 14)]
        dest = rng.random()
        if dest < 0.2:
            frame[0:6] = b"\xff" * 6
        elif dest < 0.4:
            frame[0:6] = bytes.fromhex("020000000002")
        elif dest < 0.5:
            frame[0] |= 1
        frames.append(bytes(frame))
    frames += [bytes(8), bytes(3800)]
    path = tmp_path_factory.mktemp("tc_batch") / "mixed.pcap"
    write_pcap(path, [Packet(i, 1_000_000 * i, f) for i, f in enumerate(frames)],
               resolution="ns")
    return path


def compare(path, name, pcap, ctx_in=None, env=None, batch_tier=None, helpers=None,
            reference_helpers=None):
    """Run ``name`` over ``pcap`` in one batch and packet by packet (the interpreter, with
    ``reference_helpers``), and require the same outcome for each packet. Returns the
    verdicts and error kinds seen."""
    single = load(path, pin_root=False, env=env, tier="interp", helpers=reference_helpers)
    batched = load(path, pin_root=False, env=env, tier=batch_tier, helpers=helpers)
    before = dict(batch.STATS)
    res = run_tc(batched.program(name), scan(pcap), ctx_in=ctx_in, keep_ctx=True)
    loop = "native" if batched.machine.tier == "compiled" else "numba"
    assert batch.STATS[loop] == before[loop] + 1, batch.STATS
    def run_one(i, pkt):
        one = ctx_in[i] if isinstance(ctx_in, list) else ctx_in
        return single.program(name).test_run(pkt.data, ctx_in=one)

    def same_result(i, got, want):
        assert got == want, i     # retval, verdict, data, executed, ctx, ctx_raw, redirect
        # the __sk_buff the run left (fields ctx_out does not carry: tc_index, tc_classid)
        assert res.skb(i) == bytes(single.memory.view(single.memory.regions[1])[:192]), i

    kinds = same_as_runs(res, single, batched, pcap, run_one, same_result)
    return kinds


@pytest.mark.parametrize("name", tc_cases.PROGRAMS + ("tc_fuzz",))
@pytest.mark.parametrize("tier", ["interp", "compiled"])
def test_tc_programs_batched_equal_test_runs(mixed, name, tier):
    kinds = compare(SKB, name, mixed, batch_tier=tier)
    assert "TestRunRefused" in kinds   # the runt, the jumbo and short IP headers


@pytest.mark.parametrize("obj, name", [(SOCK, "tc_lookup"), (SOCK, "tc_ids"), (SOCK, "tc_fib"),
                                       (REPO / "programs/tests/tc_snat.o", "tc_snat"),
                                       (REPO / "programs/datapath/datapath.o", "from_netdev"),
                                       (REPO / "programs/datapath/datapath.o", "to_netdev")])
def test_environment_sockets_devices_and_tail_calls(mixed, obj, name):
    """Per-packet ctx_in (devices of the environment, one it does not have), sockets."""
    n = len(read_packets(mixed))
    choices = [None, {"ingress_ifindex": 2, "ifindex": 2}, {"ifindex": 3, "mark": 7},
               {"ifindex": 9}, {"cb": [1, 2, 3, 4, 5], "wire_len": 1000}]
    ctx_in = [choices[i % len(choices)] for i in range(n)]
    kinds = compare(obj, name, mixed, ctx_in=ctx_in, env=ENV, batch_tier="compiled")
    assert "TestRunRefused" in kinds


def test_refused_ctx_in_for_every_packet(mixed):
    """A ctx_in the kernel refuses whatever the packet (a field it does not take)."""
    compare(SKB, "tc_fields", mixed, ctx_in={"tc_index": 1}, batch_tier="compiled")


def _fuzz_batch(seed: int, n: int) -> tuple[list, list]:
    """Seeded tc_fuzz cases on the compiled helpers' operations (3-6 and 18: csum replace,
    store/load bytes, csum_diff), once and twice a run: packets and ctx_in."""
    cases = tc_cases.fuzz_cases(seed=seed, n=n * 4)
    ops = {3, 4, 5, 6, 18}
    chosen = [(pkt, ctx) for _prog, pkt, ctx in cases.values()
              if SK_BUFF.unpack(ctx)["cb"][0] & 0xFF in ops][:n]
    return [p for p, _ in chosen], [c for _, c in chosen]


@pytest.mark.parametrize("tier", ["interp", "compiled"])
def test_compiled_helpers_equal_their_python_versions(tmp_path, tier):
    packets, ctx_in = _fuzz_batch(7, 400)
    pcap = tmp_path / "fuzz.pcap"
    write_pcap(pcap, [Packet(i, i, p) for i, p in enumerate(packets)])
    kinds = compare(SKB, "tc_fuzz", pcap, ctx_in=ctx_in, batch_tier=tier,
                    reference_helpers=PYTHON_VERSIONS)
    assert "TC_ACT_OK" in kinds
    # and packet by packet, each tier against the Python versions
    mine = load(SKB, pin_root=False, tier=tier).program("tc_fuzz")
    ref = load(SKB, pin_root=False, tier=tier, helpers=PYTHON_VERSIONS).program("tc_fuzz")
    for pkt, ctx in zip(packets[:120], ctx_in[:120]):
        if pkt == PACKETS["eth_only"]:   # refused by the kernel (and so by both)
            continue
        assert mine.test_run(pkt, ctx) == ref.test_run(pkt, ctx)


def test_the_compiled_helpers_are_the_ones_called():
    """The five helpers run compiled (their mask bits are set) unless the object gives its
    own; a batch of tc_nat (load/store bytes, l3/l4 csum replace) calls no Python helper."""
    obj = load(SKB, pin_root=False, tier="compiled")
    assert all(obj.machine.hot[hid] for hid in WITH_PYTHON_FALLBACK)
    assert WITH_PYTHON_FALLBACK <= set(HOT)
    own = load(SKB, pin_root=False, helpers=PYTHON_VERSIONS)
    assert not any(own.machine.hot[hid] for hid in WITH_PYTHON_FALLBACK)
    calls = []
    real = obj.machine._call_helper
    obj.machine._call_helper = lambda: calls.append(int(obj.machine.st[5])) or real()
    res = run_tc(obj.program("tc_nat"), [PACKETS["tcp"]] * 50)
    assert calls == [] and set(res.retval.tolist()) == {0}
    assert res.data(49) != PACKETS["tcp"]   # rewritten, checksums updated
    assert tc_cases.inet_csum(res.data(49)[14:34]) == 0


def test_a_stale_packet_pointer_after_a_compiled_store_faults():
    """A compiled skb_store_bytes moves the packet as the Python one does: a pointer taken
    before it faults (the verifier refuses such a program; --no-verify runs it)."""
    import pybpf.toolchain as tc
    src = REPO / "tests" / "loader_src" / "tc_store_stale.c"
    obj_path = tc.compile(src, out=Path(pytest.importorskip("tempfile").mkdtemp()) / "s.o")
    for helpers in (None, PYTHON_VERSIONS):
        prog = load(obj_path, pin_root=False, helpers=helpers).program("store_stale")
        with pytest.raises(PyBPFError, match="region no longer valid"):
            prog.test_run(PACKETS["tcp"])


def test_test_run_repeat_batches_tc(monkeypatch):
    obj = load(SKB, pin_root=False)
    calls = []
    real = batch.run_tc
    monkeypatch.setattr(batch, "run_tc", lambda *a, **k: calls.append(1) or real(*a, **k))
    r = obj.program("tc_nat").test_run(PACKETS["tcp"], {"mark": 3}, repeat=50)
    assert calls
    single = load(SKB, pin_root=False).program("tc_nat").test_run(PACKETS["tcp"], {"mark": 3})
    assert (r.retval, r.data, r.ctx, r.executed) == (single.retval, single.data, single.ctx,
                                                     single.executed)


def test_pybpf_run_batched_equals_per_packet(mixed, tmp_path):
    """`pybpf run` on a tc program: the batched default and --per-packet print the same
    JSON lines and write the same pcaps."""
    outputs = []
    for mode in ([], ["--per-packet"]):
        out_dir = tmp_path / ("pp" if mode else "b")
        cmd = [sys.executable, "-m", "pybpf", "run", str(SKB), "--program", "tc_misc",
               "--pcap", str(mixed), "--json", "--out-dir", str(out_dir),
               "--pin-root", str(tmp_path / "pins"), *mode]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
        assert proc.returncode == 0, proc.stderr
        lines = [json.loads(x) for x in proc.stdout.splitlines()]
        pcaps = {p.name: p.read_bytes() for p in sorted(out_dir.iterdir())}
        outputs.append((lines, pcaps))
    assert outputs[0] == outputs[1]
    lines = outputs[0][0]
    assert any("skb" in x for x in lines) and any("error" in x for x in lines)


def test_pybpf_run_batched_maps_pcapng_interfaces_to_devices(tmp_path):
    """A pcapng capture from two interfaces, mapped to two devices of the environment: each
    packet's ctx_in names its device (ifindex, ingress_ifindex, pkt_type against its MAC),
    batched as packet by packet."""
    import dpkt.pcapng as ng
    env = tmp_path / "env.json"
    env.write_text(json.dumps({"interfaces": [
        {"ifindex": 2, "name": "eth0", "mac": "02:00:00:00:00:02", "pcapng_id": 0},
        {"ifindex": 3, "name": "eth1", "mac": "02:00:00:00:00:bb", "pcapng_id": 1}]}))
    blocks = bytes(ng.SectionHeaderBlockLE()) + bytes(ng.InterfaceDescriptionBlockLE(
        snaplen=65535)) + bytes(ng.InterfaceDescriptionBlockLE(snaplen=65535))
    for i, frame in enumerate(list(PACKETS.values()) * 2):
        blocks += bytes(ng.EnhancedPacketBlockLE(iface_id=i % 2, ts_high=0, ts_low=i,
                                                  pkt_data=frame, pkt_len=len(frame)))
    capture = tmp_path / "two.pcapng"
    capture.write_bytes(blocks)
    outputs = []
    for mode in ([], ["--per-packet"]):
        cmd = [sys.executable, "-m", "pybpf", "run", str(SKB), "--program", "tc_fields",
               "--pcap", str(capture), "--env", str(env), "--json", *mode]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
        assert proc.returncode == 0, proc.stderr
        outputs.append([json.loads(x) for x in proc.stdout.splitlines()])
    assert outputs[0] == outputs[1]
    devices = {x["skb"]["cb"][1] >> 16 & 0xFF for x in outputs[0] if "skb" in x}
    assert devices == {2, 3}


_PY_TIER_BATCH = """
import json, sys
sys.path.insert(0, 'tests')
import tc_cases
from pybpf.batch import run_tc
from pybpf.loader import load
from pybpf.vm.machine import current_tier
obj = load(tc_cases.OBJECT, pin_root=False)
out = {'tier': current_tier()}
for name, packets, ctx_in in (('tc_nat', list(tc_cases.PACKETS.values()), None),
                              ('tc_fuzz', *FUZZ)):
    res = run_tc(obj.program(name), packets, ctx_in=ctx_in, keep_ctx=True)
    out[name] = [[int(res.retval[i]), res.data(i).hex(), int(res.executed[i]),
                  res.skb(i).hex()] if res.error(i) is None else str(res.error(i))
                 for i in range(len(packets))]
print(json.dumps(out))
"""


def test_the_py_tier_runs_the_same_batches():
    """The tc batch loop and the compiled tc helpers as plain Python (NUMBA_DISABLE_JIT)
    give what the interpreter's give."""
    from pybpf.vm.machine import py_tier_env
    packets, ctx_in = _fuzz_batch(3, 40)
    fuzz = (packets, [bytes(c) for c in ctx_in])
    code = _PY_TIER_BATCH.replace("FUZZ", repr(fuzz))
    outs = []
    for env in (py_tier_env(), None):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=REPO, env=env, timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        outs.append(json.loads(proc.stdout))
    assert outs[0].pop("tier") == "py" and outs[1].pop("tier") != "py"
    assert outs[0] == outs[1]
