"""Behaviour of the VM (interp tier): memory safety, context access, budget, calls,
helpers, decode-time refusals, arithmetic edge cases, atomics and legacy packet loads.

Every program is written in the bpf_conformance assembly syntax; messages are
checked for the instruction index, the disassembled instruction and the address.
"""

from __future__ import annotations

import numpy as np
import pytest

from pybpf.errors import (CallDepthError, DecodeError, HelperError, InstructionLimit,
                          MemoryFault, PyBPFError, VMError)
from pybpf.isa.asm_conformance import assemble
from pybpf.isa.insn import Insn, decode
from pybpf.vm import DEFAULT_BUDGET, Machine, Memory, ProgramExit, abi, build_code
from pybpf.vm.abi import region_va

STACK_VA = region_va(abi.REGION_STACK)
CTX_VA = region_va(abi.REGION_CTX)
CODE_VA = region_va(abi.REGION_CODE)
U64 = 0xFFFFFFFFFFFFFFFF


def make(src, memory: Memory | None = None, **kw) -> Machine:
    program = assemble(src) if isinstance(src, str) else src
    return Machine(build_code(program), memory, **kw)


def run(src, *args, memory: Memory | None = None, **kw) -> int:
    return make(src, memory, **kw).run(*args)


def raises(exc_type, src, *args, memory: Memory | None = None, **kw):
    machine = make(src, memory, **kw)
    with pytest.raises(exc_type) as info:
        machine.run(*args)
    return info.value, machine


# =========================================================================== memory safety

def test_stack_lowest_byte_of_frame0_is_accessible():
    assert run("stdw [%r10-512], 7\nldxdw %r0, [%r10-512]\nexit") == 7


def test_stack_below_frame0_faults():
    err, machine = raises(MemoryFault, "mov %r0, 0\nldxw %r0, [%r10-516]\nexit")
    msg = str(err)
    assert err.pc == 1
    assert msg.startswith("prog: insn 1: ")
    assert "r0 = *(u32 *)(r10 -516)" in msg
    assert "invalid read of 4 bytes" in msg
    assert "at stack-4 (before the start of the region)" in msg
    assert machine.executed == 2


def test_stack_write_straddling_frame0_bottom_faults():
    err, _ = raises(MemoryFault, "stxdw [%r10-516], %r1\nexit")
    assert "insn 0" in str(err)
    assert "*(u64 *)(r10 -516) = r1" in str(err)
    assert "invalid write of 8 bytes" in str(err)


def test_stack_past_region_end_faults():
    # Only the live frames are accessible: frame 0's window ends at its r10.
    above = 512 * 7
    err, _ = raises(MemoryFault, f"ldxb %r0, [%r10+{above}]\nexit")
    assert f"r0 = *(u8 *)(r10 +{above})" in str(err)
    assert f"invalid read of 1 byte at stack+{512 * 8} (valid offsets 0..511)" in str(err)


def test_stack_just_above_r10_faults():
    err, _ = raises(MemoryFault, "ldxw %r0, [%r10+0]\nexit")
    assert "invalid read of 4 bytes at stack+512 (valid offsets 0..511)" in str(err)


def test_callee_sees_its_own_frame_and_callers_but_not_deeper_ones():
    # The callee (frame 1) may use r10-8 (its own frame) and reach the caller's frame
    # through a pointer; after it returns, frame 0 can no longer touch frame 1's bytes.
    prog = """
    stdw [%r10-8], 7
    mov %r1, %r10
    add %r1, -8
    call local f
    ldxdw %r0, [%r10+8]
    exit
    f:
    ldxdw %r0, [%r1+0]
    stdw [%r10-8], 5
    exit
    """
    err, _ = raises(MemoryFault, prog)
    assert "insn 4" in str(err) and "stack+520 (valid offsets 0..511)" in str(err)
    assert run(prog.replace("ldxdw %r0, [%r10+8]", "mov %r0, %r0")) == 7


def test_packet_region_past_end_faults():
    mem = Memory()
    pkt = mem.add_region("packet", 8, data=bytes(range(1, 9)))
    assert run("ldxw %r0, [%r1+4]\nexit", pkt.va, memory=mem) == 0x08070605
    err, _ = raises(MemoryFault, "ldxw %r0, [%r1+6]\nexit", pkt.va, memory=mem)
    assert err.pc == 0
    assert str(err) == ("prog: insn 0: r0 = *(u32 *)(r1 +6): invalid read of 4 bytes at "
                        "packet+6 (valid offsets 0..7)")
    err, _ = raises(MemoryFault, "sth [%r1+7], 1\nexit", pkt.va, memory=mem)
    assert "insn 0: *(u16 *)(r1 +7) = 1: invalid write of 2 bytes at packet+7" in str(err)
    assert mem.read(pkt) == bytes(range(1, 9))  # nothing was written


def test_pointer_before_region_start_faults():
    mem = Memory()
    pkt = mem.add_region("packet", 8)
    err, _ = raises(MemoryFault, "ldxb %r0, [%r1-1]\nexit", pkt.va, memory=mem)
    assert "r0 = *(u8 *)(r1 -1)" in str(err)
    assert "invalid read of 1 byte" in str(err)


def test_scalar_used_as_pointer_faults():
    err, _ = raises(MemoryFault, "ldxw %r0, [%r1+4]\nexit", 12345)
    assert str(err) == ("prog: insn 0: r0 = *(u32 *)(r1 +4): invalid read of 4 bytes at "
                        "0x303d (not a pointer into any region)")


def test_null_pointer_faults():
    err, _ = raises(MemoryFault, "mov %r1, 0\nstxdw [%r1+0], %r2\nexit")
    assert err.pc == 1
    assert str(err) == ("prog: insn 1: *(u64 *)(r1 +0) = r2: invalid write of 8 bytes at "
                        "0x0 (not a pointer into any region)")


def test_readonly_region_loads_but_refuses_stores():
    mem = Memory()
    ro = mem.add_region("rodata", 8, data=b"\x01\x02\x03\x04\x05\x06\x07\x08", flags=abi.F_RO)
    assert run("ldxdw %r0, [%r1+0]\nexit", ro.va, memory=mem) == 0x0807060504030201
    err, _ = raises(MemoryFault, "stw [%r1+0], 5\nexit", ro.va, memory=mem)
    assert "insn 0: *(u32 *)(r1 +0) = 5: invalid write of 4 bytes at rodata+0" in str(err)
    err, _ = raises(MemoryFault, "mov %r2, 1\nlock add [%r1+0], %r2\nexit", ro.va, memory=mem)
    assert "insn 1: lock *(u64 *)(r1 +0) += r2: invalid write of 8 bytes at rodata+0" in str(err)
    assert mem.read(ro) == b"\x01\x02\x03\x04\x05\x06\x07\x08"


def test_retired_region_makes_old_pointers_fault():
    mem = Memory()
    pkt = mem.add_region("packet", 4, data=b"\xaa\xbb\xcc\xdd")
    machine = make("ldxb %r0, [%r1+0]\nexit", mem)
    assert machine.run(pkt.va) == 0xAA
    mem.retire(pkt)
    with pytest.raises(MemoryFault) as info:
        machine.run(pkt.va)
    assert str(info.value) == ("prog: insn 0: r0 = *(u8 *)(r1 +0): invalid read of 1 byte at "
                               "packet+0 (region no longer valid: the packet was moved or freed)")


def test_set_window_narrows_access():
    mem = Memory()
    pkt = mem.add_region("packet", 8, data=bytes(range(8)))
    mem.set_window(pkt, 2, 6)
    load = "ldxb %r0, [%r1+{}]\nexit"
    assert run(load.format(2), pkt.va, memory=mem) == 2
    assert run(load.format(5), pkt.va, memory=mem) == 5
    for off in (1, 6):
        err, _ = raises(MemoryFault, load.format(off), pkt.va, memory=mem)
        assert f"at packet+{off} (valid offsets 2..5)" in str(err)
    err, _ = raises(MemoryFault, "ldxw %r0, [%r1+4]\nexit", pkt.va, memory=mem)
    assert "invalid read of 4 bytes at packet+4 (valid offsets 2..5)" in str(err)
    mem.set_window(pkt, 0, 8)  # widening again restores access
    assert run("ldxdw %r0, [%r1+0]\nexit", pkt.va, memory=mem) == 0x0706050403020100


def test_fault_inside_callee_names_the_callee_insn():
    src = "call local f\nexit\nf:\nmov %r1, 0\nldxb %r0, [%r1+3]\nexit"
    err, _ = raises(MemoryFault, src)
    assert err.pc == 3
    assert "insn 3: r0 = *(u8 *)(r1 +3): invalid read of 1 byte at 0x3" in str(err)


def test_memory_errors_are_pybpf_and_runtime_errors():
    err, _ = raises(MemoryFault, "ldxb %r0, [%r1+0]\nexit", 0)
    assert isinstance(err, VMError) and isinstance(err, PyBPFError)
    assert isinstance(err, RuntimeError)
    assert err.detail.startswith("r0 = *(u8 *)(r1 +0)")


# =========================================================================== context accessor

@pytest.fixture
def ctx_env():
    """A 24-byte ctx whose bytes 0..3 are ->data and 4..7 ->data_end of a 16-byte packet."""
    mem = Memory(ctx_size=24)
    mem.ctxmap[0:4] = abi.CTX_DATA
    mem.ctxmap[4:8] = abi.CTX_DATA_END
    pkt = mem.add_region("packet", 16, data=bytes(range(1, 17)))

    def machine(src, **kw):
        m = make(src, mem, **kw)
        m.st[abi.PKT_DATA] = pkt.va
        m.st[abi.PKT_END] = pkt.va + 16
        return m
    return mem, pkt, machine


def test_ctx_data_field_loads_packet_pointer(ctx_env):
    mem, pkt, machine = ctx_env
    m = machine("ldxw %r0, [%r1+0]\nexit")
    assert m.run(CTX_VA) == pkt.va
    # run() keeps the packet pointers it was given (they are not reset per run)
    assert int(m.st[abi.PKT_DATA]) == pkt.va and int(m.st[abi.PKT_END]) == pkt.va + 16
    assert m.run(CTX_VA) == pkt.va
    m = machine("ldxw %r2, [%r1+0]\nldxw %r3, [%r1+4]\nmov %r0, %r3\nsub %r0, %r2\nexit")
    assert m.run(CTX_VA) == 16
    m = machine("ldxw %r2, [%r1+0]\nldxb %r0, [%r2+3]\nexit")
    assert m.run(CTX_VA) == 4


@pytest.mark.parametrize("src, size, off", [
    ("ldxdw %r0, [%r1+0]", 8, 0),
    ("ldxh %r0, [%r1+0]", 2, 0),
    ("ldxb %r0, [%r1+4]", 1, 4),
    ("ldxw %r0, [%r1+2]", 4, 2),     # straddles the field
    ("ldxdw %r0, [%r1+4]", 8, 4),    # data_end plus 4 plain bytes
])
def test_ctx_pointer_field_wrong_size_faults(ctx_env, src, size, off):
    _, _, machine = ctx_env
    m = machine(src + "\nexit")
    with pytest.raises(MemoryFault) as info:
        m.run(CTX_VA)
    assert f"invalid read of {size} byte{'s' * (size > 1)} at ctx+{off}" in str(info.value)


def test_ctx_pointer_field_store_faults(ctx_env):
    mem, _, machine = ctx_env
    for src, size in (("stw [%r1+0], 1", 4), ("stxdw [%r1+0], %r1", 8), ("stb [%r1+7], 1", 1)):
        m = machine(src + "\nexit")
        with pytest.raises(MemoryFault) as info:
            m.run(CTX_VA)
        assert f"invalid write of {size} byte" in str(info.value)
    assert mem.read(mem.regions[abi.REGION_CTX], 0, 8) == bytes(8)


def test_ctx_other_bytes_are_plain_memory(ctx_env):
    mem, _, machine = ctx_env
    ctx = mem.regions[abi.REGION_CTX]
    mem.write(ctx, 16, b"\x11\x22\x33\x44\x55\x66\x77\x88")
    m = machine("ldxdw %r0, [%r1+16]\nexit")
    assert m.run(CTX_VA) == 0x8877665544332211
    m = machine("lddw %r2, 0x0102030405060708\nstxdw [%r1+8], %r2\nldxh %r0, [%r1+8]\nexit")
    assert m.run(CTX_VA) == 0x0708
    assert mem.read(ctx, 8, 16) == bytes.fromhex("0807060504030201")
    err = pytest.raises(MemoryFault, machine("ldxw %r0, [%r1+22]\nexit").run, CTX_VA).value
    assert "invalid read of 4 bytes at ctx+22 (valid offsets 0..23)" in str(err)


# =========================================================================== instruction budget

def test_infinite_loop_stops_with_instruction_limit():
    err, machine = raises(InstructionLimit, "mov %r0, 0\nja -1\nexit")
    assert err.pc == 1
    assert str(err) == (f"prog: insn 1: goto pc-1: instruction budget of {DEFAULT_BUDGET} "
                        f"exhausted (runaway loop?)")
    assert machine.executed == DEFAULT_BUDGET


def test_custom_budget_is_honoured_exactly():
    src = "mov %r0, 0\nloop:\nadd %r0, 1\nja loop\nexit"
    err, machine = raises(InstructionLimit, src, budget=1001)
    assert machine.executed == 1001
    assert "instruction budget of 1001 exhausted" in str(err)
    # 1 mov, then 500 (add, ja) pairs: the next instruction to run is the add at insn 1
    assert err.pc == 1 and "insn 1: r0 += 1" in str(err)
    assert int(machine.regs[0]) == 500


def test_budget_equal_to_instruction_count_is_enough():
    src = "mov %r0, 1\nmov %r1, 2\nadd %r0, %r1\nexit"
    machine = make(src, budget=4)
    assert machine.run() == 3 and machine.executed == 4
    err, machine = raises(InstructionLimit, src, budget=3)
    assert machine.executed == 3 and err.pc == 3 and "insn 3: exit" in str(err)


def test_executed_counts_instructions_not_slots():
    src = ("mov %r0, 0\nmov %r1, 5\nloop:\nadd %r0, %r1\nsub %r1, 1\njne %r1, 0, loop\n"
           "lddw %r2, 0x100000000\nexit")
    machine = make(src)
    assert machine.run() == 15
    assert machine.executed == 2 + 5 * 3 + 2  # lddw is one instruction of two slots
    assert make("exit").run() == 0


def test_executed_is_reset_per_run_and_counts_helper_calls():
    machine = make("call 1\ncall 1\nexit", helpers={1: lambda m, *a: 0})
    assert machine.run() == 0 and machine.executed == 3
    assert machine.run() == 0 and machine.executed == 3


# =========================================================================== bpf-to-bpf calls

def test_callee_saved_registers_survive_calls():
    src = """
        mov %r6, 6
        mov %r7, 7
        mov %r8, 8
        mov %r9, 9
        call local f
        mov %r0, %r6
        lsh %r0, 8
        or %r0, %r7
        lsh %r0, 8
        or %r0, %r8
        lsh %r0, 8
        or %r0, %r9
        exit
    f:
        mov %r6, 60
        mov %r7, 70
        mov %r8, 80
        mov %r9, 90
        mov %r0, 0
        exit
    """
    assert run(src) == 0x06070809


def test_call_passes_arguments_and_returns_r0():
    src = "mov %r1, 40\nmov %r2, 2\ncall local f\nexit\nf:\nmov %r0, %r1\nadd %r0, %r2\nexit"
    assert run(src) == 42


def test_callee_has_its_own_stack_frame():
    src = """
        stdw [%r10-8], 0x1111
        call local f
        mov %r6, %r0
        sub %r6, %r10
        ldxdw %r0, [%r10-8]
        lsh %r0, 16
        or %r0, %r6
        exit
    f:
        stdw [%r10-8], 0x2222
        mov %r0, %r10
        exit
    """
    # caller's slot untouched; callee r10 is one 512-byte frame further
    assert run(src) == (0x1111 << 16) | 512


def test_callee_may_use_caller_stack_through_a_pointer():
    src = """
        stdw [%r10-8], 5
        mov %r1, %r10
        add %r1, -8
        call local f
        ldxdw %r0, [%r10-8]
        exit
    f:
        stdw [%r1+0], 77
        exit
    """
    assert run(src) == 77


RECURSE = """
    mov %r1, {n}
    call local f
    exit
f:
    jeq %r1, 0, done
    sub %r1, 1
    call local f
done:
    mov %r0, 42
    exit
"""


def test_eight_frames_are_allowed():
    # main + f(6) + f(5) .. f(0) = 8 frames
    assert run(RECURSE.format(n=6)) == 42


@pytest.mark.parametrize("n", [7, 100])
def test_ninth_frame_raises_call_depth_error(n):
    err, _ = raises(CallDepthError, RECURSE.format(n=n))
    assert err.pc == 5
    assert str(err) == ("prog: insn 5: call pc-3: the call stack is too deep "
                        "(more than 8 frames)")


def test_callx_to_code_pointer_is_a_local_call():
    src = f"lddw %r1, {CODE_VA + 5}\ncall %r1\nadd %r0, 1\nexit\nmov %r0, 41\nexit"
    machine = make(src)
    assert machine.run() == 42
    assert machine.executed == 6


def test_callx_recursion_hits_call_depth():
    src = f"lddw %r1, {CODE_VA + 2}\ncall %r1\nexit"
    err, _ = raises(CallDepthError, src)
    assert err.pc == 2 and "callx r1" in str(err)


@pytest.mark.parametrize("target", [1 << 40, CODE_VA + 100, region_va(5), U64])
def test_callx_to_non_code_address_is_refused(target):
    err, _ = raises(VMError, f"lddw %r1, {target}\ncall %r1\nexit")
    assert type(err) is VMError
    assert str(err) == f"prog: insn 2: callx r1: callx target 0x{target:x} is not a function"


def test_callx_small_value_calls_helper():
    seen = []
    src = "mov %r1, 9\nmov %r2, 5\ncall %r2\nexit"
    assert run(src, helpers={5: lambda m, *a: seen.append(a) or 3}) == 3
    assert seen == [(9, 5, 0, 0, 0)]


# =========================================================================== helpers

def test_helper_gets_r1_to_r5_and_sets_r0():
    seen = []

    def helper(machine, r1, r2, r3, r4, r5):
        seen.append((r1, r2, r3, r4, r5))
        return r1 + r2 + r3 + r4 + r5

    src = "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, -1\ncall 12\nexit"
    assert run(src, helpers={12: helper}) == (1 + 2 + 3 + 4 + U64) & U64
    assert seen == [(1, 2, 3, 4, U64)]


def test_helper_return_is_truncated_to_u64_and_sees_the_machine():
    mem = Memory()
    buf = mem.add_region("buf", 4, data=b"\x05\x00\x00\x00")

    def helper(machine, r1, *_):
        region = machine.memory.region_of(r1)
        return -int.from_bytes(machine.memory.read(region, 0, 4), "little")

    assert run("call 3\nexit", buf.va, memory=mem, helpers={3: helper}) == U64 - 4


def test_unknown_helper_id():
    err, machine = raises(HelperError, "mov %r0, 0\ncall 400\nexit")  # beyond the kernel's
    assert err.pc == 1
    assert str(err) == "prog: insn 1: unknown helper id 400"
    assert machine.executed == 2


def test_helper_exception_becomes_helper_error():
    def boom(machine, *args):
        raise KeyError("nope")

    err, machine = raises(HelperError, "mov %r0, 0\ncall 7\nexit", helpers={7: boom})
    assert str(err) == "prog: insn 1: helper boom#7 raised KeyError: 'nope'"
    assert isinstance(err.__cause__, KeyError)
    assert "Traceback" not in str(err)
    assert machine.executed == 2


def test_helper_may_raise_vm_errors_unchanged():
    def fault(machine, *args):
        raise MemoryFault("bad pointer from helper", 0, "h")

    err, _ = raises(MemoryFault, "call 1\nexit", helpers={1: fault})
    assert str(err) == "h: bad pointer from helper"


def test_program_exit_ends_program():
    def stop(machine, r1, *_):
        raise ProgramExit(r1 * 2)

    machine = make("mov %r1, 21\ncall 4\nmov %r0, 99\nexit", helpers={4: stop})
    assert machine.run() == 42
    assert machine.executed == 2
    machine = make("call 4\nexit", helpers={4: lambda m, *a: (_ for _ in ()).throw(ProgramExit(-1))})
    assert machine.run() == U64


def test_kfunc_call_uses_kfunc_table():
    seen = []
    src = "mov %r1, 3\ncall runtime 77\nexit"
    assert run(src, kfuncs={77: lambda m, *a: seen.append(a[0]) or 8}) == 8
    assert seen == [3]
    err, _ = raises(HelperError, src)
    assert str(err) == "prog: insn 1: unknown kfunc id 77"


# =========================================================================== decode-time refusals

def decode_error(program, name="prog") -> str:
    program = assemble(program) if isinstance(program, str) else program
    with pytest.raises(DecodeError) as info:
        build_code(program, name=name)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_jump_out_of_range():
    assert decode_error("mov %r0, 1\nja +5\nexit") == \
        "prog: insn 1: jump out of range from insn 1 to 7"
    assert decode_error("ja -2\nexit") == "prog: insn 0: jump out of range from insn 0 to -1"
    assert decode_error([Insn(0x85, src=1, imm=10), Insn(0x95)]) == \
        "prog: insn 0: jump out of range from insn 0 to 11"
    assert decode_error("jeq %r1, 0, +1\nexit", name="xdp_fw") == \
        "xdp_fw: insn 0: jump out of range from insn 0 to 2"


def test_jump_into_middle_of_lddw():
    assert decode_error("ja +1\nlddw %r0, 1\nexit") == \
        "prog: insn 0: jump into the middle of lddw at insn 2"


@pytest.mark.parametrize("src", ["mov %r10, 1", "lddw %r10, 1", "ldxw %r10, [%r1+0]",
                                 "add32 %r10, 1", "be16 %r10"])
def test_write_to_r10_refused(src):
    assert decode_error(src + "\nexit") == \
        "prog: insn 0: Invalid write to the frame pointer r10 (read-only)"


def test_r10_as_arithmetic_operand_refused():
    assert "Invalid use of the frame pointer r10 as an operand of mul64_reg" in \
        decode_error("mul %r1, %r10\nexit")


@pytest.mark.parametrize("insn, message", [
    (Insn(0xFF), "unknown opcode ff"),
    (Insn(0xB7, src=1, imm=1), "mov64_imm uses reserved field src (= 1)"),
    (Insn(0xB7, off=1, imm=1), "invalid off 1 for opcode b7"),
    (Insn(0x95, imm=1), "exit uses reserved field imm (= 1)"),
    (Insn(0xB7, dst=11), "invalid register r11"),
])
def test_invalid_instruction_refused(insn, message):
    assert decode_error([Insn(0xB7), insn, Insn(0x95)]) == f"prog: insn 1: {message}"


def test_lddw_second_slot_reserved_fields():
    raw = bytes.fromhex("1800000001000000" "0100000000000000" "9500000000000000")
    assert decode_error(raw) == "prog: insn 0: lddw second slot uses reserved fields"


def test_truncated_bytecode_refused():
    with pytest.raises(DecodeError, match="lddw is missing its second slot"):
        build_code(bytes.fromhex("1800000001000000"))
    with pytest.raises(DecodeError, match="bytecode length 12 is not a multiple of 8"):
        build_code(bytes(12))


def test_empty_program_refused():
    assert decode_error([]) == "prog: no instructions"
    assert decode_error(b"", name="empty") == "empty: no instructions"


def test_falling_off_the_end():
    err, machine = raises(VMError, "mov %r0, 1\njeq %r0, 2, +0\nadd %r0, 1")
    assert type(err) is VMError
    assert err.pc == 3
    assert str(err) == ("prog: insn 3: execution fell off the end of the program "
                        "(last instruction is not an exit or jump)")
    assert machine.executed == 4 and int(machine.regs[0]) == 2


def test_unresolved_pseudo_lddw_cannot_run():
    raw = bytes.fromhex("1811000000000000" "0000000000000000" "9500000000000000")
    err, _ = raises(VMError, decode(raw))
    assert str(err) == ("prog: insn 0: r1 = map[id:0]: cannot execute this instruction "
                        "(unresolved lddw pseudo form or the middle of a lddw)")


# =========================================================================== arithmetic edge cases

LDMIN64 = "lddw %r0, 0x8000000000000000\n"
BIG = "lddw %r0, 0x1234567890\nmov %r1, 0\n"


@pytest.mark.parametrize("src, expected", [
    # division / modulo by zero: quotient 0, remainder = dividend (32-bit: zero-extended)
    (BIG + "div %r0, %r1", 0),
    (BIG + "div32 %r0, %r1", 0),
    (BIG + "mod %r0, %r1", 0x1234567890),
    (BIG + "mod32 %r0, %r1", 0x34567890),
    ("mov %r0, -7\nmov %r1, 0\nsdiv %r0, %r1", 0),
    ("mov %r0, -7\nmov %r1, 0\nsdiv32 %r0, %r1", 0),
    ("mov %r0, -7\nmov %r1, 0\nsmod %r0, %r1", (-7) & U64),
    ("mov %r0, -7\nmov %r1, 0\nsmod32 %r0, %r1", 0xFFFFFFF9),
    # INT_MIN / -1 does not trap: quotient INT_MIN, remainder 0
    (LDMIN64 + "sdiv %r0, -1", 0x8000000000000000),
    (LDMIN64 + "smod %r0, -1", 0),
    (LDMIN64 + "mov %r1, -1\nsdiv %r0, %r1", 0x8000000000000000),
    ("mov32 %r0, 0x80000000\nsdiv32 %r0, -1", 0x80000000),
    ("mov32 %r0, 0x80000000\nsmod32 %r0, -1", 0),
    ("mov32 %r0, 0x80000000\nmov %r1, -1\nsmod32 %r0, %r1", 0),
    # signed division truncates toward zero; remainder has the dividend's sign
    ("mov %r0, -7\nsdiv %r0, 2", (-3) & U64),
    ("mov %r0, -7\nsmod %r0, 2", (-1) & U64),
    ("mov %r0, 7\nsmod %r0, -2", 1),
    ("mov32 %r0, -7\nsdiv32 %r0, 2", 0xFFFFFFFD),
    # unsigned division of "negative" values
    ("mov %r0, -1\ndiv %r0, 2", U64 >> 1),
    ("mov %r0, -1\ndiv32 %r0, 2", 0x7FFFFFFF),
    # shift amounts are masked to the operand width
    ("mov %r0, 1\nmov %r1, 65\nlsh %r0, %r1", 2),
    ("mov %r0, 1\nmov %r1, 33\nlsh32 %r0, %r1", 2),
    ("mov %r0, -1\nmov %r1, 68\nrsh %r0, %r1", U64 >> 4),
    ("mov32 %r0, 0x80000000\nmov %r1, 36\narsh32 %r0, %r1", 0xF8000000),
    (LDMIN64 + "mov %r1, 127\narsh %r0, %r1", U64),
    # 32-bit ALU zero-extends into the upper half
    ("mov %r0, -1\nadd32 %r0, 1", 0),
    ("mov %r0, -1\nmov32 %r0, %r0", 0xFFFFFFFF),
    ("mov %r0, 5\nneg32 %r0", 0xFFFFFFFB),
    ("mov %r0, 5\nneg %r0", (-5) & U64),
    # sign-extending moves
    ("mov %r1, 0x80\nmovsx864 %r0, %r1", 0xFFFFFFFFFFFFFF80),
    ("mov %r1, 0x80\nmovsx832 %r0, %r1", 0xFFFFFF80),
    ("mov %r1, 0x7f\nmovsx864 %r0, %r1", 0x7F),
    ("mov %r1, 0x8000\nmovsx1664 %r0, %r1", 0xFFFFFFFFFFFF8000),
    ("mov %r1, 0x8000\nmovsx1632 %r0, %r1", 0xFFFF8000),
    ("mov32 %r1, 0x80000000\nmovsx3264 %r0, %r1", 0xFFFFFFFF80000000),
    # byte swaps
    ("lddw %r0, 0x1122334455667788\nbswap16 %r0", 0x8877),
    ("lddw %r0, 0x1122334455667788\nbswap32 %r0", 0x88776655),
    ("lddw %r0, 0x1122334455667788\nbswap64 %r0", 0x8877665544332211),
    ("lddw %r0, 0x1122334455667788\nbe16 %r0", 0x8877),
    ("lddw %r0, 0x1122334455667788\nbe32 %r0", 0x88776655),
    ("lddw %r0, 0x1122334455667788\nbe64 %r0", 0x8877665544332211),
    ("lddw %r0, 0x1122334455667788\nle16 %r0", 0x7788),
    ("lddw %r0, 0x1122334455667788\nle32 %r0", 0x55667788),
    ("lddw %r0, 0x1122334455667788\nle64 %r0", 0x1122334455667788),
])
def test_alu_edge_cases(src, expected):
    assert run(src + "\nexit") == expected


@pytest.mark.parametrize("load, expected", [
    ("ldxsb", 0xFFFFFFFFFFFFFF88), ("ldxsh", 0xFFFFFFFFFFFF8788),
    ("ldxsw", 0xFFFFFFFF85868788), ("ldxb", 0x88), ("ldxh", 0x8788), ("ldxw", 0x85868788),
    ("ldxdw", 0x8182838485868788),
])
def test_sign_extending_loads(load, expected):
    src = f"lddw %r1, 0x8182838485868788\nstxdw [%r10-8], %r1\n{load} %r0, [%r10-8]\nexit"
    assert run(src) == expected


# =========================================================================== atomics

OLD64 = 0x00F0_0000_0000_0F0F
OLD32 = 0x8000_0F0F
OPERAND = 0x0000_0001_0000_FFF1


def _atomic(op: str, old: int, operand: int, bits: int):
    mask = (1 << bits) - 1
    return {"add": (old + operand) & mask, "or": old | (operand & mask),
            "and": old & operand, "xor": (old ^ operand) & mask}[op]


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("fetch", [False, True])
@pytest.mark.parametrize("op", ["add", "or", "and", "xor"])
def test_atomic_alu(op, fetch, bits):
    old = OLD64 if bits == 64 else OLD32
    sfx = "32" if bits == 32 else ""
    store = "stxdw" if bits == 64 else "stxw"
    # a canary word above a 32-bit target checks that only 4 bytes are written
    src = f"""
        lddw %r2, {old}
        {store} [%r10-16], %r2
        stw [%r10-12], 0x5a5a5a5a
        lddw %r1, {OPERAND}
        lock {'fetch ' if fetch else ''}{op}{sfx} [%r10-16], %r1
        stxdw [%r10-8], %r1
        ldx{'dw' if bits == 64 else 'w'} %r0, [%r10-16]
        exit
    """ if bits == 32 else f"""
        lddw %r2, {old}
        {store} [%r10-16], %r2
        lddw %r1, {OPERAND}
        lock {'fetch ' if fetch else ''}{op}{sfx} [%r10-16], %r1
        stxdw [%r10-8], %r1
        ldxdw %r0, [%r10-16]
        exit
    """
    machine = make(src)
    assert machine.run() == _atomic(op, old, OPERAND, bits)
    stack = machine.memory.regions[abi.REGION_STACK]
    r1_after = int.from_bytes(machine.memory.read(stack, 512 - 8, 512), "little")
    assert r1_after == (old if fetch else OPERAND)
    if bits == 32:
        assert machine.memory.read(stack, 512 - 12, 512 - 8) == b"\x5a" * 4


@pytest.mark.parametrize("bits", [32, 64])
def test_atomic_xchg(bits):
    sfx, ld, st = ("32", "ldxw", "stxw") if bits == 32 else ("", "ldxdw", "stxdw")
    old, new = (0x11223344, 0xFFFFFFFF) if bits == 32 else (0x1122334455667788, U64)
    src = f"""
        lddw %r2, {old}
        {st} [%r10-8], %r2
        lddw %r1, {new}
        lock xchg{sfx} [%r10-8], %r1
        {ld} %r3, [%r10-8]
        mov %r0, %r3
        xor %r0, %r1
        exit
    """
    assert run(src) == old ^ new
    check = src.replace("mov %r0, %r3\n        xor %r0, %r1", "mov %r0, %r1")
    assert run(check) == old   # the register gets the old value, zero-extended


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("match", [True, False])
def test_atomic_cmpxchg(bits, match):
    sfx, ld, st = ("32", "ldxw", "stxw") if bits == 32 else ("", "ldxdw", "stxdw")
    old = 0x89ABCDEF if bits == 32 else 0x0123456789ABCDEF
    # for 32 bits only the low half of r0 is compared
    expect = (old | (0xDEAD << 32) if bits == 32 else old) if match else 5
    src = f"""
        lddw %r2, {old}
        {st} [%r10-8], %r2
        lddw %r0, {expect}
        mov %r1, 77
        lock cmpxchg{sfx} [%r10-8], %r1
        {ld} %r3, [%r10-8]
        stxdw [%r10-16], %r3
        exit
    """
    machine = make(src)
    assert machine.run() == old   # r0 = old value (zero-extended for 32 bits)
    stack = machine.memory.regions[abi.REGION_STACK]
    mem_after = int.from_bytes(machine.memory.read(stack, 512 - 16, 512 - 8), "little")
    assert mem_after == (77 if match else old)


def test_atomic_out_of_bounds_faults():
    err, _ = raises(MemoryFault, "mov %r1, 1\nlock fetch add [%r10-520], %r1\nexit")
    assert err.pc == 1
    assert str(err) == ("prog: insn 1: r1 = atomic64_fetch_add((u64 *)(r10 -520), r1): invalid "
                        "write of 8 bytes at stack-8 (before the start of the region)")


# =========================================================================== legacy packet loads

@pytest.fixture
def pkt_env():
    mem = Memory()
    pkt = mem.add_region("packet", 16, data=bytes(range(0x10, 0x20)))

    def machine(src):
        m = make(src, mem)
        m.st[abi.PKT_DATA] = pkt.va
        m.st[abi.PKT_END] = pkt.va + 16
        return m
    return mem, pkt, machine


@pytest.mark.parametrize("src, expected", [
    ("ldabsb 0", 0x10), ("ldabsh 2", 0x1213), ("ldabsw 12", 0x1C1D1E1F),
    ("ldabsb 15", 0x1F),
    ("mov %r3, 4\nldindh %r3, 2", 0x1617), ("mov %r3, 8\nldindw %r3, 4", 0x1C1D1E1F),
    ("mov %r3, 1\nldindb %r3, 0", 0x11),
])
def test_legacy_packet_load_is_big_endian(pkt_env, src, expected):
    _, _, machine = pkt_env
    assert machine(src + "\nexit").run() == expected


@pytest.mark.parametrize("src", ["ldabsw 13", "ldabsb 16", "ldabsh 0x7fffffff",
                                 "mov %r3, 12\nldindw %r3, 1", "mov %r3, 16\nldindb %r3, 0"])
def test_legacy_packet_load_out_of_range_returns_zero(pkt_env, src):
    _, _, machine = pkt_env
    m = machine("mov %r0, 99\n" + src + "\nmov %r0, 7\nexit")
    assert m.run() == 0
    assert m.executed == 2 + src.count("\n")  # the program ended at the load


def test_legacy_packet_load_without_packet_returns_zero():
    assert run("mov %r0, 5\nldabsb 0\nmov %r0, 7\nexit") == 0


def test_legacy_packet_load_from_retired_packet_faults(pkt_env):
    mem, pkt, machine = pkt_env
    m = machine("ldabsb 1\nexit")
    mem.retire(pkt)
    with pytest.raises(MemoryFault) as info:
        m.run()
    assert "insn 0: r0 = *(u8 *)skb[1]" in str(info.value)
    assert "region no longer valid" in str(info.value)


def test_stack_is_zeroed_per_run():
    machine = make("ldxdw %r0, [%r10-8]\nstdw [%r10-8], 9\nexit")
    assert machine.run() == 0
    assert machine.run() == 0


def test_registers_start_from_args():
    machine = make("mov %r0, %r1\nadd %r0, %r2\nadd %r0, %r5\nadd %r0, %r6\nexit")
    assert machine.run(1, 2, 3, 4, 5) == 8
    assert machine.run(-1, 1) == 0
    assert int(np.uint64(machine.regs[10])) == STACK_VA + 512


@pytest.mark.parametrize("reg", [1, 2, 3, 4, 5])
def test_each_argument_lands_in_its_register_mod_2_64_run_after_run(reg):
    machine = make(f"mov %r0, %r{reg}\nexit")
    for value in (-1, 1 << 63, U64, 0, 7, -1, 1 << 63, (1 << 64) + 5, np.uint64(9), True):
        args = [0] * (reg - 1) + [value]
        assert machine.run(*args) == int(value) & U64, (reg, value)
        assert machine.run() == 0   # no argument: zero, whatever the last run had


def test_trace_single_steps_and_still_enforces_the_budget():
    from pybpf.isa.asm_conformance import assemble as asm
    from pybpf.vm import Machine, build_code
    m = Machine(build_code(asm("mov %r0, 0\nmov %r1, 3\nl:\nadd %r0, %r1\nsub %r1, 1\njne %r1, 0, l\nexit")))
    steps = []
    assert m.run(trace=steps) == 6 and len(steps) == m.executed == 12
    assert [s.pc for s in steps[:6]] == [0, 1, 2, 3, 4, 2]
    assert steps[2].changed == ((0, 3),) and steps[2].insn == "r0 += r1"
    m.budget = 5
    with pytest.raises(InstructionLimit, match="insn 2: .*budget of 5 exhausted"):  # the 6th
        m.run(trace=[])


@pytest.mark.parametrize("src, deep", [
    # one frame, reached only at r10-8: only those 8 bytes can be dirtied
    ("ldxdw %r0, [%r10-8]\nstdw [%r10-8], 7\nexit", False),
    # a callee's frame starts dirty only if the stack were not cleared between runs
    ("call local f\nexit\nf:\nldxdw %r0, [%r10-8]\nstdw [%r10-8], 7\nexit", True),
])
def test_every_run_starts_from_a_zeroed_stack(src, deep):
    machine = make(src)
    assert machine.code.stack_in_use == (4096 if deep else 8)
    assert machine.run() == 0
    assert machine.run() == 0   # what the first run stored is gone
