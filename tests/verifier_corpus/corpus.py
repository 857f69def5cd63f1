"""The verifier corpus: small programs with the kernel's verdict recorded for each.

``cases/*.s`` hold assembly cases in the kernel log's syntax (:mod:`pybpf.isa.asm`),
several per file. Each case starts with a header line::

    ### name [prog_type] [map=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES ...] [attach=NAME]

``c/*.c`` are C cases (one program each), compiled with the pinned toolchain
(:func:`pybpf.toolchain.compile`) and loaded through libbpf when recording.

``attach=`` names the expected attach type (libbpf's lower-case name, ``ATTACH_TYPES``),
which the recorder passes to bpf() and the verifier gets with the program type.

``map[id:N]`` in the body refers to the N-th ``map=`` of the header; the recorder
creates those maps in the kernel and puts their fds in the instructions.
``kernel.json`` holds, per case, the verdict and the verifier's last log line, as
``record.py`` recorded them from the running kernel.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from pybpf.isa import opcodes as o
from pybpf.isa.asm import assemble
from pybpf.helpers import HELPER_IDS
from pybpf.verifier import MapDesc

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
EXPECTED = HERE / "kernel.json"
EXPECTED_UNPRIV = HERE / "kernel_unpriv.json"     # the same cases without CAP_PERFMON
MAP_TYPES = {"hash": 1, "array": 2, "prog_array": 3, "perf_event_array": 4, "percpu_hash": 5,
             "percpu_array": 6, "lru_hash": 9, "array_of_maps": 12, "queue": 22, "stack": 23,
             "devmap": 14, "ringbuf": 27}
#: enum bpf_attach_type numbers of the attach types cases name (include/uapi/linux/bpf.h)
ATTACH_TYPES = {"cgroup_inet_egress": 1, "cgroup_getsockopt": 21, "trace_raw_tp": 23,
                "trace_fentry": 24, "trace_fexit": 25, "sk_lookup": 36, "netfilter": 45,
                "trace_kprobe_session": 56, "trace_uprobe_session": 57}


@dataclass
class Case:
    name: str
    prog_type: str
    text: str
    maps: list = field(default_factory=list)    # [(type, key, value, max_entries)]
    source: str = ""
    attach: str | None = None

    @property
    def verifier_type(self):
        """The program type as the verifier takes it, with the attach type."""
        from pybpf.verifier.ctx import with_attach
        return with_attach(self.prog_type, self.attach)

    def insns(self):
        helpers = {f"bpf_{n}": i for n, i in HELPER_IDS.items()}
        helpers.update(HELPER_IDS)
        return assemble(self.text, helpers=helpers)

    def map_descs(self) -> list[MapDesc]:
        return [MapDesc(f"map{i}", t, k, v, n) for i, (t, k, v, n) in enumerate(self.maps)]


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CASES.glob("*.s")):
        current = None
        for line in path.read_text().splitlines():
            if line.startswith("###"):
                parts = line[3:].split()
                maps, attach = [], None
                for p in parts[2:]:
                    m = re.fullmatch(r"map=(\w+):(\d+):(\d+):(\d+)", p)
                    if p.startswith("attach=") and p[7:] in ATTACH_TYPES:
                        attach = p[7:]
                        continue
                    if not m:
                        raise ValueError(f"{path.name}: bad header item {p!r}")
                    maps.append((MAP_TYPES[m.group(1)], int(m.group(2)), int(m.group(3)),
                                 int(m.group(4))))
                current = Case(parts[0], parts[1], "", maps, path.name, attach)
                cases.append(current)
            elif current is not None:
                current.text += line + "\n"
    names = [c.name for c in cases]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"duplicate case names: {sorted(dupes)}")
    return cases


def expected(unprivileged: bool = False) -> dict:
    path = EXPECTED_UNPRIV if unprivileged else EXPECTED
    return json.loads(path.read_text()) if path.exists() else {}


# ---- privileges -------------------------------------------------------------------------------
# The kernel gives allow_ptr_leaks, allow_uninit_stack and the Spectre bypasses to a loader
# with CAP_PERFMON (or CAP_SYS_ADMIN); XDP and tc programs need only CAP_BPF + CAP_NET_ADMIN.
# A root process that drops the first two gets the unprivileged verifier and can still load.
_CAP_SYS_ADMIN, _CAP_PERFMON = 21, 38
DROP = "cap_sys_admin,cap_perfmon"


def has_perfmon() -> bool:
    """Whether this process holds CAP_SYS_ADMIN or CAP_PERFMON (effective)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            eff = int(line.split()[1], 16)
            return bool(eff >> _CAP_SYS_ADMIN & 1 or eff >> _CAP_PERFMON & 1)
    return False


def capsh_available() -> bool:
    import shutil
    return shutil.which("capsh") is not None


def drop_perfmon(argv: list[str], capture: bool = False):
    """Run ``argv`` with CAP_SYS_ADMIN and CAP_PERFMON dropped from the bounding set
    (capsh), so the child keeps CAP_BPF and CAP_NET_ADMIN only of the two groups.
    Returns its exit status, or its stdout when ``capture``."""
    import shlex
    import subprocess
    cmd = ["capsh", f"--drop={DROP}", "--", "-c", shlex.join(argv)]
    if capture:
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return subprocess.run(cmd).returncode


def last_error_line(log: str) -> str:
    """The verifier's final message: the last line before the statistics."""
    text = re.sub(r"(?<!^)(?<!\n)(processed \d+ insns)", r"\n\1", log)
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    while lines and re.match(r"(processed \d+ insns|verification time|stack depth|"
                             r"cur state:|old state:)", lines[-1]):
        lines.pop()
    return lines[-1].strip() if lines else ""


# ---- running a case in the kernel ------------------------------------------------------------
_libc = ctypes.CDLL(None, use_errno=True)
_SYS_BPF = 321
BPF_MAP_CREATE = 0


def _map_create(mtype: int, key: int, value: int, entries: int) -> int:
    attr = (ctypes.c_uint32 * 30)()
    attr[0], attr[1], attr[2], attr[3] = mtype, key, value, entries
    fd = _libc.syscall(_SYS_BPF, BPF_MAP_CREATE, ctypes.byref(attr), ctypes.sizeof(attr))
    if fd < 0:
        raise OSError(ctypes.get_errno(), f"map create failed for type {mtype}")
    return fd


def kernel_verdict(case: Case) -> dict:
    """Load ``case`` with ``bpf()``; returns accepted, message and processed count."""
    from pybpf import kernel
    fds = [_map_create(*m) for m in case.maps]
    try:
        insns = []
        for insn in case.insns():
            if insn.opcode == o.LDDW and insn.src in (o.BPF_PSEUDO_MAP_FD, o.BPF_PSEUDO_MAP_VALUE):
                idx = insn.imm & 0xFFFFFFFF
                insn = replace(insn, imm=(insn.imm & ~0xFFFFFFFF) | fds[idx])
            insns.append(insn)
        code = b"".join(i.encode() for i in insns)
        try:
            res = kernel.load_raw_logged(code, case.prog_type, log_level=1, name=case.name,
                                         expected_attach_type=ATTACH_TYPES.get(case.attach, 0))
        except kernel.KernelRefused as exc:
            return {"accepted": False, "message": last_error_line(exc.log),
                    "processed": _processed(exc.log)}
        os.close(res.fd)
        return {"accepted": True, "message": "", "processed": _processed(res.log)}
    finally:
        for fd in fds:
            os.close(fd)


def _processed(log: str) -> int | None:
    m = re.search(r"processed (\d+) insns", log)
    return int(m.group(1)) if m else None


# ---- C cases --------------------------------------------------------------------------------
C_DIR = HERE / "c"


def c_cases() -> list[Path]:
    return sorted(C_DIR.glob("*.c"))


def compile_c(src: Path, out_dir: Path) -> Path:
    from pybpf.toolchain import compile as cc
    out = Path(out_dir) / (src.stem + ".o")
    return Path(cc(src, out))


def kernel_verdict_object(path: Path) -> dict:
    """Load an object through libbpf; the verdict of its (single) program."""
    from pybpf import kernel
    try:
        with kernel.KernelObject(path):
            pass
    except kernel.KernelRefused as exc:
        return {"accepted": False, "message": last_error_line(exc.log),
                "processed": _processed(exc.log)}
    return {"accepted": True, "message": "", "processed": None}


# ---- the repository's own programs ------------------------------------------------------------
REPO = HERE.parents[1]
PROGRAMS_EXPECTED = HERE / "programs.json"


def repo_objects() -> list[Path]:
    return sorted((REPO / "programs").glob("**/*.o"))


def object_verdict_kernel(path: Path) -> dict:
    """The kernel's verdict on a whole object; ``libbpf`` set when libbpf itself gave up."""
    v = kernel_verdict_object(path)
    if not v["accepted"] and v["message"].startswith("libbpf:"):
        v["libbpf"] = True
    return v


def object_verdict_pybpf(path: Path) -> dict:
    """pybpf's verdict on a whole object: refused when any program is."""
    from pybpf.verifier import verify
    bad = [v for v in verify(path) if not v.accepted]
    return {"accepted": not bad, "message": bad[0].message if bad else ""}
