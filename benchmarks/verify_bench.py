"""Verifier speed: processed instructions per second on a large branchy program.

    python benchmarks/verify_bench.py [--blocks N] [--repeat N] [--kernel]

The program (generated here, kernel-log assembly) checks 64 packet bytes against
data_end, then runs N blocks; each loads a packet byte, branches on it, adjusts
it on both arms (a value dead after the join) and stores another byte on the stack,
so the two paths of every block meet again in equal states (pruned at the join: the
adjusted value matters for no check, which pybpf's static relevance analysis sees,
as the kernel's precision tracking does). A bounded loop of
48 iterations with a branch in its body follows. "processed" counts as the
kernel's log does (every instruction walked, on every path). With --kernel the
same program is loaded with bpf() and the kernel's own count is printed. Times are
CPU seconds of this process (other work on a shared machine does not count) for the
whole of a verification (for objects: reading and linking the ELF, CFG checks,
liveness, exploration), the fastest of --repeat runs; each verification starts with
empty memo tables (see regs.reset_memos). For the branchy program, the part spent before
exploring (CFG checks, liveness and relevance analyses) is printed too: with few paths per
instruction it is a large share.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pybpf.isa.asm import assemble  # noqa: E402
from pybpf.isa.insn import encode  # noqa: E402
from pybpf.verifier import verify, verify_insns  # noqa: E402
from pybpf.verifier.cfg import build  # noqa: E402
from pybpf.verifier.core import Verifier  # noqa: E402
from pybpf.verifier.regs import reset_memos  # noqa: E402


def branchy_program(blocks: int) -> str:
    out = ["    r2 = *(u32 *)(r1 +0)", "    r3 = *(u32 *)(r1 +4)", "    r1 = r2",
           "    r1 += 64", "    if r1 > r3 goto out", "    r6 = 0"]
    for i in range(blocks):
        out += [f"    r4 = *(u8 *)(r2 +{i % 64})",
                f"    r5 = *(u8 *)(r2 +{(i * 7) % 64})",
                f"    if r4 > {(i * 37) % 251} goto a{i}",
                "    r4 += 1",
                f"    goto b{i}",
                f"a{i}:",
                "    r4 -= 1",
                f"b{i}:",
                f"    *(u8 *)(r10 -{1 + i % 64}) = r5"]
    out += ["    r7 = 0",
            "loop:",
            "    r4 = *(u8 *)(r2 +5)",
            "    if r4 & 1 goto odd",
            "    r6 += 2",
            "    goto next",
            "odd:",
            "    r6 += 1",
            "next:",
            "    r7 += 1",
            "    if r7 < 48 goto loop",
            "out:",
            "    r0 = 2",
            "    exit"]
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=1500)
    ap.add_argument("--repeat", type=int, default=3, help="runs per program; the fastest counts")
    ap.add_argument("--kernel", action="store_true", help="also load it with bpf() (root)")
    args = ap.parse_args()
    insns = assemble(branchy_program(args.blocks))
    slots = sum(i.width for i in insns)
    best, secs = None, float("inf")
    for _ in range(args.repeat):
        t = time.process_time()
        v = verify_insns(insns, "xdp", name="branchy")
        t = time.process_time() - t
        assert v.accepted, v.report()
        best, secs = (v, t) if t < secs else (best, secs)
    print(f"branchy program: {slots} insns, processed {best.processed}, {best.total_states} states, "
          f"{secs:.3f} s -> {best.processed / secs:,.0f} processed insns/s")
    static = float("inf")      # the part that does not explore: CFG checks, liveness
    for _ in range(args.repeat):
        reset_memos()          # (freeing the last run's memo tables is not part of it)
        gc.disable()           # as verify_insns does
        t = time.process_time()
        Verifier(build(insns), "xdp", lambda slot, insn: None)
        static = min(static, time.process_time() - t)
        gc.enable()
    print(f"  of which {static:.3f} s before exploring (CFG checks, liveness and relevance)")
    if args.kernel:
        from pybpf import kernel
        import os
        import re
        res = kernel.load_raw_logged(encode(insns), "xdp", log_level=1, name="branchy")
        os.close(res.fd)
        m = re.search(r"processed (\d+) insns.*", res.log)
        print(f"kernel: {m.group(0) if m else res.log[-200:]}")
    repo = Path(__file__).resolve().parents[1]
    fastest: dict[Path, tuple[int, float]] = {}   # object -> (processed, fastest seconds)
    for _ in range(args.repeat):
        for obj in sorted((repo / "programs").glob("**/*.o")):
            t = time.process_time()
            try:
                verdicts = verify(obj)
            except Exception:  # noqa: BLE001 - objects pybpf cannot read are not timed
                continue
            t = time.process_time() - t
            if obj not in fastest or t < fastest[obj][1]:
                fastest[obj] = (sum(v.processed for v in verdicts), t)
    total_p = sum(p for p, _ in fastest.values())
    total_s = sum(t for _, t in fastest.values())
    print(f"programs/**/*.o: processed {total_p} insns in {total_s:.3f} s -> "
          f"{total_p / max(total_s, 1e-9):,.0f} insns/s")
    obj, (p, t) = max(fastest.items(), key=lambda kv: kv[1][1])
    print(f"slowest: {obj.relative_to(repo)}: processed {p} in {t:.3f} s -> {p / t:,.0f} insns/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
