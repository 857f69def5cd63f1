"""Compile BPF C for tests, with an object cache.

An object is reused when the source, the flags, the compiler's identity and
every file the compiler read (its ``-MD`` dependency list, headers included)
are unchanged. Objects live under ``<pybpf cache>/objects/<key>/``, where the
key hashes source path, contents, flags and compiler id; a ``deps.json`` beside
the object records the hash of each dependency, checked on every reuse.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Sequence


def cache_root() -> Path:
    """``<pybpf cache>/objects`` (``$PYBPF_CACHE_DIR`` or ``~/.cache/pybpf``)."""
    from pybpf._jitcache import cache_dir  # noqa: PLC0415  (imports numba: only when building)
    return cache_dir() / "objects"


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _parse_depfile(text: str, cwd: Path) -> list[Path]:
    """The prerequisites of a make-style depfile (``out.o: a.c b.h \\``), absolute."""
    body = text.replace("\\\n", " ").split(": ", 1)[-1]
    return [(cwd / p.replace("\0", " ")).resolve()
            for p in body.replace("\\ ", "\0").split()]


def compile_cached(src: str | os.PathLike, cflags: Sequence[str] = (), cc: str | None = None,
                   root: Path | None = None) -> Path:
    """The object of BPF C ``src`` compiled with ``cflags`` by ``cc`` (None: pinned ziglang).

    Raises :class:`pybpf.errors.ToolchainError` with the compiler's message on failure.
    """
    from pybpf import toolchain  # noqa: PLC0415
    from pybpf.errors import ToolchainError  # noqa: PLC0415

    src = Path(src).resolve()
    if not src.is_file():
        raise ToolchainError(f"{src}: no such source file")
    flags = toolchain._absolute_paths(list(cflags))
    key = hashlib.sha256("\0".join([str(src), _sha(src) or "", toolchain.compiler_id(cc),
                                    *toolchain.BASE_CFLAGS, *flags]).encode()).hexdigest()[:32]
    folder = (root or cache_root()) / key
    obj, deps_file = folder / src.with_suffix(".o").name, folder / "deps.json"
    if obj.is_file() and deps_file.is_file():
        try:
            deps = json.loads(deps_file.read_text())
        except ValueError:
            deps = None
        if deps and all(_sha(Path(p)) == h for p, h in deps.items()):
            return obj
    folder.mkdir(parents=True, exist_ok=True)
    depfile = folder / "deps.d"
    tmp = folder / f".{os.getpid()}.o"
    toolchain.compile(src, tmp, [*flags, "-MD", "-MF", str(depfile)], cc)
    _, cwd = toolchain.compiler_command(src, tmp, flags, cc)
    deps = {str(p): _sha(p) for p in _parse_depfile(depfile.read_text(), cwd)}
    os.replace(tmp, obj)
    deps_file.write_text(json.dumps(deps, indent=1, sort_keys=True))
    return obj
