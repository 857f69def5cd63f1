"""Shared fixtures (kept small on purpose)."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The bpf_conformance corpus, checked out next to the repository (``../shared/conformance``).
CORPUS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "conformance"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The bpf_conformance corpus (``tests/`` and ``negative/``); skips when it is absent."""
    if not (CORPUS_DIR / "tests").is_dir() or not (CORPUS_DIR / "negative").is_dir():
        pytest.skip(f"bpf_conformance corpus not found at {CORPUS_DIR} "
                    f"(expected tests/ and negative/ there)")
    return CORPUS_DIR


@pytest.fixture(autouse=True)
def _private_pin_root(tmp_path_factory, monkeypatch):
    """Pinned maps of every test go to a temporary bpffs, never the user's home."""
    monkeypatch.setenv("PYBPF_PIN_ROOT", str(tmp_path_factory.mktemp("bpffs")))
