"""pybpf: the eBPF toolchain that runs in plain Python.

Load a clang-compiled BPF object and run its programs in userspace::

    from pybpf import load
    obj = load("prog.o")
    result = obj.program("xdp_filter").run(packet)   # RunResult(retval, verdict, data, executed)
    obj.maps["counters"][0]                            # dict-like maps

Every error pybpf raises is a :class:`PyBPFError`.
"""

from . import _jitcache  # noqa: F401  (first: pybpf's Numba cache keyed by the package source)
from .errors import PyBPFError

__all__ = ["PyBPFError", "load"]


def load(path_or_bytes, **kwargs):
    """Read, link and load a BPF ELF object (see :func:`pybpf.loader.load`)."""
    from .loader import load as _load
    return _load(path_or_bytes, **kwargs)
