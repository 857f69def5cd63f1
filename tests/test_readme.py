"""The README's Python example runs as written (with a real packet for ``packet_bytes``)."""

import re
from pathlib import Path

from pybpf.pcap import read_packets

REPO = Path(__file__).resolve().parents[1]


def test_readme_python_example_runs(monkeypatch):
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "the README has a Python example"
    monkeypatch.chdir(REPO)
    packet_bytes = read_packets(REPO / "programs" / "pcaps" / "default.pcap")[0].data
    scope = {"packet_bytes": packet_bytes}
    exec(compile(blocks[0], "README.md", "exec"), scope)
    assert scope["result"].verdict == "XDP_PASS"
    assert int.from_bytes(scope["hits"], "little") == 1
