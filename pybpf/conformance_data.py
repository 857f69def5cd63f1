"""Reading the ``.data`` test files of the bpf_conformance suite.

A file is ``#`` comment lines (licence, description), then sections each opened by
a line starting with ``--``::

    -- asm      program text in the suite's assembly syntax
    -- raw      the program as bytecode (see below)
    -- mem      input memory, hex bytes separated by whitespace
    -- result   expected r0, ``0x..`` hex or decimal
    -- error    expected error text (negative cases; may be empty)
    -- c        the C source the program was compiled from (informational)
    -- no register offset   (informational)

``#`` starts a comment on any line. Any other ``--`` line is an unknown directive;
the suite's own runner skips such a file, and :attr:`ConformanceCase.skip_reason`
says so.

``-- raw`` appears in two spellings in the corpus: 64-bit instruction words
written as ``0x5566778800000018`` (the value of the little-endian slot, as the
suite's parser reads it), and hex bytes in memory order (``07 00 01 00 ...``).
A token with a ``0x`` prefix is a 64-bit word; a token without is one or more
bytes written as contiguous hex digits (``07`` or ``0700010001000000``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ConformanceCase", "parse_test_file", "parse_test_text", "load_corpus"]

_KNOWN_SECTIONS = ("asm", "raw", "mem", "result", "error", "c", "no register offset")
_LICENCE = re.compile(r"^(Copyright|SPDX-License-Identifier)\b", re.I)


@dataclass(frozen=True)
class ConformanceCase:
    """One ``.data`` file of the suite."""

    name: str                          # file stem, e.g. "add64"
    path: Path | None
    asm: str | None                    # assembly with comments stripped; None if no -- asm
    asm_first_line: int                # file line number of the first asm line
    raw: bytes | None                  # bytecode from -- raw; None if absent
    mem: bytes                         # input memory (b"" if none)
    result: int | None                 # expected r0, unsigned 64-bit; None if absent
    error: str | None                  # expected error text; None if no -- error ("" if empty)
    sections: tuple[str, ...]          # section names in file order
    comments: tuple[str, ...]          # the header comment lines, '#' stripped
    unknown_sections: tuple[str, ...] = field(default=())

    @property
    def has_program(self) -> bool:
        """True when the file carries a program (a non-empty asm or raw section)."""
        return bool(self.raw) or bool(self.asm and self.asm.strip())

    @property
    def expects_error(self) -> bool:
        return self.error is not None

    @property
    def description(self) -> str:
        """Header comments other than the licence lines, joined by newlines."""
        return "\n".join(c for c in self.comments if c and not _LICENCE.match(c))

    @property
    def skip_reason(self) -> str | None:
        """Why the suite's own runner would skip this file, or None."""
        if self.unknown_sections:
            return f"unknown directive: -- {self.unknown_sections[0]}"
        if self.error is None and self.result is None:
            return "no result or error section"
        if not self.has_program:
            return "no instructions"
        return None

    def program_bytes(self) -> bytes:
        """The program as bytecode: ``-- raw`` if present (as the suite does), else
        the assembled ``-- asm``. Raises AssemblerError for bad assembly and
        ValueError when there is no program."""
        if self.raw:
            return self.raw
        if self.asm is not None and self.asm.strip():
            from .isa.asm_conformance import assemble_to_bytes
            return assemble_to_bytes(self.asm, first_line=self.asm_first_line)
        raise ValueError(f"{self.name}: no program (no -- asm or -- raw section)")


def _section_name(line: str) -> str:
    return line[2:].strip()


def _parse_raw(text: str, where: str) -> bytes:
    out = bytearray()
    for token in text.split():
        if token[:2] in ("0x", "0X"):
            try:
                value = int(token, 16)
            except ValueError:
                raise ValueError(f"{where}: bad raw word {token!r}") from None
            if value >> 64:
                raise ValueError(f"{where}: raw word {token!r} exceeds 64 bits")
            out += value.to_bytes(8, "little")
        else:
            if len(token) % 2 or not re.fullmatch(r"[0-9a-fA-F]+", token):
                raise ValueError(f"{where}: bad raw bytes {token!r}")
            out += bytes.fromhex(token)
    return bytes(out)


def _parse_mem(text: str, where: str) -> bytes:
    out = bytearray()
    for token in text.split():
        if token[:2] in ("0x", "0X"):
            token = token[2:]
        if not token or len(token) > 2 and len(token) % 2 or not re.fullmatch(r"[0-9a-fA-F]+", token):
            raise ValueError(f"{where}: bad memory byte {token!r}")
        out += bytes.fromhex(token.zfill(2))
    return bytes(out)


def _parse_result(text: str, where: str) -> int | None:
    values = text.split()
    if not values:
        return None
    token = values[-1]   # the suite keeps the last non-empty line
    try:
        value = int(token, 16) if token[:2].lower() == "0x" else int(token, 10)
    except ValueError:
        raise ValueError(f"{where}: bad result {token!r}") from None
    return value & 0xFFFFFFFFFFFFFFFF


def parse_test_text(text: str, name: str = "<string>", path: Path | None = None) -> ConformanceCase:
    """Parse the contents of a ``.data`` file (see :func:`parse_test_file`)."""
    comments: list[str] = []
    sections: list[str] = []
    unknown: list[str] = []
    bodies: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    current: str | None = None

    for number, line in enumerate(text.splitlines(), start=1):
        line = line.rstrip("\r")
        stripped = line.strip()
        if stripped.startswith("--"):
            current = _section_name(stripped.split("#", 1)[0])
            sections.append(current)
            if current not in _KNOWN_SECTIONS:
                unknown.append(current)
            bodies.setdefault(current, [])
            first_line.setdefault(current, number + 1)
            continue
        if current is None:
            if stripped.startswith("#"):
                comments.append(stripped[1:].strip())
            continue
        if current in ("c",):
            bodies[current].append(line)   # C source: '#include' is not a comment
            continue
        bodies[current].append(line.split("#", 1)[0].rstrip())

    where = str(path) if path is not None else name

    asm = None
    if "asm" in bodies:
        asm = "\n".join(bodies["asm"])
        if asm:
            asm += "\n"
    raw = _parse_raw("\n".join(bodies["raw"]), where) if "raw" in bodies else None
    mem = _parse_mem("\n".join(bodies.get("mem", [])), where)
    result = _parse_result("\n".join(bodies["result"]), where) if "result" in bodies else None
    error = None
    if "error" in bodies:
        error = "\n".join(l.strip() for l in bodies["error"] if l.strip())

    return ConformanceCase(
        name=name, path=path, asm=asm, asm_first_line=first_line.get("asm", 1),
        raw=raw, mem=mem, result=result, error=error, sections=tuple(sections),
        comments=tuple(comments), unknown_sections=tuple(unknown),
    )


def parse_test_file(path) -> ConformanceCase:
    """Parse one ``.data`` file into a :class:`ConformanceCase`.

    Raises ValueError for malformed ``-- raw``, ``-- mem`` or ``-- result`` data;
    assembly is not assembled here (use :meth:`ConformanceCase.program_bytes`).
    """
    path = Path(path)
    return parse_test_text(path.read_text(encoding="utf-8"), name=path.stem, path=path)


def load_corpus(directory) -> list[ConformanceCase]:
    """Parse every ``*.data`` file in ``directory``, sorted by name."""
    directory = Path(directory)
    return sorted((parse_test_file(p) for p in directory.glob("*.data")), key=lambda c: c.name)
