"""Numba's on-disk cache for pybpf's own code, keyed by the source of the whole package.

Numba checks a cached function against its own file only. A compiled function
that calls into another module (the map dispatch calling a map family, the
interpreter calling helpers) or freezes another module's globals would be
reused after that other module changed, and behave as the old code did. So
every function compiled from pybpf's files (and the generated interpreter) is
cached under ``<cache>/numba/<fingerprint of every pybpf source file>/``: any
change to the package starts a fresh cache, and the old one is simply unused.

Imported by ``pybpf/__init__.py`` before any module that compiles.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from numba.core import caching

PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """pybpf's cache root (``$PYBPF_CACHE_DIR`` overrides ``~/.cache/pybpf``)."""
    env = os.environ.get("PYBPF_CACHE_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pybpf"


def _fingerprint() -> str:
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


FINGERPRINT = _fingerprint()


def _ours(py_file: str) -> bool:
    path = Path(py_file).resolve()
    return PACKAGE in path.parents or (cache_dir() / "generated").resolve() in path.parents


class PybpfCacheLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
    """Cache pybpf's functions under a directory named by the package fingerprint."""

    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = str(cache_dir() / "numba" / FINGERPRINT
                               / self.get_suitable_cache_subpath(py_file))

    def get_cache_path(self):
        return self._cache_path

    @classmethod
    def from_function(cls, py_func, py_file):
        if not _ours(py_file):
            return None
        return super().from_function(py_func, py_file)


if PybpfCacheLocator not in caching.CacheImpl._locator_classes:
    caching.CacheImpl._locator_classes.insert(0, PybpfCacheLocator)
