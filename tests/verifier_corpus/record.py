"""Record the kernel's verdict for every corpus case into kernel.json.

    sudo python tests/verifier_corpus/record.py                  # needs bpf() (root)
    sudo python tests/verifier_corpus/record.py --unprivileged   # into kernel_unpriv.json

Assembly cases load with bpf(); C cases are compiled and loaded with libbpf.
Each entry: accepted, the verifier's last log line (message) and the processed
instruction count, as Linux reported them; the kernel release is stored too.

``--unprivileged`` records the same cases as a loader without CAP_SYS_ADMIN and
CAP_PERFMON (keeping CAP_BPF and CAP_NET_ADMIN) sees them: the recorder runs itself
again under ``capsh --drop=cap_sys_admin,cap_perfmon`` (see :func:`corpus.drop_perfmon`);
the repository's programs (programs.json) are recorded only in the default mode.
``--print`` writes the JSON to stdout instead of the file (the live test uses it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tempfile  # noqa: E402

from corpus import (EXPECTED, EXPECTED_UNPRIV, PROGRAMS_EXPECTED, REPO, c_cases,  # noqa: E402
                    compile_c, drop_perfmon, has_perfmon, kernel_verdict,
                    kernel_verdict_object, load_cases, object_verdict_kernel, repo_objects)

from pybpf import kernel  # noqa: E402


def record_cases(log) -> dict:
    """Every corpus case's verdict in the running kernel, with this process's privileges."""
    out = {"_kernel": kernel.kernel_release()}
    for case in load_cases():
        out[case.name] = v = kernel_verdict(case)
        log(f"{case.name:40} {'accept' if v['accepted'] else 'REJECT'} {v['message']}")
    with tempfile.TemporaryDirectory() as tmp:
        for src in c_cases():
            out[src.stem] = v = kernel_verdict_object(compile_c(src, Path(tmp)))
            log(f"{src.stem:40} {'accept' if v['accepted'] else 'REJECT'} {v['message']}")
    return out


def main(argv: list[str]) -> int:
    unpriv, to_stdout = "--unprivileged" in argv, "--print" in argv
    if not kernel.available(libbpf=False):
        print(f"bpf() is not available: {kernel.unavailable_reason(libbpf=False)}", file=sys.stderr)
        return 2
    if unpriv and has_perfmon():
        return drop_perfmon([sys.executable, str(Path(__file__).resolve()), *argv])
    log = (lambda line: print(line, file=sys.stderr)) if to_stdout else print
    out = record_cases(log)
    if to_stdout:
        print(json.dumps(out, sort_keys=True))
        return 0
    target = EXPECTED_UNPRIV if unpriv else EXPECTED
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"{len(out) - 1} cases written to {target}")
    if unpriv:
        return 0
    progs = {"_kernel": out["_kernel"]}
    for path in repo_objects():
        rel = str(path.relative_to(REPO))
        progs[rel] = v = object_verdict_kernel(path)
        print(f"{rel:40} {'accept' if v['accepted'] else 'REJECT'} {v['message']}")
    PROGRAMS_EXPECTED.write_text(json.dumps(progs, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
