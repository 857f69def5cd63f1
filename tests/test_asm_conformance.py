"""Tests of the bpf_conformance-syntax assembler and of the .data file reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybpf.conformance_data import load_corpus, parse_test_file, parse_test_text
from pybpf.errors import AssemblerError
from pybpf.isa.asm_conformance import MNEMONICS, assemble, assemble_to_bytes
from pybpf.isa.insn import Insn, decode

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "conformance"
TESTS_DIR = CORPUS / "tests"
NEGATIVE_DIR = CORPUS / "negative"

needs_corpus = pytest.mark.skipif(
    not TESTS_DIR.is_dir(), reason=f"bpf_conformance corpus not found at {CORPUS}")


def _files(directory: Path, pattern: str = "*.data") -> list[Path]:
    return sorted(directory.glob(pattern)) if directory.is_dir() else []


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# --------------------------------------------------------------------------- corpus

@needs_corpus
def test_corpus_size():
    assert len(_files(TESTS_DIR)) == 313


@needs_corpus
@pytest.mark.parametrize("path", _files(TESTS_DIR), ids=lambda p: p.stem)
def test_corpus_file_assembles(path):
    case = parse_test_file(path)
    assert case.skip_reason is None
    assert case.asm is not None and case.asm.strip()
    insns = assemble(case.asm)
    code = assemble_to_bytes(case.asm)
    assert len(code) % 8 == 0 and len(code) == 8 * sum(i.width for i in insns)
    # Decoding the encoding gives back exactly what the assembler produced.
    assert decode(code) == insns
    if case.raw is not None:
        # The only file with both (lddw.data): they must agree.
        assert code == case.raw


# --------------------------------------------------------------------------- negative corpus

# Message prefixes for the invalid_* files that have no "-- error" section.
EXPECTED_MESSAGES = {
    "invalid_imm32_dec_range": "Immediate out of 32-bit range: 2147483648",
    "invalid_imm32_hex_range": "Immediate out of 32-bit range: 0x100000000",
    "invalid_label": "Invalid label: NOT_A_LABEL",
    "invalid_mnemonic": "Invalid mnemonic: ldxq",
    "invalid_offset": "Failed to decode register and offset: %r1",
    "invalid_offset_range": "Offset out of 16-bit range: 0x10000",
    "invalid_operand_count": "Invalid number of operands for mnemonic: lddw",
    "invalid_register": "Invalid register: %r50",
    "invalid_lock": "Invalid number of operands for lock",
    "invalid_lock2": "Invalid number of operands for lock",
}


@needs_corpus
@pytest.mark.parametrize("path", _files(NEGATIVE_DIR, "invalid_*.data"), ids=lambda p: p.stem)
def test_negative_invalid_files_are_refused(path):
    case = parse_test_file(path)
    if case.unknown_sections:
        # invalid_unknown_directive.data: its asm section is empty and it is cut by a
        # "-- Unknown directive" line; the suite's runner skips such a file (its
        # "-- error Invalid register" text is never reached). We flag it the same way.
        assert case.skip_reason and "unknown directive" in case.skip_reason
        assert not case.has_program
        return
    with pytest.raises(AssemblerError) as info:
        case.program_bytes()
    message = str(info.value)
    if case.error:
        assert message.startswith(case.error)
    assert message.startswith(EXPECTED_MESSAGES[path.stem])
    assert message.endswith(")") and "(line " in message


@needs_corpus
def test_negative_error_data_assembles():
    # or %r0, %r10 is fine for the assembler; the expected failure is the VM's.
    case = parse_test_file(NEGATIVE_DIR / "error.data")
    assert case.error == "Invalid"
    assert case.program_bytes() == h("4fa0000000000000" "9500000000000000")
    assert assemble(case.asm) == [Insn(0x4F, 0, 10, 0, 0), Insn(0x95)]


@needs_corpus
@pytest.mark.parametrize("path", _files(NEGATIVE_DIR, "unused-*.data"), ids=lambda p: p.stem)
def test_negative_unused_files_have_raw(path):
    case = parse_test_file(path)
    assert case.asm is None
    assert case.raw is not None and len(case.raw) == 16
    assert case.raw[8:] == h("9500000000000000")
    assert case.error == ""          # present but empty: any error will do
    assert case.has_program and case.program_bytes() == case.raw


@needs_corpus
def test_negative_load_corpus_sorted():
    cases = load_corpus(NEGATIVE_DIR)
    assert [c.name for c in cases] == sorted(c.name for c in cases)
    assert len(cases) == len(_files(NEGATIVE_DIR))


# --------------------------------------------------------------------------- exact encodings

ENCODINGS = [
    ("mov32 %r0, 0", "b400000000000000"),
    ("mov %r0, 1", "b700000001000000"),
    ("mov64 %r0, 1", "b700000001000000"),
    ("mov32 %r0, 0xffffffff", "b4000000ffffffff"),
    ("mov %r0, -2147483648", "b700000000000080"),
    ("add %r1, %r2", "0f21000000000000"),
    ("add32 %r1, -1", "04010000ffffffff"),
    ("sub %r9, %r10", "1fa9000000000000"),
    ("mul32 %r3, 7", "2403000007000000"),
    ("div %r1, %r2", "3f21000000000000"),
    ("sdiv32 %r0, %r1", "3c10010000000000"),
    ("sdiv %r0, 3", "3700010003000000"),
    ("smod %r0, 3", "9700010003000000"),
    ("smod32 %r0, %r1", "9c10010000000000"),
    ("mod32 %r0, %r1", "9c10000000000000"),
    ("or %r0, %r10", "4fa0000000000000"),
    ("and32 %r2, 0xff", "54020000ff000000"),
    ("lsh %r1, 63", "670100003f000000"),
    ("rsh32 %r1, %r2", "7c21000000000000"),
    ("arsh %r1, 1", "c701000001000000"),
    ("xor32 %r1, %r1", "ac11000000000000"),
    ("neg %r3", "8703000000000000"),
    ("neg32 %r3", "8403000000000000"),
    ("movsx832 %r0, %r1", "bc10080000000000"),
    ("movsx1632 %r0, %r1", "bc10100000000000"),
    ("movsx864 %r0, %r1", "bf10080000000000"),
    ("movsx1664 %r0, %r1", "bf10100000000000"),
    ("movsx3264 %r2, %r3", "bf32200000000000"),
    ("le16 %r0", "d400000010000000"),
    ("le32 %r0", "d400000020000000"),
    ("le64 %r0", "d400000040000000"),
    ("be16 %r0", "dc00000010000000"),
    ("be32 %r1", "dc01000020000000"),
    ("be64 %r0", "dc00000040000000"),
    ("swap16 %r1", "d701000010000000"),
    ("swap32 %r1", "d701000020000000"),
    ("bswap64 %r1", "d701000040000000"),
    ("lddw %r0, 0x123456789abcdef0", "18000000f0debc9a0000000078563412"),
    ("lddw %r1, -1", "18010000ffffffff00000000ffffffff"),
    ("lddw %r2, 0xffffffffffffffff", "18020000ffffffff00000000ffffffff"),
    ("lddw %r0, 1", "18000000010000000000000000000000"),
    ("ldxb %r0, [%r1]", "7110000000000000"),
    ("ldxh %r3, [%r1+12]", "69130c0000000000"),
    ("ldxw %r0, [%r1-4]", "6110fcff00000000"),
    ("ldxdw %r0, [%r10-8]", "79a0f8ff00000000"),
    ("ldxsb %r0, [%r1+1]", "9110010000000000"),
    ("ldxsh %r0, [%r1]", "8910000000000000"),
    ("ldxsw %r0, [%r1]", "8110000000000000"),
    ("ldxb %r0, [%r1+0xffff]", "7110ffff00000000"),
    ("ldxb %r0, [%r1-32768]", "7110008000000000"),
    ("stb [%r1+2], 0x11", "7201020011000000"),
    ("sth [%r1+2], 0x1122", "6a01020022110000"),
    ("stw [%r10-4], 0x11223344", "620afcff44332211"),
    ("stdw [%r10-8], -1", "7a0af8ffffffffff"),
    ("stxb [%r1+2], %r2", "7321020000000000"),
    ("stxh [%r1+2], %r2", "6b21020000000000"),
    ("stxw [%r1+2], %r2", "6321020000000000"),
    ("stxdw [%r10-8], %r1", "7b1af8ff00000000"),
    ("lock add [%r10-8], %r1", "db1af8ff00000000"),
    ("lock fetch add [%r10-8], %r1", "db1af8ff01000000"),
    ("lock add32 [%r10-4], %r1", "c31afcff00000000"),
    ("lock fetch add32 [%r10-4], %r1", "c31afcff01000000"),
    ("lock or [%r10-8], %r1", "db1af8ff40000000"),
    ("lock fetch and32 [%r10-4], %r3", "c33afcff51000000"),
    ("lock fetch xor [%r10-8], %r3", "db3af8ffa1000000"),
    ("lock xchg [%r10-8], %r1", "db1af8ffe1000000"),
    ("lock xchg32 [%r10-8], %r1", "c31af8ffe1000000"),
    ("lock cmpxchg [%r10-8], %r1", "db1af8fff1000000"),
    ("lock cmpxchg32 [%r10-8], %r1", "c31af8fff1000000"),
    ("call 5", "8500000005000000"),
    ("call helper 5", "8500000005000000"),
    ("call %r2", "8d02000000000000"),
    ("call helper %r2", "8d02000000000000"),
    ("call runtime 7", "8520000007000000"),
    ("call local +3", "8510000003000000"),
    ("exit", "9500000000000000"),
    ("ja +1", "0500010000000000"),
    ("ja -1", "0500ffff00000000"),
    ("ja32 +3", "0600000003000000"),
    ("ja32 -70000", "0600000090eefeff"),
    ("jeq %r1, 0xb, +1", "150101000b000000"),
    ("jsgt %r1, %r2, +1", "6d21010000000000"),
    ("jset32 %r1, 0x8, -2", "4601feff08000000"),
    ("jne32 %r1, %r0, +0", "5e01000000000000"),
    ("jsle %r1, 0xfffffffd, +4", "d5010400fdffffff"),
    ("ldabsw 4", "2000000004000000"),
    ("ldabsb 0", "3000000000000000"),
    ("ldindh %r1, 2", "4810000002000000"),
]


@pytest.mark.parametrize("text,hexbytes", ENCODINGS, ids=[t for t, _ in ENCODINGS])
def test_exact_encoding(text, hexbytes):
    code = assemble_to_bytes(text)
    assert code == h(hexbytes)
    assert decode(code) == assemble(text)


def test_forward_jump_over_lddw():
    text = """
        mov %r0, 0
        jeq %r1, 5, out      # slot 1; out is slot 4 (lddw takes two slots)
        lddw %r2, 1
    out:
        exit
    """
    assert assemble_to_bytes(text) == h(
        "b700000000000000"
        "1501020005000000"
        "18020000010000000000000000000000"
        "9500000000000000")


def test_backward_jump():
    text = "top:\nadd %r0, 1\njlt32 %r0, %r1, top\nexit\n"
    assert assemble_to_bytes(text) == h(
        "0700000001000000" "ae10feff00000000" "9500000000000000")


def test_call_local_and_ja32_labels():
    text = """
        call local func1
        ja32 done
        mov %r0, 1
    done:
        exit
    func1:
        mov %r0, 2
        exit
    """
    insns = assemble(text)
    assert insns[0] == Insn(0x85, 0, 1, 0, 3)      # func1 at slot 4: 4 - 0 - 1
    assert insns[1] == Insn(0x06, 0, 0, 0, 1)      # done at slot 3: 3 - 1 - 1


def test_implicit_exit_label_forward_and_backward():
    # The first exit instruction defines the label "exit"; it may be used before it.
    insns = assemble("ja exit\nmov %r0, 1\nexit\nmov %r0, 2\nja exit\nexit\n")
    assert insns[0].off == 1
    assert insns[4].off == -3           # back to the FIRST exit (slot 2)


def test_exit_label_quirks_follow_the_suite():
    # An explicit "exit:" before the first exit instruction is replaced by it.
    insns = assemble("ja exit\nexit:\nmov %r0, 1\nexit\n")
    assert insns[0].off == 1
    # An explicit "exit:" after it is a duplicate.
    with pytest.raises(AssemblerError, match=r"^Duplicate label \(exit\)"):
        assemble("exit\nexit:\nexit\n")


def test_syntax_variants():
    # Comments, blank lines, tabs, label in front of an instruction, spaces in brackets,
    # operands separated by whitespace only.
    a = assemble("\n\t# hello\nstart: mov %r0,1   # one\n\nldxw %r1, [ %r1 + 4 ]\nadd %r0 %r1\nja start\n")
    b = assemble("start:\nmov %r0, 1\nldxw %r1, [%r1+4]\nadd %r0, %r1\nja start\n")
    assert a == b
    assert a[-1].off == -4


def test_hex_and_signed_literals():
    assert assemble("mov %r0, 0x80000000")[0].imm == -(1 << 31)
    assert assemble("mov %r0, -0x1")[0].imm == -1
    assert assemble("mov %r0, +7")[0].imm == 7
    assert assemble("mov %r0, 0XFF")[0].imm == 255
    assert assemble("ldxb %r0, [%r1+0x8000]")[0].off == -32768
    assert assemble("ldxb %r0, [%r1-0x8]")[0].off == -8
    assert assemble("lddw %r0, -9223372036854775808")[0].imm == 1 << 63
    assert assemble("lddw %r0, 18446744073709551615")[0].imm == (1 << 64) - 1


def test_mnemonic_set():
    for name in ("add", "add32", "add64", "neg64", "movsx3264", "bswap16", "jsle32",
                 "ja32", "ldxsw", "stdw", "stxdw", "lddw", "lock", "call", "exit"):
        assert name in MNEMONICS
    for name in ("jeq64", "movsx3232", "ldxq", "ldabsdw", "callx"):
        assert name not in MNEMONICS


ERRORS = [
    ("or %r0, %r50", "Invalid register: %r50 (line 1)"),
    ("mov %r11, 1", "Invalid register: %r11 (line 1)"),
    ("mov %r0, %r15", "Invalid register: %r15 (line 1)"),
    ("ldxb %r0, [%r11+1]", "Invalid register: %r11 (line 1)"),
    ("exit\nldxq %r0, %r1", "Invalid mnemonic: ldxq (line 2)"),
    ("ja NOT_A_LABEL\nexit", "Invalid label: NOT_A_LABEL (line 1)"),
    ("ja 5", "Invalid label: 5 (line 1)"),
    ("mov32 %r0, 2147483648", "Immediate out of 32-bit range: 2147483648 (line 1)"),
    ("mov32 %r0, -2147483649", "Immediate out of 32-bit range: -2147483649 (line 1)"),
    ("mov32 %r0, 0x100000000", "Immediate out of 32-bit range: 0x100000000 (line 1)"),
    ("lddw %r0, 0x10000000000000000", "Immediate out of 64-bit range"),
    ("ldxb %r0, [%r1+0x10000]", "Offset out of 16-bit range: 0x10000 (line 1)"),
    ("ldxb %r0, [%r1+32768]", "Offset out of 16-bit range: 32768 (line 1)"),
    ("ldxb %r0, [%r1-32769]", "Offset out of 16-bit range: -32769 (line 1)"),
    ("ja +32768", "Offset out of 16-bit range: 32768 (line 1)"),
    ("lddw %r0", "Invalid number of operands for mnemonic: lddw (line 1)"),
    ("exit %r0", "Invalid number of operands for mnemonic: exit (line 1)"),
    ("neg %r0, 1", "Invalid number of operands for mnemonic: neg (line 1)"),
    ("jeq %r0, 1", "Invalid number of operands for mnemonic: jeq (line 1)"),
    ("ldxb %r0, %r1", "Failed to decode register and offset: %r1 (line 1)"),
    ("stxb %r0, %r1", "Failed to decode register and offset: %r0 (line 1)"),
    ("ldxb %r0, [%r1+]", "Failed to decode register and offset: [%r1+]"),
    ("lock", "Invalid number of operands for lock (line 1)"),
    ("lock or [%r10-8]", "Invalid number of operands for lock (line 1)"),
    ("lock fetch add", "Invalid number of operands for lock (line 1)"),
    ("lock sub [%r10-8], %r1", "Invalid mnemonic: lock sub (line 1)"),
    ("call bogus 1", "Invalid call mode: bogus (line 1)"),
    ("call local nowhere", "Invalid label: nowhere (line 1)"),
    ("mov %r0, foo", "Invalid immediate: foo (line 1)"),
    ("mov %r0, 1_000", "Invalid immediate: 1_000 (line 1)"),
    ("stw [%r1], %r2", "Invalid immediate: %r2"),
    ("movsx1632 %r0, 5", "Invalid operand for movsx1632"),
    ("a:\na:\nexit", "Duplicate label (a)"),
    ("MOV %r0, 1", "Invalid mnemonic: MOV (line 1)"),
]


@pytest.mark.parametrize("text,message", ERRORS, ids=[t for t, _ in ERRORS])
def test_errors(text, message):
    with pytest.raises(AssemblerError) as info:
        assemble(text)
    assert str(info.value).startswith(message)


def test_error_line_numbers_and_first_line():
    with pytest.raises(AssemblerError, match=r"\(line 3\)$"):
        assemble("mov %r0, 1\n\nmov %r0, %r12\n")
    with pytest.raises(AssemblerError, match=r"\(line 12\)$"):
        assemble("mov %r0, 1\n\nmov %r0, %r12\n", first_line=10)


def test_jump_to_label_out_of_range():
    text = "ja far\n" + "mov %r0, 0\n" * 40000 + "far:\nexit\n"
    with pytest.raises(AssemblerError, match="Jump offset out of 16-bit range"):
        assemble(text)
    # ja32 carries its target in imm: no 16-bit limit.
    assert assemble(text.replace("ja far", "ja32 far"))[0].imm == 40000


def test_empty_input():
    assert assemble("") == []
    assert assemble("# only a comment\n\n") == []
    assert assemble_to_bytes("") == b""


# --------------------------------------------------------------------------- .data parsing

@needs_corpus
def test_parse_mem_and_result():
    case = parse_test_file(TESTS_DIR / "ldxdw.data")
    assert case.name == "ldxdw"
    assert case.mem == h("aabb1122334455667788ccdd")
    assert case.result == 0x8877665544332211
    assert case.error is None and case.raw is None
    assert case.sections == ("asm", "mem", "result")
    assert case.asm == "ldxdw %r0, [%r1+2]\nexit\n"
    assert case.asm_first_line == 4
    assert case.comments[1].startswith("SPDX-License-Identifier")


@needs_corpus
def test_parse_mem_over_two_lines_and_info_section():
    case = parse_test_file(TESTS_DIR / "mem-len.data")
    assert case.mem == h("0000000100000002")
    assert case.result == 8
    assert "no register offset" in case.sections
    assert case.skip_reason is None


@needs_corpus
def test_parse_decimal_result():
    case = parse_test_file(TESTS_DIR / "lock_or.data")
    assert case.result == 0


@needs_corpus
def test_parse_raw_words_and_c_section():
    case = parse_test_file(TESTS_DIR / "lddw.data")
    assert case.raw == h("1800000088776655" "0000000044332211" "9500000000000000")
    assert case.program_bytes() == case.raw
    prime = parse_test_file(TESTS_DIR / "prime.data")
    assert prime.sections == ("c", "asm", "result")
    assert prime.description == "Compiled by Clang"
    assert prime.result == 1
    assert "#include" not in prime.asm and "entry" not in prime.asm


@needs_corpus
def test_parse_raw_bytes_of_unused_file():
    case = parse_test_file(NEGATIVE_DIR / "unused-add64_imm-offset.data")
    assert case.raw == h("0700010001000000" "9500000000000000")
    assert case.error == ""
    assert case.result is None
    assert case.description == "Test add64_imm with non-zero offset (unused field must be zero)"


@needs_corpus
def test_parse_empty_files():
    empty = parse_test_file(NEGATIVE_DIR / "empty.data")
    assert empty.sections == () and empty.asm is None and empty.raw is None
    assert not empty.has_program and empty.result is None and empty.mem == b""
    assert empty.skip_reason == "no result or error section"
    with pytest.raises(ValueError):
        empty.program_bytes()
    no_insns = parse_test_file(NEGATIVE_DIR / "empty_instructions.data")
    assert not no_insns.has_program and no_insns.result == 0
    assert no_insns.skip_reason == "no instructions"
    assert no_insns.description == "Empty test file - no asm or raw section"


@needs_corpus
def test_parse_unknown_directive():
    case = parse_test_file(NEGATIVE_DIR / "invalid_unknown_directive.data")
    assert case.unknown_sections == ("Unknown directive",)
    assert case.asm == ""
    assert not case.has_program


def test_parse_text_variants():
    text = ("# desc\n-- asm\nmov %r0, 1 # set\n\nexit\n-- raw\n0700010001000000 95 00 00 00\n"
            "00 00 00 00\n-- mem\n0x01 2 ab\n-- result\n-1\n-- error\nboom\n")
    case = parse_test_text(text, name="x")
    assert case.asm == "mov %r0, 1\n\nexit\n"
    assert case.raw == h("0700010001000000" "9500000000000000")
    assert case.mem == h("0102ab")
    assert case.result == (1 << 64) - 1
    assert case.error == "boom"
    assert case.description == "desc"
    # raw wins over asm, as in the suite
    assert case.program_bytes() == case.raw
    with pytest.raises(ValueError):
        parse_test_text("-- raw\n0g\n")
    with pytest.raises(ValueError):
        parse_test_text("-- result\nzz\n")


def test_assembly_line_numbers_are_file_lines():
    case = parse_test_text("# c\n# d\n-- asm\nmov %r0, 1\nmov %r0, %r99\n-- result\n0\n")
    with pytest.raises(AssemblerError, match=r"Invalid register: %r99 \(line 5\)"):
        case.program_bytes()


@needs_corpus
def test_load_corpus_sorted_and_complete():
    cases = load_corpus(TESTS_DIR)
    assert len(cases) == 313
    assert [c.name for c in cases] == sorted(c.name for c in cases)
    assert all(c.has_program and c.result is not None for c in cases)
