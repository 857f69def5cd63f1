"""Record the kernel's verdict for every corpus case into kernel.json.

    sudo python tests/verifier_corpus/record.py      # needs bpf() (root)

Assembly cases load with bpf(); C cases are compiled and loaded with libbpf.
Each entry: accepted, the verifier's last log line (message) and the processed
instruction count, as Linux reported them; the kernel release is stored too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tempfile  # noqa: E402

from corpus import (EXPECTED, PROGRAMS_EXPECTED, REPO, c_cases, compile_c,  # noqa: E402
                    kernel_verdict, kernel_verdict_object, load_cases, object_verdict_kernel,
                    repo_objects)

from pybpf import kernel  # noqa: E402


def main() -> int:
    if not kernel.available(libbpf=False):
        print(f"bpf() is not available: {kernel.unavailable_reason(libbpf=False)}", file=sys.stderr)
        return 2
    out = {"_kernel": kernel.kernel_release()}
    for case in load_cases():
        out[case.name] = kernel_verdict(case)
        v = out[case.name]
        print(f"{case.name:40} {'accept' if v['accepted'] else 'REJECT'} {v['message']}")
    with tempfile.TemporaryDirectory() as tmp:
        for src in c_cases():
            out[src.stem] = v = kernel_verdict_object(compile_c(src, Path(tmp)))
            print(f"{src.stem:40} {'accept' if v['accepted'] else 'REJECT'} {v['message']}")
    EXPECTED.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"{len(out) - 1} cases written to {EXPECTED}")
    progs = {"_kernel": out["_kernel"]}
    for path in repo_objects():
        rel = str(path.relative_to(REPO))
        progs[rel] = v = object_verdict_kernel(path)
        print(f"{rel:40} {'accept' if v['accepted'] else 'REJECT'} {v['message']}")
    PROGRAMS_EXPECTED.write_text(json.dumps(progs, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
