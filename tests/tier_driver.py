"""Run a fixed set of programs and report each result as JSON, to compare execution tiers.

``tests/test_tiers.py`` calls :func:`run_all` in-process (the ``interp`` tier) and runs
this file as a script under ``NUMBA_DISABLE_JIT=1`` (the ``py`` tier)::

    python tests/tier_driver.py --corpus DIR --seed 1 --count 200 --expect-tier py

The programs: every case of the bpf_conformance corpus that has one (``tests/`` and
``negative/``), a set of VM programs (faults, context access, budget, calls, helpers,
arithmetic edge cases, atomics, legacy packet loads) and seeded random straight-line
ALU/JMP programs. Each result is ``{"name", "r0", "regs", "error", "message",
"executed"}``; ``r0`` is None and ``error`` the exception class when the run failed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from pybpf.conformance import CONFORMANCE_HELPERS
from pybpf.conformance_data import load_corpus
from pybpf.errors import PyBPFError
from pybpf.isa import opcodes as o
from pybpf.isa import table
from pybpf.isa.asm_conformance import assemble
from pybpf.isa.insn import Insn
from pybpf.vm import Machine, Memory, ProgramExit, abi, build_code, current_tier

U64 = 0xFFFFFFFFFFFFFFFF
CODE_VA = abi.region_va(abi.REGION_CODE)


@dataclass
class Case:
    name: str
    program: object                 # bytes, list[Insn] or assembly text
    setup: str = "plain"            # how memory and arguments are prepared (see _prepare)
    mem: bytes = b""
    args: tuple = ()
    budget: int = 100_000
    all_regs: bool = False          # report r0..r9 too (random programs)
    extra: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- helpers

def _sum_helper(machine, r1, r2, r3, r4, r5):
    return r1 + 2 * r2 + 3 * r3 + 4 * r4 + 5 * r5


def _exit_helper(machine, r1, *_):
    raise ProgramExit(r1 + 1)


def _failing_helper(machine, *_):
    raise ValueError("helper failed on purpose")


def _mem_helper(machine, r1, *_):
    region = machine.memory.region_of(r1)
    return int.from_bytes(machine.memory.read(region, 0, 4), "little")


HELPERS = {**CONFORMANCE_HELPERS, 1: _sum_helper, 2: _exit_helper, 3: _failing_helper,
           4: _mem_helper}


# ----------------------------------------------------------------------------- VM programs

RECURSE = ("mov %r1, {n}\ncall local f\nexit\nf:\njeq %r1, 0, done\nsub %r1, 1\n"
           "call local f\ndone:\nmov %r0, 42\nexit")
PKT = bytes(range(0x10, 0x20))


def vm_cases() -> list[Case]:
    c = []

    def add(name, asm, setup="plain", **kw):
        c.append(Case(f"vm:{name}", asm, setup, **kw))

    # memory faults
    add("stack_below_frame0", "ldxw %r0, [%r10-516]\nexit")
    add("stack_region_end", "ldxb %r0, [%r10+3584]\nexit")
    add("stack_ok", "stdw [%r10-512], 7\nldxdw %r0, [%r10-512]\nexit")
    add("scalar_pointer", "ldxw %r0, [%r1+4]\nexit", args=(12345,))
    add("null_store", "mov %r1, 0\nstxdw [%r1+0], %r2\nexit")
    add("pkt_past_end", "ldxw %r0, [%r1+6]\nexit", "mem", mem=bytes(8))
    add("pkt_store_past_end", "sth [%r1+7], 1\nexit", "mem", mem=bytes(8))
    add("pkt_before_start", "ldxb %r0, [%r1-1]\nexit", "mem", mem=bytes(8))
    add("ro_load", "ldxdw %r0, [%r1+0]\nexit", "ro")
    add("ro_store", "stw [%r1+0], 5\nexit", "ro")
    add("ro_atomic", "mov %r2, 1\nlock add [%r1+0], %r2\nexit", "ro")
    add("retired", "ldxb %r0, [%r1+0]\nexit", "retired")
    add("window_ok", "ldxb %r0, [%r1+5]\nexit", "window")
    add("window_fault", "ldxw %r0, [%r1+4]\nexit", "window")
    # context accessor
    add("ctx_data", "ldxw %r0, [%r1+0]\nexit", "ctx")
    add("ctx_len", "ldxw %r2, [%r1+0]\nldxw %r3, [%r1+4]\nmov %r0, %r3\nsub %r0, %r2\nexit", "ctx")
    add("ctx_via_pointer", "ldxw %r2, [%r1+0]\nldxb %r0, [%r2+3]\nexit", "ctx")
    add("ctx_dw_fault", "ldxdw %r0, [%r1+0]\nexit", "ctx")
    add("ctx_h_fault", "ldxh %r0, [%r1+0]\nexit", "ctx")
    add("ctx_store_fault", "stw [%r1+0], 1\nexit", "ctx")
    add("ctx_plain", "lddw %r2, 0x0102030405060708\nstxdw [%r1+8], %r2\nldxh %r0, [%r1+8]\nexit",
        "ctx")
    # budget
    add("infinite_loop", "mov %r0, 0\nja -1\nexit", budget=20_000)
    add("budget_1001", "mov %r0, 0\nloop:\nadd %r0, 1\nja loop\nexit", budget=1001)
    add("budget_exact", "mov %r0, 1\nmov %r1, 2\nadd %r0, %r1\nexit", budget=4)
    add("budget_short", "mov %r0, 1\nmov %r1, 2\nadd %r0, %r1\nexit", budget=3)
    add("loop_count", "mov %r0, 0\nmov %r1, 5\nloop:\nadd %r0, %r1\nsub %r1, 1\n"
        "jne %r1, 0, loop\nlddw %r2, 0x100000000\nexit")
    # calls
    add("callee_saved", "mov %r6, 6\nmov %r7, 7\nmov %r8, 8\nmov %r9, 9\ncall local f\n"
        "mov %r0, %r6\nlsh %r0, 8\nor %r0, %r7\nlsh %r0, 8\nor %r0, %r8\nlsh %r0, 8\n"
        "or %r0, %r9\nexit\nf:\nmov %r6, 60\nmov %r7, 70\nmov %r8, 80\nmov %r9, 90\nexit")
    add("own_frame", "stdw [%r10-8], 0x1111\ncall local f\nmov %r6, %r0\nsub %r6, %r10\n"
        "ldxdw %r0, [%r10-8]\nlsh %r0, 16\nor %r0, %r6\nexit\n"
        "f:\nstdw [%r10-8], 0x2222\nmov %r0, %r10\nexit")
    add("depth_8", RECURSE.format(n=6))
    add("depth_9", RECURSE.format(n=7))
    add("callx_code", f"lddw %r1, {CODE_VA + 5}\ncall %r1\nadd %r0, 1\nexit\nmov %r0, 41\nexit")
    add("callx_self", f"lddw %r1, {CODE_VA + 2}\ncall %r1\nexit")
    add("callx_huge", "lddw %r1, 0x10000000000\ncall %r1\nexit")
    add("callx_helper", "mov %r1, 3\nmov %r2, 1\ncall %r2\nexit")
    add("fault_in_callee", "call local f\nexit\nf:\nmov %r1, 0\nldxb %r0, [%r1+3]\nexit")
    # helpers
    add("helper_args", "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, -1\n"
        "call 1\nexit")
    add("helper_exit", "mov %r1, 41\ncall 2\nmov %r0, 99\nexit")
    add("helper_raises", "mov %r0, 0\ncall 3\nexit")
    add("helper_unknown", "mov %r0, 0\ncall 99\nexit")
    add("helper_memory", "call 4\nexit", "mem", mem=b"\x05\x06\x07\x08")
    add("unwind", "mov %r1, 0\ncall 5\nmov %r0, 3\nexit")
    # decoding and running off the end
    add("fell_off", "mov %r0, 1\njeq %r0, 2, +0\nadd %r0, 1")
    add("jump_out_of_range", "mov %r0, 1\nja +5\nexit")
    add("pseudo_lddw", [Insn(o.LDDW, dst=1, src=1, imm=0), Insn(o.BPF_JMP | o.BPF_EXIT)])
    add("empty", [])
    # arithmetic edge cases
    big = "lddw %r0, 0x1234567890\nmov %r1, 0\n"
    for i, body in enumerate([
            big + "div %r0, %r1", big + "div32 %r0, %r1", big + "mod %r0, %r1",
            big + "mod32 %r0, %r1", "mov %r0, -7\nmov %r1, 0\nsmod %r0, %r1",
            "mov %r0, -7\nmov %r1, 0\nsmod32 %r0, %r1", "mov %r0, -7\nmov %r1, 0\nsdiv %r0, %r1",
            "lddw %r0, 0x8000000000000000\nsdiv %r0, -1",
            "lddw %r0, 0x8000000000000000\nsmod %r0, -1",
            "mov32 %r0, 0x80000000\nsdiv32 %r0, -1", "mov32 %r0, 0x80000000\nsmod32 %r0, -1",
            "mov %r0, -7\nsdiv %r0, 2", "mov %r0, 7\nsmod %r0, -2",
            "mov %r0, 1\nmov %r1, 65\nlsh %r0, %r1", "mov %r0, 1\nmov %r1, 33\nlsh32 %r0, %r1",
            "mov32 %r0, 0x80000000\nmov %r1, 36\narsh32 %r0, %r1",
            "mov %r1, 0x80\nmovsx864 %r0, %r1", "mov32 %r1, 0x80000000\nmovsx3264 %r0, %r1",
            "lddw %r0, 0x1122334455667788\nbswap16 %r0",
            "lddw %r0, 0x1122334455667788\nbe32 %r0",
            "lddw %r0, 0x1122334455667788\nbswap64 %r0"]):
        add(f"alu_{i}", body + "\nexit")
    # atomics
    for sfx, st in (("", "stxdw"), ("32", "stxw")):
        for op in ("add", "or", "and", "xor"):
            for fetch in ("", "fetch "):
                add(f"atomic{sfx}_{fetch.strip() or 'plain'}_{op}",
                    f"lddw %r2, 0x00f000008000ff0f\n{st} [%r10-16], %r2\n"
                    f"lddw %r1, 0x000000010000fff1\nlock {fetch}{op}{sfx} [%r10-16], %r1\n"
                    f"ldxdw %r0, [%r10-16]\nxor %r0, %r1\nexit")
        add(f"atomic{sfx}_xchg", f"mov %r2, 5\n{st} [%r10-8], %r2\nmov %r1, -1\n"
            f"lock xchg{sfx} [%r10-8], %r1\nldxdw %r0, [%r10-8]\nadd %r0, %r1\nexit")
        for expect in (5, 6):
            add(f"atomic{sfx}_cmpxchg_{expect}", f"mov %r2, 5\n{st} [%r10-8], %r2\n"
                f"mov %r0, {expect}\nmov %r1, 77\nlock cmpxchg{sfx} [%r10-8], %r1\n"
                f"ldxdw %r3, [%r10-8]\nlsh %r3, 8\nadd %r0, %r3\nexit")
    # legacy packet loads
    for i, body in enumerate(["ldabsb 0", "ldabsh 2", "ldabsw 12", "ldabsw 13", "ldabsb 16",
                              "mov %r3, 4\nldindh %r3, 2", "mov %r3, 12\nldindw %r3, 1",
                              "mov %r3, -1\nldindh %r3, 2"]):
        add(f"ldpkt_{i}", f"mov %r0, 99\n{body}\nadd %r0, 7\nexit", "pkt")
    add("ldpkt_nopacket", "mov %r0, 5\nldabsb 0\nexit")
    # compiled ("hot") helpers: ktime_get_ns 5, get_prandom_u32 7, get_smp_processor_id 8
    add("hot_prandom", "call 7\nmov %r6, %r0\nlsh %r6, 32\ncall 7\nor %r0, %r6\nexit", "hot")
    add("hot_clock_cpu", "call 5\nmov %r6, %r0\ncall 8\nadd %r0, %r6\nexit", "hot")
    return c


# ----------------------------------------------------------------------------- corpus

def corpus_cases(corpus_dir) -> list[Case]:
    out = []
    for sub in ("tests", "negative"):
        for case in load_corpus(Path(corpus_dir) / sub):
            if case.unknown_sections or not case.has_program:
                continue
            try:
                program = case.program_bytes()
            except PyBPFError as exc:  # refused by the assembler: the same in every tier
                program = exc
            out.append(Case(f"{sub}:{case.name}", program, "mem", mem=case.mem))
    return out


# ----------------------------------------------------------------------------- random programs

_INTERESTING = [0, 1, 2, 7, 31, 32, 33, 63, 64, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
                0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, 0x7FFFFFFFFFFFFFFF,
                0x8000000000000000, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFF80000000]


def random_rows() -> list:
    """Every ALU, byte-order and jump row of the opcode table."""
    return [r for r in table.ROWS if r.kind in ("alu", "end", "jmp", "ja")]


def _value(rng: random.Random) -> int:
    if rng.random() < 0.6:
        v = rng.choice(_INTERESTING)
        return (-v & U64) if rng.random() < 0.2 else v
    return rng.getrandbits(rng.choice((8, 16, 32, 64)))


def _imm32(rng: random.Random) -> int:
    v = _value(rng) & 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def random_program(rng: random.Random, rows: list, length: int) -> list[Insn]:
    """lddw r0..r9 with random values, ``length`` random instructions, exit.

    Jumps only go forward and land inside the body or on the final exit.
    """
    insns = [Insn(o.LDDW, dst=r, imm=_value(rng)) for r in range(10)]
    body = []
    for i in range(length):
        row = rng.choice(rows)
        dst, src = rng.randrange(10), rng.randrange(10)
        off = imm = 0
        if row.key is not None and row.key[0] == "off":
            off = row.key[1]
        if row.kind == "alu":
            if not row.source_is_reg:
                src = 0
                if "imm" in row.uses:
                    imm = _imm32(rng)
            if "src" not in row.uses:
                src = 0
        elif row.kind == "end":
            src, imm = 0, row.key[1]
        elif row.kind in ("jmp", "ja"):
            forward = rng.randrange(0, length - i)  # 0 .. insns up to the exit
            if row.kind == "ja":
                dst = src = 0
                if row.opcode == o.BPF_JMP | o.BPF_JA:
                    off = forward
                else:
                    imm = forward
            else:
                off = forward
                if not row.source_is_reg:
                    src, imm = 0, _imm32(rng)
        body.append(Insn(row.opcode, dst=dst, src=src, off=off, imm=imm))
    return insns + body + [Insn(o.BPF_JMP | o.BPF_EXIT)]


def random_cases(seed: int, count: int, length: int = 40) -> list[Case]:
    rng = random.Random(seed)
    rows = random_rows()
    return [Case(f"random:{seed}:{i}", random_program(rng, rows, length), all_regs=True)
            for i in range(count)]


# ----------------------------------------------------------------------------- running

def _prepare(case: Case):
    """(memory, args, before_run(machine)) for a case's setup kind."""
    mem = Memory(ctx_size=24 if case.setup == "ctx" else 0)
    args, pkt = case.args, None
    if case.setup == "mem":
        region = mem.add_region("mem", len(case.mem), data=case.mem)
        args = (region.va, len(case.mem))
    elif case.setup == "ro":
        region = mem.add_region("rodata", 8, data=bytes(range(1, 9)), flags=abi.F_RO)
        args = (region.va,)
    elif case.setup in ("retired", "window"):
        region = mem.add_region("packet", 8, data=bytes(range(8)))
        if case.setup == "retired":
            mem.retire(region)
        else:
            mem.set_window(region, 2, 6)
        args = (region.va,)
    elif case.setup in ("ctx", "pkt"):
        pkt = mem.add_region("packet", len(PKT), data=PKT)
        if case.setup == "ctx":
            mem.ctxmap[0:4] = abi.CTX_DATA
            mem.ctxmap[4:8] = abi.CTX_DATA_END
            args = (abi.region_va(abi.REGION_CTX),)

    def before(machine):
        if case.setup == "hot":
            machine.seed(0x5EED)
            machine.clock_ns = 1_700_000_000_123_456_789
            machine.cpu = 3
        if pkt is not None:
            machine.st[abi.PKT_DATA] = pkt.va
            machine.st[abi.PKT_END] = pkt.va + len(PKT)
    return mem, args, before


def run_case(case: Case) -> dict:
    out = {"name": case.name, "r0": None, "regs": None, "error": None, "message": "",
           "executed": None}
    machine = None
    try:
        if isinstance(case.program, Exception):
            raise case.program
        program = assemble(case.program) if isinstance(case.program, str) else case.program
        code = build_code(program, name=case.name)
        mem, args, before = _prepare(case)
        helpers = {} if case.setup == "hot" else HELPERS
        machine = Machine(code, mem, helpers=helpers, budget=case.budget)
        before(machine)
        out["r0"] = machine.run(*args)
    except PyBPFError as exc:
        out["error"] = type(exc).__name__
        out["message"] = str(exc)
    if machine is not None:
        out["executed"] = machine.executed
        if case.all_regs:
            out["regs"] = [int(v) for v in machine.regs[:10]]
    return out


def all_cases(corpus_dir=None, seed: int = 1, count: int = 200) -> list[Case]:
    cases = corpus_cases(corpus_dir) if corpus_dir else []
    return cases + vm_cases() + random_cases(seed, count)


def run_all(corpus_dir=None, seed: int = 1, count: int = 200) -> list[dict]:
    with warnings.catch_warnings():
        # numpy scalars warn about (intended) wrap-around when the JIT is disabled
        warnings.simplefilter("ignore", RuntimeWarning)
        return [run_case(c) for c in all_cases(corpus_dir, seed, count)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=None, help="bpf_conformance directory")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--expect-tier", choices=("py", "interp"), default=None)
    ns = parser.parse_args(argv)
    tier = current_tier()
    if ns.expect_tier and tier != ns.expect_tier:
        print(f"expected tier {ns.expect_tier}, running {tier}", file=sys.stderr)
        return 2
    json.dump({"tier": tier, "results": run_all(ns.corpus, ns.seed, ns.count)}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
