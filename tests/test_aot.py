"""pybpf.vm.aot: compiled functions as machine code of their own, loaded without Numba.

Each function is compared with the same function run by Numba on the same input: the
capture scanners and writer, a hash map's set-up; a function that can raise is refused
(the caller then runs it by Numba) rather than loaded with Numba's runtime missing.
"""

from __future__ import annotations

import random

import numpy as np

from pybpf import capture
from pybpf._jitcache import njit
from pybpf.maps import hash as H
from pybpf.maps.layout import M_AUX, M_CAP, M_FIELDS, M_MAX, M_TYPE
from pybpf.pcap import Packet, write_pcap
from pybpf.vm import aot


def _packets(n=40, seed=3):
    rng = random.Random(seed)
    return [Packet(i, 1_000_000_007 * i + rng.randrange(1000),
                   bytes(rng.randrange(256) for _ in range(rng.choice([14, 60, 1514]))))
            for i in range(n)]


def test_the_pcap_scanner_and_writer_agree_with_numba(tmp_path):
    path = write_pcap(tmp_path / "in.pcap", _packets(), resolution="ns")
    buf = np.fromfile(path, dtype=np.uint8)
    outs, results = [], []
    for how in ("aot", "numba"):
        out = np.zeros((5, buf.shape[0] // 16 + 1), dtype=np.int64)
        args = (buf, True, 1, False, out)
        fn = aot.native(capture._scan_pcap, args, results=2) if how == "aot" else capture._scan_pcap
        assert fn is not None
        results.append(tuple(int(x) for x in fn(*args)))
        outs.append(out)
    assert results[0] == results[1] and results[0][1] == 40
    assert np.array_equal(outs[0], outs[1])
    n = results[0][1]
    offset, length, ts = (np.ascontiguousarray(outs[0][k, :n]) for k in (0, 1, 3))
    select = np.arange(n, dtype=np.int64)[::-1].copy()   # in another order
    written = []
    for how in ("aot", "numba"):
        dst = np.zeros(24 + 16 * n + int(length.sum()), dtype=np.uint8)
        args = (dst, 24, buf, offset, length, ts, length, select, True)
        fn = aot.native(capture._fill_pcap, args, results=1) if how == "aot" else capture._fill_pcap
        assert int(fn(*args)) == dst.shape[0]
        written.append(dst)
    assert np.array_equal(written[0], written[1])


def test_a_hash_maps_set_up_agrees_with_numba():
    lay = H.layout(1, 16, 16, 1000, 1)
    arenas = []
    for how in ("aot", "numba"):
        table = np.zeros((3, M_FIELDS), dtype=np.int64)   # map 1 of 3: rows of the table
        table[1, M_TYPE], table[1, M_MAX], table[1, M_CAP], table[1, M_AUX] = 1, 1000, lay["cap"], 1
        arena = np.full(64 + lay["aux"], 0xAA, dtype=np.uint8)
        rbase = np.array([0, 64], dtype=np.uint64)
        args = (table, 1, arena, rbase, H.pool_size(1, 1000))
        fn = aot.native(H._init, args) if how == "aot" else H._init
        fn(*args)
        arenas.append((arena, table))
    assert np.array_equal(arenas[0][0], arenas[1][0]) and np.array_equal(arenas[0][1], arenas[1][1])
    assert arenas[0][0][:64].tolist() == [0xAA] * 64   # the region before the map's is untouched


@njit(cache=True)
def _may_raise(a, i):
    return a[0] // i   # division by zero raises ZeroDivisionError: Numba's runtime reports it


def test_a_function_that_can_raise_is_left_to_numba():
    a = np.array([84], dtype=np.int64)
    before = dict(aot.STATS)
    assert aot.native(_may_raise, (a, 2), results=1) is None
    assert aot.STATS["refused"] == before["refused"] + 1
    assert aot.run(_may_raise, a, 2, results=1) == 42   # by Numba
