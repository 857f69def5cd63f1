"""Every refusal tells the user what to change (``pybpf.verifier.report``).

The messages are the kernel's: those it gave on the corpus cases, the repository's programs
and the precision cases (recorded in ``tests/verifier_corpus/*.json``), and every message
template the verifier's sources can raise. Each gets a sentence above it in the report.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from pybpf.isa.asm import assemble
from pybpf.helpers import HELPER_IDS
from pybpf.verifier import verify_insns
from pybpf.verifier.report import hint

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "verifier_corpus"


def _recorded_messages() -> set[str]:
    out = set()
    for name in ("kernel.json", "kernel_unpriv.json", "precision.json", "programs.json"):
        for v in json.loads((CORPUS / name).read_text()).values():
            if isinstance(v, dict) and not v.get("accepted") and v.get("message") \
                    and not v["message"].startswith("libbpf"):
                out.add(v["message"])
    return out


RECORDED = sorted(_recorded_messages())


def test_the_kernel_refusals_recorded_are_many():
    assert len(RECORDED) >= 150


@pytest.mark.parametrize("message", RECORDED)
def test_every_recorded_refusal_has_a_hint(message):
    assert hint(message), message


def _templates() -> list[str]:
    """The messages ``Reject(...)`` and ``CFGError(...)`` are raised with in the verifier, as
    string literals (pieces joined); a ``{...}`` field becomes a plausible value."""
    src = "".join((REPO / "pybpf" / "verifier" / f).read_text()
                  for f in ("core.py", "cfg.py", "state.py", "regs.py", "__init__.py"))
    found = re.findall(r'(?:Reject|CFGError)\((?:\w+, )?\s*((?:f?"(?:[^"\\]|\\.)*"\s*)+)', src)
    out = set()
    for m in found:
        text = "".join(re.findall(r'f?"((?:[^"\\]|\\.)*)"', m))
        # fields: what the f-string would put there (values that keep the sentence's shape)
        text = text.replace("{_NOT_ROOT}", "pointer arithmetic with it prohibited for !root")
        text = text.replace("{what}", " read from").replace("{part}", "partial copy of")
        text = text.replace("{where}", "At program exit")
        out.add(re.sub(r"\{[^}]*\}", "1", text))
    return sorted(out)


TEMPLATES = _templates()


def test_the_verifier_raises_many_messages():
    assert len(TEMPLATES) >= 70


@pytest.mark.parametrize("message", TEMPLATES)
def test_every_message_the_verifier_can_raise_has_a_hint(message):
    assert hint(message), message


def _refuse(text: str, prog_type: str = "xdp", **kw):
    helpers = {f"bpf_{n}": i for n, i in HELPER_IDS.items()}
    v = verify_insns(assemble(text, helpers=helpers), prog_type, **kw)
    assert not v.accepted
    return v


@pytest.mark.parametrize("text,prog_type,unpriv,message,advice", [
    ("r2 = *(u32 *)(r1 +76)\n r3 = *(u32 *)(r1 +80)\n r4 = r2\n r4 += 1\n r0 = 1\n"
     " if r4 > r3 goto out\n *(u8 *)(r2 +0) = r0\nout:\n exit", "cgroup_skb", False,
     "cannot write into packet", "may only read the packet"),
    ("r0 = 2\n exit", "cgroup_skb", False,
     "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]",
     "1 allows, 0 denies"),
    ("r0 = r1\n exit", "cgroup_skb", False,
     "At program exit the register R0 is not a known value (ctx)", "return a number"),
    ("r0 = r1\n exit", "xdp", True, "R0 leaks addr as return value", "CAP_PERFMON"),
    ("r1 &= 7\n r0 = 0\n exit", "xdp", False, "R1 bitwise operator &= on pointer prohibited",
     "only add and subtract"),
])
def test_the_report_carries_the_advice(text, prog_type, unpriv, message, advice):
    v = _refuse(text, prog_type, unprivileged=unpriv)
    assert v.message == message
    assert advice in v.hint
    report = v.report()
    assert report.splitlines()[-1] == message           # the kernel's line stays last
    assert f"what to change: {v.hint}" in report
