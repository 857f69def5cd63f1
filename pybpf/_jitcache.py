"""Numba's on-disk cache for pybpf's own code, keyed by source and by what it imports.

Numba checks a cached function against its own file only. A compiled function
that calls into another module (the map dispatch calling a map family, the
interpreter calling helpers) or freezes another module's globals would be
reused after that other module changed, and behave as the old code did. So a
function compiled from a pybpf file (or from the generated interpreter) is
cached under ``<cache>/numba/<fingerprint>/``, where the fingerprint hashes
that file and every pybpf file it imports, transitively (:func:`fingerprint`).
Editing a file starts fresh caches for the files that import it and for no
others: the loader, the verifier, the CLI or a Python helper change without
recompiling the interpreter. Old cache directories are simply unused.

Every module that compiles imports this one first.

:func:`njit` is the decorator pybpf's compiled functions use: Numba's, without
its reference counting (NRT) unless a function asks for it. Numba itself is
loaded only when something is compiled or called (:func:`load_numba`):
importing it and setting up its CPU target take a second or two, more than a
warm ``pybpf run`` of the compiled tier needs in all (it calls machine code
loaded from the cache, :mod:`pybpf.vm.native`). Until then a decorated
function is a :class:`Lazy` placeholder.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """pybpf's cache root (``$PYBPF_CACHE_DIR`` overrides ``~/.cache/pybpf``)."""
    env = os.environ.get("PYBPF_CACHE_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pybpf"


@functools.lru_cache(maxsize=None)
def _module_file(module: str) -> Path | None:
    """The file of a ``pybpf.*`` module, or None."""
    base = PACKAGE.parent.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#]*)", re.M)


def _pybpf_imports(text: str, package: list[str]) -> list[Path]:
    """The files of the pybpf modules a source imports by name (absolute or relative).

    A line scan rather than a parse (a cold start reads every compiled file's
    imports): it finds every import statement, at any depth; a line inside a
    string that looks like one only makes the key more cautious.
    """
    found = []
    names: list[str] = []
    for m in _FROM.finditer(text):
        module, items = m.group(1), m.group(2).strip("() \t\n")
        level = len(module) - len(module.lstrip("."))
        module = module[level:]
        if level:
            base = package[:len(package) - level + 1]
            module = ".".join(base + ([module] if module else []))
        for item in items.replace("\n", " ").split(","):
            item = item.split(" as ")[0].strip()
            if item and item != "*" and _module_file(module + "." + item):
                names.append(module + "." + item)
            else:
                names.append(module)
    for m in _IMPORT.finditer(text):
        names += [part.split(" as ")[0].strip() for part in m.group(1).split(",")]
    for name in dict.fromkeys(names):
        if name.split(".")[0] == "pybpf" and (f := _module_file(name)):
            found.append(f)
    return found


def _ast_imports(text: str, package: list[str]) -> list[Path]:
    """The same through Python's parser (the reference the tests hold the scan to)."""
    found = []
    for node in ast.walk(ast.parse(text)):
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


def _package_of(path: Path) -> list[str]:
    try:
        return list(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    except ValueError:  # generated code outside the package: absolute imports only
        return []


_IMPORTS: dict[Path, list[Path]] = {}


def _imports_of(path: Path) -> list[Path]:
    """:func:`_pybpf_imports` of a file, parsed once per process."""
    if path not in _IMPORTS:
        _IMPORTS[path] = _pybpf_imports(path.read_text(), _package_of(path))
    return _IMPORTS[path]


def _closure(path: Path, text: str | None = None) -> list[Path]:
    """``path`` and every pybpf file it imports, directly or through others."""
    todo = [(path, text)]
    seen: dict[Path, None] = {}
    while todo:
        p, t = todo.pop()
        if p in seen:
            continue
        seen[p] = None
        imported = _pybpf_imports(t, _package_of(p)) if t is not None else _imports_of(p)
        todo += [(f, None) for f in imported if f not in seen]
    return sorted(seen)


def compiled_sources() -> list[Path]:
    """Every file compiled code can depend on: the files that use Numba, and what they import."""
    files: set[Path] = set()
    for path in PACKAGE.rglob("*.py"):
        if "numba" in path.read_text():
            files.update(_closure(path))
    return sorted(files)


_FINGERPRINTS: dict = {}   # resolved or given path -> fingerprint
_BYTES: dict[Path, bytes] = {}


def _bytes_of(path: Path) -> bytes:
    if path not in _BYTES:
        _BYTES[path] = path.read_bytes()
    return _BYTES[path]


def fingerprint(path: Path, text: str | None = None) -> str:
    """A hash of ``path`` (or of ``text``, its coming content) and of every pybpf file it
    imports, transitively: all that a function compiled from it can see."""
    if text is None and path in _FINGERPRINTS:   # keyed by the path as given, too
        return _FINGERPRINTS[path]
    given = path
    path = Path(path).resolve()
    if text is None and path in _FINGERPRINTS:
        _FINGERPRINTS[given] = _FINGERPRINTS[path]
        return _FINGERPRINTS[path]
    h = hashlib.sha256()
    for f in _closure(path, text):
        body = text.encode() if (f == path and text is not None) else _bytes_of(f)
        name = str(f.relative_to(PACKAGE)) if PACKAGE in f.parents else f.name
        h.update(name.encode() + b"\0" + body + b"\0")
    digest = h.hexdigest()[:16]
    if text is None:
        _FINGERPRINTS[path] = _FINGERPRINTS[given] = digest
    return digest


def _ours(py_file: str) -> bool:
    return _ours_in(py_file, str(cache_dir()))


@functools.lru_cache(maxsize=None)
def _ours_in(py_file: str, cache: str) -> bool:
    path = Path(py_file).resolve()
    return PACKAGE in path.parents or (Path(cache) / "generated").resolve() in path.parents


_LOADED = [False]
_PENDING: list = []   # Lazy functions made before Numba was loaded
_ON_LOAD: list = []   # what load_numba runs first (Numba extensions: intrinsics, overloads)


def when_loaded(register) -> None:
    """Run ``register()`` (it defines Numba extensions: intrinsics, overloads) when Numba is
    loaded, or now if it is."""
    if _LOADED[0]:
        register()
    else:
        _ON_LOAD.append(register)


class Lazy:
    """A function decorated with :func:`njit` before Numba is loaded.

    Calling it, or asking it for anything but its Python function and names,
    loads Numba (:func:`load_numba`), which replaces every placeholder in
    pybpf's modules (its own and the generated ones) with the real dispatcher:
    code Numba compiles afterwards never sees a placeholder."""

    def __init__(self, py_func, options: dict):
        self.py_func = py_func
        self.options = options
        self.real = None
        self.__name__ = py_func.__name__
        self.__qualname__ = py_func.__qualname__
        self.__module__ = py_func.__module__
        self.__doc__ = py_func.__doc__
        _PENDING.append(self)

    def dispatcher(self):
        if self.real is None:
            load_numba()
        return self.real

    def __call__(self, *args, **kwargs):
        return self.dispatcher()(*args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.dispatcher(), name)

    def __repr__(self) -> str:
        return f"<pybpf.Lazy {self.__module__}.{self.__qualname__}>"


def numba_loaded() -> bool:
    """Whether Numba has been loaded in this process (:func:`load_numba`)."""
    return _LOADED[0]


def python_unless_loaded(fn):
    """``fn`` (an :func:`njit` function that calls no other) to run as plain Python while
    Numba is not loaded, else ``fn``: for small one-off work that loading Numba would cost
    far more than."""
    if _LOADED[0]:
        return fn

    def plain(*args):
        import numpy as np
        with np.errstate(over="ignore"):   # compiled, integers wrap silently
            return fn.py_func(*args)
    return plain


def load_numba() -> None:
    """Import Numba, install pybpf's cache locator and turn every :class:`Lazy`
    placeholder into its dispatcher (in the module globals that hold it)."""
    if _LOADED[0]:
        return
    import numba
    from numba.core import caching

    class PybpfCacheLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
        """Cache pybpf's functions under a directory named by their file's fingerprint."""

        def __init__(self, py_func, py_file):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = str(cache_dir() / "numba" / fingerprint(Path(py_file))
                                   / self.get_suitable_cache_subpath(py_file))

        def get_cache_path(self):
            return self._cache_path

        @classmethod
        def from_function(cls, py_func, py_file):
            if not _ours(py_file):
                return None
            return super().from_function(py_func, py_file)

    if not any(c.__name__ == "PybpfCacheLocator" for c in caching.CacheImpl._locator_classes):
        caching.CacheImpl._locator_classes.insert(0, PybpfCacheLocator)
    _LOADED[0] = True
    for register in _ON_LOAD:
        register()
    _ON_LOAD.clear()
    for lazy in _PENDING:
        lazy.real = numba.njit(**lazy.options)(lazy.py_func)
    for name, module in list(sys.modules.items()):
        if module is not None and name.startswith("pybpf"):
            space = vars(module)
            for key, value in list(space.items()):
                if type(value) is Lazy:
                    space[key] = value.real
    _PENDING.clear()


def numba_ready() -> None:
    """Numba's one-time set-up of its CPU target (about 0.45 s), which otherwise happens
    when the first compiled function is loaded: part of start-up, so ``pybpf run`` does
    it before its clock starts when the run will need Numba."""
    load_numba()
    from numba.core.registry import cpu_target
    cpu_target.target_context.refresh()


def njit(*args, **options):
    """``numba.njit`` with ``_nrt=False`` unless given: no reference counting.

    With NRT on, every call to a function that is not inlined increments and
    decrements the reference count of each array argument, an atomic operation
    per array per call, even for arrays made with ``carray`` that have none: a
    bounds-checked address translation over four arrays cost 23 ns a call with
    it and 4 ns without. pybpf's compiled functions work on arrays their callers
    own and allocate nothing; one that must (a new array, an array returned to
    Python that is not an argument) passes ``_nrt=True``, and Numba refuses to
    compile it otherwise.

    Before Numba is loaded the result is a :class:`Lazy` placeholder.
    """
    options.setdefault("_nrt", False)
    if _LOADED[0]:
        import numba
        return numba.njit(*args, **options)
    if args and callable(args[0]):
        return Lazy(args[0], options)
    if args:
        raise TypeError("pybpf's njit takes options only (no signatures)")
    return lambda fn: Lazy(fn, options)
