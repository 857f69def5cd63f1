"""The ``bpf`` fixture: compile (cached), load and run BPF programs from a test.

::

    def test_drops_telnet(bpf):
        obj = bpf.load("xdp_firewall.c", rodata={"blocked_port": 23})
        res = obj.programs["xdp_firewall"].run(packet)   # bytes or a scapy packet
        assert res.verdict == "XDP_DROP"
        assert obj.maps["stats"][1]                        # dict-like maps

Everything the loader offers passes through (``helpers=`` mocks, ``env=`` the
interfaces/routes table, ``ncpu``, ``budget``, ``rodata``); ``clock_ns``,
``seed`` and ``cpu`` set the virtual clock, the PRNG seed and the CPU id
(later: ``obj.machine.clock_ns += 1000``, ``obj.machine.seed(7)``,
``obj.machine.cpu = 1``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from .packets import as_bytes, assert_packet


class BPF:
    """What the ``bpf`` fixture gives a test (one per test)."""

    assert_packet = staticmethod(assert_packet)

    def __init__(self, cc: str | None = None, cflags: Sequence[str] = (), coverage=None,
                 base_dir: Path | None = None):
        self.cc = cc
        self.cflags = list(cflags)
        self.coverage = coverage
        self.base_dir = base_dir
        self.objects: list = []

    def path(self, name: str | os.PathLike) -> Path:
        """``name`` as given if it exists, else relative to the test file's directory."""
        p = Path(name)
        if not p.is_absolute() and not p.exists() and self.base_dir is not None:
            if (self.base_dir / p).exists():
                return self.base_dir / p
        return p

    def compile(self, src: str | os.PathLike, cflags: Sequence[str] = ()) -> Path:
        """The object file of BPF C ``src`` (cached by content, flags and compiler)."""
        from .build import compile_cached  # noqa: PLC0415
        return compile_cached(self.path(src), [*self.cflags, *cflags], self.cc)

    def load(self, path: str | os.PathLike, program_type: str | None = None,
             rodata: dict | None = None, cflags: Sequence[str] = (), helpers: dict | None = None,
             env=None, *, program_types: dict | None = None, ncpu: int | None = None,
             budget: int | None = None, clock_ns: int | None = None, seed: int | None = None,
             cpu: int | None = None):
        """Compile ``path`` if it is C (``*.c``), load it and return the loaded object.

        ``program_type`` is the type of every program whose section names none
        (``program_types`` sets it per program). Maps are not pinned: each load starts
        from the object's initial state.
        """
        import pybpf  # noqa: PLC0415
        from pybpf.elf import read_object  # noqa: PLC0415
        from pybpf.toolchain import compiler_command  # noqa: PLC0415

        src = self.path(path)
        source_dir = None
        if src.suffix == ".c":
            obj_path = self.compile(src, cflags)
            source_dir = compiler_command(src, obj_path)[1]
        elif cflags:
            raise pybpf.PyBPFError(f"{path}: cflags given for an object file, not C source")
        else:
            obj_path = src
        types = dict(program_types or {})
        if program_type is not None:
            spec = read_object(str(obj_path))
            for name, prog in spec.programs.items():
                if prog.type is None:
                    types.setdefault(name, program_type)
        obj = pybpf.load(str(obj_path), helpers=helpers, budget=budget, ncpu=ncpu,
                         pin_root=False, rodata=rodata, program_types=types or None, env=env)
        machine = obj.machine
        if clock_ns is not None:
            machine.clock_ns = clock_ns
        if seed is not None:
            machine.seed(seed)
        if cpu is not None:
            machine.cpu = cpu
        for prog in obj.programs.values():
            _accept_any_packet(prog)
        if self.coverage is not None:
            self.coverage.attach(obj, source_dir)
        self.objects.append(obj)
        return obj


def _accept_any_packet(prog) -> None:
    """Let ``prog.run``/``prog.test_run`` take scapy packets as well as bytes."""
    run, test_run = prog.run, prog.test_run

    def run_any(data, *args, **kw):
        return run(as_bytes(data), *args, **kw)

    def test_run_any(data_in, *args, **kw):
        return test_run(as_bytes(data_in), *args, **kw)

    run_any.__doc__, test_run_any.__doc__ = run.__doc__, test_run.__doc__
    prog.run, prog.test_run = run_any, test_run_any
