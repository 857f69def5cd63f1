"""Hash maps (hash, percpu_hash, lru_hash, lru_percpu_hash): Python API, program side, kernel."""

import random
import struct
from pathlib import Path

import pytest

from pybpf import kernel
from pybpf.errors import MapError
from pybpf.loader import load
from pybpf.maps import hash as hashmap
from pybpf.toolchain import compile as compile_c, zig_available

SRC = Path(__file__).resolve().parent / "maps_src"
pytestmark = pytest.mark.skipif(not zig_available(), reason="the pinned ziglang compiler is not installed")

ENOENT, E2BIG, EEXIST, EINVAL = 2, 7, 17, 22


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    out = tmp_path_factory.mktemp("maps_hash")
    cache = {}

    def _build(name):
        if name not in cache:
            cache[name] = compile_c(SRC / f"{name}.c", out=out / f"{name}.o")
        return cache[name]
    return _build


def sound(obj, name):
    m = obj.maps[name]
    table, arena, rbase = m._arrays()
    assert hashmap.check(table, m.index, arena, rbase) == 0


def u64(n):
    return n.to_bytes(8, "little")


def errno_of(fn):
    with pytest.raises(MapError) as err:
        fn()
    return err.value.errno


# -- Python API ---------------------------------------------------------------------------

def test_layout_and_types():
    assert set(hashmap.TYPES) >= {1, 5, 9, 10}
    lay = hashmap.layout(1, 4, 12, 100, 1)
    assert lay["elem"] == 8 + 16 and lay["cap"] == 256
    assert lay["data"] == 101 * 24          # max_entries + the spare
    assert hashmap.layout(5, 4, 4, 10, 4)["elem"] == 8 + 4 * 8
    assert hashmap.layout(5, 4, 4, 10, 4)["data"] == 10 * 40   # per-CPU: updated in place


def test_insert_lookup_flags_and_errors(build):
    obj = load(build("hash_api"))
    m = obj.maps["small"]
    assert len(m) == 0 and m.get(1) is None and 1 not in m
    m[1] = 10
    assert m[1] == u64(10) and 1 in m
    m.update(1, 11)                              # BPF_ANY replaces
    assert m[1] == u64(11)
    assert errno_of(lambda: m.update(1, 12, flags=1)) == EEXIST    # BPF_NOEXIST
    assert errno_of(lambda: m.update(2, 12, flags=2)) == ENOENT    # BPF_EXIST
    m.update(1, 13, flags=2)
    m.update(2, 20, flags=1)
    assert m[1] == u64(13) and m[2] == u64(20)
    for bad in (3, 4, 8, 5, 1 << 40):           # unknown bits; BPF_F_LOCK without a spin lock
        assert errno_of(lambda: m.update(3, 1, flags=bad)) == EINVAL
    assert 3 not in m
    assert errno_of(lambda: m.delete(99)) == ENOENT
    with pytest.raises(KeyError):
        m[99]
    for k in range(3, 9):
        m[k] = k
    assert len(m) == 8
    assert errno_of(lambda: m.update(100, 1)) == E2BIG           # full, new key
    m[5] = 55                                                     # full, existing key: fine
    assert m[5] == u64(55)
    del m[5]
    assert errno_of(lambda: m.delete(5)) == ENOENT
    m[100] = 1                                                    # reuses the freed element
    assert sorted(int.from_bytes(k, "little") for k in m.keys()) == [1, 2, 3, 4, 6, 7, 8, 100]
    assert errno_of(lambda: m.update(101, 1)) == E2BIG
    sound(obj, "small")


def test_random_ops_against_a_dict_model(build):
    obj = load(build("hash_api"))
    m = obj.maps["big"]                           # 1000 entries, 16-byte keys, u32 values
    rng = random.Random(20240601)
    model = {}
    keys = [struct.pack("<4I", rng.randrange(1 << 32), i, 7, i * 3) for i in range(1500)]
    for step in range(5000):
        key = rng.choice(keys)
        value = struct.pack("<I", step)
        op = rng.random()
        if op < 0.55:
            flags = rng.choice((0, 0, 1, 2))
            if flags == 1 and key in model:
                expect = EEXIST
            elif flags == 2 and key not in model:
                expect = ENOENT
            elif key not in model and len(model) >= 1000:
                expect = E2BIG
            else:
                expect = 0
            if expect:
                assert errno_of(lambda: m.update(key, value, flags)) == expect
            else:
                m.update(key, value, flags)
                model[key] = value
        elif op < 0.85:
            if key in model:
                m.delete(key)
                del model[key]
            else:
                assert errno_of(lambda: m.delete(key)) == ENOENT
        else:
            assert m.get(key) == model.get(key)
        if step % 500 == 499:
            ks = m.keys()
            assert len(ks) == len(set(ks)) == len(model)      # each key exactly once
            assert set(ks) == set(model)
            sound(obj, "big")
    assert dict(m.items()) == model
    # deleting while walking (next_key of a deleted key restarts at the first key)
    while True:
        ks = m.keys()
        if not ks:
            break
        for k in ks[::2] or ks:
            m.delete(k)
    assert len(m) == 0
    sound(obj, "big")


def test_iteration_is_stable_under_deletes(build):
    obj = load(build("hash_api"))
    m = obj.maps["big"]
    keys = [struct.pack("<4I", i, 0, 0, 0) for i in range(300)]
    for i, k in enumerate(keys):
        m[k] = i
    order = m.keys()
    for k in order[::3]:
        m.delete(k)
    assert m.keys() == [k for i, k in enumerate(order) if i % 3]


def test_lru_evicts_the_least_recently_used(build):
    obj = load(build("hash_api"))
    m = obj.maps["lru"]                           # max_entries 4, u32 -> u64
    touch = obj.program("lru_touch")

    def keys():
        return sorted(int.from_bytes(k, "little") for k in m.keys())
    for k in (20, 21, 22, 23):
        m[k] = k
    assert keys() == [20, 21, 22, 23]
    assert touch.run(bytes(20)).verdict == "XDP_PASS"   # program lookup touches 20
    m[24] = 24                                    # evicts 21 (oldest untouched)
    assert keys() == [20, 22, 23, 24]
    m[22] = 222                                   # an update touches too
    m[25] = 25                                    # evicts 23
    assert keys() == [20, 22, 24, 25]
    m[26] = 26                                    # evicts 20 (touched before 22, 24, 25)
    assert keys() == [22, 24, 25, 26]
    assert m[22] == u64(222)
    assert errno_of(lambda: m.update(30, 1, flags=2)) == ENOENT   # failing updates evict nothing
    assert errno_of(lambda: m.update(22, 1, flags=1)) == EEXIST
    assert errno_of(lambda: m.update(22, 1, flags=4)) == EINVAL
    assert keys() == [22, 24, 25, 26]
    del m[24]
    m[27] = 27                                    # a free element: no eviction
    assert keys() == [22, 25, 26, 27]
    assert touch.run(bytes(99)).verdict == "XDP_DROP"
    sound(obj, "lru")
    table, _, _ = m._arrays()
    assert table[m.index, hashmap.M_TICK] > 0


def test_percpu_hash(build):
    obj = load(build("hash_api"), ncpu=4)
    m = obj.maps["pcpu"]                          # u32 -> u32, 4 entries
    enc = lambda *vs: [v.to_bytes(4, "little") for v in vs]  # noqa: E731
    m[30] = [1, 2, 3, 4]
    assert m[30] == enc(1, 2, 3, 4)
    m[31] = 9                                     # one value for every CPU
    assert m[31] == enc(9, 9, 9, 9)
    set30 = obj.program("pcpu_set")
    assert set30.run(bytes(30)).verdict == "XDP_PASS"      # CPU 0's value only, in place
    assert m[30] == enc(77, 2, 3, 4)
    del m[31]                                     # its element (9s everywhere) is recycled...
    assert set30.run(bytes(31)).verdict == "XDP_PASS"
    assert m[31] == enc(77, 0, 0, 0)              # ...but a new element zeroes the other CPUs
    assert m.syscall_value(m[31]) == b"".join(v.ljust(8, b"\0") for v in enc(77, 0, 0, 0))
    assert errno_of(lambda: m.update(40, [1, 2])) == EINVAL
    m[32], m[33] = 1, 2
    assert errno_of(lambda: m.update(34, 1)) == E2BIG
    assert errno_of(lambda: m.update(30, 1, flags=4)) == EINVAL
    sound(obj, "pcpu")


def test_lru_percpu_hash(build):
    obj = load(build("hash_api"), ncpu=2)
    m = obj.maps["lru_pcpu"]                      # u16 -> u64, 3 entries
    for k in (1, 2, 3):
        m[k] = [k, k * 10]
    m[1] = [5, 6]                                 # in place, touches 1
    m[4] = [4, 40]                                # evicts 2
    assert sorted(int.from_bytes(k, "little") for k in m.keys()) == [1, 3, 4]
    assert m[1] == [u64(5), u64(6)]
    sound(obj, "lru_pcpu")


def test_program_counts_per_length(build):
    obj = load(build("hash_api"))
    prog = obj.program("count_len")
    lengths = [14, 20, 14, 60, 20, 14, 1500]
    for n in lengths:
        prog.run(bytes(n))
    got = {int.from_bytes(k, "little"): int.from_bytes(v, "little") for k, v in obj.maps["by_len"].items()}
    assert got == {n: lengths.count(n) for n in set(lengths)}


# -- program side against the kernel -------------------------------------------------------

def packets(n, seed=7):
    """Ethernet + IPv4 headers (+ padding), varied sources, lengths and TTLs; some 'delete' ones."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        dst = b"\xde" + bytes(5) if rng.random() < 0.08 else b"\x02" + bytes(5)
        src_ip = bytes([10, 0, rng.randrange(3), rng.randrange(12)])
        dst_ip = bytes([192, 168, 0, rng.randrange(4)])
        length = rng.choice((34, 40, 60, 64, 100, 128, 200))
        ip = bytes([0x45, 0, 0, length - 14, 0, 0, 0, 0, rng.choice((1, 32, 64, 128)), 17, 0, 0])
        frame = dst + bytes(6) + b"\x08\x00" + ip + src_ip + dst_ip
        out.append(frame + bytes(length - len(frame)))
    return out


MAPS = ("by_src", "by_len", "flows", "by_ttl", "scratch", "pscratch")


def pybpf_dump(obj, name):
    m = obj.maps[name]
    return sorted((k, m.syscall_value(v)) for k, v in m.items())


def test_counting_program(build):
    obj = load(build("hash_count"), ncpu=2)
    prog = obj.program("count")
    pkts = packets(400)
    model, by_len = {}, {}
    for p in pkts:
        src = p[26:30]
        if p[0] == 0xde:
            assert prog.run(p).verdict == "XDP_DROP"
            model.pop(src, None)
            continue
        assert prog.run(p).verdict == "XDP_PASS"
        model[src] = model.get(src, 0) + 1
        by_len[len(p)] = by_len.get(len(p), 0) + 1
    assert {k: int.from_bytes(v, "little") for k, v in obj.maps["by_src"].items()} == model
    assert {int.from_bytes(k, "little"): [int.from_bytes(x, "little") for x in v]
            for k, v in obj.maps["by_len"].items()} == {n: [c, 0] for n, c in by_len.items()}
    for name in ("by_src", "by_len", "flows", "by_ttl"):
        sound(obj, name)


def test_value_pointers_and_error_codes(build):
    obj = load(build("hash_count"))
    # hash: the update swapped in a new element (old pointer sees 1); per-CPU: in place (2)
    assert obj.program("stale").run(bytes(14)).retval == 102
    codes = obj.program("codes").run(bytes(14)).retval
    assert [(codes >> s) & 31 for s in range(0, 30, 5)] == [0, EEXIST, ENOENT, EINVAL, EINVAL, ENOENT]


@pytest.mark.skipif(not kernel.available(), reason=kernel.unavailable_reason() or "no kernel oracle")
def test_same_maps_as_the_kernel(build):
    path = build("hash_count")
    pkts = packets(600, seed=11)
    with kernel.KernelObject(path) as kobj:
        ncpu = kernel.possible_cpus()
        obj = load(path, ncpu=ncpu)
        for name in ("count", "stale", "codes"):
            for p in (pkts if name == "count" else [bytes(20)] * 3):
                want = kobj.run(name, p).retval
                assert obj.program(name).run(p).retval == want, name
        for name in MAPS:
            assert pybpf_dump(obj, name) == kobj.dump_map(name), name
