"""The check ``tests/test_batch.py`` and ``tests/test_batch_tc.py`` share: a batch gives,
packet for packet, what one run per packet gives, and leaves the same side effects."""

from __future__ import annotations

from pybpf.errors import PyBPFError
from pybpf.pcap import read_packets


def same_as_runs(res, single, batched, pcap, run_one, same_result) -> set:
    """Require batch result ``res`` (of object ``batched`` over ``pcap``) to equal
    ``run_one(i, packet)`` on object ``single`` for every packet: the same error (class and
    text) where the run fails, else ``same_result(i, got, want)``; then the same maps, trace
    and events. Returns the verdicts and error kinds seen."""
    kinds = set()
    for i, pkt in enumerate(read_packets(pcap)):
        single.machine.clock_ns = pkt.ts_ns
        try:
            want = run_one(i, pkt)
        except PyBPFError as exc:
            got = res.error(i)
            assert got is not None, (i, str(exc))
            assert (type(got), str(got)) == (type(exc), str(exc)), i
            kinds.add(type(exc).__name__)
            continue
        assert res.error(i) is None, (i, res.error(i))
        same_result(i, res.result(i), want)
        kinds.add(want.verdict)
    assert single.maps.to_json() == batched.maps.to_json()
    assert single.trace == batched.trace
    assert [(e.map, e.cpu, e.data, e.ts_ns) for e in single.events] == \
        [(e.map, e.cpu, e.data, e.ts_ns) for e in batched.events]
    return kinds
