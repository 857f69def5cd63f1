"""The BPF instruction set: opcodes, the instruction record, THE opcode table, disassembly."""
