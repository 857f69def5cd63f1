#!/usr/bin/env python3
"""Record what the Linux kernel does with pybpf's fixtures into tests/kernel_expected/.

    python tests/record_kernel.py            # (re)write tests/kernel_expected/*.json
    python tests/record_kernel.py --check    # compare the live kernel with the files

It also records the kernel's verdict on the bpf_conformance corpus (when present
at ../shared/conformance/tests) into tests/kernel_expected/conformance.json.

Needs root (or CAP_BPF + CAP_NET_ADMIN) and libbpf. Every program of every object
in OBJECTS is loaded through libbpf and test-run (``BPF_PROG_TEST_RUN``, repeat=1,
no ctx_in) on every packet of the capture; the retval and data_out of each run,
or the errno when the kernel refuses the input, are written to
``tests/kernel_expected/<object>.json`` with the kernel release and this command.
These files are the expectations ``tests/test_kernel_oracle.py`` holds pybpf to
without privileges; never edit them by hand. The XDP helper, ctx_in, redirect and
fib_lookup cases of ``tests/xdp_cases.py`` go to ``tests/kernel_expected/xdp_cases.json``
(``tests/test_xdp_helpers.py``); bpf_fib_lookup in a network namespace configured by
``tests/fib_netns.py`` goes to ``tests/kernel_expected/xdp_fib_netns.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pybpf import kernel  # noqa: E402
from pybpf.pcap import read_packets  # noqa: E402

EXPECTED_DIR = REPO / "tests" / "kernel_expected"
COMMAND = "python tests/record_kernel.py"

#: (object, capture) pairs recorded; paths relative to the repository root.
OBJECTS = [
    ("programs/examples/xdp_filter.o", "programs/pcaps/default.pcap"),
    ("programs/examples/xdp_pass.o", "programs/pcaps/default.pcap"),
    ("programs/examples/xdp_tailcall.o", "programs/pcaps/default.pcap"),
    ("programs/examples/xdp_firewall.o", "programs/pcaps/default.pcap"),
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_path(obj: str) -> Path:
    return EXPECTED_DIR / (Path(obj).stem + ".json")


#: Map types whose contents are recorded after a program's pass over the capture
#: (hash, array, per-CPU, LRU and LPM maps: what ``pybpf run --json`` reports).
DUMPED_MAP_TYPES = {1, 2, 5, 6, 9, 10, 11}


def run_kernel(obj: str, pcap: str) -> dict:
    """What the kernel does with every program of ``obj`` on every packet of ``pcap``.

    Each program gets a freshly loaded object, so the map contents recorded after
    its pass over the capture are its own doing.
    """
    packets = read_packets(REPO / pcap)
    programs = {}
    with kernel.KernelObject(REPO / obj) as ko:
        names = ko.program_names
    for name in names:
        with kernel.KernelObject(REPO / obj) as ko:
            results = []
            for pkt in packets:
                try:
                    run = ko.run(name, pkt.data, repeat=1)
                except kernel.KernelRunError as exc:
                    results.append({"index": pkt.index, "error": exc.errno_name})
                else:
                    results.append({"index": pkt.index, "retval": run.retval,
                                    "data_out": run.data_out.hex()})
            maps = {}
            for mname in ko.map_names:
                if "." in mname:  # libbpf's internal maps for .data/.rodata/.bss: global data
                    continue
                if kernel.map_info(ko.map_fd(mname)).type in DUMPED_MAP_TYPES:
                    maps[mname] = [[k.hex(), v.hex()] for k, v in ko.dump_map(mname)]
            programs[name] = {"prog_type": ko.prog_type(name), "section": ko.section(name),
                              "results": results, "maps": maps}
    return {
        "comment": f"recorded from the Linux kernel by `{COMMAND}`; do not edit by hand",
        "command": COMMAND,
        "kernel": kernel.kernel_release(),
        "libbpf": kernel.libbpf_version(),
        "object": obj,
        "object_sha256": sha256(REPO / obj),
        "pcap": pcap,
        "pcap_sha256": sha256(REPO / pcap),
        "test_run": {"repeat": 1, "ctx_in": None, "pinned_cpu": 0},
        "possible_cpus": kernel.possible_cpus(),
        "programs": programs,
    }


# --------------------------------------------------------------------------
# the bpf_conformance corpus
# --------------------------------------------------------------------------

CONFORMANCE_DIR = REPO.parent / "shared" / "conformance" / "tests"
CONFORMANCE_EXPECTED = EXPECTED_DIR / "conformance.json"


def _conformance_prolog(mem_len: int) -> bytes:
    """XDP prolog giving the suite's convention: r1 = packet (mem), r2 = its length.

    The bounds check ``data + mem_len <= data_end`` lets the verifier accept the
    program's reads and writes of ``[r1, r1 + mem_len)``; r3 is cleared.
    """
    from pybpf.isa import opcodes as o
    from pybpf.isa.insn import Insn
    ldx = lambda d, s, off: Insn(o.BPF_LDX | o.BPF_MEM | o.BPF_W, dst=d, src=s, off=off)  # noqa: E731
    mov = lambda d, s: Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_X, dst=d, src=s)  # noqa: E731
    movi = lambda d, imm: Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_K, dst=d, imm=imm)  # noqa: E731
    insns = [
        ldx(2, 1, 0), ldx(3, 1, 4), mov(1, 2), mov(4, 2),
        Insn(o.BPF_ALU64 | o.BPF_ADD | o.BPF_K, dst=4, imm=mem_len),
        Insn(o.BPF_JMP | o.BPF_JGT | o.BPF_X, dst=4, src=3, off=3),
        movi(2, mem_len), movi(3, 0),
        Insn(o.BPF_JMP | o.BPF_JA, off=2),
        movi(0, 0), Insn(o.BPF_JMP | o.BPF_EXIT),
    ]
    return b"".join(i.encode() for i in insns)


def _high_half(code: bytes) -> bytes | None:
    """``code`` with every exit turned into a jump to ``r0 >>= 32; exit``.

    None when the program has bpf-to-bpf calls (their exits must stay returns).
    """
    from pybpf.isa import opcodes as o
    from pybpf.isa.insn import Insn, decode
    insns = decode(code)
    if any(i.opcode == (o.BPF_JMP | o.BPF_CALL) and i.src == 1 for i in insns):
        return None
    end = sum(i.width for i in insns)
    out, slot = [], 0
    for i in insns:
        if i.opcode == (o.BPF_JMP | o.BPF_EXIT):
            i = Insn(o.BPF_JMP | o.BPF_JA, off=end - slot - 1)
        out.append(i)
        slot += i.width
    out += [Insn(o.BPF_ALU64 | o.BPF_RSH | o.BPF_K, dst=0, imm=32), Insn(o.BPF_JMP | o.BPF_EXIT)]
    return b"".join(i.encode() for i in out)


def conformance_case_key(case) -> str:
    """Fingerprint of what the kernel is asked for one case (program and memory)."""
    return hashlib.sha256(case.program_bytes() + b"\0mem\0" + case.mem).hexdigest()[:16]


def _kernel_r0(code: bytes, mem: bytes) -> tuple[int | None, dict]:
    """32-bit retval of the prologued program on ``mem``, or (None, refusal)."""
    data = mem + bytes(max(0, 14 - len(mem)))  # XDP test runs need an Ethernet header's worth
    try:
        fd = kernel.load_raw(_conformance_prolog(len(mem)) + code, "xdp")
    except kernel.KernelRefused as exc:
        lines = [ln for ln in exc.log.strip().splitlines()
                 if ln and not ln.startswith(("processed ", "verification time", "stack depth"))]
        return None, {"refused": exc.errno_name, "message": lines[-1] if lines else ""}
    try:
        return kernel.test_run(fd, data).retval, {}
    except kernel.KernelRunError as exc:
        return None, {"error": exc.errno_name}
    finally:
        import os
        os.close(fd)


def run_conformance() -> dict | None:
    """The kernel's r0 (64-bit where it can be had) for every positive corpus case."""
    if not CONFORMANCE_DIR.is_dir():
        return None
    from pybpf.conformance_data import load_corpus
    from pybpf.isa import opcodes as o
    from pybpf.isa.insn import decode
    cases = {}
    for case in load_corpus(CONFORMANCE_DIR):
        if not case.has_program or case.result is None:
            continue
        code = case.program_bytes()
        entry = {"key": conformance_case_key(case)}
        if any(i.opcode == (o.BPF_JMP | o.BPF_CALL) and i.src == 0 and i.imm == 5
               for i in decode(code)):
            entry["skipped"] = "calls the suite's helper 5 (unwind); helper 5 is another helper in the kernel"
            cases[case.name] = entry
            continue
        low, refusal = _kernel_r0(code, case.mem)
        if low is None:
            entry.update(refusal)
        else:
            high_code = _high_half(code)
            high = _kernel_r0(high_code, case.mem)[0] if high_code is not None else None
            if high is None:
                entry["r0_low32"] = low
            else:
                entry["r0"] = (high << 32) | low
        cases[case.name] = entry
    return {
        "comment": f"recorded from the Linux kernel by `{COMMAND}`; do not edit by hand",
        "command": COMMAND,
        "kernel": kernel.kernel_release(),
        "how": "XDP program = prolog (r1 = data, r2 = len(mem), bounds-checked) + case; "
               "BPF_PROG_TEST_RUN on mem padded to 14 bytes. retval is 32 bits: when the "
               "program has no bpf-to-bpf calls the high half comes from a second run "
               "whose exits jump to `r0 >>= 32; exit` ('r0'), else only 'r0_low32'.",
        "corpus": "../shared/conformance/tests",
        "cases": cases,
    }


def record_xdp_cases(check: bool) -> int:
    """The XDP helper / ctx_in / redirect / fib cases of tests/xdp_cases.py."""
    sys.path.insert(0, str(REPO / "tests"))
    import xdp_cases
    record = xdp_cases.record()
    path = xdp_cases.EXPECTED
    if check:
        old = xdp_cases.recorded()
        same = old.get("cases") == record["cases"] and old.get("objects") == record["objects"]
        print(f"{path.relative_to(REPO)}: {'matches' if same else 'missing or differs from'} "
              f"the live kernel")
        return 0 if same else 1
    path.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {path.relative_to(REPO)} ({len(record['cases'])} cases, "
          f"kernel {record['kernel']})")
    return 0


def record_tc_cases(check: bool) -> int:
    """The tc / __sk_buff cases of tests/tc_cases.py."""
    sys.path.insert(0, str(REPO / "tests"))
    import tc_cases
    record = tc_cases.record()
    path = tc_cases.EXPECTED
    if check:
        old = tc_cases.recorded()
        same = old.get("cases") == record["cases"] and old.get("objects") == record["objects"]
        print(f"{path.relative_to(REPO)}: {'matches' if same else 'missing or differs from'} "
              f"the live kernel")
        return 0 if same else 1
    path.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {path.relative_to(REPO)} ({len(record['cases'])} cases, "
          f"kernel {record['kernel']})")
    return 0


def record_fib_netns(check: bool) -> int:
    """tests/fib_netns.py in a fresh network namespace (needs root and unshare)."""
    import subprocess
    path = EXPECTED_DIR / "xdp_fib_netns.json"
    proc = subprocess.run(["unshare", "-n", sys.executable, str(REPO / "tests/fib_netns.py")],
                          capture_output=True, text=True)
    if proc.returncode:
        print(f"{path.relative_to(REPO)}: not recorded: {proc.stderr.strip()}")
        return 1
    record = {"command": COMMAND, "kernel": kernel.kernel_release(),
              "how": "unshare -n python tests/fib_netns.py (a namespace configured like "
                     "fib_netns.ENV)",
              "objects_sha256": {p: sha256(REPO / p) for p in ("programs/tests/xdp_fib.o",
                                                              "programs/tests/xdp_probe.o")},
              "cases": json.loads(proc.stdout)}
    if check:
        old = json.loads(path.read_text()) if path.is_file() else {}
        same = old.get("cases") == record["cases"]
        print(f"{path.relative_to(REPO)}: {'matches' if same else 'missing or differs from'} "
              f"the live kernel")
        return 0 if same else 1
    path.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {path.relative_to(REPO)} ({len(record['cases'])} cases)")
    return 0


def _comparable(record: dict) -> dict:
    """The parts of a recording that must not change between kernels and machines."""
    return {k: v for k, v in record.items() if k not in ("kernel", "libbpf", "comment")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare the live kernel with the recorded files; write nothing")
    args = parser.parse_args(argv)

    reason = kernel.unavailable_reason()
    if reason:
        print(f"record_kernel: the kernel oracle is unavailable: {reason}", file=sys.stderr)
        return 2

    status = 0
    for obj, pcap in OBJECTS:
        record = run_kernel(obj, pcap)
        path = expected_path(obj)
        if args.check:
            try:
                old = json.loads(path.read_text())
            except FileNotFoundError:
                print(f"{path.relative_to(REPO)}: missing")
                status = 1
                continue
            if _comparable(old) != _comparable(record):
                print(f"{path.relative_to(REPO)}: differs from the live kernel "
                      f"({kernel.kernel_release()})")
                status = 1
            else:
                print(f"{path.relative_to(REPO)}: matches the live kernel")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=1, sort_keys=False) + "\n")
        n = sum(len(p["results"]) for p in record["programs"].values())
        print(f"wrote {path.relative_to(REPO)} ({n} runs, kernel {record['kernel']})")

    status |= record_xdp_cases(args.check)
    status |= record_fib_netns(args.check)
    status |= record_tc_cases(args.check)

    record = run_conformance()
    path = CONFORMANCE_EXPECTED
    if record is None:
        print(f"no conformance corpus at {CONFORMANCE_DIR}; {path.name} left as it is")
    elif args.check:
        old = json.loads(path.read_text()) if path.is_file() else None
        if old is None or _comparable(old) != _comparable(record):
            print(f"{path.relative_to(REPO)}: missing or differs from the live kernel")
            status = 1
        else:
            print(f"{path.relative_to(REPO)}: matches the live kernel")
    else:
        path.write_text(json.dumps(record, indent=1) + "\n")
        print(f"wrote {path.relative_to(REPO)} ({len(record['cases'])} cases, "
              f"kernel {record['kernel']})")
    return status


if __name__ == "__main__":
    sys.exit(main())
