"""Every refusal tells the user what to change (``pybpf.verifier.report``).

The messages are the kernel's: those it gave on the corpus cases, the repository's programs
and the precision cases (recorded in ``tests/verifier_corpus/*.json``), and every message
template the verifier's sources can raise. Each gets a sentence above it in the report.
"""

from __future__ import annotations

import ast
import json
import re
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


def _module_strings(tree: ast.Module) -> dict:
    """Module-level names and what they are bound to (``_NOT_ROOT``, ``_LEAK_INTO``,
    ``NEEDS_PERFMON``)."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = node.value
    return out


class _Messages:
    """The strings an expression in the verifier's sources can evaluate to, found by reading
    the source (``ast``): literals (pieces joined), f-strings, ``a if c else b``, ``"..." +
    "..."``, ``CONST.format(...)``, module constants and dicts, a function's local variables
    and its parameters (from the arguments its callers pass). A field that is no string
    (a number, a type name) becomes ``1``. ``None``: the expression cannot be followed."""

    DEPTH = 4

    def __init__(self, tree: ast.Module):
        self.consts = _module_strings(tree)
        self.parent = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
        self.funcs, self.assigned, self.calls = {}, {}, {}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                self.funcs.setdefault(node.name, node)
                names = self.assigned[node] = {}
                for a in ast.walk(node):
                    if isinstance(a, ast.Assign):
                        for t in a.targets:
                            if isinstance(t, ast.Name):
                                names.setdefault(t.id, []).append(a.value)
            elif isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
                self.calls.setdefault(name, []).append(node)

    def function_of(self, node):
        while node is not None and not isinstance(node, ast.FunctionDef):
            node = self.parent.get(node)
        return node

    def strings(self, node, depth: int = 0) -> list[str] | None:
        if depth > self.DEPTH:
            return None
        if isinstance(node, ast.Constant):
            return [node.value] if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            out = [""]
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    vals = self.strings(part.value, depth + 1) or ["1"]
                else:
                    vals = [part.value]
                out = [a + b for a in out for b in vals]
            return out
        if isinstance(node, ast.IfExp):
            a, b = self.strings(node.body, depth + 1), self.strings(node.orelse, depth + 1)
            return a + b if a is not None and b is not None else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, b = self.strings(node.left, depth + 1), self.strings(node.right, depth + 1)
            return [x + y for x in a for y in b] if a is not None and b is not None else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "format":
            base = self.strings(node.func.value, depth + 1)
            return [re.sub(r"\{[^}]*\}", "1", b) for b in base] if base is not None else None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            d = self.consts.get(node.value.id)
            if isinstance(d, ast.Dict):
                vals = [self.strings(v, depth + 1) for v in d.values]
                return None if None in vals else [x for v in vals for x in v]
            return None
        if isinstance(node, ast.Name):
            return self.name(node, depth)
        return None

    def name(self, node: ast.Name, depth: int) -> list[str] | None:
        func = self.function_of(node)
        if func is not None:
            values = self.assigned[func].get(node.id)
            if values:
                found = [self.strings(v, depth + 1) for v in values]
                return None if None in found else [x for f in found for x in f]
            params = [a.arg for a in func.args.args]
            if node.id in params:
                return self.argument(func, params.index(node.id), node.id, depth)
        if node.id in self.consts:
            return self.strings(self.consts[node.id], depth + 1)
        return None

    def argument(self, func: ast.FunctionDef, index: int, arg: str, depth: int):
        """What the callers of ``func`` (in the same module) pass as its parameter ``index``."""
        found = []
        for call in self.calls.get(func.name, ()):
            pos = index - 1 if isinstance(call.func, ast.Attribute) else index  # self.method()
            expr = call.args[pos] if 0 <= pos < len(call.args) else next(
                (k.value for k in call.keywords if k.arg == arg), None)
            found.append(self.strings(expr, depth + 1) if expr is not None else None)
        return None if not found or None in found else [x for f in found for x in f]


def _returned_strings(path: Path, function: str) -> list[str]:
    """The strings ``function`` in ``path`` returns (``isa.table.lookup``: why it knows no
    instruction with these fields)."""
    tree = ast.parse(path.read_text())
    ms = _Messages(tree)
    func = ms.funcs[function]
    out = []
    for node in ast.walk(func):
        if isinstance(node, ast.Return) and node.value is not None:
            out += ms.strings(node.value) or []
    return out


def _alu_refusals(tree: ast.Module) -> list[str]:
    """The messages ``Verifier`` returns with ``_ALU_REFUSE`` (``return _ALU_REFUSE, d, s,
    "div by zero", ...``) and raises later as ``Reject(k, slot)``."""
    ms = _Messages(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) \
                and isinstance(node.value.elts[0], ast.Name) \
                and node.value.elts[0].id == "_ALU_REFUSE":
            out += ms.strings(node.value.elts[3]) or []
    return out


def _templates() -> tuple[list[str], list[str]]:
    """Every message ``Reject(...)`` and ``CFGError(...)`` are raised with in the verifier's
    sources (and the one ``verify_insns`` sets itself), each field a value it can take, or 1.
    Also the calls whose message could not be followed, as ``file:line``."""
    out, unresolved = set(), []
    for path in sorted((REPO / "pybpf" / "verifier").glob("*.py")):
        tree = ast.parse(path.read_text())
        ms = _Messages(tree)
        # a message passed through a variable the reader cannot follow, and where it comes from
        indirect = {("core.py", "k"): lambda: _alu_refusals(tree),
                    ("cfg.py", "row"): lambda: _returned_strings(
                        REPO / "pybpf" / "isa" / "table.py", "lookup")}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("Reject", "CFGError") and node.args:
                arg = node.args[1 if node.func.id == "CFGError" else 0]
                found = ms.strings(arg)
                if found is None and isinstance(arg, ast.Name) \
                        and (path.name, arg.id) in indirect:
                    found = indirect[path.name, arg.id]()
                if not found:
                    unresolved.append(f"{path.name}:{node.lineno}")
                out.update(found or ())
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr == "message" for t in node.targets):
                out.update(ms.strings(node.value) or ())
    return sorted(out), unresolved


TEMPLATES, UNRESOLVED = _templates()


def test_the_verifier_raises_many_messages():
    assert len(TEMPLATES) >= 90
    # messages passed through variables and parameters are followed too
    for m in ("div by zero", "invalid shift 1", "unknown opcode 1", "invalid register r1",
              "R1 leaks addr into map", "invalid read from stack off 1+1 size 1",
              "invalid read from stack R1 off 1+1 size 1",
              "invalid variable-offset write to stack R1 var_off=1 off=1 size=1",
              "At callback return the register R0 has 1 should have been in [1, 1]",
              "program type 1 needs CAP_PERFMON (bpf() refuses it with EPERM, no verifier log)",
              "cannot call kernel function from non-GPL compatible program"):
        assert m in TEMPLATES, m


def test_every_message_can_be_followed_to_its_text():
    """A ``Reject(...)`` whose message this test cannot read would go unchecked: give it a
    literal, or teach ``_templates`` where the variable comes from."""
    assert not UNRESOLVED


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
    ("r1 = 0\n *(u64 *)(r10 -264) = r1\n call sub\n r0 = 2\n exit\nsub:\n r1 = 0\n"
     " *(u64 *)(r10 -256) = r1\n r0 = 0\n exit", "xdp", False,
     "combined stack size of 2 calls is 528. Too large", "share 512 bytes"),
    ("r3 = *(u32 *)(r1 +4)\n r3 += 1\n r0 = 2\n exit", "xdp", False,
     "R3 pointer arithmetic on pkt_end prohibited", "cannot be moved"),
    ("r1 = r10\n r1 -= 8\n r0 = 0\n exit", "xdp", False,
     "R1 subtraction from stack pointer prohibited", "r1 += -8"),
    ("r2 = r10\n r2 = -r2\n r0 = 2\n exit", "xdp", True, "R2 pointer arithmetic prohibited",
     "negated or byte-swapped"),
    ("r1 = r1\n r1 += r1\n r0 = 2\n exit", "xdp", False, "R1 pointer += pointer prohibited",
     "two pointers cannot be added"),
    ("r1 = 0\n *(u32 *)(r10 -8) = r1\n r0 = *(u64 *)(r10 -8)\n exit", "xdp", True,
     "invalid read from stack off -8+4 size 8", "initialise the whole variable"),
    ("r0 = 0\n exit", "kprobe", True,
     "program type kprobe needs CAP_PERFMON (bpf() refuses it with EPERM, no verifier log)",
     "CAP_PERFMON"),
])
def test_the_report_carries_the_advice(text, prog_type, unpriv, message, advice):
    v = _refuse(text, prog_type, unprivileged=unpriv)
    assert v.message == message
    assert advice in v.hint
    report = v.report()
    assert report.splitlines()[-1] == message           # the kernel's line stays last
    assert f"what to change: {v.hint}" in report


@pytest.mark.parametrize("message,advice", [
    # a specific pattern comes before the general one that also matches
    ("R1 invalid mem access 'map_value_or_null'", "may be NULL"),
    ("R1 invalid mem access 'scalar'", "holds a number"),
    ("R1 invalid mem access 'pkt_end'", "cannot be dereferenced"),
    ("R1 32-bit pointer arithmetic prohibited", "keep pointers 64-bit"),
    ("R1 pointer arithmetic on map_value_or_null prohibited, null-check it first",
     "against NULL"),
    ("R6 pointer arithmetic on flow_keys prohibited", "cannot be moved"),
    ("R1 pointer arithmetic with *= operator prohibited", "only add and subtract"),
    ("R2 pointer arithmetic prohibited", "negated or byte-swapped"),
    ("R1 pointer arithmetic of map value goes out of range, prohibited for !root",
     "maskable against speculation"),
    ("invalid read from stack off -8+0 size 8", "initialise"),
    ("invalid read from stack R2 off -16+0 size 8", "initialise"),
    ("invalid indirect read from stack R2 off -16+0 size 8", "initialise"),
    ("invalid read from stack R1 off=-520 size=8", "512-byte stack frame"),
    ("invalid indirect access to stack R1 off=-520 size=8", "512-byte stack frame"),
    ("invalid variable-offset write to stack R1 var_off=(0x0; 0x1f8) off=-8 size=8",
     "variable stack offset"),
    ("invalid func unknown#300", "no helper with this id"),
    ("unknown opcode 8e", "instruction encoding"),
    ("invalid src 3 for opcode 85", "instruction encoding"),
    ("At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]",
     "callback"),
    ("R1 leaks addr into map", "CAP_PERFMON"),
])
def test_the_most_specific_advice_wins(message, advice):
    assert advice in hint(message), (message, hint(message))
