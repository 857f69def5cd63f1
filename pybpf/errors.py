"""One error root for everything pybpf refuses or stops.

Every error message starts with *where* (``prog.o:xdp_fw: insn 12 (fw.c:34): ...``)
when that is known, then what went wrong. Each class also subclasses the builtin
exception that fits, so callers can catch either.
"""

from __future__ import annotations


class PyBPFError(Exception):
    """Root of all pybpf errors. Catch this to handle anything pybpf refuses."""


class DecodeError(PyBPFError, ValueError):
    """The bytecode is not valid BPF: unknown opcode, reserved field set, truncated lddw.

    Fix the producer of the bytecode; the message names the instruction index.
    """


class AssemblerError(PyBPFError, ValueError):
    """Assembly text could not be assembled; the message names the line."""


class ELFError(PyBPFError, ValueError):
    """The object file is corrupt, truncated, not BPF, or uses something pybpf cannot load."""


class LinkError(PyBPFError, ValueError):
    """A relocation, call or symbol could not be resolved while loading."""


class ToolchainError(PyBPFError, RuntimeError):
    """Compiling BPF C failed, or no compiler is available."""


class VMError(PyBPFError, RuntimeError):
    """A program stopped abnormally at run time.

    ``pc`` is the instruction index (in 8-byte slots, as the kernel counts),
    ``where`` the formatted location prefix.
    """

    def __init__(self, message: str, pc: int | None = None, where: str = ""):
        self.pc = pc
        self.where = where
        self.detail = message
        super().__init__(f"{where}: {message}" if where else message)


class MemoryFault(VMError):
    """A load or store touched an address outside every region it may access."""


class InstructionLimit(VMError):
    """The program ran more instructions than its budget (a runaway loop)."""


class CallDepthError(VMError):
    """bpf-to-bpf calls nested deeper than the kernel's eight frames."""


class HelperError(VMError):
    """A helper call failed: unknown helper id, or the helper's implementation raised."""


class TailCallLimit(VMError):
    """More than 33 tail calls in one run."""


class PcapError(PyBPFError, ValueError):
    """A capture file is missing, not pcap/pcapng, truncated, malformed, or not Ethernet.

    The message names the file, and the packet or block and offset when known.
    """


class TestRunRefused(PyBPFError, ValueError):
    """The input would make BPF_PROG_TEST_RUN fail (the kernel's ``errno_name``, e.g. EINVAL).

    ``pybpf run --json`` reports such a packet with ``"error"`` instead of a retval.
    """

    __test__ = False  # not a pytest class, despite the name

    def __init__(self, message: str, errno_name: str = "EINVAL"):
        self.errno_name = errno_name
        super().__init__(f"{message} ({errno_name}, as BPF_PROG_TEST_RUN would refuse it)")


class MapError(PyBPFError, OSError):
    """A map operation failed as the kernel's would (``errno``: ENOENT, E2BIG, EEXIST ...)."""

    def __init__(self, message: str, errno: int = 0):
        super().__init__(message)
        self.errno = errno
