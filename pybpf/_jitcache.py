"""Numba's on-disk cache for pybpf's own code, keyed by the source of the whole package.

Numba checks a cached function against its own file only. A compiled function
that calls into another module (the map dispatch calling a map family, the
interpreter calling helpers) or freezes another module's globals would be
reused after that other module changed, and behave as the old code did. So
every function compiled from pybpf's files (and the generated interpreter) is
cached under ``<cache>/numba/<fingerprint>/``, the fingerprint covering every
file compiled code can depend on (:func:`compiled_sources`): any change to
those starts a fresh cache, and the old one is simply unused.

Imported by ``pybpf/__init__.py`` before any module that compiles.
"""

from __future__ import annotations

import ast
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


def _module_file(module: str) -> Path | None:
    """The file of a ``pybpf.*`` module, or None."""
    base = PACKAGE.parent.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _pybpf_imports(path: Path) -> list[Path]:
    """The pybpf modules ``path`` imports by name (absolute or relative)."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(rel.parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = ".".join(package[:len(package) - node.level + 1] + ([module] if module else []))
            names = [module + "." + a.name if _module_file(module + "." + a.name) else module
                     for a in node.names]
        else:
            continue
        found += [f for n in names if n.split(".")[0] == "pybpf" and (f := _module_file(n))]
    return found


def compiled_sources() -> list[Path]:
    """Every file compiled code can depend on: the files that use Numba, and what they import.

    A compiled function sees only the modules it (transitively) imports by
    name: their functions and the globals it freezes. Pure-Python parts of the
    package (the loader, the verifier, the CLI, ...) change without touching
    the cache.
    """
    todo = [p for p in PACKAGE.rglob("*.py") if "numba" in p.read_text()]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo += [f for f in _pybpf_imports(path) if f not in seen]
    return sorted(seen)


def _fingerprint() -> str:
    h = hashlib.sha256()
    for path in compiled_sources():
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
