"""The ``pybpf`` command.

Every subcommand reports bad input as one ``pybpf: error: ...`` line and exit
status 2 (``run`` exits 1 when a packet's run failed), never a traceback;
``--debug`` shows the traceback of an internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from .errors import PyBPFError, TestRunRefused

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OBJECT = REPO / "programs" / "examples" / "xdp_filter.o"
DEFAULT_PCAP = REPO / "programs" / "pcaps" / "default.pcap"


def _cmd_run(args) -> int:
    from .loader import load
    from .pcap import read_packets, write_pcap

    obj_path = args.object or DEFAULT_OBJECT
    pcap_path = args.pcap or (DEFAULT_PCAP if args.object is None else None)
    if pcap_path is None:
        raise PyBPFError("run: --pcap is required when an object is given")
    obj = load(obj_path, budget=args.budget, pin_root=args.pin_root)
    prog = obj.program(args.program)
    prog.check_runnable()
    packets = read_packets(pcap_path)
    if args.maps_in:
        try:
            maps_in = json.loads(Path(args.maps_in).read_text())
        except (OSError, ValueError) as exc:
            raise PyBPFError(f"--maps-in {args.maps_in}: {exc}") from None
        if not isinstance(maps_in, dict):
            raise PyBPFError(f"--maps-in {args.maps_in}: expected an object of maps")
        obj.maps.load_json(maps_in, source=args.maps_in)
    out = sys.stdout
    verdicts: Counter = Counter()
    outputs: dict[str, list] = {}
    failures = 0
    start = time.perf_counter()
    for pkt in packets:
        obj.machine.clock_ns = pkt.ts_ns  # the virtual clock follows the capture
        steps = [] if pkt.index == args.trace else None
        try:
            result = prog.run(pkt.data, trace=steps)
        except TestRunRefused as exc:  # the kernel would refuse this input: not a failure
            verdicts[f"refused ({exc.errno_name})"] += 1
            if args.json:
                print(json.dumps({"index": pkt.index, "error": str(exc)}), file=out)
            continue
        except PyBPFError as exc:
            if steps is not None:
                _print_trace(pkt.index, prog.name, steps, args.json, out)
            failures += 1
            verdicts["error"] += 1
            if args.json:
                print(json.dumps({"index": pkt.index, "error": str(exc)}), file=out)
            else:
                print(f"packet {pkt.index}: {exc}", file=out)
            continue
        if steps is not None:
            _print_trace(pkt.index, prog.name, steps, args.json, out)
        verdicts[result.verdict] += 1
        outputs.setdefault(result.verdict, []).append((pkt.ts_ns, result.data))
        if args.json:
            print(json.dumps({"index": pkt.index, "retval": result.retval,
                              "verdict": result.verdict, "data": result.data.hex()}), file=out)
    elapsed = time.perf_counter() - start
    if args.out_dir:
        out_dir = Path(args.out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        for verdict, records in outputs.items():
            write_pcap(out_dir / f"{verdict}.pcap", records)
    if args.json:
        print(json.dumps({"maps": obj.maps.to_json()}), file=out)
    else:
        rate = len(packets) / elapsed if elapsed > 0 else float("inf")
        print(f"{obj.filename}:{prog.name} ({prog.type}) on {Path(pcap_path).name}: "
              f"{len(packets)} packets in {elapsed * 1e3:.1f} ms ({rate:,.0f} packets/s)", file=out)
        for verdict, n in sorted(verdicts.items()):
            print(f"  {verdict:<18} {n}", file=out)
        if args.out_dir:
            print(f"output packets written to {args.out_dir}/<verdict>.pcap", file=out)
    obj.close()  # flush pinned maps
    return 1 if failures else 0


def _print_trace(index: int, name: str, steps, as_json: bool, out) -> None:
    """Every executed instruction, its changed registers and C source lines."""
    if as_json:
        print(json.dumps({"trace": index, "steps": [
            {"pc": s.pc, "insn": s.insn, "changed": {f"r{r}": f"0x{v:x}" for r, v in s.changed},
             "line": list(s.line) if s.line else None} for s in steps]}), file=out)
        return
    print(f"trace of packet {index} ({name}), {len(steps)} instructions:", file=out)
    last = None
    for step in steps:
        if step.line and step.line != last:
            print(f"  ; {step.line[2].strip()} @ {step.line[0]}:{step.line[1]}", file=out)
            last = step.line
        print(f"  {step.format()}", file=out)


def _cmd_disasm(args) -> int:
    from .loader import load
    obj = load(args.object, pin_root=False)  # disassembling never creates or checks pins
    names = [args.program] if args.program else list(obj.programs)
    for i, name in enumerate(names):
        prog = obj.program(name)
        if i:
            print()
        print(f"{name} (section {prog.section}, type {prog.type}):")
        print(prog.disassemble())
    return 0


def _cmd_conformance(args) -> int:
    from .conformance import main
    directory = Path(args.directory)
    if not directory.is_dir():
        raise PyBPFError(f"conformance: {directory} is not a directory")
    if not any(directory.glob("*.data")):
        raise PyBPFError(f"conformance: {directory} has no .data test files")
    return main(directory, negative=True if args.negative else None, verbose=args.verbose)


def _cmd_plugin(argv: list[str]) -> int:
    """The bpf_conformance plugin protocol: ``PLUGIN [MEM] [options] [--elf]``.

    MEM (hex bytes) is the test memory; stdin holds the program as hex (or a
    whole ELF as hex with ``--elf``, function ``main``). Prints r0 in hex.
    """
    from .conformance import execute
    mem_hex = argv[0] if argv and not argv[0].startswith("--") else ""
    elf = "--elf" in argv
    try:
        mem = _unhex(mem_hex, "memory")
        program = _unhex(sys.stdin.read(), "program")
        if elf:
            from .elf import link_program, read_object
            spec = read_object(program, name="conformance.o")
            program = link_program(spec, "main").instructions
        print(f"{execute(program, mem):x}")
        return 0
    except PyBPFError as exc:
        print(str(exc), file=sys.stderr)
        return 1


def _unhex(text: str, what: str) -> bytes:
    cleaned = "".join(text.split())
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise PyBPFError(f"the {what} is not hex bytes") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pybpf", description="Load, verify and run eBPF objects in userspace.")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run a program over every packet of a capture",
                       description="Run an XDP program on each packet of a pcap/pcapng file, as "
                                   "BPF_PROG_TEST_RUN would. Without arguments, runs the bundled "
                                   f"{DEFAULT_OBJECT.name} on {DEFAULT_PCAP.name}.")
    r.add_argument("object", nargs="?", help="BPF ELF object (.o)")
    r.add_argument("--pcap", help="input capture (pcap or pcapng, Ethernet)")
    r.add_argument("--program", help="program (function) name; optional with one program")
    r.add_argument("--json", action="store_true", help="one JSON object per packet, then the maps")
    r.add_argument("--out-dir", help="write output packets to DIR/<verdict>.pcap")
    r.add_argument("--trace", type=int, metavar="N", default=None,
                   help="print every instruction executed for packet N (registers changed, C lines)")
    r.add_argument("--pin-root", default=None,
                   help="directory playing bpffs for pinned maps (default $PYBPF_PIN_ROOT "
                        "or ~/.cache/pybpf/bpffs)")
    r.add_argument("--maps-in", help="JSON {map: [[keyhex, valuehex], ...]} written before the first packet")
    r.add_argument("--budget", type=int, default=None,
                   help="instruction budget per packet (default 1,000,000)")
    r.set_defaults(func=_cmd_run)

    d = sub.add_parser("disasm", help="disassemble programs with their C source lines")
    d.add_argument("object")
    d.add_argument("--program")
    d.set_defaults(func=_cmd_disasm)

    c = sub.add_parser("conformance", help="run a bpf_conformance corpus directory")
    c.add_argument("directory")
    c.add_argument("--negative", action="store_true",
                   help="cases must be refused (default for a folder named 'negative')")
    c.add_argument("-v", "--verbose", action="store_true", help="also list passing cases")
    c.set_defaults(func=_cmd_conformance)

    sub.add_parser("conformance-plugin", add_help=False,
                   help="speak the bpf_conformance plugin protocol (stdin: hex program)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "conformance-plugin":
        return _cmd_plugin(argv[1:])
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except PyBPFError as exc:
        print(f"pybpf: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.: stop quietly
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("pybpf: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a pybpf bug: say so plainly
        if args.debug:
            raise
        print(f"pybpf: internal error: {type(exc).__name__}: {exc} "
              f"(run with --debug for the traceback, and please report it)", file=sys.stderr)
        return 3
