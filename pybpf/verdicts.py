"""Verdicts kept on disk, so ``pybpf run`` verifies a program once, not on every start.

A verdict is a function of the object's bytes, the program's name and type, and
pybpf's verifier (its files and every pybpf file they import, through
:func:`pybpf._jitcache.fingerprint`). The cache key hashes all four; the verdict
(accepted, the kernel's message, the report a person reads) is stored as JSON
under ``<cache>/verdicts/<key>.json``. A hit needs neither the verifier nor its
imports (a tenth of a second of every start). A file that cannot be read or
parsed is ignored and rewritten: the cache can only save time, never change a
verdict. ``PYBPF_NO_VERDICT_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from . import _jitcache

_FIELDS = {"accepted": bool, "message": str, "report": str}


def directory() -> Path:
    return _jitcache.cache_dir() / "verdicts"


def _key(data: bytes, program: str, prog_type: str | None) -> str:
    h = hashlib.sha256()
    h.update(_jitcache.fingerprint(_jitcache.PACKAGE / "verifier" / "__init__.py").encode())
    h.update(_jitcache.fingerprint(Path(__file__)).encode())
    h.update(f"\0{program}\0{prog_type or ''}\0".encode())
    h.update(data)
    return h.hexdigest()[:32]


def _load(path: Path) -> dict | None:
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or set(raw) != set(_FIELDS) \
            or not all(isinstance(raw[k], t) for k, t in _FIELDS.items()):
        return None
    return raw


def check(path: str | os.PathLike, program: str,
          prog_type: str | None = None) -> tuple[dict, bool]:
    """``verify(path, program)``'s verdict as ``{"accepted", "message", "report"}`` (the
    :class:`pybpf.verifier.Verdict`'s own), cached on disk; and whether it came from the
    cache."""
    data = Path(path).read_bytes()
    folder = directory()
    file = folder / f"{_key(data, program, prog_type)}.json"
    use_cache = os.environ.get("PYBPF_NO_VERDICT_CACHE", "") in ("", "0")
    if use_cache and (hit := _load(file)) is not None:
        return hit, True
    from .verifier import verify
    (verdict,) = verify(path, program=program, prog_type=prog_type)
    out = {"accepted": verdict.accepted, "message": verdict.message, "report": verdict.report()}
    if use_cache:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(out))
            os.replace(tmp, file)
        except OSError:  # a read-only cache only costs the next run its time
            pass
    return out, False
