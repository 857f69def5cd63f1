"""The ``pybpf`` command.

Every subcommand reports bad input as one ``pybpf: error: ...`` line and exit
status 2 (``run`` exits 1 when a packet's run failed), never a traceback;
``--debug`` shows the traceback of an internal error.
"""

from __future__ import annotations

import argparse
import json
import os
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

    obj_path = args.object or DEFAULT_OBJECT
    pcap_path = args.pcap or (DEFAULT_PCAP if args.object is None else None)
    if pcap_path is None:
        raise PyBPFError("run: --pcap is required when an object is given")
    obj = load(obj_path, budget=args.budget, pin_root=args.pin_root, env=args.env,
               tier=getattr(args, "tier", None))
    prog = obj.program(args.program)
    prog.check_runnable()
    if getattr(obj.machine, "tier_note", None):
        print(f"pybpf: note: interpreting: the {obj.machine.tier_note}", file=sys.stderr)
    if args.verify:  # as the kernel verifies at load time; the verdict is cached on disk
        from .verdicts import check
        verdict, _ = check(obj_path, prog.name, prog.type)
        if not verdict["accepted"]:  # refused as the kernel would refuse to load it
            print(verdict["report"], file=sys.stderr)
            print("pybpf: the Linux verifier would not load this program; --no-verify runs it "
                  "anyway (memory accesses stay bounds-checked)", file=sys.stderr)
            obj.close()
            return 1
    if args.maps_in:
        try:
            maps_in = json.loads(Path(args.maps_in).read_text())
        except (OSError, ValueError) as exc:
            raise PyBPFError(f"--maps-in {args.maps_in}: {exc}") from None
        if not isinstance(maps_in, dict):
            raise PyBPFError(f"--maps-in {args.maps_in}: expected an object of maps")
        obj.maps.load_json(maps_in, source=args.maps_in)
    out = sys.stdout
    batched = (prog.type in ("xdp", "sched_cls", "sched_act") and args.trace is None
               and not args.per_packet)
    if obj.machine.tier != "compiled":
        # start-up, not the run: either path's clock counts reading to writing. (The
        # compiled tier runs machine code from the cache without Numba, pybpf.vm.aot;
        # Numba is loaded, within the run, only if a run needs the interpreter.)
        from ._jitcache import numba_ready
        numba_ready()
    if batched:
        return _run_batched(args, obj, prog, pcap_path, out)
    from .pcap import read_packets, write_pcap
    packets = read_packets(pcap_path)
    verdicts: Counter = Counter()
    outputs: dict[str, list] = {}
    failures = 0
    start = time.perf_counter()
    for pkt in packets:
        obj.machine.clock_ns = pkt.ts_ns  # the virtual clock follows the capture
        steps = [] if pkt.index == args.trace else None
        try:
            result = prog.test_run(pkt.data, ctx_in=_ctx_in(prog, obj.env, pkt), trace=steps)
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
            _print_error(pkt.index, exc, args.json, out)
            continue
        if steps is not None:
            _print_trace(pkt.index, prog.name, steps, args.json, out)
        verdicts[result.verdict] += 1
        outputs.setdefault(result.verdict, []).append((pkt.ts_ns, result.data))
        if args.json:
            live = (prog.object._context(prog.type).fields() if prog.type != "xdp"
                    else None)
            print(json.dumps({"index": pkt.index, **_result_json(prog, result, live)}), file=out)
    elapsed = time.perf_counter() - start
    if args.out_dir:
        out_dir = Path(args.out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        for verdict, records in outputs.items():
            write_pcap(out_dir / f"{verdict}.pcap", records)
    _finish(args, obj, prog, pcap_path, len(packets), elapsed, verdicts, out)
    return 1 if failures else 0


def _print_error(index: int, exc, as_json: bool, out) -> None:
    if as_json:
        print(json.dumps({"index": index, "error": str(exc)}), file=out)
    else:
        print(f"packet {index}: {exc}", file=out)


def _finish(args, obj, prog, pcap_path, count, elapsed, verdicts, out) -> None:
    """The maps line (--json) or the summary, then pinned maps flushed."""
    if args.json:
        print(json.dumps({"maps": obj.maps.to_json()}), file=out)
    else:
        rate = count / elapsed if elapsed > 0 else float("inf")
        print(f"{obj.filename}:{prog.name} ({prog.type}) on {Path(pcap_path).name}: "
              f"{count} packets in {elapsed * 1e3:.1f} ms ({rate:,.0f} packets/s)", file=out)
        for verdict, n in sorted(verdicts.items()):
            print(f"  {verdict:<18} {n}", file=out)
        if args.out_dir:
            print(f"output packets written to {args.out_dir}/<verdict>.pcap", file=out)
    obj.close()  # flush pinned maps


def _run_batched(args, obj, prog, pcap_path, out) -> int:
    """A whole capture in one compiled loop (:mod:`pybpf.batch`): the same output as
    running ``Program.test_run`` packet by packet (``--per-packet``), much faster."""
    import numpy as np

    from .batch import DONE, run_tc, run_xdp
    from .capture import NO_IFACE, scan, write_pcap as write_arrays
    from .contexts.skb import SK_BUFF

    start = time.perf_counter()
    cap = scan(pcap_path)
    ids = {int(i) for i in np.unique(cap.iface)}
    ingress_of = {i: obj.env.ifindex_of_pcapng(None if i == NO_IFACE else i) for i in ids}
    tc = prog.type != "xdp"
    if tc:   # ctx_in as _ctx_in gives it: the device the packet's interface maps to
        ctx_of = {i: None if dev == 1 else {"ingress_ifindex": dev, "ifindex": dev}
                  for i, dev in ingress_of.items()}
        ctx_in = (ctx_of[ids.pop()] if len(ids) == 1
                  else [ctx_of[int(i)] for i in cap.iface])
        res = run_tc(prog, cap, ctx_in=ctx_in, keep_ctx=bool(args.json))
    else:
        ingress = np.zeros(len(cap), dtype=np.int64)
        for i, dev in ingress_of.items():
            ingress[cap.iface == i] = dev
        res = run_xdp(prog, cap, ingress=ingress)
    verdicts: Counter = Counter()
    failures = 0
    done = res.outcome == DONE
    names = {int(r): res.verdict_name(int(r)) for r in np.unique(res.retval[done])}
    for r, name in names.items():
        verdicts[name] += int(np.count_nonzero(done & (res.retval == r)))
    if args.json or res.errors:
        for i in range(len(cap)):
            exc = res.errors.get(i)
            if exc is None:
                if args.json and tc:
                    line = _result_json(prog, res.result(i), SK_BUFF.unpack(res.skb(i)))
                    print(json.dumps({"index": i, **line}), file=out)
                elif args.json:
                    line = {"index": i, "retval": int(res.retval[i]),
                            "verdict": names[int(res.retval[i])], "data": res.data(i).hex()}
                    if i in res.redirects:
                        line["redirect"] = res.redirects[i].to_json()
                    print(json.dumps(line), file=out)
            elif isinstance(exc, TestRunRefused):
                verdicts[f"refused ({exc.errno_name})"] += 1
                if args.json:
                    print(json.dumps({"index": i, "error": str(exc)}), file=out)
            else:
                failures += 1
                verdicts["error"] += 1
                _print_error(i, exc, args.json, out)
    if args.out_dir:
        out_dir = Path(args.out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        for r, name in names.items():
            select = np.flatnonzero(done & (res.retval == r))
            write_arrays(out_dir / f"{name}.pcap", res.out, res.out_off, res.out_len,
                         cap.ts_ns, select=select)
    elapsed = time.perf_counter() - start
    _finish(args, obj, prog, pcap_path, len(cap), elapsed, verdicts, out)
    return 1 if failures else 0


def _ctx_in(prog, env, pkt):
    """ctx_in for a captured packet: the ingress device its pcapng interface maps to
    (:meth:`pybpf.env.Env.ifindex_of_pcapng`); None (the kernel's defaults) for the loopback."""
    ifindex = env.ifindex_of_pcapng(pkt.ifindex)
    if ifindex == 1:
        return None
    if prog.type == "xdp":
        return {"ingress_ifindex": ifindex}
    return {"ingress_ifindex": ifindex, "ifindex": ifindex}


#: __sk_buff fields `pybpf run --json` reports after a tc program's run.
SKB_JSON_FIELDS = ("mark", "priority", "cb", "tc_classid", "tc_index", "tstamp")


def _result_json(prog, result, live: dict | None) -> dict:
    """One packet's JSON: retval, verdict, data; "redirect" when the program redirected;
    "skb" (the writable __sk_buff fields) for tc programs (``live``: the __sk_buff the run
    left, for tc_index and tc_classid, which are not in the kernel's ctx_out)."""
    out = result.to_json()
    if prog.type in ("sched_cls", "sched_act") and result.ctx is not None:
        out["skb"] = {k: (live if k in ("tc_index", "tc_classid") else result.ctx)[k]
                      for k in SKB_JSON_FIELDS}
    return out


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


def _cmd_verify(args) -> int:
    """Exit 0 when every program checked would be loaded, 1 when one is refused."""
    from .verifier import verify
    verdicts = verify(args.object, program=args.program, log_level=args.log_level or 0,
                      unprivileged=args.unprivileged)
    if args.json:
        print(json.dumps([v.as_json() for v in verdicts] if len(verdicts) > 1
                         else verdicts[0].as_json(), indent=1))
    else:
        for v in verdicts:
            if args.log_level:
                print("\n".join(v.log))
                print(f"processed {v.processed} insns (limit 1000000) total_states {v.total_states}")
            print(v.report())
    return 0 if all(v.accepted for v in verdicts) else 1


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
                       description="Run an XDP or tc program on each packet of a pcap/pcapng "
                                   "file, as "
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
    r.add_argument("--env", default=None, metavar="FILE",
                   help="the environment (interfaces, routes, neighbours, sockets, ...) as "
                        "JSON or TOML; see pybpf/env.py (default: the loopback only)")
    r.add_argument("--tier", choices=("py", "interp", "compiled", "auto"), default="auto",
                   help="execution tier: the interpreter, each program compiled to machine "
                        "code through LLVM (cached on disk), or auto (the default: compiled "
                        "when the program is small enough to compile in about 3 s or its "
                        "machine code is cached, else interpreted); py is the interpreter "
                        "as plain Python (the reference; very slow). Results are identical")
    r.add_argument("--verify", action=argparse.BooleanOptionalAction, default=True,
                   help="check the program with pybpf's verifier first and refuse to run it "
                        "where Linux would refuse to load it (see `pybpf verify`); on by "
                        "default, the verdict is cached on disk. --no-verify runs it anyway: "
                        "every memory access is still bounds-checked at run time")
    r.add_argument("--per-packet", action="store_true",
                   help="run packets one by one through Program.test_run instead of in one "
                        "compiled loop (same output, slower; XDP runs batched by default)")
    r.add_argument("--budget", type=int, default=None,
                   help="instruction budget per packet (default 1,000,000)")
    r.set_defaults(func=_cmd_run)

    d = sub.add_parser("disasm", help="disassemble programs with their C source lines")
    d.add_argument("object")
    d.add_argument("--program")
    d.set_defaults(func=_cmd_disasm)

    v = sub.add_parser("verify", help="would the Linux verifier load this program? why not?",
                       description="Check programs as the kernel's verifier (Linux 6.18, root) "
                                   "would: exit 0 accepted, 1 rejected, 2 unusable input.")
    v.add_argument("object")
    v.add_argument("--program", help="check only this program (default: every program)")
    v.add_argument("--log-level", type=int, choices=(1, 2), default=None,
                   help="also print the walk: each instruction (1), with registers (2)")
    v.add_argument("--json", action="store_true", help="a machine-readable verdict")
    v.add_argument("--unprivileged", action="store_true",
                   help="the rules for a loader without CAP_PERFMON/CAP_SYS_ADMIN (CAP_BPF and "
                        "CAP_NET_ADMIN only): no pointer leaks or comparisons, no reads of "
                        "uninitialised stack, Spectre masking limits")
    v.set_defaults(func=_cmd_verify)

    c = sub.add_parser("conformance", help="run a bpf_conformance corpus directory")
    c.add_argument("directory")
    c.add_argument("--negative", action="store_true",
                   help="cases must be refused (default for a folder named 'negative')")
    c.add_argument("-v", "--verbose", action="store_true", help="also list passing cases")
    c.set_defaults(func=_cmd_conformance)

    sub.add_parser("conformance-plugin", add_help=False,
                   help="speak the bpf_conformance plugin protocol (stdin: hex program)")
    return p


def _reexec_py_tier(argv: list[str]) -> None:
    """The py tier is Numba's JIT switched off for the whole process: start over so."""
    from .vm.machine import current_tier, py_tier_env
    if current_tier() != "py":
        sys.stdout.flush()
        os.execve(sys.executable, [sys.executable, "-m", "pybpf", *argv], py_tier_env())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "conformance-plugin":
        return _cmd_plugin(argv[1:])
    args = _parser().parse_args(argv)
    if getattr(args, "tier", None) == "py":
        _reexec_py_tier(argv)
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
