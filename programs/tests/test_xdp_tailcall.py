"""Tests of the tail-call pipeline programs/examples/xdp_tailcall.c with the ``bpf`` fixture.

xdp_entry -> stage_l3 -> stage_count through the prog array ``stages``; the
tests follow a packet through the stages by their hit counters, change the
pipeline from Python, and (where ``bpf()`` works) compare with the kernel.
"""

import pytest

PIPELINE = "../examples/xdp_tailcall.c"
IPV4_UDP = (bytes.fromhex("0200000000020200000000010800")
            + bytes.fromhex("4500001c000100004011") + bytes(10) + bytes(8))
ARP = bytes.fromhex("ffffffffffff0200000000010806") + bytes(28)


def counters(obj, name, keys):
    return [int.from_bytes(obj.maps[name][k], "little") for k in keys]


def test_ipv4_goes_through_every_stage(bpf):
    obj = bpf.load(PIPELINE)
    assert obj.programs["xdp_entry"].run(IPV4_UDP).verdict == "XDP_PASS"
    assert counters(obj, "stage_hits", range(3)) == [1, 1, 1]
    assert counters(obj, "proto_count", [17]) == [1]


def test_non_ip_stops_at_l3(bpf):
    obj = bpf.load(PIPELINE)
    assert obj.programs["xdp_entry"].run(ARP).verdict == "XDP_DROP"
    assert counters(obj, "stage_hits", range(3)) == [1, 1, 0]


def test_empty_slot_makes_the_tail_call_fall_through(bpf):
    obj = bpf.load(PIPELINE)
    del obj.maps["stages"][0]                      # unplug stage_l3
    assert obj.programs["xdp_entry"].run(IPV4_UDP).verdict == "XDP_ABORTED"
    assert counters(obj, "stage_hits", range(3)) == [1, 0, 0]


@pytest.mark.kernel
@pytest.mark.parametrize("packet", [IPV4_UDP, ARP], ids=["ipv4", "arp"])
def test_same_as_the_kernel(bpf, packet):
    from pybpf import kernel
    obj = bpf.load(PIPELINE)
    ours = obj.programs["xdp_entry"].run(packet)
    with kernel.KernelObject(bpf.compile(PIPELINE)) as ko:
        theirs = ko.run("xdp_entry", packet)
        hits = dict(ko.dump_map("stage_hits"))
    assert (ours.retval, ours.data) == (theirs.retval, theirs.data_out)
    assert [int.from_bytes(hits[k.to_bytes(4, "little")], "little") for k in range(3)] == \
        counters(obj, "stage_hits", range(3))
