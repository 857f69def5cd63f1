"""pybpf.env: the environment schema, its defaults and its errors."""

import ipaddress
import json

import pytest

from pybpf.env import DEFAULT_ENV, EnvError, load_env, make_env

TOML = """
ncpu = 2
clock_ns = 5_000
seed = 7

[[interfaces]]
ifindex = 2
name = "eth0"
mac = "02:00:00:00:00:02"
mtu = 9000
pcapng_id = 1
addresses = ["10.0.0.1"]

[[routes]]
dst = "10.0.0.0/8"
dev = "eth0"

[[routes]]
dst = "10.1.0.0/16"
ifindex = 2
gateway = "10.0.0.254"
metric = 5

[[neighbours]]
ip = "10.0.0.254"
mac = "02:00:00:00:00:fe"
dev = "eth0"

[[sockets]]
protocol = "udp"
local = "[fd00::1]:53"

[tunnel]
id = 42
remote = "192.0.2.1"
"""


def test_defaults_are_test_runs_machine():
    env = load_env(None)
    assert env is DEFAULT_ENV
    lo = env.interface(1)
    assert (lo.name, lo.mac, lo.mtu, lo.forwarding) == ("lo", bytes(6), 65536, False)
    assert (env.ncpu, env.clock_ns, env.seed, env.routes, env.tunnel) == (1, 0, 0, (), None)
    assert env.ifindex_of_pcapng(None) == 1 and env.ifindex_of_pcapng(3) == 1


def test_toml_file(tmp_path):
    path = tmp_path / "env.toml"
    path.write_text(TOML)
    env = load_env(path)
    assert env == load_env(str(path))
    assert (env.ncpu, env.clock_ns, env.seed) == (2, 5000, 7)
    eth0 = env.interface(2)
    assert eth0.mac == bytes.fromhex("020000000002") and eth0.mtu == 9000 and eth0.forwarding
    assert env.interface(1).name == "lo"      # the loopback is always there
    assert env.ifindex_of_pcapng(1) == 2 and env.ifindex_of_pcapng(0) == 1
    assert [str(r.dst) for r in env.routes_in(254, 4)] == ["10.1.0.0/16", "10.0.0.0/8"]
    assert env.routes[1].gateway == ipaddress.ip_address("10.0.0.254")
    assert env.neighbour(ipaddress.ip_address("10.0.0.254"), 2).mac[-1] == 0xFE
    sock = env.sockets[0]
    assert (sock.protocol, str(sock.local_ip), sock.local_port, sock.cookie) == ("udp", "fd00::1", 53, 1)
    assert env.tunnel.id == 42 and str(env.tunnel.remote) == "192.0.2.1"


def test_json_file_and_dict_agree(tmp_path):
    data = {"interfaces": [{"ifindex": 3, "name": "eth1"}], "routes": [{"dst": "default", "dev": "eth1"}]}
    path = tmp_path / "env.json"
    path.write_text(json.dumps(data))
    assert load_env(path) == make_env(data)
    assert str(make_env(data).routes[0].dst) == "0.0.0.0/0"


@pytest.mark.parametrize("data,message", [
    ({"interfaces": {}}, "interfaces: expected a list"),
    ({"interfaces": [{"name": "x"}]}, "interfaces[0].ifindex: missing"),
    ({"interfaces": [{"ifindex": 2, "mac": "zz:00:00:00:00:00"}]}, "interfaces[0].mac: 'zz:00"),
    ({"interfaces": [{"ifindex": 2, "name": "a"}, {"ifindex": 2, "name": "b"}]},
     "interfaces[1].ifindex: 2 is used twice (also interfaces[0])"),
    ({"interfaces": [{"ifindex": 2, "name": "lo"}]},
     "interfaces[0].name: 'lo' is used twice (also the loopback (ifindex 1))"),
    ({"interfaces": [{"ifindex": 2, "speed": 1}]}, "interfaces[0].speed: unknown key"),
    ({"routes": [{"dst": "10.0.0.0/33", "ifindex": 1}]}, "routes[0].dst: '10.0.0.0/33' is not a prefix"),
    ({"routes": [{"dst": "10.0.0.0/8", "ifindex": 9}]}, "routes[0].ifindex: no interface has ifindex 9"),
    ({"routes": [{"dst": "10.0.0.0/8", "ifindex": 1, "gateway": "fd00::1"}]},
     "routes[0].gateway: fd00::1 is not IPv4"),
    ({"routes": [{"dst": "10.0.0.0/8", "type": "nat"}]}, "routes[0].type: 'nat' is not one of"),
    ({"neighbours": [{"ip": "10.0.0.1", "ifindex": 1}]}, "neighbours[0].mac: missing"),
    ({"sockets": [{"local": "10.0.0.1"}]}, "sockets[0].local: '10.0.0.1' is not ADDRESS:PORT"),
    ({"sockets": [{"local": "10.0.0.1:99999"}]}, "sockets[0].local: 99999 is out of range"),
    ({"ncpu": 0}, "ncpu: 0 is out of range"),
    ({"seed": "x"}, "seed: expected an integer"),
    ({"tunnel": {"ttl": 300}}, "tunnel.ttl: 300 is out of range"),
    ([], "expected a table/object"),
])
def test_errors_name_the_key(data, message):
    with pytest.raises(EnvError) as info:
        make_env(data, source="env.json")
    assert str(info.value).startswith("env.json: ") and message in str(info.value)


def test_unreadable_file(tmp_path):
    with pytest.raises(EnvError, match="cannot read"):
        load_env(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("ncpu = = 2")
    with pytest.raises(EnvError, match="not valid TOML"):
        load_env(bad)


def test_load_applies_seed_to_the_generator():
    from pybpf import load
    from pybpf.vm import abi
    from pathlib import Path
    obj = load(Path(__file__).parent.parent / "programs/examples/xdp_pass.o", pin_root=False,
               env={"seed": 99, "clock_ns": 10})
    assert int(obj.machine.st[abi.PRNG]) == 99 and obj.machine.clock_ns == 10
