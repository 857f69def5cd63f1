"""Testing BPF programs from pytest: what the ``pybpf`` pytest plugin is built from.

``packets`` (field-by-field packet diff, :func:`assert_packet`), ``build``
(compiling C with an object cache), ``fixture`` (the ``bpf`` fixture's
:class:`BPF`), ``ctest`` (tests written in BPF C), ``coverage`` (line and
branch coverage, lcov). The hooks live in :mod:`pybpf.pytest_plugin`.
"""

from .packets import PacketMismatch, assert_packet

__all__ = ["PacketMismatch", "assert_packet"]
