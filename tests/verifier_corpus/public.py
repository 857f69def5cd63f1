"""pybpf's verifier against Linux on public BPF programs: agreement per program and repository.

Nothing public is committed: the sources are extracted from bare mirrors and compiled under a
scratch directory (``/tmp/vpublic`` by default, ``--work DIR``)::

    # 1. mirrors (bare git repos), brought with the session's fetch tool, e.g.
    #    fetch github:xdp-project/xdp-tutorial -> /work/.mirror/xdp-project+xdp-tutorial/repo
    #    needed: xdp-project/xdp-tutorial, xdp-project/xdp-tools, facebookincubator/katran,
    #    libbpf/libbpf-bootstrap, libbpf/libbpf (headers), libbpf/vmlinux.h, iovisor/bcc
    #    (libbpf-tools), netoptimizer/xdp-cpumap-tc, cilium/ebpf (testdata); a missing
    #    mirror is skipped
    # 2. extract, compile, load each program into the kernel and verify it with pybpf:
    sudo python tests/verifier_corpus/public.py [--mirrors /work/.mirror] [--only katran]
         [--json OUT.json]

Each source is compiled with the pinned toolchain (:func:`pybpf.toolchain.compile`); a source
gets the first flag set of its repository that compiles (the public Makefiles use system
headers, which the freestanding zig clang replaces with its musl headers, libbpf's own
headers and ``vmlinux.h``). Then, for every program of the object:

* the kernel's verdict: libbpf opens the object and loads only that program (the others
  have autoload off), log level 1, so the last log line and the processed count are read
  even for an accepted program. A program libbpf gives up on before the verifier ran (map
  creation, attach target) is reported as ``libbpf`` and left out of the agreement;
* pybpf's verdict: :func:`pybpf.verifier.verify` on the same object and program.

A program agrees when both accept, or both refuse with the same last line. The table marks
program types whose context rules pybpf does not model (``ctx.modelled``): pybpf lets
their context accesses through, so their agreement says less. Exit status 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import last_error_line  # noqa: E402

REPOS = ("xdp-project+xdp-tutorial", "xdp-project+xdp-tools", "facebookincubator+katran",
         "libbpf+libbpf-bootstrap", "libbpf+libbpf", "libbpf+vmlinux.h",
         "iovisor+bcc", "netoptimizer+xdp-cpumap-tc", "cilium+ebpf")
#: Only these paths of a repository are extracted (bcc's mirror lacks its large headers).
PATHS = {"iovisor+bcc": r"libbpf-tools/[^/]*\.(bpf\.c|h)$",
         "cilium+ebpf": r"(testdata|btf/testdata)/[^/]*\.[ch]$"}
PYBPF_TIMEOUT = 600   # seconds for one program in pybpf's verifier


# ---- sources and flags -----------------------------------------------------------------------
def extract(mirrors: Path, work: Path) -> Path:
    """``git archive HEAD`` of each mirror into ``work/src/<owner+name>`` (once)."""
    src = work / "src"
    for name in REPOS:
        dest = src / name
        if dest.exists():
            continue
        repo = mirrors / name / "repo"
        if not repo.exists():
            repo = mirrors / name
        if not repo.exists():
            print(f"{name}: no mirror at {repo}, skipped", file=sys.stderr)
            continue
        paths = []
        if name in PATHS:
            listing = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only",
                                      "HEAD"], check=True, capture_output=True, text=True).stdout
            paths = [p for p in listing.splitlines() if re.match(PATHS[name], p)]
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(repo), "archive", "HEAD", *paths],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return src


def _musl() -> list[str]:
    import ziglang
    libc = Path(ziglang.__file__).parent / "lib" / "libc" / "include"
    return [f"-I{libc / 'x86_64-linux-musl'}", f"-I{libc / 'generic-musl'}",
            "-Wno-error=incompatible-pointer-types"]


def _shims(work: Path, src: Path) -> dict:
    """Helper files of the build: libbpf's headers as ``<bpf/...>`` and a string.h shim."""
    inc = work / "inc"
    (inc / "bpf").mkdir(parents=True, exist_ok=True)
    for h in (src / "libbpf+libbpf" / "src").glob("*.h"):
        target = inc / "bpf" / h.name
        if not target.exists():
            target.write_bytes(h.read_bytes())
    shim = inc / "builtin_string.h"
    shim.write_text("#include <stddef.h>\n#include <string.h>\n#define memcpy __builtin_memcpy\n"
                    "#define memset __builtin_memset\n#define memmove __builtin_memmove\n"
                    "#define memcmp __builtin_memcmp\n")
    stddef = inc / "with_stddef.h"
    stddef.write_text("#include <stddef.h>\n")
    types = inc / "with_linux_types.h"
    types.write_text("#include <stddef.h>\n#include <linux/types.h>\n")
    # libbpf's headers first, pybpf's (earlier on the -I path) then seen as already included
    libbpf_first = []
    for name, guard in (("bpf_helpers.h", "__PYBPF_BPF_HELPERS_H"),
                        ("bpf_endian.h", "__PYBPF_BPF_ENDIAN_H"),
                        ("bpf_tracing.h", "__PYBPF_BPF_TRACING_H")):
        libbpf_first += ["-include", str(inc / "bpf" / name), f"-D{guard}"]
    libbpf_first.append("-DPYBPF_BPF_HELPER_DEFS_H")
    # Katran's tpr includes <bpf/vmlinux/vmlinux.h>
    (inc / "bpf" / "vmlinux").mkdir(exist_ok=True)
    vml = inc / "bpf" / "vmlinux" / "vmlinux.h"
    if not vml.exists():
        vml.write_bytes((src / "libbpf+vmlinux.h" / "include" / "x86_64" / "vmlinux.h").read_bytes())
    return {"inc": inc, "shim": shim, "stddef": stddef, "types": types, "libbpf_first": libbpf_first}


@dataclass
class Source:
    repo: str
    path: Path
    variants: list                       # flag lists, tried in order
    obj: Path | None = None
    cflags: list = field(default_factory=list)
    error: str = ""


def sources(src: Path, work: Path, only: str | None) -> list[Source]:
    sh = _shims(work, src)
    musl = _musl()
    vml = src / "libbpf+vmlinux.h" / "include" / "x86_64"
    out: list[Source] = []

    tut = src / "xdp-project+xdp-tutorial"
    for p in sorted(tut.glob("*/*.c")):
        if "_kern" in p.name or "_fail" in p.name:
            base = [f"-I{tut / 'common'}", f"-I{p.parent}"]
            out.append(Source("xdp-tutorial", p, [base, base + musl]))

    xt = src / "xdp-project+xdp-tools"
    for p in sorted(list(xt.glob("*/*.bpf.c")) + list(xt.glob("lib/util/*.bpf.c"))
                    + list(xt.glob("xdp-filter/xdpfilt_*.c"))):
        base = [f"-I{xt / 'headers'}", f"-I{p.parent}", f"-I{xt / 'lib' / 'util'}",
                "-std=gnu2x", f"-I{sh['inc']}"]
        more = ["-include", str(sh["stddef"]), "-DHAVE_LIBBPF_BPF_PROGRAM__FLAGS",
                "-DHAVE_LIBBPF_BPF_PROGRAM__TYPE"]
        out.append(Source("xdp-tools", p, [base, base + musl, base + musl + more,
                                           base + musl + more + ["-include", str(sh["types"])]
                                           + sh["libbpf_first"]]))

    kat = src / "facebookincubator+katran"
    for p in sorted(list((kat / "katran").glob("**/*bpf/*.c"))):
        base = [f"-I{kat}", f"-I{kat / 'katran' / 'lib' / 'linux_includes'}"] + musl
        # decap.bpf.c calls a parser compiled only with TCP_SERVER_ID_ROUTING/DECAP_TPR_STATS
        out.append(Source("katran", p, [base, base + ["-include", str(sh["shim"])],
                                        base + ["-include", str(sh["shim"]), "-DDECAP_TPR_STATS"],
                                        [f"-I{kat}", f"-I{sh['inc']}", "-D__TARGET_ARCH_x86"]
                                        + sh["libbpf_first"]]))

    lb = src / "libbpf+libbpf-bootstrap"
    for p in sorted(lb.glob("examples/**/*.bpf.c")):
        vmlinux = [f"-I{vml}", "-D__TARGET_ARCH_x86", "-include", str(vml / "vmlinux.h"),
                   f"-I{sh['inc']}"]
        out.append(Source("libbpf-bootstrap", p, [vmlinux + sh["libbpf_first"],
                                                  ["-include", str(sh["inc"] / "bpf" /
                                                                   "bpf_endian.h")]]))
    bcc = src / "iovisor+bcc" / "libbpf-tools"
    for p in sorted(bcc.glob("*.bpf.c")):
        out.append(Source("bcc", p, [[f"-I{vml}", f"-I{bcc}", "-D__TARGET_ARCH_x86",
                                      "-include", str(vml / "vmlinux.h"), f"-I{sh['inc']}"]
                                     + sh["libbpf_first"]]))

    cpu = src / "netoptimizer+xdp-cpumap-tc"
    for p in sorted(cpu.glob("src/*_kern.c")):
        base = [f"-I{cpu / 'headers'}", f"-I{p.parent}"]
        out.append(Source("xdp-cpumap-tc", p, [base, base + musl]))

    ce = src / "cilium+ebpf" / "testdata"
    for p in sorted(ce.glob("*.c")):
        out.append(Source("cilium-ebpf", p, [[f"-I{ce}"], [f"-I{ce}", "-mcpu=v4"]]))

    if only:
        out = [s for s in out if only in s.repo or only in str(s.path)]
    return out


def build(s: Source, objdir: Path) -> None:
    from pybpf.errors import PyBPFError
    from pybpf.toolchain import compile as cc
    obj = objdir / (s.repo + "__" + _label(s.path).replace("/", "_")).replace(".c", ".o")
    for flags in s.variants:
        try:
            cc(s.path, obj, cflags=flags)
        except PyBPFError as exc:
            s.error = _first_error(str(exc))
            continue
        s.obj, s.cflags, s.error = obj, flags, ""
        return


def _label(path: Path) -> str:
    """``path`` relative to its ``owner+name`` directory."""
    i = next(i for i, part in enumerate(path.parts) if "+" in part)
    return "/".join(path.parts[i + 1:])


def _first_error(text: str) -> str:
    for line in text.splitlines():
        if "error:" in line:
            return line.strip()[-200:]
    return text.strip().splitlines()[-1][-200:] if text.strip() else "compile failed"


# ---- the kernel: one program of an object at a time -------------------------------------------
_LIBBPF_EXTRA = """
int bpf_program__set_autoload(struct bpf_program *prog, _Bool autoload);
int bpf_program__set_log_level(struct bpf_program *prog, uint32_t log_level);
int bpf_program__set_log_buf(struct bpf_program *prog, char *log_buf, size_t log_size);
uint32_t bpf_map__max_entries(const struct bpf_map *map);
int bpf_map__set_max_entries(struct bpf_map *map, uint32_t max_entries);
"""


def _lib():
    from pybpf import kernel
    ffi, _ = kernel._ffi()
    lib = kernel._libbpf()
    if not getattr(ffi, "_vpublic", False):
        ffi.cdef(_LIBBPF_EXTRA)
        ffi._vpublic = True
    return ffi, lib


def kernel_programs(path: Path) -> list[str]:
    from pybpf import kernel
    ffi, lib = _lib()
    with kernel._capture_libbpf():
        obj = lib.bpf_object__open_file(str(path).encode(), ffi.NULL)
    if obj == ffi.NULL:
        return []
    names = []
    p = lib.bpf_object__next_program(obj, ffi.NULL)
    while p != ffi.NULL:
        names.append(ffi.string(lib.bpf_program__name(p)).decode())
        p = lib.bpf_object__next_program(obj, p)
    lib.bpf_object__close(obj)
    return names


def kernel_verdict(path: Path, program: str) -> dict:
    """Load ``program`` alone from ``path``: accepted/message/processed, or ``libbpf`` set.

    Maps declared with ``max_entries 0`` (sized by their loader at run time) get 1.
    """
    from pybpf import kernel
    ffi, lib = _lib()
    size = 64 << 20
    buf = ffi.new("char[]", size)
    with kernel._capture_libbpf() as lines:
        obj = lib.bpf_object__open_file(str(path).encode(), ffi.NULL)
        if obj == ffi.NULL:
            return {"accepted": False, "libbpf": True, "message": "libbpf: cannot open",
                    "processed": None}
        try:
            p = lib.bpf_object__next_program(obj, ffi.NULL)
            while p != ffi.NULL:
                mine = ffi.string(lib.bpf_program__name(p)).decode() == program
                lib.bpf_program__set_autoload(p, mine)
                if mine:
                    lib.bpf_program__set_log_buf(p, buf, size)
                    lib.bpf_program__set_log_level(p, 1)
                p = lib.bpf_object__next_program(obj, p)
            m = lib.bpf_object__next_map(obj, ffi.NULL)
            while m != ffi.NULL:
                lib.bpf_map__set_pin_path(m, ffi.NULL)
                if lib.bpf_map__max_entries(m) == 0:
                    lib.bpf_map__set_max_entries(m, 1)
                m = lib.bpf_object__next_map(obj, m)
            t0 = time.perf_counter()
            ret = lib.bpf_object__load(obj)
            seconds = time.perf_counter() - t0
        finally:
            lib.bpf_object__close(obj)
    log = ffi.string(buf).decode("utf-8", "replace")
    m = re.search(r"processed (\d+) insns", log)
    processed = int(m.group(1)) if m else None
    if ret == 0:
        return {"accepted": True, "message": "", "processed": processed, "seconds": seconds}
    if not last_error_line(log):   # no verifier message: a load attribute libbpf got wrong
        text = [ln.strip() for ln in "".join(lines).splitlines()
                if ln.strip() and "failed to load" not in ln]
        return {"accepted": False, "libbpf": True, "processed": None, "seconds": seconds,
                "message": (text[-1] if text else f"libbpf: error {ret}")[:200]}
    return {"accepted": False, "message": last_error_line(log), "processed": processed,
            "seconds": seconds}


# ---- pybpf ------------------------------------------------------------------------------------
class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def pybpf_verdict(path: Path, program: str) -> dict:
    from pybpf.errors import PyBPFError
    from pybpf.verifier import verify
    from pybpf.elf import read_object
    from pybpf.verifier.ctx import modelled
    try:
        ptype = read_object(path).programs[program].type
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        ptype = f"? ({type(exc).__name__})"
    t0 = time.perf_counter()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(PYBPF_TIMEOUT)
    try:
        v = verify(path, program=program)[0]
        out = {"accepted": v.accepted, "message": v.message, "processed": v.processed}
    except _Timeout:
        out = {"accepted": None, "message": f"timeout after {PYBPF_TIMEOUT} s", "processed": None}
    except PyBPFError as exc:
        out = {"accepted": None, "message": f"{type(exc).__name__}: {exc}"[:300],
               "processed": None}
    except Exception as exc:  # noqa: BLE001 - a traceback is a pybpf bug: report it
        out = {"accepted": None, "message": f"CRASH {type(exc).__name__}: {exc}"[:300],
               "processed": None}
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    out["seconds"] = time.perf_counter() - t0
    out["type"] = ptype
    out["modelled"] = modelled(ptype)
    return out


def agree(k: dict, p: dict) -> bool | None:
    """True/False, or None when the kernel's side is libbpf's (no verifier verdict)."""
    if k.get("libbpf"):
        return None
    if p["accepted"] is None:
        return False
    return k["accepted"] == p["accepted"] and (k["accepted"] or k["message"] == p["message"])


# ---- the table --------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", default="/work/.mirror", type=Path)
    ap.add_argument("--work", default="/tmp/vpublic", type=Path)
    ap.add_argument("--only", help="repository or path substring")
    ap.add_argument("--json", type=Path, help="write every row here")
    args = ap.parse_args(argv)
    from pybpf import kernel
    if not kernel.available():
        print(f"needs bpf() and libbpf: {kernel.unavailable_reason()}", file=sys.stderr)
        return 2
    src = extract(args.mirrors, args.work)
    objdir = args.work / "obj"
    objdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for s in sources(src, args.work, args.only):
        build(s, objdir)
        label = _label(s.path)
        if s.obj is None:
            rows.append({"repo": s.repo, "source": label, "program": "-", "compiled": False,
                         "error": s.error})
            print(f"{s.repo:16} {label}: does not compile: {s.error}", flush=True)
            continue
        for prog in kernel_programs(s.obj):
            k = kernel_verdict(s.obj, prog)
            p = pybpf_verdict(s.obj, prog)
            row = {"repo": s.repo, "source": label, "program": prog, "compiled": True,
                   "kernel": k, "pybpf": p, "agree": agree(k, p)}
            rows.append(row)
            _print_row(row)
    _summary(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


def _verdict(v: dict) -> str:
    if v.get("libbpf"):
        return "libbpf"
    return {True: "accept", False: "REJECT", None: "ERROR"}[v["accepted"]]


def _print_row(r: dict) -> None:
    k, p = r["kernel"], r["pybpf"]
    mark = {True: "ok", False: "DIFF", None: "--"}[r["agree"]]
    typ = str(p["type"]) + ("" if p["modelled"] else "*")
    print(f"{mark:4} {r['repo']:16} {r['source'] + ':' + r['program']:60} {typ:14} "
          f"kernel {_verdict(k)} {k.get('processed') or '-':>7} | pybpf {_verdict(p)} "
          f"{p.get('processed') or '-':>7} {p['seconds']:7.2f}s", flush=True)
    if r["agree"] is not True:
        if k["message"]:
            print(f"       kernel: {k['message']}")
        if p["message"]:
            print(f"       pybpf:  {p['message']}")


def _summary(rows: list) -> None:
    print("\n(* = program type whose context pybpf does not model)")
    print(f"{'repository':18} {'programs':>8} {'compared':>8} {'agree':>6} {'%':>6} "
          f"{'false rej':>9} {'false acc':>9} {'msg diff':>8} {'libbpf':>6} {'no cc':>6}")
    groups: dict = {}
    for r in rows:
        groups.setdefault(r["repo"], []).append(r)
    groups["ALL"] = rows
    for name, rs in groups.items():
        progs = [r for r in rs if r["compiled"]]
        cmp_ = [r for r in progs if r["agree"] is not None]
        ok = sum(r["agree"] for r in cmp_)
        frej = sum(1 for r in cmp_ if r["kernel"]["accepted"] and r["pybpf"]["accepted"] is not True)
        facc = sum(1 for r in cmp_ if not r["kernel"]["accepted"] and r["pybpf"]["accepted"])
        msg = sum(1 for r in cmp_ if not r["kernel"]["accepted"]
                  and r["pybpf"]["accepted"] is False and not r["agree"])
        pct = f"{100 * ok / len(cmp_):.1f}" if cmp_ else "-"
        print(f"{name:18} {len(progs):8} {len(cmp_):8} {ok:6} {pct:>6} {frej:9} {facc:9} "
              f"{msg:8} {len(progs) - len(cmp_):6} {len(rs) - len(progs):6}")


if __name__ == "__main__":
    raise SystemExit(main())
