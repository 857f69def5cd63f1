"""Verdicts kept on disk, so ``pybpf run`` verifies a program once, not on every start.

A verdict is a function of the object's bytes, the program's name and type, and
pybpf's verifier (its files and every pybpf file they import, through
:func:`pybpf._jitcache.fingerprint`). The cache key hashes all four; a verdict is
stored as JSON under ``<cache>/verdicts/<key>.json``. A file that cannot be read
or parsed is ignored and rewritten: the cache can only save time, never change a
verdict. ``PYBPF_NO_VERDICT_CACHE=1`` turns it off.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

from .. import _jitcache
from . import Verdict, verify

_FIELDS = {f.name for f in dataclasses.fields(Verdict)}


def _key(data: bytes, program: str, prog_type: str | None) -> str:
    h = hashlib.sha256()
    h.update(_jitcache.fingerprint(Path(__file__).with_name("__init__.py")).encode())
    h.update(_jitcache.fingerprint(Path(__file__)).encode())
    h.update(f"\0{program}\0{prog_type or ''}\0".encode())
    h.update(data)
    return h.hexdigest()[:32]


def _load(path: Path) -> Verdict | None:
    try:
        raw = json.loads(path.read_text())
        if not isinstance(raw, dict) or set(raw) != _FIELDS:
            return None
        if raw["line"] is not None:
            raw["line"] = tuple(raw["line"])
        return Verdict(**raw)
    except (OSError, ValueError, TypeError):
        return None


def directory() -> Path:
    return _jitcache.cache_dir() / "verdicts"


def verify_cached(path: str | os.PathLike, program: str,
                  prog_type: str | None = None) -> tuple[Verdict, bool]:
    """``verify(path, program)`` with the verdict cached on disk: (verdict, from the cache)."""
    data = Path(path).read_bytes()
    folder = directory()
    file = folder / f"{_key(data, program, prog_type)}.json"
    use_cache = os.environ.get("PYBPF_NO_VERDICT_CACHE", "") in ("", "0")
    if use_cache and (hit := _load(file)) is not None:
        return hit, True
    (verdict,) = verify(path, program=program, prog_type=prog_type)
    if use_cache:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(dataclasses.asdict(verdict)))
            os.replace(tmp, file)
        except OSError:  # a read-only cache only costs the next run its time
            pass
    return verdict, False
