"""Opcode field values of the BPF instruction set (RFC 9669), with the kernel's names.

An instruction is 64 bits, little-endian::

    +--------+----+----+--------+----------------+
    | opcode |dst |src | offset |   immediate    |
    | 8 bits | 4  | 4  | 16 (s) |    32 (s)      |
    +--------+----+----+--------+----------------+

The opcode byte is split by class (the low three bits)::

    ALU/ALU64/JMP/JMP32:  | op (4) | source (1) | class (3) |
    LD/LDX/ST/STX:        | mode (3) | size (2) | class (3) |
"""

# Instruction classes (opcode & 0x07).
BPF_LD = 0x00
BPF_LDX = 0x01
BPF_ST = 0x02
BPF_STX = 0x03
BPF_ALU = 0x04
BPF_JMP = 0x05
BPF_JMP32 = 0x06
BPF_ALU64 = 0x07

CLASS_NAMES = {
    BPF_LD: "BPF_LD", BPF_LDX: "BPF_LDX", BPF_ST: "BPF_ST", BPF_STX: "BPF_STX",
    BPF_ALU: "BPF_ALU", BPF_JMP: "BPF_JMP", BPF_JMP32: "BPF_JMP32", BPF_ALU64: "BPF_ALU64",
}

# Source bit of arithmetic and jump instructions (opcode & 0x08).
BPF_K = 0x00  # use the 32-bit immediate
BPF_X = 0x08  # use the src register

# Arithmetic operations (opcode & 0xf0).
BPF_ADD = 0x00
BPF_SUB = 0x10
BPF_MUL = 0x20
BPF_DIV = 0x30
BPF_OR = 0x40
BPF_AND = 0x50
BPF_LSH = 0x60
BPF_RSH = 0x70
BPF_NEG = 0x80
BPF_MOD = 0x90
BPF_XOR = 0xA0
BPF_MOV = 0xB0
BPF_ARSH = 0xC0
BPF_END = 0xD0

# Byte-order source bit for BPF_END in the BPF_ALU class (in BPF_ALU64 it means bswap).
BPF_TO_LE = 0x00
BPF_TO_BE = 0x08

# Jump operations (opcode & 0xf0).
BPF_JA = 0x00
BPF_JEQ = 0x10
BPF_JGT = 0x20
BPF_JGE = 0x30
BPF_JSET = 0x40
BPF_JNE = 0x50
BPF_JSGT = 0x60
BPF_JSGE = 0x70
BPF_CALL = 0x80
BPF_EXIT = 0x90
BPF_JLT = 0xA0
BPF_JLE = 0xB0
BPF_JSLT = 0xC0
BPF_JSLE = 0xD0

# Memory access sizes (opcode & 0x18).
BPF_W = 0x00
BPF_H = 0x08
BPF_B = 0x10
BPF_DW = 0x18
SIZE_BYTES = {BPF_B: 1, BPF_H: 2, BPF_W: 4, BPF_DW: 8}

# Memory modes (opcode & 0xe0).
BPF_IMM = 0x00
BPF_ABS = 0x20
BPF_IND = 0x40
BPF_MEM = 0x60
BPF_MEMSX = 0x80
BPF_ATOMIC = 0xC0

# Atomic operations (imm of BPF_STX | BPF_ATOMIC).
BPF_FETCH = 0x01
BPF_XCHG = 0xE0 | BPF_FETCH
BPF_CMPXCHG = 0xF0 | BPF_FETCH
BPF_LOAD_ACQ = 0x100
BPF_STORE_REL = 0x110

# src of BPF_LD | BPF_IMM | BPF_DW (lddw) pseudo forms.
BPF_PSEUDO_MAP_FD = 1
BPF_PSEUDO_MAP_VALUE = 2
BPF_PSEUDO_BTF_ID = 3
BPF_PSEUDO_FUNC = 4
BPF_PSEUDO_MAP_IDX = 5
BPF_PSEUDO_MAP_IDX_VALUE = 6

# src of BPF_JMP | BPF_CALL.
BPF_HELPER_CALL = 0
BPF_PSEUDO_CALL = 1
BPF_PSEUDO_KFUNC_CALL = 2

# Registers.
R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 = range(11)
MAX_BPF_REG = 11
BPF_REG_FP = R10

# Machine limits the kernel imposes.
STACK_SIZE = 512           # bytes per frame
MAX_CALL_FRAMES = 8        # main program plus seven nested bpf-to-bpf calls
MAX_TAIL_CALLS = 33

LDDW = BPF_LD | BPF_IMM | BPF_DW  # 0x18, the only two-slot instruction
