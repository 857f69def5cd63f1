"""XDP packet helpers, ctx_in rules, redirects and fib_lookup against the kernel.

Every case of ``tests/xdp_cases.py`` runs in pybpf and is compared with the live
kernel where ``bpf()`` works, else with the kernel's outcome recorded in
``tests/kernel_expected/xdp_cases.json`` (``python tests/record_kernel.py``).
Separate tests check what the kernel test run cannot show, or that must hold
whatever the kernel says, against values computed here.
"""

import hashlib
import struct

import pytest

import xdp_cases as X
from pybpf import kernel, load
from pybpf.errors import MemoryFault, PyBPFError, TestRunRefused

REPO = X.REPO
LIVE = kernel.available()


@pytest.fixture(scope="module")
def pybpf_objects():
    return {}


@pytest.fixture(scope="module")
def kernel_objects():
    objects = {}
    yield objects
    for ko in objects.values():
        ko.close()


def test_recording_is_of_the_current_fixtures():
    record = X.recorded()
    assert record, "tests/kernel_expected/xdp_cases.json is missing: python tests/record_kernel.py"
    for path, digest in record["objects"].items():
        assert hashlib.sha256((REPO / path).read_bytes()).hexdigest() == digest, (
            f"{path} changed since the kernel's outcomes were recorded: "
            f"run python tests/record_kernel.py")
    assert set(record["cases"]) == set(X.CASES), "cases changed: python tests/record_kernel.py"


@pytest.mark.parametrize("case_id", sorted(X.CASES))
def test_case_matches_kernel(case_id, pybpf_objects, kernel_objects):
    got = X.run_pybpf(pybpf_objects, case_id)
    if LIVE:
        want = X.run_kernel(kernel_objects, case_id)
    else:
        want = X.recorded().get("cases", {}).get(case_id)
        if want is None:
            pytest.skip("no bpf() here and no recorded outcome for this case")
    assert got == want


# -- against values computed here -----------------------------------------------------------
def probe(op, a=0, b=0, c=0, data=X.PKT60, ctx_in=None):
    obj = load(REPO / X.PROBE, pin_root=False)
    for i, v in enumerate((op, a, b, c)):
        obj.maps["cfg"][i] = struct.pack("<q", v)
    result = obj.program().test_run(data, ctx_in=ctx_in)
    out = [struct.unpack("<q", obj.maps["out"][i])[0] for i in range(4)]
    return result, out


@pytest.mark.parametrize("offset", [-216, -16, 0, 14, 46])
def test_adjust_head_moves_data(offset):
    result, (ret, length, metalen, _) = probe(X.ADJUST_HEAD, offset)
    assert ret == 0 and metalen == 0
    expected = bytes(-offset) + X.PKT60 if offset < 0 else X.PKT60[offset:]
    assert result.data == expected and length == len(expected)
    assert result.ctx["data_end"] == len(expected)


@pytest.mark.parametrize("offset", [-217, 47])
def test_adjust_head_limits(offset):
    result, (ret, length, _, _) = probe(X.ADJUST_HEAD, offset)
    assert ret == -22 and result.data == X.PKT60 and length == 60


@pytest.mark.parametrize("offset,ret", [(-4, 0), (-216, 0), (-2, -13), (-6, -13), (-220, -22),
                                        (-256, -22), (4, -22)])
def test_adjust_meta(offset, ret):
    result, (got, length, metalen, _) = probe(X.ADJUST_META, offset, 0x11223344)
    assert got == ret
    if ret == 0:
        meta = struct.pack("<I", 0x11223344) + bytes(-offset - 4)
        assert result.data == meta + X.PKT60 and metalen == -offset
        assert result.ctx["data"] == -offset and result.ctx["data_end"] == -offset + 60
    else:
        assert result.data == X.PKT60 and metalen == 0


@pytest.mark.parametrize("offset,ret", [(100, 0), (-46, 0), (3460, 0), (3461, -22), (-47, -22)])
def test_adjust_tail(offset, ret):
    result, (got, length, _, _) = probe(X.ADJUST_TAIL, offset)
    assert got == ret
    if ret == 0:
        expected = X.PKT60 + bytes(offset) if offset > 0 else X.PKT60[:60 + offset]
        assert result.data == expected and length == len(expected)
    else:
        assert result.data == X.PKT60


def test_tail_grows_with_zeroes_even_over_old_bytes():
    """Shrink then grow in one frame: the grown bytes are zero, as the kernel's memset."""
    obj = load(REPO / X.PROBE, pin_root=False)
    prog = obj.program()
    obj.maps["cfg"][0] = struct.pack("<q", X.ADJUST_TAIL)
    obj.maps["cfg"][1] = struct.pack("<q", 40)
    assert prog.test_run(bytes([0xEE]) * 60).data == bytes([0xEE]) * 60 + bytes(40)


def test_metadata_moves_with_adjust_head():
    """The metadata is moved (memmove) in front of the new data; the bytes it leaves
    behind stay in what is now packet data, as in the kernel."""
    result, (ret, length, metalen, _) = probe(X.META_THEN_HEAD, -8, -20)
    assert ret == 0 and metalen == 8 and length == 80
    meta = struct.pack("<I", 0xA1B2C3D4) + bytes(4)
    assert result.data == meta + bytes(12) + meta + X.PKT60


def test_metadata_from_ctx_in_is_the_front_of_the_input():
    meta = struct.pack("<II", 7, 9)
    result, (ret, length, metalen, _) = probe(X.GET_BUFF_LEN, data=meta + X.PKT60,
                                              ctx_in={"data": 8, "data_end": 68})
    assert (ret, length, metalen) == (60, 60, 8)
    assert result.data == meta + X.PKT60
    assert result.ctx == {"data": 8, "data_end": 68, "data_meta": 0, "ingress_ifindex": 0,
                          "rx_queue_index": 0, "egress_ifindex": 0}


@pytest.mark.parametrize("offset", [0, 10, 52])
def test_load_and_store_bytes(offset):
    _, (ret, _, _, loaded) = probe(X.LOAD_BYTES, offset)
    assert ret == 0 and loaded == struct.unpack("<q", X.PKT60[offset:offset + 8])[0]
    result, (ret, _, _, _) = probe(X.STORE_BYTES, offset, 0x0102030405060708)
    expected = bytearray(X.PKT60)
    expected[offset:offset + 8] = struct.pack("<q", 0x0102030405060708)
    assert ret == 0 and result.data == bytes(expected)


@pytest.mark.parametrize("offset,ret", [(53, -22), (0x10000, -14)])
def test_load_bytes_errors(offset, ret):
    assert probe(X.LOAD_BYTES, offset)[1][0] == ret


def rfc1071(data: bytes) -> int:
    """The Internet checksum's folded sum of ``data`` (big-endian 16-bit words)."""
    data = data + bytes(len(data) % 2)
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


@pytest.mark.parametrize("size", [4, 8, 20, 28])
def test_csum_diff_is_the_internet_checksum_sum(size):
    """csum_diff(NULL, 0, to, n, 0), folded: the RFC 1071 sum of ``to`` (byte-swapped, as
    the kernel sums little-endian words)."""
    _, (ret, _, _, _) = probe(X.CSUM_DIFF, 0, size, 0, data=X.PKT100)
    to = X.PKT100[14 + 32:14 + 32 + size]
    assert ret == int.from_bytes(rfc1071(to).to_bytes(2, "big"), "little")


def test_csum_diff_of_equal_buffers_is_zero_change():
    """from == to: the difference folds to the all-ones zero of one's complement."""
    _, (ret, _, _, _) = probe(X.CSUM_DIFF, 16, 16, 0, data=bytes(14) + bytes(range(16)) * 2
                              + bytes(range(16)) * 4)
    assert ret in (0, 0xFFFF)


def test_check_mtu_against_the_environment():
    env = {"interfaces": [{"ifindex": 5, "name": "eth5", "mtu": 1500}]}
    obj = load(REPO / X.PROBE, pin_root=False, env=env)
    prog = obj.program()
    for (ifindex, mtu_len, diff), (ret, mtu) in (((5, 0, 0), (0, 1500)), ((5, 1500, 0), (0, 1500)),
                                                 ((5, 1501, 0), (1, 1500)),
                                                 ((5, 0, 1500 + 14 - 60), (0, 1500)),
                                                 ((5, 0, 1500 + 15 - 60), (1, 1500)),
                                                 ((6, 0, 0), (-19, 0))):
        for i, v in enumerate((X.CHECK_MTU, ifindex, mtu_len, diff)):
            obj.maps["cfg"][i] = struct.pack("<q", v)
        prog.test_run(X.PKT60)
        got = [struct.unpack("<q", obj.maps["out"][i])[0] for i in (0, 3)]
        assert got == [ret, mtu if ret >= 0 else mtu_len], (ifindex, mtu_len, diff)


def test_stale_packet_pointer_faults():
    obj = load(REPO / "programs/tests/xdp_stale.o", pin_root=False)
    with pytest.raises(MemoryFault, match=r"xdp_stale.c:21.*region no longer valid"):
        obj.program().test_run(X.PKT60)


def test_frames_alternate_and_retire():
    """After a move the old frame region is retired; the next run starts afresh."""
    obj = load(REPO / X.PROBE, pin_root=False)
    prog = obj.program()
    obj.maps["cfg"][0] = struct.pack("<q", X.ADJUST_HEAD)
    obj.maps["cfg"][1] = struct.pack("<q", 4)
    ctx = obj._context("xdp")
    first = prog.test_run(X.PKT60)
    assert first.data == X.PKT60[4:]
    old = ctx.frames[0]
    assert ctx.packet.region is ctx.frames[1]
    with pytest.raises(MemoryFault):
        obj.machine.read_bytes(old.va + 256, 1)
    assert prog.test_run(X.PKT60) == first


def test_xdp_helpers_refuse_other_contexts():
    from pybpf.helpers.xdp import xdp_adjust_tail
    obj = load(REPO / X.PROBE, pin_root=False)
    obj.machine.context = None
    with pytest.raises(PyBPFError, match="bpf_xdp_adjust_tail is for XDP programs; "
                                         "this run has no packet context"):
        xdp_adjust_tail(obj.machine, 0, 0)


def test_compiled_xdp_helpers_refuse_other_contexts():
    """adjust_head/meta are compiled: outside an XDP run (st[XDP_FRAME0] = 0, as a tc run
    publishes it) they stop the program with a helper-argument error naming r1."""
    import numpy as np

    from pybpf.helpers import xdphot
    from pybpf.vm import abi
    obj = load(REPO / X.PROBE, pin_root=False)
    m, mem = obj.machine, obj.machine.memory
    for fn in (xdphot.xdp_adjust_head, xdphot.xdp_adjust_meta):
        m.st[:] = 0
        status = fn(m.regs, m.st, mem.arena, mem.rbase, mem.rlo, mem.rhi, mem.rflag, m.maps)
        assert status == abi.BAD_HELPER_ARG
        assert (int(m.st[abi.AUX]), int(m.st[abi.AUX2])) == (1, xdphot.NOT_XDP)
        assert "is not an XDP context" in str(m._error(status))
    assert np.all(m.regs == 0)


@pytest.mark.parametrize("md,errno", [({"data_meta": 4, "data_end": 60}, "EINVAL"),
                                      ({"ingress_ifindex": 7, "data_end": 60}, "ENODEV"),
                                      ({"data": 2, "data_end": 60}, "EINVAL")])
def test_ctx_in_refusals_name_the_field(md, errno):
    obj = load(REPO / X.PROBE, pin_root=False)
    with pytest.raises(TestRunRefused) as info:
        obj.program().test_run(X.PKT60, ctx_in=md)
    assert info.value.errno_name == errno
    assert next(iter(k for k in md if md[k] and k != "data_end")) in str(info.value)


def test_ctx_in_unknown_field():
    obj = load(REPO / X.PROBE, pin_root=False)
    with pytest.raises(PyBPFError, match="xdp_md has no field 'ifindex'"):
        obj.program().test_run(X.PKT60, ctx_in={"ifindex": 1})


def test_ctx_in_fragments_are_not_modelled():
    obj = load(REPO / X.PROBE, pin_root=False)
    with pytest.raises(PyBPFError, match="fragments"):
        obj.program().test_run(X.PKT60, ctx_in={"data_end": 50})
    with pytest.raises(PyBPFError, match="fragments"):
        obj.program().test_run(X.PKT60, ctx_in=X.xdp_md(0, 0))   # raw bytes: data_end 0


def test_ctx_in_dict_implies_data_end():
    obj = load(REPO / X.PROBE, pin_root=False)
    assert obj.program().test_run(X.PKT60, ctx_in={"ingress_ifindex": 1}).ctx["data_end"] == 60


# -- xdp_md access rules ---------------------------------------------------------------------
CTX_ACCESS = X.REPO / "programs/tests/xdp_ctx_access.o"


@pytest.mark.parametrize("name,off,size", [("bad_narrow_read", 12, 1), ("bad_egress_read", 20, 4),
                                           ("bad_store", 16, 4), ("bad_past_end", 24, 4)])
def test_refused_ctx_access_faults_with_the_kernels_words(name, off, size):
    obj = load(CTX_ACCESS, pin_root=False)
    message = f"invalid bpf_context access off={off} size={size}"
    with pytest.raises(MemoryFault, match=f"{name}: insn .*{message} \\(xdp_md"):
        obj.program(name).test_run(X.PKT60)
    if LIVE:   # the kernel's verifier refuses the same program with the same words
        code = b"".join(i.encode() for i in obj._insns[name])
        with pytest.raises(kernel.KernelRefused) as info:
            kernel.load_raw(code, "xdp")
        assert message in info.value.log


def test_allowed_ctx_reads():
    obj = load(CTX_ACCESS, pin_root=False)
    env = {"interfaces": [{"ifindex": 2, "rx_queues": 4}]}
    result = obj.program("good_read").test_run(
        X.PKT60, ctx_in={"ingress_ifindex": 2, "rx_queue_index": 3, "data_end": 60}, env=env)
    assert result.retval == 2 + 3 + 1


def test_devmap_programs_cannot_be_test_run():
    obj = load(CTX_ACCESS, pin_root=False)
    with pytest.raises(TestRunRefused) as info:
        obj.program("devmap_prog").test_run(X.PKT60)
    assert info.value.errno_name == "EINVAL"


def test_py_tier_agrees(pybpf_objects):
    """Every case run as plain Python (NUMBA_DISABLE_JIT=1) gives the interp tier's outcome."""
    import json
    import subprocess
    import sys
    from pybpf.vm.machine import py_tier_env
    script = ("import json, sys; sys.path[:0] = ['tests', '.']; import xdp_cases as X; "
              "objs = {}; print(json.dumps({c: X.run_pybpf(objs, c) for c in X.CASES}))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=REPO, env=py_tier_env())
    assert proc.returncode == 0, proc.stderr[-2000:]
    py = json.loads(proc.stdout)
    interp = {c: X.run_pybpf(pybpf_objects, c) for c in X.CASES}
    assert py == interp


def test_layout_pack_checks_every_value():
    """Layout.pack's plain-integer fast path and its checked path give the same bytes and
    the same refusals (bools and int subclasses take the checked path)."""
    import enum
    import struct
    from pybpf.contexts import Field, Layout
    from pybpf.errors import PyBPFError
    lay = Layout("demo", 24, [Field("a", 0, 4), Field("b", 4, 1), Field("cb", 8, 4, count=2),
                              Field("q", 16, 8)])

    class Small(enum.IntEnum):
        ONE = 1

    raw = lay.pack({"a": 7, "b": True, "cb": [1, 2], "q": Small.ONE})
    assert raw == struct.pack("<IB3xIIQ", 7, 1, 1, 2, 1)
    assert lay.unpack(raw) == {"a": 7, "b": 1, "cb": [1, 2], "q": 1}
    for bad, match in (({"b": 256}, "does not fit 1 bytes"), ({"a": -1}, "does not fit"),
                       ({"a": 1.0}, "takes an integer"), ({"cb": [1]}, "takes 2 integers"),
                       ({"zz": 1}, "has no field 'zz'")):
        with pytest.raises(PyBPFError, match=match):
            lay.pack(bad)
    assert lay.byte_mask().tolist() == [True] * 5 + [False] * 3 + [True] * 16
    assert lay.byte_mask(("b",)).nonzero()[0].tolist() == [4]
