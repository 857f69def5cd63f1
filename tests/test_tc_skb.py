"""tc (sched_cls) test runs: __sk_buff fields, ctx_in/ctx_out rules, skb helpers.

The cases of tests/tc_cases.py run on pybpf and are compared with the kernel's
BPF_PROG_TEST_RUN: live where bpf() works, else with the outcomes recorded from
it (``python tests/record_kernel.py``). Output packets are also checked with an
independent checksum computation, so a helper that agreed with a wrong
kernel expectation would still be caught.
"""

from __future__ import annotations

import hashlib
import ipaddress
import struct
import sys
from pathlib import Path

import pytest

import pybpf
from pybpf import kernel
from pybpf.contexts.skb import SK_BUFF
from pybpf.errors import MemoryFault, TestRunRefused

sys.path.insert(0, str(Path(__file__).parent))
import tc_cases  # noqa: E402
from tc_cases import PACKETS, inet_csum  # noqa: E402

REPO = tc_cases.REPO
CASES = tc_cases.cases()
BADCTX = REPO / "programs" / "tests" / "tc_badctx.o"
needs_kernel = pytest.mark.skipif(not kernel.available(),
                                  reason=f"kernel oracle unavailable: {kernel.unavailable_reason()}")


@pytest.fixture(scope="module")
def obj():
    return pybpf.load(REPO / tc_cases.OBJECT)


@pytest.fixture(scope="module")
def recorded():
    rec = tc_cases.recorded()
    digest = hashlib.sha256((REPO / tc_cases.OBJECT).read_bytes()).hexdigest()
    assert rec.get("objects", {}).get(tc_cases.OBJECT) == digest, (
        "tests/kernel_expected/tc_cases.json was recorded from another tc_skb.o: "
        "run python tests/record_kernel.py")
    return rec["cases"]


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_matches_recorded_kernel(obj, recorded, case_id):
    assert tc_cases.outcome_pybpf(obj, CASES[case_id]) == recorded[case_id]


@needs_kernel
def test_matches_live_kernel(obj):
    ko = kernel.KernelObject(REPO / tc_cases.OBJECT)
    try:
        for case_id, case in CASES.items():
            assert tc_cases.outcome_pybpf(obj, case) == tc_cases.outcome_kernel(ko, case), case_id
    finally:
        ko.close()


@needs_kernel
def test_random_helper_calls_match_live_kernel(obj):
    """2,000 more seeded random one- or two-helper runs (tc_fuzz), compared live."""
    ko = kernel.KernelObject(REPO / tc_cases.OBJECT)
    try:
        for case_id, case in tc_cases.fuzz_cases(seed=7, n=2000).items():
            assert tc_cases.outcome_pybpf(obj, case) == tc_cases.outcome_kernel(ko, case), case_id
    finally:
        ko.close()


# -- independent checks of the output packets ------------------------------------------------
def _ip(frame: bytes, at: int = 14):
    ihl = (frame[at] & 0xF) * 4
    return frame[at:at + ihl], frame[at + ihl:at + struct.unpack("!H", frame[at + 2:at + 4])[0]]


def _l4_ok(header: bytes, seg: bytes, proto: int) -> bool:
    pseudo = header[12:20] + struct.pack("!BBH", 0, proto, len(seg))
    return inet_csum(pseudo + seg) == 0


@pytest.mark.parametrize("name", ["tcp", "udp_bcast_ect1"])
def test_nat_rewrites_with_valid_checksums(obj, name):
    r = obj.program("tc_nat").test_run(PACKETS[name], bytes(192))
    header, seg = _ip(r.data)
    assert inet_csum(header) == 0
    assert ipaddress.ip_address(header[16:20]) == ipaddress.ip_address("10.9.9.9")
    assert struct.unpack("!H", seg[2:4])[0] == 8080
    assert _l4_ok(header, seg, header[9])
    assert r.ctx["cb"][:5] == [0, 0, 0, 0, 0]
    assert r.ctx["mark"] == 0xFFFFFFF2 and r.ctx["priority"] == 0xFFFFFFF2  # -EFAULT twice


def test_nat_keeps_udp_without_checksum(obj):
    r = obj.program("tc_nat").test_run(PACKETS["udp_nocsum_ect0"], bytes(192))
    header, seg = _ip(r.data)
    assert inet_csum(header) == 0
    assert seg[6:8] == b"\0\0"  # BPF_F_MARK_MANGLED_0: a zero UDP checksum stays "none"
    assert ipaddress.ip_address(header[16:20]) == ipaddress.ip_address("10.9.9.9")


def test_gre_encap_header_checksum(obj):
    inner = PACKETS["tcp"]
    r = obj.program("tc_encap").test_run(inner, bytes(192))
    assert r.ctx["cb"][2:4] == [0, (-114) & 0xFFFFFFFF]  # encap ok, then -EALREADY
    header, _ = _ip(r.data)
    assert inet_csum(header) == 0 and header[9] == 47
    assert r.data[34:38] == b"\0\0\x08\0"            # GRE, protocol IPv4
    assert r.data[38:] == inner[14:]                  # the original packet follows intact
    assert len(r.data) == len(inner) + 24


def test_ipip_decap_leaves_inner_packet(obj):
    outer = PACKETS["ipip_ce"]
    r = obj.program("tc_decap").test_run(outer, bytes(192))
    assert r.ctx["cb"][0] == 0
    header, seg = _ip(r.data)
    assert inet_csum(header) == 0 and _l4_ok(header, seg, 6)


@pytest.mark.parametrize("name", ["udp_bcast_ect1", "udp_nocsum_ect0", "ipip_ce"])
def test_ecn_mark_keeps_ipv4_checksum(obj, name):
    # tc_misc then translates to IPv6 and back: the IPv4 header keeps only its first
    # 20 bytes' checksum if the ECN update was right
    r = obj.program("tc_misc").test_run(PACKETS[name], bytes(192))
    assert r.ctx["cb"][2] & 0xFF == 1
    header = r.data[14:34]
    assert header[1] & 3 == 3 and inet_csum(header) == 0


def test_tail_growth_and_head(obj):
    pkt = PACKETS["tcp"]
    r = obj.program("tc_tail").test_run(pkt, bytes(192))
    cb = r.ctx["cb"]
    assert cb[:3] == [0, 0, 0] and cb[3] == cb[4] == (-22) & 0xFFFFFFFF
    assert r.data == bytes(14) + pkt + bytes(56) + b"\xef\xbe"
    assert r.verdict == "TC_ACT_OK"


# -- context rules -------------------------------------------------------------------------------
def test_fields_read_and_written(obj):
    pkt = PACKETS["udp_bcast_ect1"]
    r = obj.program("tc_fields").test_run(pkt)
    assert r.verdict == "TC_ACT_PIPE"
    cb = r.ctx["cb"]
    assert cb[0] == len(pkt) | (2 << 16)  # PACKET_MULTICAST: lo's broadcast address is 0
    assert cb[1] == 0x0008 | (1 << 16)              # protocol 0x0800 as loaded, ifindex 1
    assert r.ctx["mark"] == 0x2345 | (0xCDEF << 16)  # tc_index, tc_classid keep 16 bits
    assert r.ctx["priority"] == 7 | (1 << 31)       # queue_mapping 7 (0x1ffff ignored)
    assert r.ctx["tc_index"] == 0 and r.ctx["tc_classid"] == 0  # not copied to ctx_out


def test_ctx_in_rules():
    obj = pybpf.load(REPO / tc_cases.OBJECT)
    prog = obj.program("tc_fields")
    with pytest.raises(TestRunRefused, match=r"__sk_buff\.len must be 0") as info:
        prog.test_run(PACKETS["tcp"], {"len": 3})
    assert info.value.errno_name == "EINVAL"
    with pytest.raises(TestRunRefused, match="shorter|14\\.\\.3712"):
        prog.test_run(bytes(13))
    with pytest.raises(TestRunRefused) as info:
        prog.test_run(PACKETS["tcp"], {"ifindex": 9})
    assert info.value.errno_name == "ENODEV"
    env = {"interfaces": [{"ifindex": 9, "name": "eth9", "mac": "02:00:00:00:00:02"}]}
    r = prog.test_run(PACKETS["tcp"], {"ifindex": 9}, env=env)
    assert r.ctx["cb"][0] >> 16 & 0xFF == 0          # PACKET_HOST: the frame is for eth9
    assert r.ctx["ifindex"] == 9


def test_runs_of_one_object_follow_each_ctx_in_and_environment():
    """One object's context keeps what a run's ctx_in and environment give it (the fields,
    the refusal of a field test_run does not take, ``__sk_buff`` as a run starts, the
    sockets region) only while they stay the same: a sequence of runs with changing inputs
    gives what a fresh object gives for each."""
    env9 = {"interfaces": [{"ifindex": 9, "name": "eth9", "mac": "02:00:00:00:00:02"}]}
    steps = [(SOCK, "tc_lookup", PACKETS["tcp"], None, None),
             (SOCK, "tc_lookup", PACKETS["tcp"], {"mark": 5, "cb": [1, 2, 3, 4, 5]}, None),
             (SOCK, "tc_lookup", PACKETS["tcp"], {"len": 3}, None),
             (SOCK, "tc_lookup", PACKETS["tcp"], {"mark": 5, "cb": [1, 2, 3, 4, 5]}, SOCK_ENV),
             (SOCK, "tc_lookup", PACKETS["udp_bcast_ect1"], {"priority": 9}, SOCK_ENV),
             (SOCK, "tc_lookup", PACKETS["tcp"], {"mark": 5, "cb": [1, 2, 3, 4, 5]}, None),
             (tc_cases.OBJECT, "tc_fields", PACKETS["tcp"], {"ifindex": 9}, None),
             (tc_cases.OBJECT, "tc_fields", PACKETS["tcp"], {"ifindex": 9}, env9),
             (tc_cases.OBJECT, "tc_fields", PACKETS["tcp"], {"len": 3, "ifindex": 9}, None),
             (tc_cases.OBJECT, "tc_fields", PACKETS["tcp"], None, None)]

    def outcome(prog, pkt, ctx_in, env):
        try:
            r = prog.test_run(pkt, ctx_in, env=env)
        except TestRunRefused as exc:
            return (type(exc).__name__, str(exc), exc.errno_name)
        return (r.retval, r.data, r.ctx, r.ctx_raw)

    shared = {path: pybpf.load(REPO / path if path == tc_cases.OBJECT else path)
              for path in (SOCK, tc_cases.OBJECT)}
    kinds = set()
    for path, name, pkt, ctx_in, env in steps:
        fresh = pybpf.load(REPO / path if path == tc_cases.OBJECT else path)
        want = outcome(fresh.program(name), pkt, ctx_in, env)
        assert outcome(shared[path].program(name), pkt, ctx_in, env) == want, (name, ctx_in)
        kinds.add(want[0] if isinstance(want[0], str) else "ran")
    assert kinds == {"ran", "TestRunRefused"}


@pytest.mark.parametrize("name,message", [
    ("write_len", "invalid bpf_context access off=0 size=4 (__sk_buff.len: read-only)"),
    ("wide_mark", "invalid bpf_context access off=8 size=8 (__sk_buff.mark"),
    ("read_family", "invalid bpf_context access off=88 size=4 (__sk_buff.family"),
    ("narrow_write", "invalid bpf_context access off=8 size=2 (__sk_buff.mark"),
    ("stale_pointer", "region no longer valid: the packet was moved"),
])
def test_refused_accesses_name_the_field(name, message):
    obj = pybpf.load(BADCTX)
    with pytest.raises(MemoryFault) as info:
        obj.program(name).test_run(PACKETS["tcp"])
    assert message in str(info.value)
    assert "tc_badctx.c:" in str(info.value)


@needs_kernel
@pytest.mark.parametrize("name", ["write_len", "wide_mark", "read_family", "narrow_write"])
def test_kernel_refuses_the_same_accesses(name):
    from pybpf.isa.insn import encode
    obj = pybpf.load(BADCTX)
    with pytest.raises(kernel.KernelRefused) as info:
        kernel.load_raw(encode(obj._insns[name]), "sched_cls")
    line = next(l for l in info.value.log.splitlines() if "invalid bpf_context access" in l)
    with pytest.raises(MemoryFault) as mine:
        obj.program(name).test_run(PACKETS["tcp"])
    assert line.strip() in str(mine.value)  # the kernel's words, then pybpf's detail


def test_redirect_is_reported(obj):
    r = obj.program("tc_tunnel").test_run(PACKETS["tcp"], bytes(192))
    assert r.verdict == "TC_ACT_REDIRECT"
    assert (r.redirect.kind, r.redirect.ifindex, r.redirect.ingress) == ("ifindex", 1, True)
    assert SK_BUFF.unpack(r.ctx_raw) == r.ctx


def test_cli_run_reports_skb_fields(tmp_path):
    """`pybpf run --json` on a tc program: the "skb" object after each packet's run."""
    import json
    import subprocess

    from pybpf.pcap import write_pcap
    pcap = write_pcap(tmp_path / "in.pcap", [PACKETS["tcp"], PACKETS["udp_bcast_ect1"]])
    out = subprocess.run([sys.executable, "-m", "pybpf", "run", str(REPO / tc_cases.OBJECT),
                          "--program", "tc_fields", "--pcap", str(pcap), "--json"],
                         capture_output=True, text=True, timeout=600, cwd=REPO)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    first = lines[0]
    assert first["verdict"] == "TC_ACT_PIPE"
    obj = pybpf.load(REPO / tc_cases.OBJECT)
    r = obj.program("tc_fields").test_run(PACKETS["tcp"])
    assert first["skb"] == {"mark": r.ctx["mark"], "priority": r.ctx["priority"],
                            "cb": r.ctx["cb"], "tc_classid": 0xCDEF, "tc_index": 0x2345,
                            "tstamp": r.ctx["tstamp"]}


# -- sockets and identity helpers ---------------------------------------------------------------
SOCK = REPO / "programs" / "tests" / "tc_sock.o"
SOCK_ENV = {"sockets": [
    {"protocol": "tcp", "local": "10.0.0.2:80", "remote": "10.0.0.1:1234"},
    {"protocol": "udp", "local": "0.0.0.0:5353"},
    {"protocol": "tcp", "local": "0.0.0.0:80"}]}


def test_socket_lookup_finds_environment_sockets():
    obj = pybpf.load(SOCK, env=SOCK_ENV)
    prog = obj.program("tc_lookup")
    r = prog.test_run(PACKETS["tcp"], bytes(192))      # 10.0.0.1:1234 -> 10.0.0.2:80
    cb = r.ctx["cb"]
    assert cb[0] == 2 | (1 << 8) | (6 << 16)            # AF_INET, SOCK_STREAM, TCP
    assert cb[1] == 80 | (1234 << 16)
    assert ipaddress.ip_address(cb[2].to_bytes(4, "little")) == ipaddress.ip_address("10.0.0.2")
    assert ipaddress.ip_address(cb[3].to_bytes(4, "little")) == ipaddress.ip_address("10.0.0.1")
    assert cb[4] == 1                                   # TCP_ESTABLISHED before the listener
    assert r.ctx["mark"] == (-95) & 0xFFFFFFFF          # sk_assign: test runs are not ingress
    r = prog.test_run(PACKETS["udp_bcast_ect1"], bytes(192))  # to 10.0.0.2:5353
    assert r.ctx["cb"][0] == 2 | (2 << 8) | (17 << 16) and r.ctx["cb"][4] == 7
    assert pybpf.load(SOCK).program("tc_lookup").test_run(PACKETS["tcp"]).ctx["mark"] == 0xDEAD


@needs_kernel
def test_socket_lookup_without_sockets_matches_kernel():
    """Nothing listens on these ports here, so the kernel finds nothing either."""
    obj = pybpf.load(SOCK)
    ko = kernel.KernelObject(SOCK)
    try:
        for name in ("tcp", "udp_bcast_ect1"):
            mine = tc_cases.outcome_pybpf(obj, ("tc_lookup", PACKETS[name], bytes(192)))
            assert mine == tc_cases.outcome_kernel(ko, ("tc_lookup", PACKETS[name], bytes(192)))
    finally:
        ko.close()


def test_identity_helpers_are_deterministic():
    obj = pybpf.load(SOCK)
    obj.machine.clock_ns = 4_000_000_000
    r = obj.program("tc_ids").test_run(PACKETS["tcp"])
    assert r.ctx["cb"] == [1, 1, 1, 0, 1]
    assert r.ctx["tstamp"] == ((-300 * 250) & 0xFFFFFFFF) + 4 * 250   # jiffies at HZ=250
    assert r.ctx["mark"] != 0 and r.ctx["priority"] == 1  # a flow hash, then kept in skb->hash
    assert obj.program("tc_ids").test_run(PACKETS["tcp"], repeat=3) == r
    other = obj.program("tc_ids").test_run(PACKETS["udp_bcast_ect1"])
    assert other.ctx["mark"] not in (0, r.ctx["mark"])


FIB_ENV = {
    "interfaces": [{"ifindex": 2, "name": "eth0", "mac": "02:00:00:00:00:aa", "mtu": 1500},
                   {"ifindex": 3, "name": "eth1", "mac": "02:00:00:00:00:bb", "mtu": 68}],
    "routes": [{"dst": "10.0.0.0/24", "dev": "eth1", "gateway": "10.0.0.254"},
               {"dst": "10.0.0.2/32", "dev": "eth0"}],
    "neighbours": [{"ip": "10.0.0.2", "mac": "02:00:00:00:00:02", "dev": "eth0"},
                   {"ip": "10.0.0.254", "mac": "02:00:00:00:00:fe", "dev": "eth1"}]}


def test_fib_lookup_from_tc_redirects_with_neighbour_macs():
    obj = pybpf.load(SOCK, env=FIB_ENV)
    r = obj.program("tc_fib").test_run(PACKETS["tcp"], {"ingress_ifindex": 2})
    assert r.ctx["cb"][:3] == [0, 2, 1500]          # success, egress eth0, its MTU
    assert r.data[:12] == bytes.fromhex("020000000002" "0200000000aa")
    assert r.data[12:] == PACKETS["tcp"][12:]
    assert r.verdict == "TC_ACT_REDIRECT" and r.redirect.ifindex == 2


def test_fib_lookup_from_tc_checks_the_skb_against_the_mtu():
    env = dict(FIB_ENV, routes=FIB_ENV["routes"][:1])  # only via eth1 (MTU 68)
    obj = pybpf.load(SOCK, env=env)
    prog = obj.program("tc_fib")
    small = tc_cases.eth(tc_cases.ipv4(17, bytes(52)))       # 86 = 68 + 14 + 4 bytes
    assert prog.test_run(small, {"ingress_ifindex": 2}).ctx["cb"][:3] == [0, 3, 68]
    r = prog.test_run(small + b"!", {"ingress_ifindex": 2})
    assert r.ctx["cb"][:3] == [8, 3, 68] and r.verdict == "TC_ACT_OK"  # FRAG_NEEDED


def test_py_tier_gives_the_same_outcomes(recorded):
    """The plain-Python tier runs the same context rules (ctx_load/ctx_store as Python)."""
    import json
    import subprocess

    from pybpf.vm.machine import py_tier_env
    chosen = ["tc_fields/tcp", "tc_nat/udp_bcast_ect1", "tc_vlan/qinq", "tc_encap/tcp",
              "fields_ctx_in"]
    code = ("import json, sys; sys.path.insert(0, 'tests'); import pybpf, tc_cases; "
            f"obj = pybpf.load(tc_cases.OBJECT); cases = tc_cases.cases(); "
            f"print(json.dumps({{c: tc_cases.outcome_pybpf(obj, cases[c]) for c in {chosen!r}}}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=py_tier_env(), cwd=REPO, timeout=600)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {c: recorded[c] for c in chosen}


def test_metadata_in_front_of_the_packet(obj):
    """Metadata an XDP program left (SkbContext.metadata, as run_xdp_then_tc sets it) is
    where data_meta points, and stays in front of the packet when a helper moves it."""
    ctx = obj._context("sched_cls")
    ctx.metadata = bytes.fromhex("0df0ad8b") + bytes(4)
    try:
        r = obj.program("tc_meta").test_run(PACKETS["tcp"])
    finally:
        ctx.metadata = b""
    assert r.ctx["cb"][:4] == [0x8BADF00D, 8, 0, 0x8BADF00D]
    assert r.data == PACKETS["tcp"] + bytes(2)       # data_out starts at data, not data_meta
    assert obj.program("tc_meta").test_run(PACKETS["tcp"]).ctx["cb"][0] == 0xFFFFFFFF


@needs_kernel
def test_identity_helpers_agree_with_kernel_where_deterministic():
    """The kernel's cookie, cgroup and hash values are its own (counters, the caller's
    cgroup, a per-boot hash key); what both must share is checked here."""
    ko = kernel.KernelObject(SOCK)
    try:
        ref = SK_BUFF.unpack(ko.run("tc_ids", PACKETS["tcp"], bytes(192),
                                    ctx_size_out=192).ctx_out)
    finally:
        ko.close()
    mine = pybpf.load(SOCK).program("tc_ids").test_run(PACKETS["tcp"]).ctx
    for r in (ref, mine):
        assert [r["cb"][i] for i in (0, 1, 3, 4)] == [1, 1, 0, 1]
        assert r["mark"] != 0 and r["priority"] == 1


def test_verdict_names_are_the_uapi_ones():
    """TC_VERDICTS agrees with the TC_ACT_* values of linux/pkt_cls.h (the header BPF C
    programs are compiled against), and results carry the name."""
    import re

    from pybpf import toolchain
    from pybpf.contexts.skb import TC_VERDICTS
    zig = toolchain._zig_dir()
    if zig is None:
        pytest.skip("ziglang is not installed")
    text = (Path(zig) / "lib/libc/include/any-linux-any/linux/pkt_cls.h").read_text()
    uapi = {int(v) & 0xFFFFFFFF: f"TC_ACT_{n}"
            for n, v in re.findall(r"#define TC_ACT_([A-Z]+)\s+\(?(-?\d+)\)?", text)}
    assert TC_VERDICTS == uapi
    obj = pybpf.load(REPO / tc_cases.OBJECT)
    assert obj.program("tc_act").test_run(PACKETS["tcp"]).verdict == "TC_ACT_STOLEN"
    assert obj.program("tc_nat").test_run(PACKETS["icmp_to_host"]).verdict == "TC_ACT_UNSPEC"


def test_skb_sk_is_the_test_run_socket_whatever_the_environment(obj):
    """skb->sk (kernel-checked in the tc_sk cases) stays the test run's own socket when the
    environment declares sockets of its own."""
    plain = obj.program("tc_sk").test_run(PACKETS["tcp"], bytes(192))
    with_env = pybpf.load(REPO / tc_cases.OBJECT, env=SOCK_ENV).program("tc_sk").test_run(
        PACKETS["tcp"], bytes(192))
    assert plain == with_env
    assert plain.ctx["cb"][0] == 2 | (7 << 8)          # AF_INET, TCP_CLOSE, unbound
    assert plain.ctx["cb"][4] == 0xFFFFFFFF            # rx_queue_mapping: none recorded
