"""The interpreter's fused pairs (pybpf.vm.codegen.FUSED) against the same code run one
instruction a handler.

A fused handler runs two adjacent instructions in one dispatch. Everything a run
shows must stay as if each ran alone: registers, memory, the instruction count,
where a fault or the budget stops the run, and what a jump into the second slot
runs.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from pybpf.errors import InstructionLimit, MemoryFault, VMError
from pybpf.isa import opcodes as o
from pybpf.isa import table
from pybpf.isa.insn import Insn
from pybpf.vm import Machine, abi, build_code
from pybpf.vm import codegen


def unfused(code):
    """``code`` with every slot dispatched to its own row's handler."""
    h = np.array([codegen.HANDLER_OF[(table.INDEX[row.name],)] if row is not None
                  else codegen.ILLEGAL for row in code.rows] + [codegen.ILLEGAL],
                 dtype=np.int64)
    return dataclasses.replace(code, h=h)


def instance(name: str, rng: random.Random, dst: int, src: int) -> Insn:
    """An instance of row ``name`` on registers r1..r5; memory through r10 at -16; a jump
    goes over the next slot."""
    row = table.BY_NAME[name]
    f = {"dst": dst, "src": src, "off": 0, "imm": rng.randrange(-40, 70)}
    if row.kind == "ldx":
        f.update(src=10, off=-16)
    elif row.kind in ("st", "stx"):
        f.update(dst=10, off=-16)
    elif row.kind in ("jmp", "ja"):
        f["off"] = 1
    if row.kind == "alu" and row.sym in ("<<=", ">>=", "s>>="):
        f["imm"] = rng.randrange(0, 32)
    f = {k: (v if k in row.uses else 0) for k, v in f.items()}
    if row.key is not None:
        f[row.key[0]] = row.key[1]
    return Insn(row.opcode, f["dst"], f["src"], f["off"], f["imm"])


def pair_program(a: str, b: str, seed: int) -> list[Insn]:
    """Registers and stack from ``seed``, then ``a`` at slot 11 and ``b`` at slot 12."""
    rng = random.Random(seed)
    prologue = []
    for reg in range(1, 6):
        prologue.append(Insn(o.LDDW, reg, 0, 0, rng.getrandbits(64) >> rng.choice((0, 32, 56))))
    prologue.append(Insn(o.BPF_STX | o.BPF_MEM | o.BPF_DW, 10, 1, -16, 0))
    dst, src = rng.randrange(1, 6), rng.randrange(1, 6)
    body = [instance(a, rng, dst, src), instance(b, rng, rng.choice((dst, src)), dst),
            Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_K, 0, 0, 0, 1),
            Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_X, 0, 3, 0, 0),
            Insn(o.BPF_JMP | o.BPF_EXIT)]
    return prologue + body


def outcome(code, budget=None, entry=0):
    m = Machine(code, tier="interp")
    if budget is not None:
        m.budget = budget
    try:
        r0 = m.run(entry=entry)
        what = ("exit", r0)
    except VMError as exc:
        what = (type(exc).__name__, exc.pc, str(exc))
    stack = m.memory.arena[int(m.memory.rbase[abi.REGION_STACK]):][:512].tobytes()
    return what, m.executed, [int(x) for x in m.regs], stack


@pytest.mark.parametrize("pair", codegen.FUSED, ids="+".join)
def test_each_fused_pair_runs_as_its_two_rows_under_every_budget(pair):
    for seed in range(4):
        slot = 11                                   # five lddw (two slots each), a store
        code = fused_at(pair_program(*pair, seed), slot, pair).code
        plain = unfused(code)
        full = outcome(code)
        assert full == outcome(plain), (pair, seed)
        for budget in range(slot - 4, full[1] + 1):   # stops before, inside and after the pair
            assert outcome(code, budget) == outcome(plain, budget), (pair, seed, budget)


def fused_at(src: list[Insn], slot: int, pair: tuple[str, str]) -> Machine:
    """An interp machine for ``src``, whose ``slot`` starts the fused ``pair``."""
    code = build_code(src)
    assert code.h[slot] == codegen.HANDLER_OF[tuple(table.INDEX[name] for name in pair)]
    return Machine(code, tier="interp")


def test_a_jump_into_the_second_slot_runs_it_alone():
    # slot 2 starts the fused pair (mov64_reg, add64_imm); the jump enters at its second slot
    src = [Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_K, 1, 0, 0, 5),
           Insn(o.BPF_JMP | o.BPF_JA, 0, 0, 1, 0),
           Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_X, 1, 2, 0, 0),     # skipped
           Insn(o.BPF_ALU64 | o.BPF_ADD | o.BPF_K, 1, 0, 0, 10),
           Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_X, 0, 1, 0, 0),
           Insn(o.BPF_JMP | o.BPF_EXIT)]
    m = fused_at(src, 2, ("mov64_reg", "add64_imm"))
    assert m.run(0, 99) == 15 and m.executed == 5


def test_a_fault_in_the_second_instruction_names_it_and_counts_both():
    # ldxu8 r3, [r1+0] then ldxu8 r4, [r1+600]: the second reads past the stack
    src = [Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_X, 1, 10, 0, 0),
           Insn(o.BPF_ALU64 | o.BPF_ADD | o.BPF_K, 1, 0, 0, -8),
           Insn(o.BPF_LDX | o.BPF_MEM | o.BPF_B, 3, 1, 0, 0),
           Insn(o.BPF_LDX | o.BPF_MEM | o.BPF_B, 4, 1, 600, 0),
           Insn(o.BPF_JMP | o.BPF_EXIT)]
    m = fused_at(src, 2, ("ldxu8", "ldxu8"))
    with pytest.raises(MemoryFault) as info:
        m.run()
    assert info.value.pc == 3 and m.executed == 4
    assert "insn 3: r4 = *(u8 *)(r1 +600)" in str(info.value)


def test_the_budget_can_end_between_the_two_instructions():
    src = [Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_X, 1, 2, 0, 0),
           Insn(o.BPF_ALU64 | o.BPF_ADD | o.BPF_K, 1, 0, 0, 1),
           Insn(o.BPF_JMP | o.BPF_EXIT)]
    m = fused_at(src, 0, ("mov64_reg", "add64_imm"))
    m.budget = 1
    with pytest.raises(InstructionLimit, match="insn 1: r1 \\+= 1: instruction budget of 1"):
        m.run()
    assert m.executed == 1


def test_a_trace_shows_both_instructions_of_a_pair():
    src = [Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_X, 1, 2, 0, 0),
           Insn(o.BPF_ALU64 | o.BPF_ADD | o.BPF_K, 1, 0, 0, 1),
           Insn(o.BPF_ALU64 | o.BPF_MOV | o.BPF_X, 0, 1, 0, 0),
           Insn(o.BPF_JMP | o.BPF_EXIT)]
    m = fused_at(src, 0, ("mov64_reg", "add64_imm"))
    steps = []
    assert m.run(0, 41, trace=steps) == 42
    assert [s.pc for s in steps] == [0, 1, 2, 3]
    assert steps[1].changed == ((1, 42),)
