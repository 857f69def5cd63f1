"""Line and branch coverage of BPF C, from the instructions that ran.

:meth:`Coverage.attach` makes every run of a loaded object record the slots it
executes (through the machine's trace mode: exact, single-stepped, slow) and,
at each conditional jump, which way it went. :meth:`Coverage.report` maps
slots to C lines with BTF line info (``Code.line_of``): a line is *instrumented*
when an instruction of a program that ran carries it, *hit* when one of those
instructions executed; a line holding conditional jumps has two branches per
jump (taken, not taken). Output: a terminal table and an lcov tracefile.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BPF_JMP, BPF_JMP32 = 0x05, 0x06
_NOT_CONDITIONAL = (0x00, 0x80, 0x90)        # BPF_JA, BPF_CALL, BPF_EXIT


@dataclass
class FileCoverage:
    """One source file: ``lines`` line -> hit count; ``branches`` line -> [taken counts];
    ``functions`` name -> (line, hit count)."""

    path: str
    lines: dict = field(default_factory=dict)
    branches: dict = field(default_factory=dict)
    functions: dict = field(default_factory=dict)

    @property
    def lines_hit(self) -> int:
        return sum(1 for n in self.lines.values() if n)

    @property
    def branch_total(self) -> int:
        return sum(len(b) for b in self.branches.values())

    @property
    def branch_hit(self) -> int:
        return sum(1 for b in self.branches.values() for n in b if n)

    def missing(self) -> list[int]:
        return sorted(line for line, n in self.lines.items() if not n)


class _Tracked:
    """An object under coverage: executed-slot counts and jump outcomes over all its runs."""

    def __init__(self, obj, source_dir: Path | None):
        self.obj = obj
        self.source_dir = source_dir
        self.slots: Counter = Counter()
        self.jumps: Counter = Counter()          # (slot, taken: bool) -> count
        code = obj.code
        insns = dict(zip(code.slots, code.insns))
        self.conditional = {s: s + 1 + i.off for s, i in insns.items()
                            if i.opcode & 0x07 in (BPF_JMP, BPF_JMP32)
                            and i.opcode & 0xF0 not in _NOT_CONDITIONAL}

    def record(self, steps) -> None:
        pcs = [s.pc for s in steps]
        self.slots.update(pcs)
        for here, nxt in zip(pcs, pcs[1:]):
            target = self.conditional.get(here)
            if target is not None:
                self.jumps[(here, nxt == target and nxt != here + 1)] += 1


class Coverage:
    """Collects coverage from every object attached to it during a test session."""

    def __init__(self):
        self._tracked: list[_Tracked] = []

    def attach(self, obj, source_dir: Path | None = None) -> None:
        """Record the runs of ``obj`` (a :class:`pybpf.loader.Object`) from now on.

        ``source_dir``: where relative source names in its line info start (the
        directory the compiler ran in); default: the current directory.
        """
        tracked = _Tracked(obj, source_dir)
        self._tracked.append(tracked)
        machine = obj.machine
        run = machine.run

        def run_recorded(*args, trace=None, **kw):
            steps = trace if trace is not None else []
            start = len(steps)
            try:
                return run(*args, trace=steps, **kw)
            finally:
                tracked.record(steps[start:])

        machine.run = run_recorded

    def report(self) -> dict[str, FileCoverage]:
        """Source path -> :class:`FileCoverage`, over the programs that ran."""
        files: dict[str, FileCoverage] = {}
        for t in self._tracked:
            if t.slots:
                self._add_object(t, files)
        return dict(sorted(files.items()))

    def _add_object(self, t: _Tracked, files: dict) -> None:
        obj, line_of = t.obj, t.obj.code.line_of
        for prog in obj.programs.values():
            span = range(prog.entry, prog.entry + prog.size)
            if not any(t.slots[s] for s in span):
                continue
            ordinal: Counter = Counter()
            for slot in span:
                info = line_of(slot) if line_of else None
                if not info or not info[1]:      # line 0: code clang made up
                    continue
                fc = self._file(files, info[0], t.source_dir)
                line = info[1]
                fc.lines[line] = max(fc.lines.get(line, 0), t.slots[slot])
                if slot in t.conditional:
                    k = ordinal[(fc.path, line)]
                    ordinal[(fc.path, line)] += 1
                    outs = fc.branches.setdefault(line, [])
                    while len(outs) < 2 * (k + 1):
                        outs.append(0)
                    outs[2 * k] += t.jumps[(slot, True)]
                    outs[2 * k + 1] += t.jumps[(slot, False)]
            for fn in prog.linked.functions:        # FN: the function's first line of code
                start = prog.entry + fn.slot
                infos = [i for s in range(start, start + fn.size)
                         if (i := line_of(s) if line_of else None) and i[1]]
                if infos:
                    fc = self._file(files, infos[0][0], t.source_dir)
                    line = min(i[1] for i in infos if i[0] == infos[0][0])
                    old = fc.functions.get(fn.name, (line, 0))[1]
                    fc.functions[fn.name] = (line, old + t.slots[start])

    @staticmethod
    def _file(files: dict, name: str, source_dir: Path | None) -> FileCoverage:
        path = resolve_source(name, source_dir)
        fc = files.get(path)
        if fc is None:
            fc = files[path] = FileCoverage(path)
        return fc


def resolve_source(name: str, source_dir: Path | None = None) -> str:
    """The file a line-info name refers to: undo pybpf's ``-fdebug-prefix-map`` aliases
    (``/pybpf`` = the checkout, ``/ziglang`` = the ziglang package), make relative names
    absolute against ``source_dir``, the current directory or the checkout, the
    first where the file exists."""
    from pybpf import toolchain  # noqa: PLC0415
    for alias, real in (("/pybpf/", toolchain.REPO_ROOT), ("/ziglang/", toolchain._zig_dir())):
        if real is not None and name.startswith(alias):
            return str(Path(real) / name[len(alias):])
    path = Path(name)
    if path.is_absolute():
        return str(path)
    bases = [b for b in (source_dir, Path.cwd(), toolchain.REPO_ROOT) if b is not None]
    for base in bases:
        if (base / path).is_file():
            return str((base / path).resolve())
    return str(bases[0] / path)


def summary(files: dict[str, FileCoverage], root: Path | None = None) -> list[str]:
    """A terminal table: per file, lines and branches hit, and the lines never executed."""
    def short(p):
        try:
            return str(Path(p).relative_to(root)) if root else p
        except ValueError:
            return p

    rows = [("file", "lines", "hit", "cover", "branches", "taken", "missing")]
    tl = th = tb = tbh = 0
    for path, fc in files.items():
        nl, nh, nb, nbh = len(fc.lines), fc.lines_hit, fc.branch_total, fc.branch_hit
        tl, th, tb, tbh = tl + nl, th + nh, tb + nb, tbh + nbh
        rows.append((short(path), str(nl), str(nh), f"{100 * nh / nl:.0f}%" if nl else "-",
                     str(nb), str(nbh), _ranges(fc.missing())))
    rows.append(("TOTAL", str(tl), str(th), f"{100 * th / tl:.0f}%" if tl else "-",
                 str(tb), str(tbh), ""))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    return ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                      enumerate(zip(r[:6], widths))) + ("  " + r[6] if r[6] else "")
            for r in rows]


def _ranges(lines: list[int]) -> str:
    out, start = [], None
    for i, n in enumerate(lines):
        if start is None:
            start = n
        if i + 1 == len(lines) or lines[i + 1] != n + 1:
            out.append(str(start) if start == n else f"{start}-{n}")
            start = None
    return ",".join(out)


def lcov(files: dict[str, FileCoverage], test_name: str = "") -> str:
    """The coverage as an lcov tracefile (the format genhtml and CI services read)."""
    out = []
    for path, fc in files.items():
        out += [f"TN:{test_name}", f"SF:{path}"]
        for name, (line, _hits) in sorted(fc.functions.items(), key=lambda kv: kv[1][0]):
            out.append(f"FN:{line},{name}")
        for name, (_line, hits) in sorted(fc.functions.items(), key=lambda kv: kv[1][0]):
            out.append(f"FNDA:{hits},{name}")
        out += [f"FNF:{len(fc.functions)}",
                f"FNH:{sum(1 for _l, h in fc.functions.values() if h)}"]
        for line in sorted(fc.branches):
            ran = fc.lines.get(line, 0) > 0
            for i, n in enumerate(fc.branches[line]):
                out.append(f"BRDA:{line},{i // 2},{i % 2},{n if ran else '-'}")
        out += [f"BRF:{fc.branch_total}", f"BRH:{fc.branch_hit}"]
        for line in sorted(fc.lines):
            out.append(f"DA:{line},{fc.lines[line]}")
        out += [f"LF:{len(fc.lines)}", f"LH:{fc.lines_hit}", "end_of_record"]
    return "\n".join(out) + "\n"
