"""Compiling BPF C into ELF objects, and keeping the committed fixtures fresh.

The default compiler is the clang inside the pinned ``ziglang`` wheel, run as
``python -m ziglang cc``: it needs no system packages and is the same clang on
every machine, which is what lets the compiled fixtures under ``programs/`` be
committed and checked byte for byte.

Objects are made path-independent: the compiler runs from the repository root
(or the source's directory), gets the source as a relative path, and
``-fdebug-prefix-map`` rewrites the checkout and ziglang install paths, so the
DWARF and BTF file names are the same wherever the repository lives.

Command line::

    python -m pybpf.toolchain build   # (re)compile every programs/**/*.c, update the manifest
    python -m pybpf.toolchain check   # exit 1 listing fixtures that are stale
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Sequence

from pybpf.errors import ToolchainError

__all__ = [
    "REPO_ROOT",
    "RUNTIME_INCLUDE",
    "BASE_CFLAGS",
    "FIXTURE_CFLAGS",
    "MANIFEST_NAME",
    "compile",
    "compiler_command",
    "compiler_id",
    "zig_available",
    "fixture_sources",
    "build_fixtures",
    "stale_fixtures",
    "main",
]

#: The repository checkout this module lives in (``pybpf/..``).
REPO_ROOT = Path(__file__).resolve().parent.parent
#: Headers of our own (``<bpf/bpf_helpers.h>``, ``<bpf/bpf_endian.h>``).
RUNTIME_INCLUDE = REPO_ROOT / "runtime" / "include"

#: Flags every compile gets (after the target, before the include dirs).
#: ``-fno-unwind-tables``: zig's driver asks for unwind tables and would emit an
#: allocated ``.eh_frame``; without them clang emits ``.debug_frame`` instead, as
#: upstream clang does for BPF.
BASE_CFLAGS: tuple[str, ...] = (
    "-mcpu=v3",
    "-O2",
    "-g",
    "-fno-unwind-tables",
    "-fno-asynchronous-unwind-tables",
)

#: Extra user flags used for the committed fixtures (recorded in the manifest).
FIXTURE_CFLAGS: tuple[str, ...] = ()

#: Fixture manifest, relative to the programs directory.
MANIFEST_NAME = "fixtures.json"
MANIFEST_VERSION = 1

# Stand-ins for machine-specific paths inside debug info.
_ZIG_PATH_ALIAS = "/ziglang"
_REPO_PATH_ALIAS = "/pybpf"

_COMPILE_TIMEOUT = 300


# --------------------------------------------------------------------------
# compilers
# --------------------------------------------------------------------------


def _zig_dir() -> Path | None:
    """Directory of the installed ``ziglang`` package, or None."""
    try:
        import ziglang  # noqa: PLC0415
    except ImportError:
        return None
    file = getattr(ziglang, "__file__", None)
    if not file:
        return None
    return Path(file).resolve().parent


def zig_available() -> bool:
    """True when the ``ziglang`` package (the default compiler) is importable."""
    return _zig_dir() is not None


def _is_zig(cc: str | None) -> bool:
    return cc is None or cc in ("zig", "ziglang")


def _within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _prefix_maps(cwd: Path, zig: Path | None) -> list[str]:
    """``-fdebug-prefix-map`` flags, least specific first.

    clang applies the *last* matching map, so the more specific ones (a
    ziglang install inside a checkout's virtualenv, say) come later.
    """
    maps = [f"-fdebug-prefix-map={cwd}=."]
    if cwd != REPO_ROOT:
        maps.append(f"-fdebug-prefix-map={REPO_ROOT}={_REPO_PATH_ALIAS}")
    if zig is not None:
        maps.append(f"-fdebug-prefix-map={zig}={_ZIG_PATH_ALIAS}")
    return maps


def _work_dir(src: Path) -> Path:
    """The directory the compiler runs in: the repo root for sources in it."""
    return REPO_ROOT if _within(src, REPO_ROOT) else src.parent


def compiler_command(
    src: str | os.PathLike,
    out: str | os.PathLike,
    cflags: Sequence[str] = (),
    cc: str | None = None,
) -> tuple[list[str], Path]:
    """The argv compiling ``src`` to ``out``, and the directory to run it in.

    ``cc`` None (or ``"zig"``) selects the pinned ziglang clang; any other
    value is a clang executable (``"clang"``, ``"clang-14"``, a path).
    """
    src = Path(src).resolve()
    out = Path(out).resolve()
    cwd = _work_dir(src)
    rel_src = os.path.relpath(src, cwd)
    user = [str(f) for f in cflags]

    if _is_zig(cc):
        zig = _zig_dir()
        if zig is None:
            raise ToolchainError(
                "the ziglang package is not installed; "
                "install it with `pip install ziglang==0.17.1` or pass cc='clang'"
            )
        libc = zig / "lib" / "libc" / "include"
        argv = [
            sys.executable, "-m", "ziglang", "cc",
            "-target", "bpfel-freestanding",
            *BASE_CFLAGS,
            *_prefix_maps(cwd, zig),
            f"-I{libc / 'any-linux-any'}",
            f"-I{libc / 'x86-linux-any'}",
            f"-I{RUNTIME_INCLUDE}",
        ]
    else:
        argv = [
            cc,
            "-target", "bpf",
            *BASE_CFLAGS,
            *_prefix_maps(cwd, None),
            # Debian/Ubuntu keep <asm/...> (needed by <linux/types.h>) here.
            "-I/usr/include/x86_64-linux-gnu",
            f"-I{RUNTIME_INCLUDE}",
        ]
    argv += [*user, "-c", rel_src, "-o", str(out)]
    return argv, cwd


def compile(  # noqa: A001 - the natural name; shadows the builtin only here
    src: str | os.PathLike,
    out: str | os.PathLike | None = None,
    cflags: Sequence[str] = (),
    cc: str | None = None,
) -> Path:
    """Compile BPF C ``src`` to an ELF object and return its path.

    ``out`` defaults to ``src`` with suffix ``.o``. Raises ToolchainError
    (carrying the compiler's stderr) when the compiler is missing or fails.
    """
    src_path = Path(src)
    if not src_path.is_file():
        raise ToolchainError(f"{src}: no such source file")
    out_path = Path(out) if out is not None else src_path.with_suffix(".o")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    argv, cwd = compiler_command(src_path, out_path, _absolute_paths(cflags), cc)
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_COMPILE_TIMEOUT,
        )
    except FileNotFoundError as exc:
        raise ToolchainError(f"{src}: compiler {argv[0]!r} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolchainError(
            f"{src}: compiler timed out after {_COMPILE_TIMEOUT}s"
        ) from exc
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout or "").strip() or "(no output)"
        raise ToolchainError(
            f"{src}: compilation failed (exit {proc.returncode}):\n{detail}"
        )
    if not out_path.is_file():
        raise ToolchainError(f"{src}: compiler succeeded but wrote no {out_path}")
    return out_path


_PATH_FLAGS = ("-I", "-isystem", "-iquote", "-idirafter", "-include", "-imacros")


def _absolute_paths(cflags: Sequence[str]) -> list[str]:
    """Path arguments of include flags made absolute against the caller's directory.

    The compiler runs in another directory (so objects do not depend on where they
    were built); a relative ``-Ifoo`` means the caller's ``foo``.
    """
    out, pending = [], False
    for flag in cflags:
        if pending:
            out.append(os.path.abspath(flag))
            pending = False
            continue
        for prefix in _PATH_FLAGS:
            if flag == prefix:
                pending = True
                break
            if flag.startswith(prefix) and prefix in ("-I", "-isystem", "-iquote", "-idirafter"):
                path = flag[len(prefix):]
                flag = prefix + (os.path.abspath(path) if not os.path.isabs(path) else path)
                break
        out.append(flag)
    return out


_CLANG_VERSION = re.compile(r"clang version (\d+(?:\.\d+)*)")


@functools.lru_cache(maxsize=None)
def compiler_id(cc: str | None = None) -> str:
    """Identify the compiler, e.g. ``"ziglang 0.17.1 / clang 22.1.8"``.

    Raises ToolchainError when the compiler is not available.
    """
    if _is_zig(cc):
        if not zig_available():
            raise ToolchainError("the ziglang package is not installed")
        zig_version = _run_for_output([sys.executable, "-m", "ziglang", "version"])
        clang = _CLANG_VERSION.search(
            _run_for_output([sys.executable, "-m", "ziglang", "cc", "--version"])
        )
        clang_version = clang.group(1) if clang else "unknown"
        return f"ziglang {zig_version.strip()} / clang {clang_version}"
    exe = shutil.which(cc) or cc
    clang = _CLANG_VERSION.search(_run_for_output([exe, "--version"]))
    return f"{cc} / clang {clang.group(1) if clang else 'unknown'}"


def _run_for_output(argv: list[str]) -> str:
    try:
        proc = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=60,
        )
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"cannot run {argv[0]!r}: {exc}") from exc
    if proc.returncode != 0:
        raise ToolchainError(
            f"{' '.join(argv)} failed (exit {proc.returncode}): {proc.stderr.strip()}"
        )
    return proc.stdout


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_file(path: Path) -> str:
    return _sha256_bytes(path.read_bytes())


def _headers_hash(include_dir: Path) -> str:
    """One hash over every file under ``include_dir`` (names and contents)."""
    h = hashlib.sha256()
    if include_dir.is_dir():
        for path in sorted(p for p in include_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(include_dir).as_posix()
            h.update(rel.encode() + b"\0")
            h.update(_sha256_file(path).encode() + b"\n")
    return h.hexdigest()


def _flags_hash(cflags: Iterable[str]) -> str:
    """Hash of the path-independent flag set (base flags, then user flags)."""
    flags = ["target=bpfel", *BASE_CFLAGS, *cflags]
    return _sha256_bytes("\0".join(flags).encode())


def _programs_dir(root: str | os.PathLike | None) -> Path:
    """Accept either the repository root or its ``programs`` directory."""
    base = Path(root) if root is not None else REPO_ROOT
    if (base / "programs").is_dir():
        return base / "programs"
    return base


def _include_dir_for(programs: Path) -> Path:
    candidate = programs.parent / "runtime" / "include"
    return candidate if candidate.is_dir() else RUNTIME_INCLUDE


def fixture_sources(root: str | os.PathLike | None = None) -> list[Path]:
    """Every ``programs/**/*.c``, sorted."""
    programs = _programs_dir(root)
    return sorted(programs.rglob("*.c"))


def _load_manifest(programs: Path) -> dict:
    path = programs / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ToolchainError(f"{path}: unreadable fixture manifest: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("fixtures"), dict):
        raise ToolchainError(f"{path}: not a fixture manifest (no 'fixtures' object)")
    return data


def build_fixtures(
    root: str | os.PathLike | None = None, cc: str | None = None
) -> list[Path]:
    """Compile every fixture source beside itself and rewrite the manifest.

    ``root`` is the repository root (or its ``programs`` directory); default
    this checkout. Returns the object paths written.
    """
    programs = _programs_dir(root)
    headers = _headers_hash(_include_dir_for(programs))
    cid = compiler_id(cc)
    flags = _flags_hash(FIXTURE_CFLAGS)
    entries: dict[str, dict] = {}
    objects = []
    for src in fixture_sources(programs):
        obj = compile(src, src.with_suffix(".o"), FIXTURE_CFLAGS, cc)
        objects.append(obj)
        entries[src.relative_to(programs).as_posix()] = {
            "object": obj.relative_to(programs).as_posix(),
            "source_sha256": _sha256_file(src),
            "headers_sha256": headers,
            "cflags": list(FIXTURE_CFLAGS),
            "flags_sha256": flags,
            "compiler": cid,
            "object_sha256": _sha256_file(obj),
        }
    manifest = {
        "version": MANIFEST_VERSION,
        "comment": "generated by `python -m pybpf.toolchain build`; do not edit",
        "fixtures": entries,
    }
    (programs / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return objects


def stale_fixtures(
    root: str | os.PathLike | None = None, cc: str | None = None
) -> list[tuple[Path, str]]:
    """Fixtures whose object no longer matches their inputs, with the reason.

    Needs no compiler unless one is installed: the compiler id is compared
    only when ``cc``'s compiler is available (a missing compiler cannot be
    the wrong one).
    """
    programs = _programs_dir(root)
    manifest = _load_manifest(programs)
    recorded: dict = manifest.get("fixtures", {})
    headers = _headers_hash(_include_dir_for(programs))
    flags = _flags_hash(FIXTURE_CFLAGS)
    try:
        cid: str | None = compiler_id(cc)
    except ToolchainError:
        cid = None

    stale: list[tuple[Path, str]] = []
    sources = fixture_sources(programs)
    for src in sources:
        key = src.relative_to(programs).as_posix()
        entry = recorded.get(key)
        if entry is None:
            stale.append((src, "not in the manifest"))
            continue
        obj = programs / entry.get("object", src.with_suffix(".o").relative_to(programs).as_posix())
        if _sha256_file(src) != entry.get("source_sha256"):
            stale.append((src, "source changed"))
        elif headers != entry.get("headers_sha256"):
            stale.append((src, "runtime/include headers changed"))
        elif flags != entry.get("flags_sha256"):
            stale.append((src, "compiler flags changed"))
        elif cid is not None and cid != entry.get("compiler"):
            stale.append((src, f"compiler changed ({entry.get('compiler')} -> {cid})"))
        elif not obj.is_file():
            stale.append((src, f"object {obj.name} missing"))
        elif _sha256_file(obj) != entry.get("object_sha256"):
            stale.append((src, f"object {obj.name} does not match the manifest"))
    known = {s.relative_to(programs).as_posix() for s in sources}
    for key in sorted(set(recorded) - known):
        stale.append((programs / key, "in the manifest but the source is gone"))
    return stale


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(
        prog="python -m pybpf.toolchain",
        description="Compile BPF C and maintain the committed fixtures.",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_build = sub.add_parser("build", help="recompile programs/**/*.c and the manifest")
    p_check = sub.add_parser("check", help="list stale fixtures (exit 1 if any)")
    p_cc = sub.add_parser("cc", help="compile one file")
    p_cc.add_argument("src")
    p_cc.add_argument("-o", "--output")
    p_cc.add_argument("--cc", default=None, help="clang executable (default: ziglang)")
    p_cc.add_argument("cflags", nargs="*", help="extra flags (after --)")
    for p in (p_build, p_check):
        p.add_argument("--root", default=None, help="repository root (default: this checkout)")
    sub.add_parser("id", help="print the compiler id")
    args = parser.parse_args(argv)

    try:
        if args.cmd == "build":
            for obj in build_fixtures(args.root):
                print(f"built {obj}")
            return 0
        if args.cmd == "check":
            stale = stale_fixtures(args.root)
            for path, reason in stale:
                print(f"stale: {path}: {reason}")
            if stale:
                print("run `python -m pybpf.toolchain build` to refresh", file=sys.stderr)
                return 1
            print("fixtures up to date")
            return 0
        if args.cmd == "cc":
            print(compile(args.src, args.output, args.cflags, args.cc))
            return 0
        if args.cmd == "id":
            print(compiler_id())
            return 0
    except ToolchainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 2  # pragma: no cover - argparse enforces a command


if __name__ == "__main__":
    sys.exit(main())
