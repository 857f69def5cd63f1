"""pybpf: the eBPF toolchain that runs in plain Python.

Load a clang-compiled BPF object and run its programs in userspace::

    from pybpf import load
    obj = load("prog.o")
    result = obj.program("xdp_filter").run(packet)   # RunResult(retval, verdict, data, executed)
    obj.maps["counters"][0]                            # dict-like maps

Every error pybpf raises is a :class:`PyBPFError`.
"""

# Importing pybpf is cheap (the pytest plugin is loaded by every pytest run): Numba comes
# with the first module that compiles, each of which imports pybpf._jitcache first.
from .errors import PyBPFError

__all__ = ["PyBPFError", "load"]


def load(path_or_bytes, **kwargs):
    """Read, link and load a BPF ELF object (see :func:`pybpf.loader.load`)."""
    from .loader import load as _load
    return _load(path_or_bytes, **kwargs)
